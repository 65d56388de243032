#pragma once
// `--netdev bridge,id=X,br=BR`: the host end of a PV NIC. A veth whose one end (<vm>-pv, or <vm>-pvN) is a
// port of BR and whose other end (<vm>-pvh, <vm>-pvNh) the VMM reads and writes with AF_PACKET + vnet
// headers. Deleted (both ends) when this object goes.
#include <memory>
#include <string>

#include "os/packet_socket.h"
#include "os/rtnl.h"
#include "vmm/vmm_options.h"

namespace nf::vmm {

class BridgeNetdev {
public:
    // index: position among the VM's netdevs (0 names "<vm>-pv"). Throws ConfigError when BR is not a
    // bridge or a name is taken; nothing is left behind on failure.
    static std::unique_ptr<BridgeNetdev> create(os::Rtnl& host, const std::string& vm_name, std::size_t index,
                                                const NetdevSpec& spec);
    ~BridgeNetdev();
    BridgeNetdev(const BridgeNetdev&) = delete;
    BridgeNetdev& operator=(const BridgeNetdev&) = delete;

    const NetdevSpec& spec() const { return spec_; }
    const std::string& port_name() const { return port_name_; }
    const std::string& backend_name() const { return backend_name_; }
    os::PacketSocket& socket() { return socket_; }

    // The standby whose PV path this is (QEMU: a netdev has at most one peer); empty when free.
    const std::string& user() const { return user_; }
    void set_user(std::string id) { user_ = std::move(id); }

private:
    BridgeNetdev(os::Rtnl& host, NetdevSpec spec, std::string port, std::string backend, os::PacketSocket socket)
        : host_(host), spec_(std::move(spec)), port_name_(std::move(port)), backend_name_(std::move(backend)),
          socket_(std::move(socket)) {}

    os::Rtnl& host_;
    NetdevSpec spec_;
    std::string port_name_;
    std::string backend_name_;
    os::PacketSocket socket_;
    std::string user_;
};

}  // namespace nf::vmm
