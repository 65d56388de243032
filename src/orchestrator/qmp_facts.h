#pragma once
// Reading QMP replies (shapes from QEMU's qapi/*.json): no I/O, just the facts the plan needs.
#include <nlohmann/json.hpp>
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

}  // namespace nf::orchestrator
