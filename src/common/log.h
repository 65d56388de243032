#pragma once
// One place that configures spdlog for every binary: level from a flag or NF_LOG_LEVEL, stderr sink.
#include <spdlog/spdlog.h>

#include <string>

namespace nf {

// level: "trace", "debug", "info", "warn", "error", "off". Throws ConfigError on an unknown level.
void init_logging(const std::string& program, const std::string& level);

}  // namespace nf
