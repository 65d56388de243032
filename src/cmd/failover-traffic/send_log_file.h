#pragma once
// A sender's log as a JSON file, so a separate `recv` can tell loss at the end of the stream from
// "never sent":  {"stream_id": 1, "direction": "client-to-vm", "sends": [[time_ns, errno], ...]}
#include <string>

#include "lab/traffic/recorder.h"
#include "lab/traffic/send_log.h"

namespace nf::lab::cli {

void save_send_log(const std::string& path, StreamKey key, const SendLog& log);

struct LoadedSendLog {
    StreamKey key;
    std::vector<SendEntry> sends;
};
// Throws ConfigError naming the file and the problem.
LoadedSendLog load_send_log(const std::string& path);

}  // namespace nf::lab::cli
