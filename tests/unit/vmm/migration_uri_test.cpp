#include "vmm/migration_uri.h"

#include <gtest/gtest.h>

namespace nf::vmm {
namespace {

MigrationUri ok(const std::string& text) {
    auto parsed = parse_migration_uri(text);
    if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << text << ": " << *error;
    return std::get<MigrationUri>(parsed);
}

std::string error(const std::string& text) {
    auto parsed = parse_migration_uri(text);
    if (std::holds_alternative<MigrationUri>(parsed)) {
        ADD_FAILURE() << text << " parsed";
        return "";
    }
    return std::get<std::string>(parsed);
}

TEST(MigrationUri, TcpIpv4AndIpv6) {
    const auto v4 = ok("tcp:10.99.0.2:4444");
    EXPECT_EQ(v4.kind, MigrationUri::Kind::Tcp);
    EXPECT_EQ(v4.host, "10.99.0.2");
    EXPECT_EQ(v4.port, 4444);
    EXPECT_FALSE(v4.passes_fds());
    const auto v6 = ok("tcp:[::1]:5555");
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 5555);
}

TEST(MigrationUri, UnixPassesFds) {
    const auto uri = ok("unix:/run/x/vm1.mig");
    EXPECT_EQ(uri.kind, MigrationUri::Kind::Unix);
    EXPECT_EQ(uri.path, "/run/x/vm1.mig");
    EXPECT_TRUE(uri.passes_fds());
    EXPECT_EQ(uri.text, "unix:/run/x/vm1.mig");
}

TEST(MigrationUri, QemuTextForAnUnknownProtocol) {
    EXPECT_EQ(error("exec:cat > /tmp/x"), "unknown migration protocol: exec:cat > /tmp/x");
    EXPECT_EQ(error("fd:3"), "unknown migration protocol: fd:3");
}

TEST(MigrationUri, BadTcpAddressesNamed) {
    EXPECT_NE(error("tcp:localhost:4444").find("not a numeric"), std::string::npos);
    EXPECT_NE(error("tcp:10.0.0.1").find("HOST:PORT"), std::string::npos);
    EXPECT_NE(error("tcp:10.0.0.1:0").find("1-65535"), std::string::npos);
    EXPECT_NE(error("tcp:10.0.0.1:70000").find("1-65535"), std::string::npos);
    EXPECT_NE(error("tcp:10.0.0.1:44x").find("1-65535"), std::string::npos);
    EXPECT_NE(error("tcp:::1:4444").find("brackets"), std::string::npos);
    EXPECT_NE(error("tcp:[::1]4444").find("[IPV6]:PORT"), std::string::npos);
    EXPECT_NE(error("tcp::4444").find("no host"), std::string::npos);
}

TEST(MigrationUri, BadUnixPaths) {
    EXPECT_EQ(error("unix:"), "unix: needs a socket path");
    EXPECT_NE(error("unix:/" + std::string(200, 'a')).find("too long"), std::string::npos);
}

}  // namespace
}  // namespace nf::vmm
