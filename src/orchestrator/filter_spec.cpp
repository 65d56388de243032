#include "orchestrator/filter_spec.h"

#include <charconv>
#include <stdexcept>

namespace nf::orchestrator {

namespace {

int parse_int(const std::string& key, const std::string& value, int lo, int hi) {
    int out = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc() || end != value.data() + value.size() || out < lo || out > hi)
        throw std::invalid_argument(key + "=" + value + ": want a number " + std::to_string(lo) + ".." + std::to_string(hi));
    return out;
}

void check_ifname(const std::string& key, const std::string& value) {
    if (value.empty() || value.size() > 15 || value.find_first_of("/ :,=") != std::string::npos)
        throw std::invalid_argument(key + "=" + value + ": not an interface name (1-15 characters, no '/', ' ', ':')");
}

}  // namespace

FilterSpec parse_filter_spec(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos)
        throw std::invalid_argument("'" + text + "': want fdb:bridge=BR,vf=PORT,pv=PORT[,netns=NS][,vlan=N] or "
                                    "vf-mac:pf=IF,vf=N[,netns=NS]");
    FilterSpec spec;
    const std::string kind = text.substr(0, colon);
    if (kind == "fdb") spec.kind = FilterSpec::Kind::Fdb;
    else if (kind == "vf-mac") spec.kind = FilterSpec::Kind::VfMac;
    else throw std::invalid_argument("'" + kind + "': unknown filter kind (fdb or vf-mac)");

    std::string rest = text.substr(colon + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
        const auto comma = rest.find(',', pos);
        const std::string item = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? rest.size() + 1 : comma + 1;
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) throw std::invalid_argument("'" + item + "': want key=value");
        const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
        if (key == "netns") {
            if (value.empty()) throw std::invalid_argument("netns= is empty");
            spec.netns = value;
        } else if (spec.kind == FilterSpec::Kind::Fdb && key == "bridge") {
            check_ifname(key, value);
            spec.bridge = value;
        } else if (spec.kind == FilterSpec::Kind::Fdb && key == "vf") {
            check_ifname(key, value);
            spec.vf_port = value;
        } else if (spec.kind == FilterSpec::Kind::Fdb && key == "pv") {
            check_ifname(key, value);
            spec.pv_port = value;
        } else if (spec.kind == FilterSpec::Kind::Fdb && key == "vlan") {
            spec.vlan = parse_int(key, value, 1, 4094);
        } else if (spec.kind == FilterSpec::Kind::VfMac && key == "pf") {
            check_ifname(key, value);
            spec.pf = value;
        } else if (spec.kind == FilterSpec::Kind::VfMac && key == "vf") {
            spec.vf_index = parse_int(key, value, 0, 65535);
        } else {
            throw std::invalid_argument("'" + key + "': unknown key for a " + kind + " filter");
        }
    }
    if (spec.kind == FilterSpec::Kind::Fdb && (spec.bridge.empty() || spec.vf_port.empty() || spec.pv_port.empty()))
        throw std::invalid_argument("an fdb filter needs bridge=, vf= and pv=");
    if (spec.kind == FilterSpec::Kind::VfMac && (spec.pf.empty() || spec.vf_index < 0))
        throw std::invalid_argument("a vf-mac filter needs pf= and vf=");
    return spec;
}

}  // namespace nf::orchestrator
