#include "datapath/bpf/two_dev_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <filesystem>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"
#include "common/unique_fd.h"
#include "datapath/bpf/bpf_datapath.h"
#include "datapath/bpf/bpf_maps.h"
#include "datapath/bpf/two_dev.skel.h"
#include "datapath/bpf/two_dev_abi.h"
#include "common/rollback.h"
#include "os/mounts.h"
#include "os/netns.h"

namespace nf::datapath {
namespace {

constexpr std::uint32_t kPrimaryKey = 0;
constexpr std::uint32_t kStandbyKey = 1;

}  // namespace

void TwoDevDatapath::SkeletonDeleter::operator()(nf_two_dev* skel) const { nf_two_dev::destroy(skel); }

TwoDevDatapath::TwoDevDatapath(TwoDevDatapathOptions options) : options_(std::move(options)) {
    if (options_.pin_dir.empty()) throw ConfigError("2dev datapath: pin_dir is empty");
    if (options_.standby_ifindex <= 0) throw ConfigError("2dev datapath: no standby ifindex");
    route_libbpf_logs();
    os::ensure_bpffs();
    Rollback rollback;
    const std::filesystem::path dir(options_.pin_dir);
    if (!std::filesystem::exists(dir)) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) throw SystemError(ec.value(), "create directory " + dir.string());
        rollback.push([dir] {
            std::error_code ignored;
            std::filesystem::remove(dir, ignored);  // only if empty
        });
    }
    const std::string config_pin = options_.pin_dir + "/nf2_config";
    if (options_.adopt && !std::filesystem::exists(config_pin))
        throw SystemError(ENOENT, "2dev datapath adopt: nothing pinned at " + config_pin);

    bpf_object_open_opts open_opts{};
    open_opts.sz = sizeof open_opts;
    open_opts.pin_root_path = options_.pin_dir.c_str();
    skel_.reset(nf_two_dev::open(&open_opts));
    if (!skel_) throw_errno("2dev datapath: open skeleton");
    if (!options_.adopt) {
        // A fresh start inherits nothing through a predecessor's pins.
        bpf_map* map = nullptr;
        bpf_object__for_each_map(map, skel_->obj) {
            std::error_code ignored;
            std::filesystem::remove(options_.pin_dir + "/" + bpf_map__name(map), ignored);
        }
    }
    const std::string dev_pin = options_.pin_dir + "/" + bpf_map__name(skel_->maps.nf2_slot_dev);
    if (options_.adopt && std::filesystem::exists(dev_pin)) {
        const UniqueFd pinned(bpf_obj_get(dev_pin.c_str()));
        if (!pinned) throw_errno("2dev datapath adopt: open " + dev_pin);
        if (int rc = bpf_map__reuse_fd(skel_->maps.nf2_slot_dev, pinned.get()); rc < 0)
            throw_errno(-rc, "2dev datapath adopt: reuse " + dev_pin);
    }
    if (int rc = nf_two_dev::load(skel_.get()); rc < 0) throw_errno(-rc, "2dev datapath: load programs");
    if (!options_.adopt) rollback.push([this] { unpin_every_map(skel_->obj); });
    if (!std::filesystem::exists(dev_pin)) {
        if (int rc = bpf_map__pin(skel_->maps.nf2_slot_dev, dev_pin.c_str()); rc < 0)
            throw_errno(-rc, "2dev datapath: pin " + dev_pin);
        rollback.push([dev_pin] {
            std::error_code ignored;
            std::filesystem::remove(dev_pin, ignored);
        });
    }

    std::uint32_t zero = 0;
    nf2_config cfg{};
    if (options_.adopt) {
        if (bpf_map_lookup_elem(fd_of("config"), &zero, &cfg) < 0) throw_errno("2dev datapath adopt: read config");
        if (cfg.version != NF2_CONFIG_VERSION || cfg.standby_ifindex != static_cast<std::uint32_t>(options_.standby_ifindex))
            throw ConfigError("2dev datapath adopt: the pinned state is for another standby (ifindex " +
                              std::to_string(cfg.standby_ifindex) + ")");
    } else {
        cfg.standby_ifindex = static_cast<std::uint32_t>(options_.standby_ifindex);
        cfg.version = NF2_CONFIG_VERSION;
        if (bpf_map_update_elem(fd_of("config"), &zero, &cfg, BPF_ANY) < 0) throw_errno("2dev datapath: write config");
        // Until the core says otherwise the standby carries everything, as it did before we came.
        put("tx_slot", 0, kStandbyKey);
        put("rx", kStandbyKey, 1);
    }

    // Replace-in-place (same handle/priority): adopting, the predecessor's programs run until the very
    // frame ours take over. A filter we replaced stays on undo (it forwards as before); one on a qdisc we
    // created goes with it.
    const auto hook = [&](const TcHookPoint& point, int prog_fd) {
        const bool created = attach_hook(point, prog_fd);
        rollback.push([this, point, created] {
            best_effort("2dev datapath", "undo a filter of a failed start", [&] {
                if (created) {
                    tc_remove_clsact(point.netns_fd, point.ifindex);
                    std::uint32_t key = static_cast<std::uint32_t>(point.ifindex);
                    bpf_map_delete_elem(fd_of("own_qdisc"), &key);
                } else if (!options_.adopt) {
                    tc_detach(point);
                }
            });
        });
    };
    hook(at(options_.standby_ifindex, false), bpf_program__fd(skel_->progs.nf2_rx_standby));
    hook(at(options_.standby_ifindex, true), bpf_program__fd(skel_->progs.nf2_tx));
    if (const int primary = slave_ifindex(Slot::primary); primary > 0)
        hook(at(primary, false), bpf_program__fd(skel_->progs.nf2_rx_primary));
    rollback.commit();
    spdlog::info("2dev datapath {} on standby ifindex {} (pins in {})", options_.adopt ? "adopted" : "created",
                 options_.standby_ifindex, options_.pin_dir);
}

TwoDevDatapath::~TwoDevDatapath() = default;

int TwoDevDatapath::fd_of(const char* map) const {
    const std::string_view n(map);
    bpf_map* m = n == "config"     ? skel_->maps.nf2_config
                 : n == "tx_slot"  ? skel_->maps.nf2_tx_slot
                 : n == "slot"     ? skel_->maps.nf2_slot_ifidx
                 : n == "slot_dev" ? skel_->maps.nf2_slot_dev
                 : n == "rx"       ? skel_->maps.nf2_rx_deliver
                 : n == "counters" ? skel_->maps.nf2_counters
                                   : skel_->maps.nf2_own_qdisc;
    return bpf_map__fd(m);
}

void TwoDevDatapath::put(const char* map, std::uint32_t key, std::uint32_t value) {
    if (bpf_map_update_elem(fd_of(map), &key, &value, BPF_ANY) < 0)
        throw_errno(std::string("2dev datapath: write ") + map);
}

std::uint32_t TwoDevDatapath::get(const char* map, std::uint32_t key) const {
    std::uint32_t value = 0;
    if (bpf_map_lookup_elem(fd_of(map), &key, &value) < 0) throw_errno(std::string("2dev datapath: read ") + map);
    return value;
}

void TwoDevDatapath::require_live() const {
    if (!skel_) throw std::logic_error("2dev datapath used after release() or teardown()");
}

bool TwoDevDatapath::attach_hook(const TcHookPoint& point, int prog_fd) {
    const bool created = tc_attach(point, prog_fd);
    if (created) put("own_qdisc", static_cast<std::uint32_t>(point.ifindex), 1);
    return created;
}

void TwoDevDatapath::detach_primary_hook(int ifindex) {
    tc_detach(at(ifindex, false));
    std::uint32_t key = static_cast<std::uint32_t>(ifindex), owned = 0;
    if (bpf_map_lookup_elem(fd_of("own_qdisc"), &key, &owned) == 0) {
        tc_remove_clsact(options_.netns_fd, ifindex);
        bpf_map_delete_elem(fd_of("own_qdisc"), &key);
    }
}

void TwoDevDatapath::attach(Slot slot, const SlaveEndpoint& slave) {
    require_live();
    if (slave.ifindex <= 0) throw ConfigError("2dev datapath: slave " + slave.name + " has no ifindex");
    if (slot == Slot::standby) {
        if (slave.ifindex != options_.standby_ifindex)
            throw ConfigError("2dev datapath: the standby slot is the standby itself (ifindex " +
                              std::to_string(options_.standby_ifindex) + "), not " + slave.name);
        put("slot", kStandbyKey, static_cast<std::uint32_t>(slave.ifindex));
        return;
    }
    if (slave.ifindex == options_.standby_ifindex)
        throw ConfigError("2dev datapath: the standby cannot be its own primary");
    const int old = slave_ifindex(Slot::primary);
    if (old > 0 && old != slave.ifindex) detach_primary_hook(old);  // usually gone with its device
    // Map first: the RX program ignores devices that are not in the slot map.
    put("slot", kPrimaryKey, static_cast<std::uint32_t>(slave.ifindex));
    {
        const os::NetnsScope in_slaves(options_.netns_fd);  // the devmap resolves the ifindex here
        put("slot_dev", kPrimaryKey, static_cast<std::uint32_t>(slave.ifindex));
    }
    attach_hook(at(slave.ifindex, false), bpf_program__fd(skel_->progs.nf2_rx_primary));
    spdlog::info("2dev datapath: primary = {} (ifindex {})", slave.name, slave.ifindex);
}

void TwoDevDatapath::detach(Slot slot) {
    require_live();
    const int old = slave_ifindex(slot);
    if (old <= 0) return;
    const auto key = static_cast<std::uint32_t>(slot_index(slot));
    put("slot", key, 0);
    if (slot == Slot::standby) return;  // its filters stay: they are the master's
    bpf_map_delete_elem(fd_of("slot_dev"), &key);  // ENOENT: the kernel dropped it with its device
    detach_primary_hook(old);
}

void TwoDevDatapath::set_tx(std::optional<Slot> slot) {
    require_live();
    put("tx_slot", 0, slot ? static_cast<std::uint32_t>(slot_index(*slot)) : NF_TX_NONE);
}

void TwoDevDatapath::set_rx(Slot slot, bool deliver) {
    require_live();
    put("rx", static_cast<std::uint32_t>(slot_index(slot)), deliver ? 1 : 0);
}

void TwoDevDatapath::set_carrier(bool) {}

std::optional<Slot> TwoDevDatapath::tx() const {
    require_live();
    const auto s = get("tx_slot", 0);
    if (s >= NF_SLOTS) return std::nullopt;
    return static_cast<Slot>(s);
}

bool TwoDevDatapath::rx(Slot slot) const {
    require_live();
    return get("rx", static_cast<std::uint32_t>(slot_index(slot))) != 0;
}

int TwoDevDatapath::slave_ifindex(Slot slot) const {
    require_live();
    return static_cast<int>(get("slot", static_cast<std::uint32_t>(slot_index(slot))));
}

DatapathCounters TwoDevDatapath::counters() const {
    require_live();
    return sum_percpu_counters(fd_of("counters"), "2dev datapath");
}

void TwoDevDatapath::release() {
    if (skel_) spdlog::info("2dev datapath: released (filters and pins stay in {})", options_.pin_dir);
    skel_.reset();
}

void TwoDevDatapath::teardown() {
    require_live();
    // Filters first, so nothing runs against maps being unpinned; best effort, the rest must still go.
    best_effort("2dev datapath teardown", "tx filter", [&] { tc_detach(at(options_.standby_ifindex, true)); });
    best_effort("2dev datapath teardown", "standby rx filter", [&] { tc_detach(at(options_.standby_ifindex, false)); });
    if (const int primary = slave_ifindex(Slot::primary); primary > 0)
        best_effort("2dev datapath teardown", "primary rx filter", [&] { tc_detach(at(primary, false)); });
    const int own = fd_of("own_qdisc");
    std::vector<std::uint32_t> owned;
    std::uint32_t key = 0, next = 0;
    for (void* prev = nullptr; bpf_map_get_next_key(own, prev, &next) == 0; prev = &key) {
        owned.push_back(next);
        key = next;
    }
    for (const auto ifindex : owned)
        best_effort("2dev datapath teardown", "clsact qdisc",
                    [&] { tc_remove_clsact(options_.netns_fd, static_cast<int>(ifindex)); });
    if (const int failures = unpin_every_map(skel_->obj); failures > 0)
        spdlog::warn("2dev datapath teardown: {} map(s) could not be unpinned", failures);
    std::error_code ec;
    std::filesystem::remove(options_.pin_dir + "/" + bpf_map__name(skel_->maps.nf2_slot_dev), ec);
    std::filesystem::remove(options_.pin_dir, ec);  // only if empty
    skel_.reset();
    spdlog::info("2dev datapath: torn down (standby ifindex {})", options_.standby_ifindex);
}

}  // namespace nf::datapath
