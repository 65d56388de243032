#include "vmm/keyval.h"

#include "common/error.h"

namespace nf::vmm {

namespace {
// Splits on single commas; ",," is an escaped comma inside an item.
std::vector<std::string> split_items(std::string_view text) {
    std::vector<std::string> items(1);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != ',') {
            items.back() += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == ',') {
            items.back() += ',';
            ++i;
        } else {
            items.emplace_back();
        }
    }
    return items;
}
}  // namespace

nlohmann::json parse_keyval(std::string_view text, const std::string& implied_key) {
    if (text.empty()) throw ConfigError("empty option value");
    nlohmann::json out = nlohmann::json::object();
    const auto items = split_items(text);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string& item = items[i];
        const auto eq = item.find('=');
        std::string key, value;
        if (eq == std::string::npos) {
            if (i != 0) throw ConfigError("'" + item + "' in '" + std::string(text) + "' is not key=value");
            key = implied_key;
            value = item;
        } else {
            key = item.substr(0, eq);
            value = item.substr(eq + 1);
        }
        if (key.empty()) throw ConfigError("empty key in '" + std::string(text) + "'");
        if (out.contains(key)) throw ConfigError("'" + key + "' given twice in '" + std::string(text) + "'");
        out[key] = value;
    }
    return out;
}

}  // namespace nf::vmm
