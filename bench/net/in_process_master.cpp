#include "net/in_process_master.h"

#include <spdlog/spdlog.h>

#include "datapath/bpf/bpf_datapath.h"
#include "datapath/bpf/two_dev_datapath.h"
#include "datapath/packet/packet_datapath.h"
#include "net/shell.h"

namespace nf::bench {

using datapath::Slot;

// The bpf datapaths leave their filters and pins behind unless torn down (crash survival): the bench does.
void InProcessMaster::teardown_bpf() {
    if (auto* bpf = dynamic_cast<datapath::BpfDatapath*>(datapath_.get())) bpf->teardown();
    if (auto* two = dynamic_cast<datapath::TwoDevDatapath*>(datapath_.get())) two->teardown();
}

InProcessMaster::InProcessMaster(FailoverTopology& topo) : topo_(topo) {
    const MacAddress mac = *MacAddress::parse(kMasterMac);
    if (topo.options().kind == MasterKind::bpf && topo.options().model == Model::two_dev) {
        datapath::TwoDevDatapathOptions o;
        o.standby_ifindex = topo.guest().ifindex(kStandbyName);
        o.netns_fd = topo.guest().fd();
        o.pin_dir = topo.pin_dir();
        datapath_ = std::make_unique<datapath::TwoDevDatapath>(std::move(o));
    } else if (topo.options().kind == MasterKind::bpf) {
        datapath::BpfDatapathOptions o;
        o.model = topo.options().model == Model::hidden ? datapath::BpfModel::hidden : datapath::BpfModel::three_dev;
        o.master_ifindex = topo.guest().ifindex(kMasterName);
        o.master_netns_fd = topo.guest().fd();
        o.peer_ifindex = topo.hidden().ifindex(kMasterPeerName);
        o.slave_netns_fd = topo.slaves_ns().fd();
        o.pin_dir = topo.pin_dir();
        const std::string hidden = topo.hidden().name();
        o.carrier = [hidden](bool on) {
            sh("ip -n " + hidden + " link set " + kMasterPeerName + (on ? " up" : " down"));
        };
        datapath_ = std::make_unique<datapath::BpfDatapath>(std::move(o));
    } else {
        datapath::PacketDatapathOptions o;
        o.master.name = kMasterName;
        o.master.mac = mac;
        o.master.master_netns_fd = topo.guest().fd();
        o.master.slave_netns_fd = topo.slaves_ns().fd();
        datapath_ = std::make_unique<datapath::PacketDatapath>(std::move(o));
    }
    try {
        const auto primary = topo.slave(Slot::primary);
        datapath_->attach(Slot::primary, primary);
        datapath_->attach(Slot::standby, topo.slave(Slot::standby));
        primary_ifindex_ = primary.ifindex;
        datapath_->set_rx(Slot::primary, true);
        datapath_->set_rx(Slot::standby, true);
        datapath_->set_tx(Slot::primary);
        tx_ = Slot::primary;
        datapath_->set_carrier(true);
        topo.configure_master();
        monitor_.emplace(os::LinkMonitor::in(topo.slaves_ns().netns()));
        slaves_rtnl_.emplace(os::Rtnl::in(topo.slaves_ns().netns()));
        thread_ = std::thread([this] { loop(); });
    } catch (...) {
        teardown_bpf();
        throw;
    }
}

InProcessMaster::~InProcessMaster() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    try {
        teardown_bpf();
    } catch (const std::exception& e) {
        spdlog::warn("bench: bpf teardown: {}", e.what());
    }
}

void InProcessMaster::loop() {
    try {
        while (!stop_.load()) {
            if (!monitor_->wait(std::chrono::milliseconds(20))) continue;
            for (const os::LinkEvent& ev : monitor_->drain()) react(ev);
        }
    } catch (const std::exception& e) {
        // A benchmark whose master stopped reacting would report nonsense: say so loudly.
        spdlog::error("bench: in-process master loop failed: {}", e.what());
    }
}

void InProcessMaster::react(const os::LinkEvent& ev) {
    if (ev.kind == os::LinkEvent::Kind::Overrun) {
        spdlog::warn("bench: link monitor overrun");
        return;
    }
    const os::LinkInfo& link = ev.link;
    if (ev.kind == os::LinkEvent::Kind::Del) {
        if (link.ifindex != primary_ifindex_ || primary_ifindex_ == 0) return;
        if (tx() == Slot::primary) switch_to(Slot::standby, ev.received);
        datapath_->detach(Slot::primary);
        primary_ifindex_ = 0;
        return;
    }
    if (link.name != kPrimaryName) return;
    if (link.ifindex != primary_ifindex_) {  // a (re-)plugged primary: a new device, a new attachment
        datapath_->attach(Slot::primary, datapath::SlaveEndpoint{link.name, link.ifindex, link.mac});
        primary_ifindex_ = link.ifindex;
        if (!link.admin_up) slaves_rtnl_->set_up(link.ifindex);
    }
    const bool ready = link.running && link.carrier;  // T1: xmit_ready
    if (ready && tx() != Slot::primary) switch_to(Slot::primary, ev.received);
    if (!ready && tx() == Slot::primary) switch_to(Slot::standby, ev.received);
}

void InProcessMaster::switch_to(Slot slot, Clock::time_point received) {
    datapath_->set_tx(slot);
    const auto applied = Clock::now();
    {
        std::lock_guard lock(mutex_);
        tx_ = slot;
        switches_.push_back({slot, received, applied});
    }
    changed_.notify_all();
}

std::optional<Slot> InProcessMaster::tx() const {
    std::lock_guard lock(mutex_);
    return tx_;
}

std::size_t InProcessMaster::switch_count() const {
    std::lock_guard lock(mutex_);
    return switches_.size();
}

std::vector<SwitchRecord> InProcessMaster::switches() const {
    std::lock_guard lock(mutex_);
    return switches_;
}

bool InProcessMaster::wait_for(std::size_t count, Slot slot, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return switches_.size() >= count && tx_ == slot; });
}

}  // namespace nf::bench
