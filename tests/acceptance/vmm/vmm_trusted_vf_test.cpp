// failover-vmm as the host of a trusted VF (issue 13): it says which id the guest must pair the VF by, the
// way QEMU would. `--device pcie-root-port,id=root1,slot=4` gives the VF's root port a Physical Slot Number
// (QEMU's slot=, what a guest with native PCIe hotplug lists as /sys/bus/pci/slots/4), which qom-get reads
// back; `alias=` on the VF gives the veth the link alias the lab's guest (a namespace, no PCI sysfs) reads.
// A bad root port item is exit 2 and creates nothing.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_guest.h"
#include "vmm_fixture.h"

namespace nf::vmm::test {
namespace {

using nlohmann::json;

TEST(VmmTrustedVf, TheRootPortsSlotAndTheVfsAliasNameTheVf) {
    VmmLab lab;
    auto a = base_arguments(lab, "while-bound");
    for (const auto& d : {std::string("pcie-root-port,id=root1,chassis=2,slot=4,bus=pcie.0"), standby_device(),
                          primary_device(",alias=vf0")}) {
        a.push_back("--device");
        a.push_back(d);
    }
    VmmProcess vmm(lab, a);
    auto qmp = vmm.qmp();
    const auto qom = [&](const std::string& port, const std::string& property) {
        return qmp.execute_ok("qom-get", {{"path", "/machine/peripheral/" + port}, {"property", property}});
    };
    EXPECT_EQ(qom("root1", "slot"), 4);
    EXPECT_EQ(qom("root1", "type"), "pcie-root-port");
    EXPECT_EQ(qom("root0", "slot"), 0) << "QEMU's default: no slot number";
    EXPECT_NE(error_of(qmp, "qom-get", {{"path", "/machine/peripheral/root1"}, {"property", "bogus"}}).find("not found"),
              std::string::npos);
    // The primary sits on root1, so slot:4 is its id; in the lab the guest reads the alias.
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    ASSERT_TRUE(qmp.wait_event("FAILOVER_NEGOTIATED", 3s));
    ASSERT_TRUE(lab.wait_guest_link("ens4", true));
    const auto vf = lab.link(lab.guest_ns(), "ens4");
    ASSERT_TRUE(vf);
    EXPECT_EQ(vf->value("ifalias", ""), "vf0") << vf->dump();
    EXPECT_EQ(qom("root1", "slot"), 4) << "the slot stays while a VF is plugged";
    EXPECT_EQ(vmm.terminate(), 0) << vmm.log();
}

TEST(VmmTrustedVf, ABadRootPortItemIsExit2AndCreatesNothing) {
    VmmLab lab;
    const std::pair<const char*, const char*> refused[] = {
        {"pcie-root-port,id=root9,slot=4", "root0..root3"},
        {"pcie-root-port,id=root1", "slot ''"},
        {"pcie-root-port,id=root1,slot=0", "1..8191"},
        {"pcie-root-port,id=root1,slot=8192", "1..8191"},
        {"pcie-root-port,id=root1,slot=4x", "a decimal"},
        {"pcie-root-port,id=root1,slot=4,addr=0x3", "property 'addr'"},
        {"pcie-root-port,id=root1,slot=4,bus=root0", "sit on pcie.0"},
    };
    for (const auto& [item, expected] : refused) {
        SCOPED_TRACE(item);
        auto a = base_arguments(lab);
        a.insert(a.end(), {"--device", item, "--device", standby_device()});
        const auto r = run_vmm(lab, a);
        EXPECT_EQ(r.status, 2) << r.output;
        EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
        EXPECT_FALSE(lab.in_host("vm1-pv"));
        EXPECT_EQ(lab.link_names(lab.guest_ns()), (std::vector<std::string>{"lo"}));
        EXPECT_FALSE(std::filesystem::exists(lab.qmp_path()));
    }
    // Two ports, one slot number (QEMU refuses a duplicate chassis/slot pair too); one port twice.
    for (const auto& [second, expected] :
         {std::pair{"pcie-root-port,id=root2,slot=4", "root1's already"}, {"pcie-root-port,id=root1,slot=5", "given twice"}}) {
        auto a = base_arguments(lab);
        a.insert(a.end(), {"--device", "pcie-root-port,id=root1,slot=4", "--device", second});
        const auto r = run_vmm(lab, a);
        EXPECT_EQ(r.status, 2) << r.output;
        EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
    }
}

}  // namespace
}  // namespace nf::vmm::test
