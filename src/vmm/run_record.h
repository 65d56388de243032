#pragma once
// What a running VMM made that outlives it when it is killed (SIGKILL: no shutdown runs): its PV backend
// veths (<vm>-pv / <vm>-pvh) and the VFs it plugged into the VM. Recorded in <qmp socket>.run (JSON: the
// VMM's pid and start time, each link's name and ifindex), rewritten after every plug and unplug, removed
// at an orderly shutdown.
//
// A VMM started with the same --qmp finds the record: if its writer still runs, the start is refused (two
// VMMs for one VM); otherwise what it lists is removed (PV veths) or moved back to the host (VFs), but only
// a link that still has both the recorded name and ifindex: a link someone else made under that name is
// never touched, and the start then fails on it as before ("already exists"). Without this, a restart
// after a kill was refused by its own leftovers.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "vmm/namespaces.h"

namespace nf::vmm {

struct RecordedLink {
    std::string name;
    int ifindex = 0;
};

struct RecordedVf {
    std::string host_if;  // its name on the host
    std::string ifname;   // its name in the VM
    int ifindex = 0;      // in the VM
};

struct RunRecord {
    pid_t pid = 0;
    std::uint64_t start_time = 0;  // /proc/<pid>/stat field 22: tells a live writer from a reused pid
    std::vector<RecordedLink> pv_links;  // in the VMM's namespace
    std::vector<RecordedVf> vfs;         // plugged into the VM
};

std::filesystem::path run_record_path(const std::string& qmp_path);
// This process's pid and start time, empty lists.
RunRecord current_run_record();
// Atomic (write, rename).
void save_run_record(const std::filesystem::path& path, const RunRecord& record);
void remove_run_record(const std::filesystem::path& path) noexcept;

// Before a VMM creates anything: a live writer throws ConfigError naming its pid; a dead one's links are
// cleaned up as described above, and the record removed. Returns how many links were reclaimed.
std::size_t reclaim_leftovers(const std::filesystem::path& path, Namespaces& ns);

}  // namespace nf::vmm
