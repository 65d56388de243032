#pragma once
namespace nf::orchestrator {
// failover-migrate --help: docs/failover-migrate.1.md in the terminal.
const char* migrate_help_text();
}  // namespace nf::orchestrator
