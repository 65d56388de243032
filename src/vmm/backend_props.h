#pragma once
// What a device needs from the VMM beyond the device model: its name inside the VM (`ifname`, ours), the
// VF's host end (`host`) and the standby's netdev. `ifname` is not a QEMU property, so it is taken off the
// arguments before the model sees them (the model rejects unknown properties, as QEMU does).
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "common/mac_address.h"

namespace nf::vmm {

struct BackendProps {
    std::string driver;
    std::optional<std::string> id;
    std::string ifname;   // empty: default from the id
    std::string host;     // primary: the VF's host end
    std::string netdev;   // standby: the netdev id
    // primary: the VF's id as the guest sees it, its link alias (IFLA_IFALIAS), set before the VF enters the
    // VM: the lab's stand-in for QEMU's acpi-index= / the root port's slot, which a veth cannot carry.
    std::string alias;
    std::optional<MacAddress> mac;
    bool has_pair_id = false;  // a failover primary (failover_pair_id set)
};

struct SplitDevice {
    nlohmann::json model_arguments;  // what the device model gets
    BackendProps props;
};

// Splits device_add / --device arguments. Never throws: malformed values are left for the model to report
// with QEMU's wording.
SplitDevice split_device_arguments(const nlohmann::json& arguments);

// A Linux interface name: 1-15 characters, no '/', ':' or whitespace, not "." or "..".
bool valid_ifname(const std::string& name);

}  // namespace nf::vmm
