#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

#include "common/error.h"

namespace nf {

void init_logging(const std::string& program, const std::string& level) {
    std::string wanted = level;
    if (const char* env = std::getenv("NF_LOG_LEVEL"); env && level.empty()) wanted = env;
    if (wanted.empty()) wanted = "info";
    const auto parsed = spdlog::level::from_str(wanted);
    if (parsed == spdlog::level::off && wanted != "off")
        throw ConfigError("unknown log level '" + wanted + "' (use trace, debug, info, warn, error or off)");
    auto logger = spdlog::stderr_color_mt(program);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%f %n %^%l%$: %v");
    logger->set_level(parsed);
    spdlog::set_default_logger(logger);
}

}  // namespace nf
