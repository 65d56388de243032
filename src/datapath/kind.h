#pragma once
// The two choices that pick a datapath, defined once: failoverd's config parses them (--datapath,
// --model), the factory (datapath/factory.h) builds from them, the state file and status print them.
#include <array>
#include <string_view>

#include "common/enum_words.h"  // from_string: parsed by these words

namespace nf::datapath {

// Which datapath moves frames; auto picks bpf when the kernel lets us, else packet.
enum class DatapathKind { automatic, bpf, packet };
inline constexpr std::array kDatapathKinds{DatapathKind::automatic, DatapathKind::bpf, DatapathKind::packet};

// How the failover master and its slaves appear to the guest (failoverd's --model). two_device
// (netvsc's): no master netdev; the standby is what the guest uses, the primary its slave.
enum class DeviceModel { three_device, hidden, two_device };
inline constexpr std::array kDeviceModels{DeviceModel::three_device, DeviceModel::hidden, DeviceModel::two_device};

constexpr std::string_view to_string(DatapathKind v) {
    switch (v) {
        case DatapathKind::bpf: return "bpf";
        case DatapathKind::packet: return "packet";
        case DatapathKind::automatic: break;
    }
    return "auto";
}

constexpr std::string_view to_string(DeviceModel v) {
    switch (v) {
        case DeviceModel::hidden: return "hidden";
        case DeviceModel::two_device: return "2dev";
        case DeviceModel::three_device: break;
    }
    return "3dev";
}

}  // namespace nf::datapath
