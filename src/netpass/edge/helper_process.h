#pragma once
// One failover-netpass half started through a hook command (`/bin/sh -c "<command> <arguments>"`: a local
// path in the lab, `ssh host failover-netpass` in production), driven over its stdin (control words) and
// stdout (JSON lines). Owned: the destructor closes stdin (the half then aborts and detaches by itself),
// waits a bounded time, then kills the process group.
#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/line_buffer.h"
#include "common/unique_fd.h"

namespace nf::netpass::edge {

using Millis = std::chrono::milliseconds;

class HelperProcess {
public:
    // Throws SystemError when the shell cannot be started.
    HelperProcess(std::string name, const std::string& command, const std::vector<std::string>& arguments);
    ~HelperProcess();
    HelperProcess(const HelperProcess&) = delete;
    HelperProcess& operator=(const HelperProcess&) = delete;

    const std::string& name() const { return name_; }
    // Writes one control word. Throws std::runtime_error when the half is gone.
    void send(const std::string& word);
    // The next JSON line within `timeout`; nullopt on timeout. Throws std::runtime_error when the half
    // exited (naming its status) or printed something that is not a JSON object.
    std::optional<nlohmann::json> next(Millis timeout);
    // Lines until one with "event": `event` (within `bound`); an "error" event or exit throws.
    nlohmann::json await(const std::string& event, Millis bound);
    // Closes stdin and waits up to `bound` for the exit status; kills the group after that.
    int finish(Millis bound);
    // Every line read so far (for reports).
    const std::vector<nlohmann::json>& lines() const { return lines_; }

    // `word` quoted for /bin/sh.
    static std::string quote(const std::string& word);

private:
    std::optional<int> reap(Millis timeout);

    std::string name_;
    pid_t pid_ = -1;
    UniqueFd in_;
    UniqueFd out_;
    LineBuffer buffer_{65536};
    std::vector<nlohmann::json> lines_;
    std::optional<int> status_;
};

}  // namespace nf::netpass::edge
