#include "failover/program.h"

namespace nf::failover {

namespace {
bool same_endpoint(const std::optional<SlaveEndpoint>& a, const std::optional<SlaveEndpoint>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    return a->name == b->name && a->ifindex == b->ifindex && a->mac == b->mac;
}
// What a datapath attaches to: the device (its ifindex) with its address. A name is only for its logs, and a
// rename is often the last word of a device on its way out of the namespace (a VMM takes a VF back under its
// host name): attaching again then writes an ifindex that is no longer here, and the update fails.
bool same_device(const std::optional<SlaveEndpoint>& a, const std::optional<SlaveEndpoint>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->ifindex == b->ifindex && a->mac == b->mac);
}
}  // namespace

bool operator==(const DatapathProgram& a, const DatapathProgram& b) {
    return same_endpoint(a.slaves[0], b.slaves[0]) && same_endpoint(a.slaves[1], b.slaves[1]) && a.tx == b.tx &&
           a.rx == b.rx && a.carrier == b.carrier;
}

DatapathProgram compute_program(const FailoverMaster& master) {
    DatapathProgram program;
    for (Role role : {Role::primary, Role::standby}) {
        const std::size_t i = slot_index(role);
        // A joining device is attached with its RX before the core opens it (master.h, joining()).
        if (const Netdev* dev = master.slave(role) ? master.slave(role) : master.joining(role)) {
            program.slaves[i] = SlaveEndpoint{dev->name, dev->ifindex, dev->dev_addr};
        }
        program.rx[i] = master.rx_delivered(role);
    }
    program.tx = master.tx();  // decided once, when the master published active_changed
    program.carrier = master.carrier();
    return program;
}

void DatapathApplier::apply(const DatapathProgram& program) {
    const bool first = !applied_;
    auto changed = [&](std::size_t i) { return first || !same_device(applied_->slaves[i], program.slaves[i]); };
    // Make before break: new slaves are attached before TX/RX point at them, old ones detached after.
    for (Role role : {Role::primary, Role::standby}) {
        const std::size_t i = slot_index(role);
        if (changed(i) && program.slaves[i]) datapath_.attach(role, *program.slaves[i]);
    }
    for (Role role : {Role::primary, Role::standby}) {
        const std::size_t i = slot_index(role);
        if (first || applied_->rx[i] != program.rx[i]) datapath_.set_rx(role, program.rx[i]);
    }
    if (first || applied_->tx != program.tx) datapath_.set_tx(program.tx);
    if (first || applied_->carrier != program.carrier) datapath_.set_carrier(program.carrier);
    for (Role role : {Role::primary, Role::standby}) {
        const std::size_t i = slot_index(role);
        if (changed(i) && !program.slaves[i]) datapath_.detach(role);
    }
    applied_ = program;
}

}  // namespace nf::failover
