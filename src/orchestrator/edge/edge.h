#pragma once
// failover-migrate's edge: the ports of orchestrator/ports.h over real sockets and netlink.
#include <memory>
#include <optional>
#include <string>

#include "orchestrator/filter_spec.h"
#include "orchestrator/ports.h"
#include "orchestrator/qmp_address.h"
#include "qmp/qmp_client.h"

namespace nf::orchestrator::edge {

// A negotiated QMP connection to one VMM; every command waits at most `command_timeout`.
class QmpVmm : public VmmPort {
public:
    // Connects (unix or tcp), reads the greeting, negotiates. Throws std::runtime_error naming the address.
    QmpVmm(const QmpAddress& address, Millis connect_timeout, Millis command_timeout);
    QmpReply execute(const std::string& command, const nlohmann::json& arguments) override;
    std::optional<QmpEvent> next_event(Millis timeout) override;
    const nlohmann::json& greeting() const { return client_->greeting(); }

private:
    std::optional<qmp::QmpClient> client_;
    Millis command_timeout_;
};

class SystemClock : public Clock {
public:
    std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
    std::int64_t wall_us() override {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// The filter a spec names (fdb → FdbFilter, vf-mac → VfMacFilter).
std::unique_ptr<HostFilter> make_filter(const FilterSpec& spec);

}  // namespace nf::orchestrator::edge
