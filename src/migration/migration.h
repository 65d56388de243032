#pragma once
// src/migration: the third OS-free core (after src/failover and src/device). Events in, actions out; time is
// an input; no system calls. The VMM (src/vmm) owns sockets, timers and the netpass cache instance and
// drives these classes. Spec: qemu-failover.md §1.5–1.8, §5, §6.3–6.4; reference-figures.md (event order).
//
//   status.h            migration status names (QEMU's MigrationStatus + failing)
//   time.h              Time, Millis: time is an input
//   settings.h          capabilities (events, return-path, netpass), x- parameters, QMP set/query, errors
//   outcome.h           actions (timers, stream, return path, netpass, device actions) and the Outcome
//   outgoing.h          the source state machine (setup → wait-unplug → active → device → completed, ...)
//   incoming.h          the destination state machine (setup → active → completed | failed)
//   downtime_clock.h    stop → VM_STARTED (else completion), never overwritten
//   stream_format.h     stream header, typed length-prefixed sections, limits
//   stream_reader.h     incremental stream reader (arbitrary chunks, sticky named errors)
//   config_section.h    capabilities that must match on both sides
//   device_section.h    device save records (src/device/persist.h) inside sections
//   return_path.h       QEMU's return-path framing: SHUT, PONG, VM_STARTED; incremental decoder
//   netpass_records.h   QEMU's netpass records: be32 length | be32 vnet-header length | payload
//   netpass_cache.h     source: bounded, counted cache of frames reaching the paused source
//   netpass_ordering.h  destination: cached frames delivered before any frame that arrived there
#include "migration/config_section.h"
#include "migration/device_section.h"
#include "migration/downtime_clock.h"
#include "migration/incoming.h"
#include "migration/netpass_cache.h"
#include "migration/netpass_ordering.h"
#include "migration/netpass_records.h"
#include "migration/outcome.h"
#include "migration/outgoing.h"
#include "migration/return_path.h"
#include "migration/settings.h"
#include "migration/status.h"
#include "migration/stream_format.h"
#include "migration/stream_reader.h"
#include "migration/time.h"
