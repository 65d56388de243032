#pragma once
// failover-migrate's core, no OS calls: read this header as the part's table of contents.
#include "orchestrator/ports.h"         // VmmPort (QMP), HostFilter (the NIC's MAC filter), Clock
#include "orchestrator/plan.h"          // MigrateRequest, Bounds, Pairing, step names, RunStatus/exit codes
#include "orchestrator/qmp_facts.h"     // reading query-pci, capabilities, migration status
#include "orchestrator/timeline.h"      // every step, undo and event with timestamps (--json)
#include "orchestrator/filter_spec.h"   // --source-filter/--destination-filter syntax
#include "orchestrator/qmp_address.h"   // --source/--destination: unix:PATH, tcp:HOST:PORT
#include "orchestrator/migration_run.h" // the steps and their undos
