#pragma once
// QEMU's command-line "keyval" syntax: `driver,key=value,key=value` (the first item may omit its key, and
// ",," stands for a literal comma). Values stay strings, as QEMU hands them to the device's property parsers.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace nf::vmm {

// Parses `text` into a JSON object; a first item without '=' becomes `implied_key` (e.g. "driver", "type").
// Throws ConfigError naming the problem (empty key, duplicate key, empty text).
nlohmann::json parse_keyval(std::string_view text, const std::string& implied_key);

}  // namespace nf::vmm
