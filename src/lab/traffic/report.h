#pragma once
// The analysis as people and programs read it: an aligned plain-text table and JSON.
// Times in the table are milliseconds from Analysis::origin_ns; JSON keeps integer nanoseconds.
#include <nlohmann/json.hpp>

#include <string>

#include "lab/traffic/analysis.h"

namespace nf::lab {

std::string format_table(const Analysis& analysis);
nlohmann::json to_json(const Analysis& analysis);

}  // namespace nf::lab
