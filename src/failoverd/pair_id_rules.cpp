#include "failoverd/pair_id_rules.h"

namespace nf::daemon {

std::unique_ptr<PairIdRule> make_pair_id_rule(PrimaryIdSource source, PciSysfs sysfs) {
    switch (source) {
        case PrimaryIdSource::slot: return slot_rule(std::move(sysfs));
        case PrimaryIdSource::acpi_index: return acpi_index_rule(std::move(sysfs));
        case PrimaryIdSource::label: return label_rule(std::move(sysfs));
        case PrimaryIdSource::alias: break;
    }
    return alias_rule();
}

}  // namespace nf::daemon
