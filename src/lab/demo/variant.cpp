#include "lab/demo/variant.h"

namespace nf::lab::demo {

std::string Variant::description() const {
    return std::string(filter == VfFilter::WhileBound ? "filter moved (while-bound)" : "stale filter") + " + " +
           std::string(to_string(rx)) + " RX" + (netpass ? "" : ", netpass off") + (announce ? "" : ", no announce-self") +
           (trusted_vf ? ", trusted VF (random MAC, paired by its id)" : "");
}

const std::vector<Variant>& all_variants() {
    static const std::vector<Variant> variants{
        {"moved-mbb", VfFilter::WhileBound, RxMode::make_before_break},
        {"moved-mbb-trusted-vf", VfFilter::WhileBound, RxMode::make_before_break, true, true, true},
        {"stale-mbb", VfFilter::Stale, RxMode::make_before_break},
        {"moved-kernel", VfFilter::WhileBound, RxMode::kernel},
        {"stale-kernel", VfFilter::Stale, RxMode::kernel},
        {"moved-mbb-no-netpass", VfFilter::WhileBound, RxMode::make_before_break, false},
        {"reference", VfFilter::Stale, RxMode::kernel, false, false},
    };
    return variants;
}

std::optional<Variant> find_variant(std::string_view name) {
    for (const auto& v : all_variants())
        if (v.name == name) return v;
    return std::nullopt;
}

std::vector<Variant> default_variants() {
    const auto& all = all_variants();
    return {all[0], all[1], all[2], all[3], all[5], all[6]};
}

std::string variant_names() {
    std::string out;
    for (const auto& v : all_variants()) out += (out.empty() ? "" : ", ") + v.name;
    return out;
}

namespace {

// Drops `option` and its value ("--x V" and "--x=V") from failoverd's arguments.
std::vector<std::string> without_option(const std::vector<std::string>& args, std::string_view option) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == option) {
            ++i;  // and its value
            continue;
        }
        if (args[i].starts_with(std::string(option) + "=")) continue;
        out.push_back(args[i]);
    }
    return out;
}

}  // namespace

LabConfig apply_variant(LabConfig base, const Variant& variant) {
    base.vf_filter = variant.filter;
    std::vector<std::string> args = without_option(base.guest.args, "--rx-mode");
    args.push_back("--rx-mode");
    args.push_back(std::string(to_string(variant.rx)));
    if (variant.trusted_vf && !base.vms.empty()) {
        const std::string alias = base.vms.front().primary.alias.empty() ? kTrustedVfAlias : base.vms.front().primary.alias;
        for (auto& vm : base.vms) {
            vm.primary.alias = alias;
            vm.primary.random_mac = true;
            if (vm.primary.slot == 0) vm.primary.slot = kTrustedVfSlot;
        }
        args = without_option(without_option(args, "--primary-id"), "--pair-by");
        args.push_back("--primary-id");
        args.push_back("alias:" + alias);
    }
    base.guest.args = std::move(args);
    return base;
}

}  // namespace nf::lab::demo
