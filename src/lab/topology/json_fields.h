#pragma once
// Strict reading of one JSON object: every field must be known, every type right, and errors name the
// field by its path ("vms[0].standby.id"). Internal to nf_lab_topology.
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nf::lab {

class JsonFields {
public:
    // Throws ConfigError if `json` is not an object.
    JsonFields(const nlohmann::json& json, std::string path);

    bool has(const char* key) const { return json_.contains(key); }
    // Full path of a field, for messages: "vms[0]" + "mac" → "vms[0].mac".
    std::string path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    // Each sets `out` only when the field is present; a wrong type throws ConfigError naming the field.
    void read(const char* key, std::string& out);
    void read(const char* key, bool& out);
    void read(const char* key, int& out);  // an integer that fits an int
    void read(const char* key, std::vector<std::string>& out);
    // The raw value (an object or array to descend into), or nullptr when absent; marks the field as known.
    const nlohmann::json* child(const char* key);
    const nlohmann::json& required(const char* key);

    // Throws ConfigError naming the first field that no read()/child() asked for.
    void reject_unknown() const;

private:
    const nlohmann::json& json_;
    std::string path_;
    std::set<std::string> known_;
};

}  // namespace nf::lab
