// failoverd's --config file: any bytes → a ConfigLayer or a ConfigError naming the field (exit 2).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "common/json_input.h"
#include "failoverd_control/config_layer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nf;
    const JsonInput doc = parse_json_input(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!doc.value) return 0;
    try {
        const daemon::ConfigLayer layer = daemon::parse_config_json(*doc.value, "fuzz");
        (void)daemon::resolve(layer, daemon::ConfigLayer{});
    } catch (const ConfigError&) {
    }
    return 0;
}
