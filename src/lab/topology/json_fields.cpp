#include "lab/topology/json_fields.h"

#include <cstdint>
#include <limits>

#include "common/error.h"

namespace nf::lab {

JsonFields::JsonFields(const nlohmann::json& json, std::string path) : json_(json), path_(std::move(path)) {
    if (!json_.is_object())
        throw ConfigError((path_.empty() ? std::string("the lab config") : path_) + ": expected a JSON object");
}

const nlohmann::json* JsonFields::child(const char* key) {
    known_.insert(key);
    const auto it = json_.find(key);
    return it == json_.end() ? nullptr : &*it;
}

const nlohmann::json& JsonFields::required(const char* key) {
    const auto* value = child(key);
    if (!value) throw ConfigError(path_of(key) + ": missing (required)");
    return *value;
}

void JsonFields::read(const char* key, std::string& out) {
    if (const auto* value = child(key)) {
        if (!value->is_string()) throw ConfigError(path_of(key) + ": expected a string");
        out = value->get<std::string>();
    }
}

void JsonFields::read(const char* key, bool& out) {
    if (const auto* value = child(key)) {
        if (!value->is_boolean()) throw ConfigError(path_of(key) + ": expected true or false");
        out = value->get<bool>();
    }
}

void JsonFields::read(const char* key, int& out) {
    if (const auto* value = child(key)) {
        if (!value->is_number_integer() || value->get<std::int64_t>() < std::numeric_limits<int>::min() ||
            value->get<std::int64_t>() > std::numeric_limits<int>::max())
            throw ConfigError(path_of(key) + ": expected an integer");
        out = value->get<int>();
    }
}

void JsonFields::read(const char* key, std::vector<std::string>& out) {
    if (const auto* value = child(key)) {
        if (!value->is_array()) throw ConfigError(path_of(key) + ": expected an array of strings");
        out.clear();
        for (std::size_t i = 0; i < value->size(); ++i) {
            if (!(*value)[i].is_string())
                throw ConfigError(path_of(key) + "[" + std::to_string(i) + "]: expected a string");
            out.push_back((*value)[i].get<std::string>());
        }
    }
}

void JsonFields::reject_unknown() const {
    for (const auto& [key, value] : json_.items())
        if (!known_.contains(key)) throw ConfigError(path_of(key) + ": unknown field");
}

}  // namespace nf::lab
