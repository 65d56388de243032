#pragma once
// An enum's words are its to_string's: parsing looks them up there, so each enum is spelled once (for
// the command line, config files, the control protocol, the state file and status alike).
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace nf {

// The value among `values` whose to_string (found by argument-dependent lookup) is `text`; nullopt for
// any other text (the caller words the error).
template <typename Enum, std::size_t N>
constexpr std::optional<Enum> from_string(std::string_view text, const std::array<Enum, N>& values) {
    for (Enum v : values)
        if (to_string(v) == text) return v;
    return std::nullopt;
}

}  // namespace nf
