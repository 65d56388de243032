#include "failoverd_control/primary_id.h"

#include <array>
#include <charconv>
#include <cstdint>

#include "common/error.h"

namespace nf::daemon {
namespace {

constexpr std::array<std::pair<std::string_view, PrimaryIdSource>, 4> kSources{{
    {"slot", PrimaryIdSource::slot},
    {"acpi-index", PrimaryIdSource::acpi_index},
    {"label", PrimaryIdSource::label},
    {"alias", PrimaryIdSource::alias},
}};

constexpr std::string_view kForms = "slot:NAME, acpi-index:N, label:TEXT or alias:TEXT";

bool printable(std::string_view text, bool spaces) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e || (!spaces && u == ' ')) return false;
    }
    return true;
}

[[noreturn]] void bad(std::string_view field, std::string_view text, const std::string& why) {
    throw ConfigError(std::string(field) + ": '" + std::string(text) + "' " + why);
}

}  // namespace

std::string_view to_string(PrimaryIdSource source) {
    for (const auto& [name, s] : kSources)
        if (s == source) return name;
    return "?";
}

std::string PrimaryId::canonical() const { return std::string(to_string(source)) + ":" + value; }

PrimaryId parse_primary_id(std::string_view field, std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) bad(field, text, "is not SOURCE:VALUE (" + std::string(kForms) + ")");
    const std::string_view source = text.substr(0, colon);
    const std::string_view value = text.substr(colon + 1);
    PrimaryId id;
    bool known = false;
    for (const auto& [name, s] : kSources)
        if (name == source) {
            id.source = s;
            known = true;
        }
    if (!known) bad(field, text, "has an unknown id source '" + std::string(source) + "' (" + std::string(kForms) + ")");
    if (value.empty()) bad(field, text, "has an empty value");
    switch (id.source) {
        case PrimaryIdSource::acpi_index: {
            std::uint32_t n = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || end != value.data() + value.size() || n == 0)
                bad(field, text, "needs a decimal acpi index 1..4294967295");
            id.value = std::to_string(n);
            return id;
        }
        case PrimaryIdSource::slot:
            if (value.size() > kMaxSlotNameLength || !printable(value, true) || value.find('/') != std::string_view::npos ||
                value == "." || value == "..")
                bad(field, text, "needs a slot name of 1.." + std::to_string(kMaxSlotNameLength) +
                                     " printable characters, no '/'");
            break;
        case PrimaryIdSource::label:
            if (value.size() > kMaxLabelLength || !printable(value, true))
                bad(field, text, "needs a label of 1.." + std::to_string(kMaxLabelLength) + " printable characters");
            break;
        case PrimaryIdSource::alias:
            if (value.size() > kMaxAliasLength || !printable(value, true))
                bad(field, text, "needs an alias of 1.." + std::to_string(kMaxAliasLength) + " printable characters");
            break;
    }
    id.value = std::string(value);
    return id;
}

}  // namespace nf::daemon
