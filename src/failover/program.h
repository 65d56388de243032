#pragma once
// The datapath program: everything a datapath needs to know about a master after any event — which slaves
// are attached, where TX goes, whose RX reaches the master, the carrier. The master's output
// (output.h) computes it once per change and hands it to a DatapathApplier, which makes only the calls
// that change something on whatever implements DatapathOps (src/datapath).
#include <array>
#include <optional>

#include "failover/datapath_ops.h"
#include "failover/master.h"

namespace nf::failover {

struct DatapathProgram {
    std::array<std::optional<SlaveEndpoint>, 2> slaves{};
    std::optional<Role> tx;             // nullopt: drop and count
    std::array<bool, 2> rx{false, false};
    bool carrier = false;

    const std::optional<SlaveEndpoint>& slave(Role r) const { return slaves[slot_index(r)]; }
    bool rx_delivered(Role r) const { return rx[slot_index(r)]; }
};

bool operator==(const DatapathProgram& a, const DatapathProgram& b);

// The program the master's state asks for: its slaves, the TX it decided and published (tx()), RX policy
// (rx_delivered()), the carrier. Without the RX grace, which is the output's (output.h).
DatapathProgram compute_program(const FailoverMaster& master);

class DatapathApplier {
public:
    explicit DatapathApplier(DatapathOps& datapath) : datapath_(datapath) {}

    // The first call sets everything; later calls only what differs from the last program applied.
    void apply(const DatapathProgram& program);
    const std::optional<DatapathProgram>& applied() const { return applied_; }

private:
    DatapathOps& datapath_;
    std::optional<DatapathProgram> applied_;
};

}  // namespace nf::failover
