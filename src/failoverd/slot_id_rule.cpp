// The PCI hotplug slot a netdev's device sits in. /sys/bus/pci/slots/<name>/address holds
// domain:bus:device without the function, so every function of a multi-function device is in the slot.
#include "failoverd/pair_id_rules.h"

namespace nf::daemon {
namespace {

class SlotRule final : public PairIdRule {
public:
    explicit SlotRule(PciSysfs sysfs) : sysfs_(std::move(sysfs)) {}
    PrimaryIdSource source() const override { return PrimaryIdSource::slot; }
    bool reads_sysfs() const override { return true; }

    std::optional<std::string> read(const PrimaryFacts& facts) const override {
        const std::string address = pci_address(facts);
        if (address.empty()) return std::nullopt;
        const std::string device = address.substr(0, address.rfind('.'));  // "0000:01:00"
        for (const auto& slot : sysfs_.slots())
            if (slot.address == device) return PrimaryId{PrimaryIdSource::slot, slot.name}.canonical();
        return std::nullopt;
    }

private:
    PciSysfs sysfs_;
};

}  // namespace

std::unique_ptr<PairIdRule> slot_rule(PciSysfs sysfs) { return std::make_unique<SlotRule>(std::move(sysfs)); }

}  // namespace nf::daemon
