#pragma once
// Where a migration stream goes (`migrate uri=...`) or comes from (`--incoming`, `migrate-incoming`):
// QEMU's `tcp:HOST:PORT` and `unix:PATH`. HOST must be a numeric address: the VMM never resolves names
// (the lab's hosts are namespaces; a name lookup would leave the machine). `defer` is not a URI but the
// --incoming value that waits for `migrate-incoming`; it is parsed by the command line, not here.
#include <cstdint>
#include <string>
#include <variant>

namespace nf::vmm {

struct MigrationUri {
    enum class Kind { Tcp, Unix };
    Kind kind = Kind::Unix;
    std::string host;        // tcp: numeric IPv4 or IPv6 (brackets stripped)
    std::uint16_t port = 0;  // tcp
    std::string path;        // unix
    std::string text;        // as given

    // Only a unix socket carries file descriptors (SCM_RIGHTS): the standby's tap moves with the stream.
    bool passes_fds() const { return kind == Kind::Unix; }
};

// The error text is QEMU's where QEMU has one ("unknown migration protocol: X").
std::variant<MigrationUri, std::string> parse_migration_uri(const std::string& text);

}  // namespace nf::vmm
