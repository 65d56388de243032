// --primary-id SOURCE:VALUE parsing, and the pair-id rules reading a fake sysfs tree.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "common/error.h"
#include "failoverd_control/command_line.h"
#include "failoverd_control/config_layer.h"
#include "failoverd/pair_id_rules.h"
#include "failoverd_control/primary_id.h"
#include "temp_dir.h"

namespace nf::daemon {
namespace {

using test::TempDir;

CommandLine parse_command_line(std::vector<std::string> args) {
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return daemon::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

std::string error_of(std::string_view text) {
    try {
        (void)parse_primary_id("--primary-id", text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(PrimaryId, EveryFormParsesToItsCanonicalSpelling) {
    EXPECT_EQ(parse_primary_id("f", "slot:4"), (PrimaryId{PrimaryIdSource::slot, "4"}));
    EXPECT_EQ(parse_primary_id("f", "slot:0-2").canonical(), "slot:0-2");
    EXPECT_EQ(parse_primary_id("f", "acpi-index:2"), (PrimaryId{PrimaryIdSource::acpi_index, "2"}));
    EXPECT_EQ(parse_primary_id("f", "acpi-index:007").canonical(), "acpi-index:7");
    EXPECT_EQ(parse_primary_id("f", "acpi-index:4294967295").canonical(), "acpi-index:4294967295");
    EXPECT_EQ(parse_primary_id("f", "label:vf0"), (PrimaryId{PrimaryIdSource::label, "vf0"}));
    EXPECT_EQ(parse_primary_id("f", "label:Onboard LAN").canonical(), "label:Onboard LAN");
    EXPECT_EQ(parse_primary_id("f", "alias:vf0"), (PrimaryId{PrimaryIdSource::alias, "vf0"}));
    EXPECT_EQ(parse_primary_id("f", "alias:a:b").canonical(), "alias:a:b");  // the first colon splits
}

TEST(PrimaryId, BadFormsNameTheFieldAndTheAcceptedForms) {
    EXPECT_EQ(error_of("vf0"), "--primary-id: 'vf0' is not SOURCE:VALUE (slot:NAME, acpi-index:N, label:TEXT or "
                               "alias:TEXT)");
    EXPECT_NE(error_of("serial:7").find("unknown id source 'serial'"), std::string::npos);
    EXPECT_NE(error_of("slot:").find("empty value"), std::string::npos);
    EXPECT_NE(error_of(":4").find("unknown id source ''"), std::string::npos);
    for (const char* bad : {"acpi-index:0", "acpi-index:-1", "acpi-index:4294967296", "acpi-index:2x", "acpi-index: 2"})
        EXPECT_NE(error_of(bad).find("decimal acpi index"), std::string::npos) << bad;
    EXPECT_NE(error_of("slot:a/b").find("no '/'"), std::string::npos);
    EXPECT_NE(error_of("slot:..").find("slot name"), std::string::npos);
    EXPECT_NE(error_of("slot:" + std::string(65, '1')).find("slot name"), std::string::npos);
    EXPECT_NE(error_of("label:a\tb").find("printable"), std::string::npos);
    EXPECT_NE(error_of("alias:" + std::string(256, 'a')).find("1..255"), std::string::npos);
    EXPECT_EQ(error_of("alias:" + std::string(255, 'a')), "");
}

// The user meets these through --primary-id and the config file: both refuse a bad form.
TEST(PrimaryId, FlagAndConfigFileUseTheForms) {
    const auto parsed = parse_command_line({"failoverd", "--standby", "ens4", "--primary-id", "acpi-index:02"});
    ASSERT_TRUE(std::holds_alternative<DaemonConfig>(parsed));
    EXPECT_EQ(std::get<DaemonConfig>(parsed).pairing.primary_id, "acpi-index:2");
    EXPECT_EQ(std::get<DaemonConfig>(parsed).pairing.by, PairingKey::id);
    EXPECT_THROW(parse_command_line({"failoverd", "--standby", "ens4", "--primary-id", "vf0"}), ConfigError);

    TempDir dir;
    const auto good = dir.write("good.json", R"({"standby": "ens4", "pairing": {"by": "id", "primary_id": "label:vf0"}})");
    const auto file = parse_command_line({"failoverd", "--config", good});
    ASSERT_TRUE(std::holds_alternative<DaemonConfig>(file));
    EXPECT_EQ(std::get<DaemonConfig>(file).pairing.primary_id, "label:vf0");
    const auto bad = dir.write("bad.json", R"({"standby": "ens4", "pairing": {"by": "id", "primary_id": "slot-3"}})");
    try {
        (void)parse_command_line({"failoverd", "--config", bad});
        FAIL() << "a bad primary_id in the file was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("pairing.primary_id: 'slot-3' is not SOURCE:VALUE"), std::string::npos)
            << e.what();
    }
}

// A fake /sys: PCI devices with attributes, hotplug slots with addresses.
class FakePciSysfs {
public:
    FakePciSysfs() { std::filesystem::create_directories(dir_.path() / "bus/pci/devices"); }
    void device(const std::string& address, const std::string& attribute, const std::string& text) {
        dir_.write("bus/pci/devices/" + address + "/" + attribute, text);
    }
    void slot(const std::string& name, const std::string& address) {
        dir_.write("bus/pci/slots/" + name + "/address", address + "\n");
    }
    PciSysfs sysfs() const { return PciSysfs(dir_.path()); }
    const TempDir& dir() const { return dir_; }

private:
    TempDir dir_;
};

PrimaryFacts on_pci(const std::string& address) { return {"ens4", address, "pci", ""}; }

TEST(PairIdRules, SlotIsTheHotplugSlotHoldingTheDevice) {
    FakePciSysfs fake;
    fake.slot("0", "0000:00:03");
    fake.slot("4", "0000:02:00");   // native PCIe: the root port's slot=4, the device behind it on bus 2
    fake.slot("0-2", "0000:01:00");
    const auto rule = slot_rule(fake.sysfs());
    EXPECT_EQ(rule->read(on_pci("0000:02:00.0")), "slot:4");
    EXPECT_EQ(rule->read(on_pci("0000:02:00.1")), "slot:4");  // every function of the device
    EXPECT_EQ(rule->read(on_pci("0000:01:00.0")), "slot:0-2");
    EXPECT_EQ(rule->read(on_pci("0000:05:00.0")), std::nullopt);           // in no slot
    EXPECT_EQ(rule->read({"veth0", "", "", ""}), std::nullopt);            // not on PCI
    EXPECT_EQ(rule->read({"x", "0000:02:00.0", "virtio", ""}), std::nullopt);  // a virtio parent is not PCI
    EXPECT_TRUE(rule->reads_sysfs());
}

TEST(PairIdRules, AcpiIndexAndLabelAreDeviceAttributes) {
    FakePciSysfs fake;
    fake.device("0000:02:00.0", "acpi_index", "2\n");
    fake.device("0000:02:00.0", "label", " vf0\n");
    fake.device("0000:03:00.0", "acpi_index", "0\n");         // firmware's "none"
    fake.device("0000:04:00.0", "acpi_index", "banana\n");
    fake.device("0000:04:00.0", "label", "\n");
    const auto acpi = acpi_index_rule(fake.sysfs());
    const auto label = label_rule(fake.sysfs());
    EXPECT_EQ(acpi->read(on_pci("0000:02:00.0")), "acpi-index:2");
    EXPECT_EQ(label->read(on_pci("0000:02:00.0")), "label:vf0");
    EXPECT_EQ(acpi->read(on_pci("0000:03:00.0")), std::nullopt);
    EXPECT_EQ(acpi->read(on_pci("0000:04:00.0")), std::nullopt);
    EXPECT_EQ(label->read(on_pci("0000:04:00.0")), std::nullopt);
    EXPECT_EQ(acpi->read(on_pci("0000:09:00.0")), std::nullopt);  // no such device (unplugged)
    EXPECT_EQ(label->read(on_pci("0000:03:00.0")), std::nullopt);  // no label attribute
}

TEST(PairIdRules, AParentThatIsNotAPciAddressIsNeverAPath) {
    FakePciSysfs fake;
    fake.dir().write("secret/acpi_index", "5\n");
    const auto acpi = acpi_index_rule(fake.sysfs());
    for (const char* parent : {"../../secret", "0000:02:00.0/..", "", "0000:02:00", "0000:0g:00.0"})
        EXPECT_EQ(acpi->read(on_pci(parent)), std::nullopt) << parent;
}

TEST(PairIdRules, AliasComesFromTheLinkNotSysfs) {
    const auto rule = alias_rule();
    EXPECT_FALSE(rule->reads_sysfs());
    EXPECT_EQ(rule->read({"vf", "", "", "vf0"}), "alias:vf0");
    EXPECT_EQ(rule->read({"vf", "", "", ""}), std::nullopt);
    EXPECT_EQ(rule->read({"vf", "", "", "bad\x01"}), std::nullopt);  // no --primary-id could name it
    EXPECT_EQ(make_pair_id_rule(PrimaryIdSource::alias)->source(), PrimaryIdSource::alias);
    EXPECT_EQ(make_pair_id_rule(PrimaryIdSource::slot)->source(), PrimaryIdSource::slot);
    EXPECT_EQ(make_pair_id_rule(PrimaryIdSource::acpi_index)->source(), PrimaryIdSource::acpi_index);
    EXPECT_EQ(make_pair_id_rule(PrimaryIdSource::label)->source(), PrimaryIdSource::label);
}

TEST(PciSysfs, ReadsAreBoundedAndToleratePathsThatVanish) {
    FakePciSysfs fake;
    // Longer than a page: only the first page is read, the first line of it kept.
    fake.device("0000:02:00.0", "label", std::string(10000, 'x'));
    const auto label = fake.sysfs().device_attribute("0000:02:00.0", "label");
    ASSERT_TRUE(label);
    EXPECT_EQ(label->size(), kMaxSysfsAttribute);
    // A FIFO where an attribute should be: no hang (O_NONBLOCK), nothing read.
    const auto fifo = fake.dir().path() / "bus/pci/devices/0000:02:00.0/acpi_index";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(fake.sysfs().device_attribute("0000:02:00.0", "acpi_index").value_or(""), "");
    // A directory (as when a device is replaced mid-read) reads as absent.
    std::filesystem::create_directories(fake.dir().path() / "bus/pci/devices/0000:03:00.0/label");
    EXPECT_EQ(fake.sysfs().device_attribute("0000:03:00.0", "label"), std::nullopt);
    // A slot without an address file (removed between listing and read) is skipped.
    std::filesystem::create_directories(fake.dir().path() / "bus/pci/slots/7");
    fake.slot("8", "0000:08:00");
    const auto slots = fake.sysfs().slots();
    ASSERT_EQ(slots.size(), 1u);
    EXPECT_EQ(slots[0].name, "8");
    // No slots directory at all (no hotplug driver): none.
    EXPECT_TRUE(PciSysfs("/nonexistent-nf-tvf").slots().empty());
}

TEST(PciSysfs, TheSlotScanIsBounded) {
    FakePciSysfs fake;
    for (std::size_t i = 0; i < kMaxPciSlots + 5; ++i)
        std::filesystem::create_directories(fake.dir().path() / "bus/pci/slots" / std::to_string(i));
    fake.slot("zz", "0000:09:00");
    const auto sysfs = fake.sysfs();
    EXPECT_LE(sysfs.slots().size(), kMaxPciSlots);
    EXPECT_EQ(sysfs.slots_skipped(), 1u);
}

}  // namespace
}  // namespace nf::daemon
