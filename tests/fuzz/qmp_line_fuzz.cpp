// QMP framing: bytes from a client → bounded lines → parse_command → the reply we would send. Also the
// client's side: a server line read as an event. Nothing here may throw or crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json_input.h"
#include "common/line_buffer.h"
#include "qmp/qmp_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nf::qmp;
    nf::LineBuffer lines(4096);  // a small limit, so the fuzzer reaches the oversized path
    lines.append(std::string_view(reinterpret_cast<const char*>(data), size));
    while (auto line = lines.next()) {
        if (line->oversized) continue;
        const ParsedCommand parsed = parse_command(line->text);
        if (parsed.command) {
            (void)encode_reply(parsed.command->arguments, parsed.command->id);
            (void)encode_reply(QmpError{"GenericError", parsed.command->execute}, parsed.command->id);
        } else {
            (void)encode_reply(parsed.error, parsed.id);
        }
        if (auto message = nf::parse_json_input(line->text); message.value) (void)decode_event(*message.value);
    }
    return 0;
}
