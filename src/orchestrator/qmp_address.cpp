#include "orchestrator/qmp_address.h"

#include <charconv>
#include <stdexcept>

namespace nf::orchestrator {

QmpAddress parse_qmp_address(const std::string& text) {
    QmpAddress a;
    a.text = text;
    if (text.starts_with("unix:")) {
        a.path = text.substr(5);
        if (a.path.empty()) throw std::invalid_argument("'" + text + "': unix: needs a socket path");
        if (a.path.size() > 107) throw std::invalid_argument("'" + text + "': socket path longer than 107 bytes");
        return a;
    }
    if (text.starts_with("tcp:")) {
        a.kind = QmpAddress::Kind::Tcp;
        std::string rest = text.substr(4);
        const auto colon = rest.rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw std::invalid_argument("'" + text + "': want tcp:HOST:PORT");
        a.host = rest.substr(0, colon);
        a.port = rest.substr(colon + 1);
        if (a.host.front() == '[') {
            if (a.host.back() != ']' || a.host.size() < 3)
                throw std::invalid_argument("'" + text + "': an IPv6 host goes in brackets, tcp:[::1]:4444");
            a.host = a.host.substr(1, a.host.size() - 2);
        }
        int port = 0;
        const auto [end, ec] = std::from_chars(a.port.data(), a.port.data() + a.port.size(), port);
        if (ec != std::errc() || end != a.port.data() + a.port.size() || port < 1 || port > 65535)
            throw std::invalid_argument("'" + text + "': port must be 1..65535");
        return a;
    }
    throw std::invalid_argument("'" + text + "': want unix:PATH or tcp:HOST:PORT");
}

}  // namespace nf::orchestrator
