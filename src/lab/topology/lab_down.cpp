#include <spdlog/spdlog.h>

#include <exception>
#include <functional>

#include "common/error.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "os/cgroup.h"
#include "os/netns.h"

namespace nf::lab {
namespace {

// Down goes on after a failure so one stuck piece never strands the rest; the first error is kept.
class BestEffort {
public:
    void run(const std::string& what, const std::function<void()>& step) {
        try {
            step();
        } catch (const std::exception& e) {
            spdlog::warn("down: {}: {}", what, e.what());
            if (!first_) first_ = std::current_exception();
        }
    }
    void rethrow() const {
        if (first_) std::rethrow_exception(first_);
    }

private:
    std::exception_ptr first_;
};

// A damaged state file must not stop down: the cgroups and the names still find everything.
std::optional<LabState> try_load_state(const std::string& prefix) {
    try {
        return load_lab_state(prefix);
    } catch (const std::exception& e) {
        spdlog::warn("down: {}", e.what());
        return std::nullopt;
    }
}

}  // namespace

bool DownReport::nothing_to_do() const {
    return processes.empty() && cgroups.empty() && namespaces.empty() && !run_dir_removed;
}

DownReport lab_down(const std::string& prefix, std::chrono::milliseconds grace) {
    validate_prefix(prefix);
    const LabNames names(prefix);
    DownReport report;
    BestEffort steps;
    const auto state = try_load_state(prefix);
    const auto cgroups = lab_cgroups(prefix);

    // A paused VM cannot handle SIGTERM: thaw first so its processes may exit cleanly.
    for (const auto& group : cgroups)
        steps.run("thaw cgroup " + group, [&] {
            auto cgroup = os::Cgroup2::open(group);
            if (cgroup.frozen()) cgroup.thaw();
        });
    // Politely first, newest first (a guest before its VMM): the VMM's SIGTERM moves devices back.
    if (state)
        for (auto it = state->processes.rbegin(); it != state->processes.rend(); ++it)
            steps.run("stop " + it->name, [&] {
                if (stop_process(*it, grace)) report.processes.push_back(it->name);
            });
    // Then everything the lab's cgroups still hold, state file or not (children, a crashed lab's leftovers).
    for (const auto& group : cgroups)
        steps.run("remove cgroup " + group, [&] {
            auto cgroup = os::Cgroup2::open(group);
            if (cgroup.populated()) cgroup.kill();
            cgroup.remove(std::chrono::seconds(5));
            report.cgroups.push_back(group);
        });
    // Links die with their namespace (a veth pair with either end), bridges with theirs.
    for (const auto& netns : lab_namespaces(prefix))
        steps.run("remove netns " + netns, [&] {
            os::Netns::remove_named(netns);
            report.namespaces.push_back(netns);
        });
    steps.run("remove " + names.run_dir().string(), [&] {
        std::error_code ec;
        const auto removed = std::filesystem::remove_all(names.run_dir(), ec);
        if (ec) throw SystemError(ec.value(), "remove " + names.run_dir().string());
        report.run_dir_removed = removed > 0;
    });
    steps.rethrow();
    return report;
}

}  // namespace nf::lab
