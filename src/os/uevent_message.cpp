#include "os/uevent_message.h"

namespace nf::os {

std::optional<std::string_view> UeventMessage::value(std::string_view key) const {
    for (const auto& [k, v] : variables)
        if (k == key) return std::string_view(v);
    return std::nullopt;
}

const char* to_string(UeventRefusal refusal) {
    switch (refusal) {
        case UeventRefusal::none: return "none";
        case UeventRefusal::empty: return "empty";
        case UeventRefusal::oversized: return "oversized";
        case UeventRefusal::from_udev: return "udev's format";
        case UeventRefusal::no_terminator: return "no NUL terminator (truncated)";
        case UeventRefusal::bad_header: return "header is not ACTION@DEVPATH";
        case UeventRefusal::bad_devpath: return "bad DEVPATH";
        case UeventRefusal::bad_variable: return "variable is not KEY=VALUE";
        case UeventRefusal::too_many_variables: return "too many variables";
        case UeventRefusal::mismatch: return "ACTION/DEVPATH disagree with the header";
    }
    return "?";
}

namespace {

bool plain_text(std::string_view s) {
    for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    return true;
}

// Absolute, no empty, "." or ".." component: a DEVPATH is compared by prefix, so it must be canonical.
bool canonical_devpath(std::string_view path) {
    if (path.size() < 2 || path.front() != '/' || !plain_text(path)) return false;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

UeventParse refuse(UeventRefusal why) { return {std::nullopt, why}; }

}  // namespace

UeventParse parse_uevent(std::string_view datagram) {
    if (datagram.empty()) return refuse(UeventRefusal::empty);
    if (datagram.size() > kMaxUeventBytes) return refuse(UeventRefusal::oversized);
    if (datagram.starts_with(std::string_view("libudev\0", 8))) return refuse(UeventRefusal::from_udev);
    if (datagram.back() != '\0') return refuse(UeventRefusal::no_terminator);

    // Every string, header first, ends with the NUL just checked for the last one.
    std::vector<std::string_view> strings;
    for (std::size_t start = 0; start < datagram.size();) {
        const std::size_t end = datagram.find('\0', start);
        strings.push_back(datagram.substr(start, end - start));
        start = end + 1;
    }
    if (strings.size() - 1 > kMaxUeventVariables) return refuse(UeventRefusal::too_many_variables);

    const std::string_view header = strings.front();
    const std::size_t at = header.find('@');
    if (at == std::string_view::npos || at == 0 || !plain_text(header.substr(0, at)))
        return refuse(UeventRefusal::bad_header);
    UeventMessage m;
    m.action = header.substr(0, at);
    m.devpath = header.substr(at + 1);
    if (!canonical_devpath(m.devpath)) return refuse(UeventRefusal::bad_devpath);

    for (std::size_t i = 1; i < strings.size(); ++i) {
        const std::string_view s = strings[i];
        const std::size_t eq = s.find('=');
        if (eq == std::string_view::npos || eq == 0 || !plain_text(s.substr(0, eq)))
            return refuse(UeventRefusal::bad_variable);
        m.variables.emplace_back(std::string(s.substr(0, eq)), std::string(s.substr(eq + 1)));
    }
    const auto action = m.value("ACTION");
    const auto devpath = m.value("DEVPATH");
    if ((action && *action != m.action) || (devpath && *devpath != m.devpath)) return refuse(UeventRefusal::mismatch);
    return {std::move(m), UeventRefusal::none};
}

}  // namespace nf::os
