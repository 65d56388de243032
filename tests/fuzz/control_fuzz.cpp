// failoverctl → failoverd control requests: any line is a request or a ConfigError with the reply text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "failoverd_control/control_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nf::daemon;
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    try {
        const ControlRequest request = parse_request(line);
        (void)to_line(ok_reply({{"request", request.index()}}));
    } catch (const nf::ConfigError& e) {
        (void)to_line(error_reply(e.what()));  // the reply quotes the input: must not throw on bad UTF-8
    }
    return 0;
}
