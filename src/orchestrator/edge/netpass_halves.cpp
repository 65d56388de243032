#include "orchestrator/edge/netpass_halves.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

#include "common/error.h"
#include "common/unique_fd.h"

namespace nf::orchestrator::edge {

std::string netpass_session_token() {
    UniqueFd fd(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
    unsigned char raw[16];
    if (!fd || ::read(fd.get(), raw, sizeof raw) != static_cast<ssize_t>(sizeof raw))
        throw_errno("netpass: read /dev/urandom");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

NetpassHalves::NetpassHalves(NetpassHalvesConfig config) : config_(std::move(config)) {}

std::string NetpassHalves::describe() const {
    return "host netpass " + config_.source_tap + " -> " + config_.destination_tap;
}

void NetpassHalves::start() {
    const std::string session = netpass_session_token();
    std::vector<std::string> d{"destination", "--tap", config_.destination_tap, "--listen", config_.listen,
                               "--session", session};
    if (!config_.destination_netns.empty()) d.insert(d.end(), {"--netns", config_.destination_netns});
    destination_.emplace("destination half", config_.destination_command, d);
    const auto ready = destination_->await("ready", config_.start_bound);
    const auto port = ready.value("port", 0);
    if (port <= 0 || port > 65535) throw std::runtime_error("netpass destination half reported no port: " + ready.dump());
    std::string host = config_.peer_host;
    if (host.empty()) host = config_.listen.substr(0, config_.listen.rfind(':'));
    std::vector<std::string> s{"source", "--tap", config_.source_tap, "--peer", host + ":" + std::to_string(port),
                               "--session", session};
    if (!config_.source_netns.empty()) s.insert(s.end(), {"--netns", config_.source_netns});
    source_.emplace("source half", config_.source_command, s);
    source_->await("ready", config_.start_bound);
}

void NetpassHalves::arm() {
    // The source first: it is the one losing frames.
    source_->send("arm");
    destination_->send("arm");
}

void NetpassHalves::resumed() {
    destination_->send("resumed");
    source_->send("resumed");
}

nlohmann::json NetpassHalves::totals(const nlohmann::json& src, const nlohmann::json& dst) const {
    const auto n = [](const nlohmann::json& j, const char* key) { return j.value(key, std::uint64_t{0}); };
    return {{"mode", "host"},
            {"kept", n(src, "kept")},
            {"recovered", n(src, "recovered")},
            {"forwarded", n(src, "forwarded")},
            {"injected", n(dst, "injected")},
            {"held", n(dst, "held")},
            {"dropped", n(src, "dropped") + n(dst, "dropped")},
            {"source", src},
            {"destination", dst}};
}

nlohmann::json NetpassHalves::finish(Millis bound) {
    const auto src = source_->await("done", bound);
    const auto dst = destination_->await("done", bound);
    const int s = source_->finish(Millis(2000));
    const int d = destination_->finish(Millis(2000));
    if (s != 0 || d != 0)
        throw std::runtime_error("netpass halves exited with status " + std::to_string(s) + " / " + std::to_string(d));
    return totals(src, dst);
}

nlohmann::json NetpassHalves::abort() noexcept {
    nlohmann::json src = nlohmann::json::object(), dst = nlohmann::json::object();
    for (auto [half, out] : {std::pair{&source_, &src}, std::pair{&destination_, &dst}}) {
        if (!*half) continue;
        try {
            try {
                (*half)->send("abort");
            } catch (const std::exception&) {
                // Already gone: the destination ends on its own when the source's abort reaches it over
                // their TCP connection. Its last report (outcome "aborted") is still in the pipe: read it.
            }
            *out = (*half)->await("done", Millis(3000));
        } catch (const std::exception& e) {
            (*out)["error"] = e.what();
        }
        (*half)->finish(Millis(2000));  // closes its input; kills it after the bound
    }
    auto t = totals(src, dst);
    t["aborted"] = true;
    return t;
}

}  // namespace nf::orchestrator::edge
