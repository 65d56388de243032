#include "failoverd/two_dev_slave_ops.h"

namespace nf::failoverd {

// The standby is the master: it is open exactly when the guest has it up, which is what opens the core's
// master in this model (Daemon::on_master_change), so there is nothing left to do to it.
std::error_code TwoDevSlaveOps::open(const failover::Netdev& dev) { return is_standby(dev) ? std::error_code{} : inner_.open(dev); }

std::error_code TwoDevSlaveOps::close(const failover::Netdev& dev) {
    return is_standby(dev) ? std::error_code{} : inner_.close(dev);
}

// The master's MTU is the standby's own.
std::error_code TwoDevSlaveOps::set_mtu(const failover::Netdev& dev, unsigned mtu) {
    return is_standby(dev) ? std::error_code{} : inner_.set_mtu(dev, mtu);
}

// The guest's addresses live on the standby: it keeps IPv6 and its link-local address.
std::error_code TwoDevSlaveOps::set_slave_flags(const failover::Netdev& dev) {
    return is_standby(dev) ? std::error_code{} : inner_.set_slave_flags(dev);
}

std::error_code TwoDevSlaveOps::clear_slave_flags(const failover::Netdev& dev) {
    return is_standby(dev) ? std::error_code{} : inner_.clear_slave_flags(dev);
}

// Only the primary becomes a port of the holder bridge (the standby is what tools should configure).
std::error_code TwoDevSlaveOps::link_to_master(const failover::Netdev& dev, const failover::MasterIdentity& master) {
    return is_standby(dev) ? std::error_code{} : inner_.link_to_master(dev, master);
}

std::error_code TwoDevSlaveOps::unlink_from_master(const failover::Netdev& dev, const failover::MasterIdentity& master) {
    return is_standby(dev) ? std::error_code{} : inner_.unlink_from_master(dev, master);
}

std::error_code TwoDevSlaveOps::take_address(const failover::Netdev& dev, const MacAddress& mac) {
    return is_standby(dev) ? std::error_code{} : inner_.take_address(dev, mac);
}

std::error_code TwoDevSlaveOps::restore_address(const failover::Netdev& dev) {
    return is_standby(dev) ? std::error_code{} : inner_.restore_address(dev);
}

}  // namespace nf::failoverd
