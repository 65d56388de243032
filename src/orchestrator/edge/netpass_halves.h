#pragma once
// HostNetpass over two failover-netpass processes, each started through its host's hook command (a local
// path in the lab; `ssh HOST failover-netpass` in production: the arguments are appended, the half speaks
// over the command's stdin/stdout). The destination half starts first and reports its TCP port; the source
// half connects to it at --netpass-peer (default: the destination's listen address).
#include <optional>
#include <string>
#include <vector>

#include "netpass/edge/helper_process.h"
#include "orchestrator/ports.h"

namespace nf::orchestrator::edge {

struct NetpassHalvesConfig {
    std::string source_command = "failover-netpass";
    std::string destination_command = "failover-netpass";
    std::string source_tap;
    std::string destination_tap;
    std::string source_netns;       // optional: the tap's namespace (/run/netns/NAME) on that host
    std::string destination_netns;
    std::string listen = "127.0.0.1:0";  // the destination half's TCP address
    std::string peer_host;               // where the source half reaches it; "" = listen's host
    Millis start_bound{10000};           // each half's "ready"
};

class NetpassHalves : public HostNetpass {
public:
    explicit NetpassHalves(NetpassHalvesConfig config);
    std::string describe() const override;
    void start() override;
    void arm() override;
    void resumed() override;
    nlohmann::json finish(Millis bound) override;
    nlohmann::json abort() noexcept override;

private:
    nlohmann::json totals(const nlohmann::json& source, const nlohmann::json& destination) const;

    NetpassHalvesConfig config_;
    std::optional<netpass::edge::HelperProcess> source_;
    std::optional<netpass::edge::HelperProcess> destination_;
};

// A fresh random session token (the destination half accepts only a peer that presents it).
std::string netpass_session_token();

}  // namespace nf::orchestrator::edge
