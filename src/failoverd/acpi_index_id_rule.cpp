// The ACPI index firmware gives a device (_DSM function 7; QEMU's acpi-index= property). Only a valid
// index counts: the kernel shows the attribute only when firmware gave one, but a fake or odd tree may
// hold anything, and a value that --primary-id could never name must not pair.
#include "failoverd/pair_id_rules.h"

#include "common/error.h"

namespace nf::daemon {
namespace {

class AcpiIndexRule final : public PairIdRule {
public:
    explicit AcpiIndexRule(PciSysfs sysfs) : sysfs_(std::move(sysfs)) {}
    PrimaryIdSource source() const override { return PrimaryIdSource::acpi_index; }
    bool reads_sysfs() const override { return true; }

    std::optional<std::string> read(const PrimaryFacts& facts) const override {
        const std::string address = pci_address(facts);
        if (address.empty()) return std::nullopt;
        const auto text = sysfs_.device_attribute(address, "acpi_index");
        if (!text || text->empty()) return std::nullopt;
        try {
            return parse_primary_id("acpi_index", "acpi-index:" + *text).canonical();
        } catch (const ConfigError&) {
            return std::nullopt;
        }
    }

private:
    PciSysfs sysfs_;
};

}  // namespace

std::unique_ptr<PairIdRule> acpi_index_rule(PciSysfs sysfs) { return std::make_unique<AcpiIndexRule>(std::move(sysfs)); }

}  // namespace nf::daemon
