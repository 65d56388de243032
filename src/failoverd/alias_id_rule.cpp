// The link's alias (IFLA_IFALIAS). The lab's VMM sets it on a VF veth before the VF enters the guest, the
// way QEMU's acpi-index= reaches a real guest before its driver binds: the id is there at the link's
// first RTM_NEWLINK, so pairing never waits for a later change.
#include "failoverd/pair_id_rules.h"

#include "common/error.h"

namespace nf::daemon {
namespace {

class AliasRule final : public PairIdRule {
public:
    PrimaryIdSource source() const override { return PrimaryIdSource::alias; }
    bool reads_sysfs() const override { return false; }

    std::optional<std::string> read(const PrimaryFacts& facts) const override {
        if (facts.alias.empty()) return std::nullopt;
        try {
            return parse_primary_id("alias", "alias:" + facts.alias).canonical();
        } catch (const ConfigError&) {
            return std::nullopt;
        }
    }
};

}  // namespace

std::unique_ptr<PairIdRule> alias_rule() { return std::make_unique<AliasRule>(); }

}  // namespace nf::daemon
