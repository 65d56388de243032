#include <gtest/gtest.h>

#include "orchestrator/filter_spec.h"

namespace nf::orchestrator {
namespace {

TEST(FilterSpec, FdbWithEveryKey) {
    const auto s = parse_filter_spec("fdb:netns=hostA,bridge=esw0,vf=vf-vm1,pv=vm1-pv,vlan=12");
    EXPECT_EQ(s.kind, FilterSpec::Kind::Fdb);
    EXPECT_EQ(s.netns, "hostA");
    EXPECT_EQ(s.bridge, "esw0");
    EXPECT_EQ(s.vf_port, "vf-vm1");
    EXPECT_EQ(s.pv_port, "vm1-pv");
    EXPECT_EQ(s.vlan, 12);
}

TEST(FilterSpec, VfMac) {
    const auto s = parse_filter_spec("vf-mac:pf=enp3s0f0,vf=3");
    EXPECT_EQ(s.kind, FilterSpec::Kind::VfMac);
    EXPECT_EQ(s.pf, "enp3s0f0");
    EXPECT_EQ(s.vf_index, 3);
    EXPECT_EQ(s.netns, "");
}

TEST(FilterSpec, BadInputIsNamed) {
    const auto error_of = [](const std::string& text) {
        try {
            parse_filter_spec(text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(error_of("bridge=esw0").find("want fdb:"), std::string::npos);
    EXPECT_NE(error_of("tc:x=1").find("unknown filter kind"), std::string::npos);
    EXPECT_NE(error_of("fdb:bridge=esw0,vf=a").find("needs bridge=, vf= and pv="), std::string::npos);
    EXPECT_NE(error_of("fdb:bridge=esw0,vf=a,pv=b,pf=c").find("'pf': unknown key"), std::string::npos);
    EXPECT_NE(error_of("fdb:bridge=esw0,vf=a,pv=b,vlan=4095").find("1..4094"), std::string::npos);
    EXPECT_NE(error_of("fdb:bridge=a-name-longer-than-15,vf=a,pv=b").find("not an interface name"), std::string::npos);
    EXPECT_NE(error_of("vf-mac:pf=eth0").find("needs pf= and vf="), std::string::npos);
    EXPECT_NE(error_of("vf-mac:pf=eth0,vf=x").find("want a number"), std::string::npos);
    EXPECT_NE(error_of("fdb:bridge").find("want key=value"), std::string::npos);
}

}  // namespace
}  // namespace nf::orchestrator

#include "orchestrator/qmp_address.h"

namespace nf::orchestrator {
namespace {

TEST(QmpAddress, UnixAndTcp) {
    EXPECT_EQ(parse_qmp_address("unix:/run/vm1.qmp").path, "/run/vm1.qmp");
    const auto t = parse_qmp_address("tcp:127.0.0.1:4444");
    EXPECT_EQ(t.kind, QmpAddress::Kind::Tcp);
    EXPECT_EQ(t.host, "127.0.0.1");
    EXPECT_EQ(t.port, "4444");
    EXPECT_EQ(parse_qmp_address("tcp:[::1]:4444").host, "::1");
}

TEST(QmpAddress, BadInputIsNamed) {
    for (const char* bad : {"/run/vm1.qmp", "unix:", "tcp:4444", "tcp:host:0", "tcp:host:99999", "tcp:[::1:4444",
                            "tcp:host:x"})
        EXPECT_THROW(parse_qmp_address(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace nf::orchestrator
