#pragma once
// The lab's topology part, table of contents (library nf_lab_topology, namespace nf::lab).
#include "lab/topology/lab_config.h"        // LabConfig: strict JSON over the built-in default lab
#include "lab/topology/lab_names.h"         // LabNames: every namespace, link, cgroup and file name
#include "lab/topology/command_lines.h"     // failover-vmm and failoverd command lines (lab contract)
#include "lab/topology/topology_builder.h"  // build_topology: namespaces, bridges, veths, cgroups
#include "lab/topology/process.h"           // spawn_process: detached, in a netns + cgroup, logged
#include "lab/topology/readiness.h"         // wait_for_unix_socket
#include "lab/topology/lab_state.h"         // /run/netfailover/<prefix>/state.json
#include "lab/topology/lab.h"               // lab_up, lab_down, lab_status, lab_supervise
