#pragma once
// The two network namespaces a VMM works in, with one rtnetlink socket bound to each. Owned by the Vmm and
// outliving every backend; used from the VMM's main thread only (an Rtnl is not thread-safe).
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::vmm {

struct Namespaces {
    os::Netns host;   // where the VMM runs: the host bridge, the VF's host ends, the PV backend veths
    os::Netns guest;  // the VM
    os::Rtnl host_rtnl;
    os::Rtnl guest_rtnl;

    Namespaces(os::Netns host_ns, os::Netns guest_ns)
        : host(std::move(host_ns)), guest(std::move(guest_ns)), host_rtnl(os::Rtnl::in(host)),
          guest_rtnl(os::Rtnl::in(guest)) {}
};

}  // namespace nf::vmm
