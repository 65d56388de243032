#include "lab/demo/variant.h"

namespace nf::lab::demo {

std::string Variant::description() const {
    return std::string(filter == VfFilter::WhileBound ? "filter moved (while-bound)" : "stale filter") + " + " +
           std::string(to_string(rx)) + " RX" + (netpass ? "" : ", netpass off") + (announce ? "" : ", no announce-self");
}

const std::vector<Variant>& all_variants() {
    static const std::vector<Variant> variants{
        {"moved-mbb", VfFilter::WhileBound, RxMode::make_before_break},
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
    return {all[0], all[1], all[2], all[4], all[5]};
}

LabConfig apply_variant(LabConfig base, const Variant& variant) {
    base.vf_filter = variant.filter;
    std::vector<std::string> args;
    const auto& old = base.guest.args;
    for (std::size_t i = 0; i < old.size(); ++i) {
        if (old[i] == "--rx-mode") {
            ++i;  // and its value
            continue;
        }
        if (old[i].starts_with("--rx-mode=")) continue;
        args.push_back(old[i]);
    }
    args.push_back("--rx-mode");
    args.push_back(std::string(to_string(variant.rx)));
    base.guest.args = std::move(args);
    return base;
}

}  // namespace nf::lab::demo
