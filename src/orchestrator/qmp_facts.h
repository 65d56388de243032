#pragma once
// Reading QMP replies (shapes from QEMU's qapi/*.json): no I/O, just the facts the plan needs.
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nf::orchestrator {

// qdev ids of every device in a query-pci reply, bridges' secondary buses included.
std::vector<std::string> pci_device_ids(const nlohmann::json& query_pci);
bool pci_has(const nlohmann::json& query_pci, const std::string& id);

// QOM path of a device created with an id (what qom-get takes).
std::string qom_path(const std::string& id);

// query-migrate-capabilities → {name: state}.
std::vector<std::pair<std::string, bool>> capability_states(const nlohmann::json& reply);

// Migration status values (qapi/migration.json MigrationStatus).
bool migration_running(const std::string& status);   // setup, wait-unplug, active, device, postcopy-*, ...
bool migration_finished(const std::string& status);  // none, completed, failed, cancelled

// One line for a terminal: status, RAM transferred/total, elapsed (from a query-migrate reply).
std::string progress_line(const nlohmann::json& query_migrate);

// device_add arguments: must be an object with string driver and id. Empty string when fine, else why not.
std::string primary_device_problem(const nlohmann::json& arguments);

// How long QEMU's own announcement after an incoming migration lasts, from its first round to its last, by a
// query-migrate-parameters reply (announce-initial/-max/-rounds/-step, ms; QEMU's net/announce.c): one round
// at once, then rounds-1 more, the first `initial` ms later, each gap `step` ms longer than the one before and
// at most `max`. QEMU's defaults (50, 550, 5, 100) give 50+150+250+350 = 800 ms. nullopt when the reply has
// none of them (a VMM without QEMU's announce parameters).
std::optional<std::chrono::milliseconds> migration_announce_span(const nlohmann::json& migrate_parameters);

// A device QEMU emulates as a NIC (e1000e, igb, virtio-net-pci standing in for a VF), which its announcements
// include; a passthrough VF (vfio-pci) is no NIC of QEMU's and is never announced by it.
bool qemu_announces(const nlohmann::json& device_add_arguments);

}  // namespace nf::orchestrator
