// The firmware's label for a device (SMBIOS type 41 "onboard device", or ACPI _DSM function 7's string).
#include "failoverd/pair_id_rules.h"

#include "common/error.h"

namespace nf::daemon {
namespace {

class LabelRule final : public PairIdRule {
public:
    explicit LabelRule(PciSysfs sysfs) : sysfs_(std::move(sysfs)) {}
    PrimaryIdSource source() const override { return PrimaryIdSource::label; }
    bool reads_sysfs() const override { return true; }

    std::optional<std::string> read(const PrimaryFacts& facts) const override {
        const std::string address = pci_address(facts);
        if (address.empty()) return std::nullopt;
        const auto text = sysfs_.device_attribute(address, "label");
        if (!text || text->empty()) return std::nullopt;
        try {  // firmware strings may be padded on the left too
            const auto start = text->find_first_not_of(' ');
            return parse_primary_id("label", "label:" + text->substr(start)).canonical();
        } catch (const ConfigError&) {
            return std::nullopt;
        }
    }

private:
    PciSysfs sysfs_;
};

}  // namespace

std::unique_ptr<PairIdRule> label_rule(PciSysfs sysfs) { return std::make_unique<LabelRule>(std::move(sysfs)); }

}  // namespace nf::daemon
