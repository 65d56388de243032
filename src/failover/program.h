#pragma once
// The datapath program: everything a Datapath needs to know about a master after any event — which slaves
// are attached, where TX goes, whose RX reaches the master, the carrier. failoverd computes it after
// every event and hands it to a DatapathApplier, which makes only the calls that change something.
#include <array>
#include <optional>

#include "datapath/datapath.h"
#include "failover/master.h"

namespace nf::failover {

struct DatapathProgram {
    std::array<std::optional<datapath::SlaveEndpoint>, 2> slaves{};
    std::optional<Role> tx;             // nullopt: drop and count
    std::array<bool, 2> rx{false, false};
    bool carrier = false;

    const std::optional<datapath::SlaveEndpoint>& slave(Role r) const { return slaves[datapath::slot_index(r)]; }
    bool rx_delivered(Role r) const { return rx[datapath::slot_index(r)]; }
};

bool operator==(const DatapathProgram& a, const DatapathProgram& b);

DatapathProgram compute_program(const FailoverMaster& master);

class DatapathApplier {
public:
    explicit DatapathApplier(datapath::Datapath& datapath) : datapath_(datapath) {}

    // The first call sets everything; later calls only what differs from the last program applied.
    void apply(const DatapathProgram& program);
    const std::optional<DatapathProgram>& applied() const { return applied_; }

private:
    datapath::Datapath& datapath_;
    std::optional<DatapathProgram> applied_;
};

}  // namespace nf::failover
