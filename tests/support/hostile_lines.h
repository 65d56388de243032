#pragma once
// The battery of bad input lines every line-based socket of ours must survive (issue 9): huge numbers,
// deep nesting, invalid UTF-8, NUL bytes, lone surrogates, a BOM, truncated JSON. Each is one line
// (no newline inside); a server answers each with an error or ignores it, and stays up. Lines past a
// server's limit are made with oversized_line(). Header-only; include by relative path.
#include <string>
#include <vector>

namespace nf::test {

inline std::vector<std::string> hostile_lines() {
    return {
        R"({"execute":"qmp_capabilities","id":1e999})",
        R"({"cmd":"status","n":-1e400})",
        R"({"type":"hello","version":1e999,"devices":[]})",
        R"({"a":18446744073709551616, "b":-9223372036854775809, "c":1e308})",
        std::string(200, '[') + std::string(200, ']'),
        std::string(5000, '{'),
        R"({"execute":"x","arguments":)" + std::string(60, '[') + std::string(60, ']') + "}",
        "{\"execute\":\"\xff\xfe\",\"cmd\":\"\xc0\x80\",\"type\":\"\xed\xa0\x80\"}",
        std::string("{\"execute\":\0\"q\",\"cmd\":\0}", 24),
        std::string("\0\0\0\0", 4),
        R"({"execute":"\ud800","cmd":"\udfff"})",
        "\xef\xbb\xbf{}",
        R"({"execute":"device_add","arguments":{"driver":"vfio-pci","failover_pair_id":"standby0","addr":4294967298}})",
        R"({"type":"set_features","device":"standby0","features":"0x1ffffffffffffffff"})",
        R"({"type":"eject_ack","device":"no-such-device"})",
        R"({"type":"reset","device":"no-such-device"})",
        R"({"type":"set_features","device":"no-such-device","features":"0x1"})",
        R"({"cmd":"set","key":"active","value":{"deep":[1,2,3]}})",
        "{\"unterminated\":\"",
        "null",
        "[]",
        "\"just a string\"",
    };
}

// One line of `size` bytes (a JSON string that never closes within the limit).
inline std::string oversized_line(std::size_t size) { return "{\"x\":\"" + std::string(size, 'a') + "\"}"; }

}  // namespace nf::test
