#pragma once
// Every JSON that comes from outside (a socket line, a config file, a state file) is read through here:
// the parse is total (any bytes give a value or an error text, never an exception), nesting is bounded,
// and an error names where it happened ("vms[0].mac"), so "1e999" in a config file is a clear message.
// nlohmann parses iteratively, but dump(), comparison and our readers recurse: the depth limit keeps a
// hostile "[[[[..." from reaching them.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nf {

// Containers nested deeper than this are refused. Our protocols and files need fewer than 8 levels.
inline constexpr std::size_t kMaxJsonDepth = 32;

struct JsonInput {
    std::optional<nlohmann::json> value;  // set on success
    std::string error;                    // set on failure: "number overflow parsing '1e999' at rx_grace_ms"
    std::string path;                     // where the failure was, "" at the top ("announce.count", "vms[1]")
};

// Parses `text`; never throws (except std::bad_alloc). The error text has no nlohmann prefix.
JsonInput parse_json_input(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// Compact JSON for the wire: invalid UTF-8 (a netdev name is bytes) is replaced, never thrown on.
std::string dump_json(const nlohmann::json& value);

}  // namespace nf
