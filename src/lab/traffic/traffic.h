#pragma once
// The lab's traffic generator and recorder, table of contents:
//   wire.h          the UDP payload header (sequence, send time, direction, path tag)
//   clock.h         the one clock both ends use (CLOCK_MONOTONIC)
//   send_log.h      what the sender did per sequence number (bounded)
//   recorder.h      what arrived per sequence number: first arrival, copies, reordered, path (bounded)
//   sender.h        fixed-rate, drift-free UDP sender
//   receiver.h      UDP receiver feeding a Recorder
//   stream_trace.h  sends + receives + marks = a TrafficRun; each packet's fate
//   analysis.h      per phase, per direction: loss, duplicates, reordering, latency, longest gap
//   report.h        the analysis as a text table and as JSON
//   ../timeline/timeline.h   the run as an SVG timeline
//
// Typical use by the lab, both ends in one process:
//   Recorder vm_rx({.capacity_per_stream = log_capacity_for(1000, 10)});
//   Receiver rx(vm_rx, vm_socket);   Sender tx(config, client_socket);   // sockets opened in each netns
//   std::jthread a([&](std::stop_token s) { rx.run(s); }), b([&](std::stop_token s) { tx.run(s); });
//   ... marks.push_back({monotonic_ns(), "unplug primary", MarkKind::Phase}); ...
//   TrafficRun run{{make_trace(tx.key(), tx.log(), vm_rx)}, vm_rx.path_labels(), marks};
//   format_table(analyze(run)); render_timeline(run);
#include "lab/timeline/timeline.h"
#include "lab/traffic/analysis.h"
#include "lab/traffic/clock.h"
#include "lab/traffic/receiver.h"
#include "lab/traffic/recorder.h"
#include "lab/traffic/report.h"
#include "lab/traffic/send_log.h"
#include "lab/traffic/sender.h"
#include "lab/traffic/stream_trace.h"
#include "lab/traffic/wire.h"
