#pragma once
// The failover master built straight from the datapath library, with a reaction loop that mirrors
// failoverd's: rtnetlink link events of the slaves' namespace in, datapath calls out. It stands in for
// the daemon until failoverd exists, and it isolates the datapath-side cost of a switch: every switch is
// stamped when its kernel event was read (LinkMonitor) and when the datapath update returned.
//
// Policy (failoverd's defaults): TX on the primary while it is running with carrier, else the standby;
// RX delivered from both slaves (make-before-break); a primary that appears is attached and set up.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "datapath/datapath.h"
#include "net/topology.h"
#include "os/link_monitor.h"
#include "os/rtnl.h"

namespace nf::bench {

using Clock = std::chrono::steady_clock;

struct SwitchRecord {
    datapath::Slot to;
    Clock::time_point event_received;  // the rtnetlink message was read (LinkMonitor::drain)
    Clock::time_point applied;         // Datapath::set_tx returned
};

// What the benchmarks need of a master under test: in-process (datapath library) or failoverd.
class Master {
public:
    virtual ~Master() = default;
    virtual std::string describe() const = 0;  // for the report
    virtual std::optional<datapath::Slot> tx() const = 0;
    virtual std::size_t switch_count() const = 0;
    // Waits until at least `count` switches happened and TX is on `slot`; false on timeout.
    virtual bool wait_for(std::size_t count, datapath::Slot slot, std::chrono::milliseconds timeout) const = 0;
    // Per-switch stamps; only the in-process master has them.
    virtual std::vector<SwitchRecord> switches() const { return {}; }
    // failoverd's status object; null for the in-process master.
    virtual nlohmann::json status() const { return nullptr; }
};

struct MasterMode {
    std::string failoverd;  // path of the failoverd binary; empty = in-process
    int announce = 1;       // failoverd --announce
};

// The master over `topo` in the requested mode, configured (address, neighbours) and forwarding.
std::unique_ptr<Master> make_master(FailoverTopology& topo, const MasterMode& mode);

class InProcessMaster final : public Master {
public:
    // Builds the datapath over `topo`, attaches both slaves, TX on the primary, configures the master.
    explicit InProcessMaster(FailoverTopology& topo);
    ~InProcessMaster();  // stops the loop; tears the bpf datapath down (filters, pins)
    InProcessMaster(const InProcessMaster&) = delete;
    InProcessMaster& operator=(const InProcessMaster&) = delete;

    std::string describe() const override { return "in-process"; }
    std::optional<datapath::Slot> tx() const override;
    std::size_t switch_count() const override;
    std::vector<SwitchRecord> switches() const override;
    bool wait_for(std::size_t count, datapath::Slot slot, std::chrono::milliseconds timeout) const override;

private:
    void teardown_bpf();
    void loop();
    void react(const os::LinkEvent& ev);
    void switch_to(datapath::Slot slot, Clock::time_point received);

    FailoverTopology& topo_;
    std::unique_ptr<datapath::Datapath> datapath_;
    int primary_ifindex_ = 0;  // the attached primary; 0 = none (loop thread only)
    std::optional<os::LinkMonitor> monitor_;  // the slaves' namespace
    std::optional<os::Rtnl> slaves_rtnl_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::optional<datapath::Slot> tx_;
    std::vector<SwitchRecord> switches_;
    std::thread thread_;
};

// failoverd started inside the guest namespace (--standby nfbsby --foreground), asked over its control
// socket; SIGTERM on destruction (it removes its master and private namespace itself).
class FailoverdMaster final : public Master {
public:
    FailoverdMaster(FailoverTopology& topo, const MasterMode& mode);
    ~FailoverdMaster() override;
    std::string describe() const override { return "failoverd"; }
    std::optional<datapath::Slot> tx() const override;
    std::size_t switch_count() const override;
    bool wait_for(std::size_t count, datapath::Slot slot, std::chrono::milliseconds timeout) const override;
    nlohmann::json status() const override;

private:
    std::string control_;
    std::unique_ptr<class ChildProcess> daemon_;
};

}  // namespace nf::bench
