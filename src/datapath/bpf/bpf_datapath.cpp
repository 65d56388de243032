#include "datapath/bpf/bpf_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/rollback.h"
#include "common/unique_fd.h"
#include "datapath/bpf/failover.skel.h"
#include "datapath/bpf/failover_abi.h"
#include "datapath/bpf/bpf_maps.h"
#include "datapath/bpf/tc_hook.h"
#include "os/mounts.h"
#include "os/netns.h"
#include "common/best_effort.h"

namespace nf::datapath {
namespace {

// nf_own_qdisc values: which namespace the device whose clsact we created lives in.
constexpr std::uint32_t kQdiscInMasterNs = 1;
constexpr std::uint32_t kQdiscInSlaveNs = 2;

int libbpf_to_spdlog(libbpf_print_level level, const char* format, va_list args) {
    // The verifier log arrives as one argument of many KiB: size the buffer to it.
    va_list copy;
    va_copy(copy, args);
    int len = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    std::string text(len > 0 ? static_cast<std::size_t>(len) : 0, '\0');
    std::vsnprintf(text.data(), text.size() + 1, format, args);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    // bpf_tc_hook_create reports an existing clsact (normal when adopting) through the kernel's extack.
    bool expected = text.find("Exclusivity flag on") != std::string::npos;
    if (level == LIBBPF_WARN && !expected) spdlog::warn("libbpf: {}", text);
    else spdlog::debug("libbpf: {}", text);
    return 0;
}

// mkdir -p; returns the directories it created, outermost first.
std::vector<std::filesystem::path> make_directories(const std::filesystem::path& path) {
    std::vector<std::filesystem::path> created;
    for (auto dir = path; !dir.empty() && !std::filesystem::exists(dir); dir = dir.parent_path()) {
        created.insert(created.begin(), dir);
        if (dir == dir.parent_path()) break;
    }
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw SystemError(ec.value(), "create directory " + path.string());
    return created;
}

}  // namespace

void route_libbpf_logs() {
    static std::once_flag once;
    std::call_once(once, [] { libbpf_set_print(libbpf_to_spdlog); });
}

void BpfDatapath::SkeletonDeleter::operator()(nf_failover* skel) const { nf_failover::destroy(skel); }

BpfDatapath::BpfDatapath(BpfDatapathOptions options) : options_(std::move(options)) {
    if (options_.pin_dir.empty()) throw ConfigError("bpf datapath: pin_dir is empty");
    if (options_.master_ifindex <= 0) throw ConfigError("bpf datapath: no master ifindex");
    if (options_.model == BpfModel::hidden && options_.peer_ifindex <= 0)
        throw ConfigError("bpf datapath: the hidden model needs the master's veth peer ifindex");
    route_libbpf_logs();
    os::ensure_bpffs();
    Rollback rollback;
    for (const auto& dir : make_directories(options_.pin_dir))
        rollback.push([dir] { std::filesystem::remove(dir); });  // only if empty, like rmdir

    const std::string config_pin = options_.pin_dir + "/nf_config";
    if (options_.adopt && !std::filesystem::exists(config_pin))
        throw SystemError(ENOENT, "bpf datapath adopt: nothing pinned at " + config_pin);

    bpf_object_open_opts open_opts{};
    open_opts.sz = sizeof open_opts;
    open_opts.pin_root_path = options_.pin_dir.c_str();  // LIBBPF_PIN_BY_NAME maps pin (and reuse) here
    skel_.reset(nf_failover::open(&open_opts));
    if (!skel_) throw_errno("bpf datapath: open skeleton");

    if (!options_.adopt) {
        // A fresh start must not inherit a predecessor's state through its pins.
        bpf_map* map = nullptr;
        bpf_object__for_each_map(map, skel_->obj) {
            std::filesystem::remove(options_.pin_dir + "/" + bpf_map__name(map));
        }
    }
    // The slot devmap is pinned and reused by hand (see failover.bpf.c).
    const std::string dev_pin = options_.pin_dir + "/" + bpf_map__name(skel_->maps.nf_slot_dev);
    if (options_.adopt && std::filesystem::exists(dev_pin)) {
        const UniqueFd pinned(bpf_obj_get(dev_pin.c_str()));
        if (!pinned) throw_errno("bpf datapath adopt: open " + dev_pin);
        if (int rc = bpf_map__reuse_fd(skel_->maps.nf_slot_dev, pinned.get()); rc < 0)
            throw_errno(-rc, "bpf datapath adopt: reuse " + dev_pin);
    }
    if (int rc = nf_failover::load(skel_.get()); rc < 0) throw_errno(-rc, "bpf datapath: load programs");
    if (!options_.adopt) rollback.push([this] { unpin_every_map(skel_->obj); });
    if (!std::filesystem::exists(dev_pin)) {
        // Fresh, or adopting pins of a version without it: from now on it is pinned with the others.
        if (int rc = bpf_map__pin(skel_->maps.nf_slot_dev, dev_pin.c_str()); rc < 0)
            throw_errno(-rc, "bpf datapath: pin " + dev_pin);
        rollback.push([dev_pin] { std::filesystem::remove(dev_pin); });
    }

    if (options_.adopt) {
        nf_config cfg{};
        std::uint32_t zero = 0;
        if (bpf_map_lookup_elem(map_fd("config"), &zero, &cfg) < 0) throw_errno("bpf datapath adopt: read config");
        auto model = options_.model == BpfModel::hidden ? NF_MODEL_HIDDEN : NF_MODEL_3DEV;
        if (cfg.model != static_cast<std::uint32_t>(model))
            throw ConfigError("bpf datapath adopt: pinned state is for the other device model");
    } else {
        initialize_maps();
    }

    // Replace-in-place on the same handle/priority: when adopting, the predecessor's programs run until
    // the very frame ours take over, and both read the same pinned maps.
    // Adopting, a filter we replaced was the predecessor's and stays (it forwards as before); one we added
    // to a qdisc we created goes with that qdisc.
    const TcHookPoint tx = tx_hook_point();
    const bool tx_qdisc = attach_tx_hook();
    rollback.push([this, tx, tx_qdisc] { undo_hook(tx, tx_qdisc); });
    for (Slot slot : {Slot::primary, Slot::standby}) {
        const int ifindex = slave_ifindex(slot);
        if (ifindex <= 0) continue;
        const bool rx_qdisc = attach_rx_hook(ifindex);
        rollback.push([this, ifindex, rx_qdisc] { undo_hook({options_.slave_netns_fd, ifindex, false}, rx_qdisc); });
    }
    rollback.commit();
    spdlog::info("bpf datapath {} on master ifindex {} ({} model, pins in {})",
                 options_.adopt ? "adopted" : "created", options_.master_ifindex,
                 options_.model == BpfModel::hidden ? "hidden" : "3dev", options_.pin_dir);
}

BpfDatapath::~BpfDatapath() = default;

void BpfDatapath::initialize_maps() {
    std::uint32_t zero = 0;
    nf_config cfg{};
    if (options_.model == BpfModel::hidden) {
        cfg.model = NF_MODEL_HIDDEN;
        cfg.rx_target = static_cast<std::uint32_t>(options_.peer_ifindex);
    } else {
        cfg.model = NF_MODEL_3DEV;
        cfg.rx_target = static_cast<std::uint32_t>(options_.master_ifindex);
    }
    if (bpf_map_update_elem(map_fd("config"), &zero, &cfg, BPF_ANY) < 0) throw_errno("bpf datapath: write config");
    write_u32(map_fd("tx_slot"), 0, NF_TX_NONE, "tx slot");
}

int BpfDatapath::map_fd(const char* name) const {
    const std::string_view n(name);
    bpf_map* map = n == "config"      ? skel_->maps.nf_config
                   : n == "tx_slot"   ? skel_->maps.nf_tx_slot
                   : n == "slot"      ? skel_->maps.nf_slot_ifidx
                   : n == "slot_dev"  ? skel_->maps.nf_slot_dev
                   : n == "rx"        ? skel_->maps.nf_rx_deliver
                   : n == "counters"  ? skel_->maps.nf_counters
                                      : skel_->maps.nf_own_qdisc;
    return bpf_map__fd(map);
}

void BpfDatapath::write_u32(int fd, std::uint32_t key, std::uint32_t value, const char* what) {
    if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) < 0) throw_errno(std::string("bpf datapath: write ") + what);
}

std::uint32_t BpfDatapath::read_u32(int fd, std::uint32_t key) const {
    std::uint32_t value = 0;
    if (bpf_map_lookup_elem(fd, &key, &value) < 0) throw_errno("bpf datapath: read map");
    return value;
}

void BpfDatapath::require_live() const {
    if (!skel_) throw std::logic_error("bpf datapath used after release() or teardown()");
}

void BpfDatapath::remember_qdisc(int ifindex) {
    std::uint32_t key = static_cast<std::uint32_t>(ifindex);
    std::uint32_t where = (options_.model == BpfModel::three_dev && ifindex == options_.master_ifindex)
                              ? kQdiscInMasterNs
                              : kQdiscInSlaveNs;
    if (bpf_map_update_elem(map_fd("own_qdisc"), &key, &where, BPF_ANY) < 0)
        throw_errno("bpf datapath: record qdisc ownership");
}

TcHookPoint BpfDatapath::tx_hook_point() const {
    if (options_.model == BpfModel::three_dev) return {options_.master_netns_fd, options_.master_ifindex, true};
    return {options_.slave_netns_fd, options_.peer_ifindex, false};
}

bool BpfDatapath::attach_tx_hook() {
    const TcHookPoint at = tx_hook_point();
    const bool created = tc_attach(at, bpf_program__fd(skel_->progs.nf_tx));
    if (created) remember_qdisc(at.ifindex);
    return created;
}

bool BpfDatapath::attach_rx_hook(int ifindex) {
    const bool created = tc_attach({options_.slave_netns_fd, ifindex, false}, bpf_program__fd(skel_->progs.nf_rx));
    if (created) remember_qdisc(ifindex);
    return created;
}

void BpfDatapath::undo_hook(const TcHookPoint& at, bool created_qdisc) {
    if (created_qdisc) {
        tc_remove_clsact(at.netns_fd, at.ifindex);  // takes our filter with it
        std::uint32_t key = static_cast<std::uint32_t>(at.ifindex);
        bpf_map_delete_elem(map_fd("own_qdisc"), &key);
    } else if (!options_.adopt) {
        tc_detach(at);
    }
}

void BpfDatapath::detach_rx_hook(int ifindex) {
    tc_detach({options_.slave_netns_fd, ifindex, false});
    std::uint32_t key = static_cast<std::uint32_t>(ifindex), where = 0;
    if (bpf_map_lookup_elem(map_fd("own_qdisc"), &key, &where) == 0) {
        tc_remove_clsact(options_.slave_netns_fd, ifindex);
        bpf_map_delete_elem(map_fd("own_qdisc"), &key);
    }
}

void BpfDatapath::attach(Slot slot, const SlaveEndpoint& slave) {
    require_live();
    if (slave.ifindex <= 0) throw ConfigError("bpf datapath: slave " + slave.name + " has no ifindex");
    int old = slave_ifindex(slot);
    if (old > 0 && old != slave.ifindex) detach_rx_hook(old);  // usually already gone with its device
    // Map first: the RX program ignores devices that are not in the slot map.
    write_u32(map_fd("slot"), static_cast<std::uint32_t>(slot_index(slot)), static_cast<std::uint32_t>(slave.ifindex),
              "slot ifindex");
    {
        // The devmap resolves the ifindex in the writer's namespace: the slaves'.
        const os::NetnsScope in_slaves(options_.slave_netns_fd);
        write_u32(map_fd("slot_dev"), static_cast<std::uint32_t>(slot_index(slot)),
                  static_cast<std::uint32_t>(slave.ifindex), "slot device");
    }
    attach_rx_hook(slave.ifindex);
    spdlog::info("bpf datapath: {} = {} (ifindex {})", slot_name(slot), slave.name, slave.ifindex);
}

void BpfDatapath::detach(Slot slot) {
    require_live();
    int old = slave_ifindex(slot);
    if (old <= 0) return;
    write_u32(map_fd("slot"), static_cast<std::uint32_t>(slot_index(slot)), 0, "slot ifindex");
    std::uint32_t key = static_cast<std::uint32_t>(slot_index(slot));
    bpf_map_delete_elem(map_fd("slot_dev"), &key);  // ENOENT: the kernel dropped it with its device
    detach_rx_hook(old);
}

void BpfDatapath::set_tx(std::optional<Slot> slot) {
    require_live();
    write_u32(map_fd("tx_slot"), 0, slot ? static_cast<std::uint32_t>(slot_index(*slot)) : NF_TX_NONE, "tx slot");
}

void BpfDatapath::set_rx(Slot slot, bool deliver) {
    require_live();
    write_u32(map_fd("rx"), static_cast<std::uint32_t>(slot_index(slot)), deliver ? 1 : 0, "rx policy");
}

void BpfDatapath::set_carrier(bool on) {
    if (!options_.carrier) throw ConfigError("bpf datapath: no carrier callback");
    options_.carrier(on);
}

std::optional<Slot> BpfDatapath::tx() const {
    require_live();
    auto s = read_u32(map_fd("tx_slot"), 0);
    if (s >= NF_SLOTS) return std::nullopt;
    return static_cast<Slot>(s);
}

bool BpfDatapath::rx(Slot slot) const {
    require_live();
    return read_u32(map_fd("rx"), static_cast<std::uint32_t>(slot_index(slot))) != 0;
}

int BpfDatapath::slave_ifindex(Slot slot) const {
    require_live();
    return static_cast<int>(read_u32(map_fd("slot"), static_cast<std::uint32_t>(slot_index(slot))));
}

DatapathCounters BpfDatapath::counters() const {
    require_live();
    return sum_percpu_counters(map_fd("counters"), "bpf datapath");
}

void BpfDatapath::release() {
    if (skel_) spdlog::info("bpf datapath: released (filters and pins stay in {})", options_.pin_dir);
    skel_.reset();
}

void BpfDatapath::teardown() {
    require_live();
    // Filters first, so nothing runs against maps being unpinned; best effort, the rest must still go.
    best_effort("bpf datapath teardown", "tx filter", [&] { tc_detach(tx_hook_point()); });
    for (Slot slot : {Slot::primary, Slot::standby}) {
        int ifindex = slave_ifindex(slot);
        if (ifindex > 0) best_effort("bpf datapath teardown", "rx filter", [&] { tc_detach({options_.slave_netns_fd, ifindex, false}); });
    }
    int own = map_fd("own_qdisc");
    std::uint32_t key = 0, next = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> owned;
    for (void* prev = nullptr; bpf_map_get_next_key(own, prev, &next) == 0; prev = &key) {
        std::uint32_t where = 0;
        if (bpf_map_lookup_elem(own, &next, &where) == 0) owned.emplace_back(next, where);
        key = next;
    }
    for (auto [ifindex, where] : owned) {
        int ns = where == kQdiscInMasterNs ? options_.master_netns_fd : options_.slave_netns_fd;
        best_effort("bpf datapath teardown", "clsact qdisc", [&] { tc_remove_clsact(ns, static_cast<int>(ifindex)); });
    }
    if (const int failures = unpin_every_map(skel_->obj); failures > 0)
        spdlog::warn("bpf datapath teardown: {} map(s) could not be unpinned", failures);
    std::error_code ec;
    // Pinned by hand: when reused (adopted), libbpf does not know its pin path.
    std::filesystem::remove(options_.pin_dir + "/" + bpf_map__name(skel_->maps.nf_slot_dev), ec);
    std::filesystem::remove(options_.pin_dir, ec);  // only if empty: the directory may be shared
    skel_.reset();
    spdlog::info("bpf datapath: torn down (master ifindex {})", options_.master_ifindex);
}

}  // namespace nf::datapath
