#pragma once
// One failover master (net_failover): its two slave slots, the register/unregister steps with their
// rollbacks (R1-R5), TX choice (T2-T5), RX policy (R-X1), carrier (L2-L5), stats fold (S1-S5) and the
// operations a user applies to the master (M1-M10). No OS calls: slaves are acted on through SlaveOps.
#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>

#include "failover/config.h"
#include "failover/events.h"
#include "failover/features.h"
#include "failover/netdev.h"
#include "failover/pairing.h"
#include "failover/slave_ops.h"
#include "failover/tx.h"

namespace nf::failover {

struct MasterSpec {
    std::string name;
    NetdevKey key;                               // the master's own netdev, when the edge has created it
    Netdev standby;                              // the PV device the master is created for (C1)
    std::optional<std::string> primary_pair_id;  // pair the primary by id (netvsc N4 trusted VF)
    FailoverConfig config;
};

// An enslaved device as the master knows it: the last description, and the stats baseline (S3).
struct Slave {
    Netdev dev;
    Stats64 snapshot;
    bool flagged = true;  // carries the failover-slave flags; cleared first at unregister (R4)
    bool address_taken = false;  // paired by id: it took the master's MAC, its own is restored at release
};

class FailoverMaster {
public:
    // C1, C2: the master takes the standby's MAC, parent, netns and MTU range; mtu = initial_mtu.
    FailoverMaster(MasterSpec spec, SlaveOps& ops, EventSink& sink);
    FailoverMaster(const FailoverMaster&) = delete;
    FailoverMaster& operator=(const FailoverMaster&) = delete;

    // --- identity and state ---
    const std::string& name() const { return name_; }
    MasterIdentity identity() const { return {name_, key_}; }
    std::uint64_t netns() const { return netns_; }
    const PairingTarget& pairing_target() const { return target_; }
    const FailoverConfig& config() const { return config_; }
    MacAddress dev_addr() const { return dev_addr_; }
    MacAddress perm_addr() const { return target_.perm_addr; }
    unsigned mtu() const { return mtu_; }
    unsigned min_mtu() const { return min_mtu_; }
    unsigned max_mtu() const { return max_mtu_; }
    unsigned num_tx_queues() const { return config_.tx_queues; }
    bool running() const { return running_; }
    bool carrier() const { return carrier_; }
    bool tx_queues_stopped() const { return queues_stopped_; }
    bool promiscuous() const { return promiscuous_; }
    const std::set<std::uint16_t>& vids() const { return vids_; }
    const AddressLists& addresses() const { return addresses_; }
    const MasterFeatures& features() const { return features_; }
    ActiveChoice active_choice() const { return forced_; }

    // The slave in a role, or nullptr.
    const Netdev* slave(Role role) const;
    // A device being registered in a role whose receive path is claimed (R1.3) but which is not a slave
    // yet: from just before the core opens it (R2c) until it is published (R2f) or rolled back. The program
    // carries it, so its first frame reaches the master (net_failover's rx_handler is registered before
    // dev_open, and delivers a primary's frames from then on); TX never goes to it.
    const Netdev* joining(Role role) const;
    // The role a (flagged) slave holds here.
    std::optional<Role> role_of(NetdevKey key) const;

    // --- slave lifecycle (driven by FailoverRegistry) ---
    // P5 then R1.3-R1.6 and R2. On any failure the device is left as it was (apart from the R2e close quirk).
    std::error_code enslave(const Netdev& candidate, MatchKind how);
    // R3-R5. ENODEV when the device is not a slave here.
    std::error_code release(NetdevKey key, std::string_view reason);
    // L2 for UP/DOWN/CHANGE of a slave (`dev` is its new description).
    void link_change(const Netdev& dev, NetdevEventKind kind);
    // L7.
    void name_change(const Netdev& dev);

    // --- operations on the master ---
    std::error_code open();                                 // M9
    void close();                                           // M10
    std::error_code set_mtu(unsigned mtu);                  // M1
    std::error_code add_vid(std::uint16_t vid);             // M5
    void kill_vid(std::uint16_t vid);                       // M5: always succeeds
    void set_addresses(const AddressLists& lists);          // M4: synced to each slave
    void set_promiscuous(bool on);                          // M4: not propagated (kernel behaviour)
    std::error_code set_mac(const MacAddress& mac) const;   // M3: EOPNOTSUPP
    void set_active(ActiveChoice choice);                   // failoverctl set active
    // Orderly removal of the primary (the host asked the guest to eject it): until the primary leaves
    // (release) or the removal is cancelled, TX goes to the standby when it is xmit-ready and the
    // standby's RX is delivered in every RX mode, kernel included: the kernel's eject unbinds the driver,
    // which unregisters the primary at once. Make before break: call this before closing the primary.
    void begin_primary_removal();
    void cancel_primary_removal();
    bool primary_leaving() const { return primary_leaving_; }
    void detach();                                          // C6.1: stop TX before destroy

    // --- datapath ---
    // The slot TX goes to now (T2 + forced choice), ignoring stopped queues.
    std::optional<Role> active_slave() const;
    // What the datapath should do with the next packet: none while queues are stopped (T5).
    std::optional<Role> effective_tx() const;
    // The TX slot as decided at the end of the last change (effective_tx() then) and announced by the
    // active_changed it published: the one value the program, the counters and the announcer follow.
    std::optional<Role> tx() const { return tx_; }
    // T2-T5 for one packet; counts the master's tx_dropped.
    TxDecision transmit(const TxPacket& packet);
    // R-X1 / make-before-break: whether a frame received on `from` reaches the master.
    bool rx_delivered(Role from) const;
    // S1: folded slave counters plus the master's own drops.
    Stats64 stats();
    // L5 for a present slave.
    LowerState lower_state(Role role) const;

private:
    Slave* slot(Role role) { return slots_[slot_index(role)] ? &*slots_[slot_index(role)] : nullptr; }
    const Slave* slot(Role role) const {
        return slots_[slot_index(role)] ? &*slots_[slot_index(role)] : nullptr;
    }
    std::error_code register_slave(Netdev& dev, Role role);  // R2
    static std::string describe_join(Role role, const Netdev& dev);
    void note_running(Role role, NetdevKey key, bool on);
    bool any_slave_ready() const;
    void update_carrier();            // CarrierMode::immediate
    void set_carrier(bool on);
    void stats_checkpoint();          // S5 or its monotonic replacement
    void fold_present_slaves(Stats64& into);
    void emit_lower_state(Role role);
    void recompute_features();        // F1
    void publish_changes(const std::string& reason);
    void publish(FailoverEvent event);

    SlaveOps& ops_;
    EventSink& sink_;
    FailoverConfig config_;
    std::string name_;
    NetdevKey key_;
    std::uint64_t netns_;
    PairingTarget target_;
    MacAddress dev_addr_;
    unsigned mtu_, min_mtu_, max_mtu_;
    bool running_ = false;
    bool carrier_ = false;           // C4: created with carrier off
    bool queues_stopped_ = false;
    bool promiscuous_ = false;
    std::set<std::uint16_t> vids_;
    AddressLists addresses_;
    MasterFeatures features_;
    ActiveChoice forced_ = ActiveChoice::automatic;
    bool primary_leaving_ = false;   // begin_primary_removal() until the primary leaves
    std::array<std::optional<Slave>, 2> slots_;
    struct Joining {
        Role role;
        Netdev dev;
    };
    std::optional<Joining> joining_;  // joining(): between R2c and R2f of one registration
    Stats64 accumulated_;            // failover_stats (O3)
    Stats64 own_drops_;              // the master's core drop counters (T2.3, T5)
    bool published_carrier_ = false;
    std::optional<Role> tx_;          // tx(): the last TX published
};

}  // namespace nf::failover
