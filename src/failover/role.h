#pragma once
// The two slave roles of a failover master. They are the core's terms: the datapath names its slots by
// them (datapath::Slot is this type), the events and the program carry them.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nf::failover {

enum class Role : std::uint8_t { primary = 0, standby = 1 };

// Index into per-role arrays (the master's slots, the program, the datapath's counters).
constexpr std::size_t slot_index(Role r) { return static_cast<std::size_t>(r); }
constexpr std::string_view slot_name(Role r) { return r == Role::primary ? "primary" : "standby"; }

}  // namespace nf::failover
