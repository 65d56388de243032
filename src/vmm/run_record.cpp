#include "vmm/run_record.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"

namespace nf::vmm {

namespace {

// Field 22 of /proc/<pid>/stat (after the parenthesised comm, which may hold spaces); nullopt: no such process.
std::optional<std::uint64_t> start_time_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return std::nullopt;
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i < 22 && rest >> field; ++i) {
    }
    std::uint64_t start = 0;
    if (!(rest >> start)) return std::nullopt;
    return start;
}

std::optional<RunRecord> load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    try {
        const auto doc = nlohmann::json::parse(in);
        RunRecord r;
        r.pid = doc.at("pid").get<pid_t>();
        r.start_time = doc.at("start_time").get<std::uint64_t>();
        for (const auto& l : doc.at("pv_links")) r.pv_links.push_back({l.at("name"), l.at("ifindex")});
        for (const auto& v : doc.at("vfs")) r.vfs.push_back({v.at("host_if"), v.at("ifname"), v.at("ifindex")});
        return r;
    } catch (const std::exception& e) {
        // Unreadable: nothing in it can be trusted to name our links; the start fails on them as before.
        spdlog::warn("ignoring malformed VMM run record {}: {}", path.string(), e.what());
        return std::nullopt;
    }
}

}  // namespace

std::filesystem::path run_record_path(const std::string& qmp_path) { return qmp_path + ".run"; }

RunRecord current_run_record() {
    RunRecord r;
    r.pid = ::getpid();
    r.start_time = start_time_of(r.pid).value_or(0);
    return r;
}

void save_run_record(const std::filesystem::path& path, const RunRecord& r) {
    nlohmann::json doc = {{"pid", r.pid}, {"start_time", r.start_time}, {"pv_links", nlohmann::json::array()},
                          {"vfs", nlohmann::json::array()}};
    for (const auto& l : r.pv_links) doc["pv_links"].push_back({{"name", l.name}, {"ifindex", l.ifindex}});
    for (const auto& v : r.vfs)
        doc["vfs"].push_back({{"host_if", v.host_if}, {"ifname", v.ifname}, {"ifindex", v.ifindex}});
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << doc.dump() << '\n';
        if (!out) throw SystemError(EIO, "write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

void remove_run_record(const std::filesystem::path& path) noexcept {
    std::error_code ec;
    std::filesystem::remove(path, ec);
}

std::size_t reclaim_leftovers(const std::filesystem::path& path, Namespaces& ns) {
    const auto record = load(path);
    if (!record) return 0;
    if (const auto start = start_time_of(record->pid); start && *start == record->start_time && record->pid != ::getpid())
        throw ConfigError("failover-vmm pid " + std::to_string(record->pid) + " still runs this VM (" + path.string() +
                          "); stop it first");
    std::size_t reclaimed = 0;
    for (const auto& vf : record->vfs) {
        const auto link = ns.guest_rtnl.find_link(vf.ifindex);
        if (!link || link->name != vf.ifname) continue;  // gone, or not ours any more
        if (best_effort("failover-vmm", "move a left-over VF back to the host", [&] {
                ns.guest_rtnl.move_to_netns(vf.ifindex, ns.host, vf.host_if);
            })) {
            spdlog::warn("VF {} left in the VM as {} by failover-vmm pid {} (killed): moved back to the host",
                         vf.host_if, vf.ifname, record->pid);
            ++reclaimed;
        }
    }
    for (const auto& l : record->pv_links) {
        const auto link = ns.host_rtnl.find_link(l.ifindex);
        if (!link || link->name != l.name) continue;
        if (best_effort("failover-vmm", "delete a left-over PV veth", [&] { ns.host_rtnl.delete_link(l.ifindex); })) {
            spdlog::warn("PV veth {} left by failover-vmm pid {} (killed): deleted", l.name, record->pid);
            ++reclaimed;
        }
    }
    remove_run_record(path);
    return reclaimed;
}

}  // namespace nf::vmm
