// The lab topology JSON (`failover-lab --config`): any bytes → a LabConfig or a ConfigError naming the field.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "common/json_input.h"
#include "lab/topology/lab_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nf;
    const JsonInput doc = parse_json_input(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!doc.value) return 0;
    try {
        const lab::LabConfig config = lab::parse_lab_config(*doc.value);
        (void)lab::to_json(config).dump();
    } catch (const ConfigError&) {
    }
    return 0;
}
