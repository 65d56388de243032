#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <thread>

#include "common/error.h"
#include "common/unique_fd.h"
#include "net/in_process_master.h"
#include "net/shell.h"

namespace nf::bench {
namespace {

using datapath::Slot;

// One request on failoverd's control socket (line-delimited JSON); null when it does not answer.
nlohmann::json ask(const std::string& path, const nlohmann::json& request) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("control socket");
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0) return nullptr;
    const std::string line = request.dump() + "\n";
    if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) return nullptr;
    std::string in;
    char buf[8192];
    while (in.find('\n') == std::string::npos) {
        pollfd pfd{fd.get(), POLLIN, 0};
        if (::poll(&pfd, 1, 1000) <= 0) return nullptr;
        const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n <= 0) return nullptr;
        in.append(buf, static_cast<std::size_t>(n));
    }
    auto reply = nlohmann::json::parse(in.substr(0, in.find('\n')), nullptr, false);
    return reply.is_discarded() ? nlohmann::json(nullptr) : reply;
}

std::optional<Slot> active_of(const nlohmann::json& status) {
    if (!status.is_object()) return std::nullopt;
    const std::string active = status.value("active", "none");
    if (active == "primary") return Slot::primary;
    if (active == "standby") return Slot::standby;
    return std::nullopt;
}

}  // namespace

std::unique_ptr<Master> make_master(FailoverTopology& topo, const MasterMode& mode) {
    if (mode.failoverd.empty()) return std::make_unique<InProcessMaster>(topo);
    return std::make_unique<FailoverdMaster>(topo, mode);
}

FailoverdMaster::FailoverdMaster(FailoverTopology& topo, const MasterMode& mode)
    : control_("/run/nfb-" + topo.options().tag + ".sock") {
    // nsenter (not `ip netns exec`) keeps /sys/fs/bpf visible; it execs failoverd, so the pid is the daemon's.
    daemon_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        "nsenter", "--net=/run/netns/" + topo.guest().name(), mode.failoverd, "--standby", kStandbyName, "--master",
        topo.master_name(), "--datapath", to_string(topo.options().kind), "--model", to_string(topo.options().model),
        "--control", control_, "--announce", std::to_string(mode.announce), "--foreground", "--log-level", "warn"});
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    while (tx() != Slot::primary) {
        if (Clock::now() > deadline) throw std::runtime_error("failoverd did not make the primary active within 15 s");
        sleep_for(std::chrono::milliseconds(50));
    }
    topo.configure_master();
}

FailoverdMaster::~FailoverdMaster() { daemon_.reset(); }

nlohmann::json FailoverdMaster::status() const {
    const auto reply = ask(control_, {{"cmd", "status"}});
    if (!reply.is_object() || !reply.value("ok", false)) return nullptr;
    return reply["status"];
}

std::optional<Slot> FailoverdMaster::tx() const { return active_of(status()); }

std::size_t FailoverdMaster::switch_count() const {
    const auto s = status();
    return s.is_object() ? s["counters"].value("failovers", std::size_t{0}) : 0;
}

bool FailoverdMaster::wait_for(std::size_t count, Slot slot, std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto s = status();
        if (s.is_object() && s["counters"].value("failovers", std::size_t{0}) >= count && active_of(s) == slot)
            return true;
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

}  // namespace nf::bench
