#pragma once
// --source / --destination: where a VMM's QMP listens, in QEMU's -qmp syntax (unix:PATH or tcp:HOST:PORT).
#include <string>

namespace nf::orchestrator {

struct QmpAddress {
    enum class Kind { Unix, Tcp };
    Kind kind = Kind::Unix;
    std::string path;  // unix
    std::string host;  // tcp; an IPv6 literal without its brackets
    std::string port;
    std::string text;  // as given
};

// Throws std::invalid_argument naming the problem.
QmpAddress parse_qmp_address(const std::string& text);

}  // namespace nf::orchestrator
