// Variants reach the lab config (VF filter, failoverd --rx-mode); loss per phase and the target verdict.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "lab/demo/report.h"
#include "lab/demo/variant.h"

namespace nf::lab::demo {
namespace {

TEST(DemoVariant, SetsTheFilterAndReplacesAnyRxMode) {
    LabConfig base = default_lab_config();
    base.guest.args = {"--datapath", "packet", "--rx-mode", "kernel", "--rx-mode=kernel"};
    const auto moved = apply_variant(base, *find_variant("moved-mbb"));
    EXPECT_EQ(moved.vf_filter, VfFilter::WhileBound);
    EXPECT_EQ(moved.guest.args, (std::vector<std::string>{"--datapath", "packet", "--rx-mode", "make-before-break"}));
    const auto stale = apply_variant(base, *find_variant("stale-kernel"));
    EXPECT_EQ(stale.vf_filter, VfFilter::Stale);
    EXPECT_EQ(stale.guest.args.back(), "kernel");
    EXPECT_FALSE(find_variant("nope"));
    ASSERT_EQ(default_variants().size(), 6u);
    EXPECT_EQ(default_variants().front().name, kHeadline);
    EXPECT_EQ(default_variants()[1].name, "moved-mbb-trusted-vf") << "side by side with the MAC-paired headline";
    const auto reference = *find_variant("reference");
    EXPECT_EQ(reference.filter, VfFilter::Stale);
    EXPECT_EQ(reference.rx, RxMode::kernel);
    EXPECT_FALSE(reference.netpass);
    EXPECT_FALSE(reference.announce);
    EXPECT_FALSE(find_variant("moved-mbb-no-netpass")->netpass);
    EXPECT_TRUE(find_variant(kHeadline)->netpass);
}

TEST(DemoVariant, TrustedVfGivesTheVfARandomMacAnIdAndFailoverdThatId) {
    LabConfig base = default_lab_config();
    base.guest.args = {"--pair-by", "mac", "--primary-id=slot:3", "--datapath", "packet"};
    const auto mac_paired = apply_variant(base, *find_variant(kHeadline));
    EXPECT_FALSE(mac_paired.vms[0].primary.random_mac);
    EXPECT_TRUE(mac_paired.vms[0].primary.alias.empty());
    const Variant trusted = *find_variant("moved-mbb-trusted-vf");
    EXPECT_TRUE(trusted.trusted_vf);
    EXPECT_EQ(trusted.filter, VfFilter::WhileBound);
    EXPECT_EQ(trusted.rx, RxMode::make_before_break);
    EXPECT_TRUE(trusted.netpass);
    EXPECT_NE(trusted.description().find("trusted VF"), std::string::npos);
    const auto c = apply_variant(base, trusted);
    EXPECT_TRUE(c.vms[0].primary.random_mac);
    EXPECT_EQ(c.vms[0].primary.alias, kTrustedVfAlias);
    EXPECT_EQ(c.vms[0].primary.slot, kTrustedVfSlot);
    EXPECT_EQ(mac_paired.vms[0].primary.slot, 0);
    EXPECT_EQ(c.guest.args, (std::vector<std::string>{"--datapath", "packet", "--rx-mode", "make-before-break",
                                                      "--primary-id", "alias:vf0"}));
    // The lab config's own alias is kept and is what failoverd pairs by.
    base.vms[0].primary.alias = "hostdev7";
    EXPECT_EQ(apply_variant(base, trusted).guest.args.back(), "alias:hostdev7");
    validate_lab_config(apply_variant(base, trusted));
    EXPECT_NE(variant_names().find("moved-mbb-trusted-vf"), std::string::npos);
}

// `failover-lab demo --variants` as a user meets it: --help lists the trusted-VF variant, an unknown name is
// exit 2 naming every known one (nothing runs: checked before the root check and any lab).
TEST(DemoVariantsOption, HelpListsThemAndAnUnknownOneIsExit2) {
    const auto run = [](const std::string& args, int* status) {
        std::string out;
        FILE* p = ::popen((std::string(NF_BIN_DIR) + "/failover-lab demo " + args + " 2>&1").c_str(), "r");
        if (!p) return out;
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        const int raw = ::pclose(p);
        *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
        return out;
    };
    int status = -1;
    const std::string help = run("--help", &status);
    EXPECT_EQ(status, 0) << help;
    EXPECT_NE(help.find("moved-mbb-trusted-vf"), std::string::npos) << help;
    EXPECT_NE(help.find("--primary-id alias:vf0"), std::string::npos) << help;
    const std::string refused = run("--variants moved-mbb,nope --out /nonexistent-nf-tvf/out", &status);
    EXPECT_EQ(status, 2) << refused;
    EXPECT_NE(refused.find("unknown variant 'nope'"), std::string::npos) << refused;
    EXPECT_NE(refused.find("moved-mbb-trusted-vf"), std::string::npos) << refused;
    EXPECT_FALSE(std::filesystem::exists("/nonexistent-nf-tvf"));
}

VariantResult result_with_loss(std::uint64_t unplug_c2v, std::uint64_t replug_v2c) {
    VariantResult r;
    r.variant = *find_variant(kHeadline);
    for (const char* label : {kPhasePrimary, kPhaseStandbyOnly, kPhaseReplugged}) {
        PhaseStats phase;
        phase.label = label;
        phase.directions[0].direction = Direction::ClientToVm;
        phase.directions[1].direction = Direction::VmToClient;
        r.analysis.phases.push_back(phase);
    }
    r.analysis.phases[1].directions[0].lost = unplug_c2v;
    r.analysis.phases[2].directions[1].not_sent = replug_v2c;  // not sent counts as missing too
    return r;
}

TEST(DemoReport, LossIsPerPhaseAndDirection) {
    const auto r = result_with_loss(3, 2);
    EXPECT_EQ(unplug_loss(r).c2v, 3u);
    EXPECT_EQ(unplug_loss(r).v2c, 0u);
    EXPECT_EQ(replug_loss(r).v2c, 2u);
    EXPECT_EQ(phase_loss(r.analysis, "no such phase").total(), 0u);
}

TEST(DemoReport, VerdictPassMissAndNotChecked) {
    std::vector<VariantOutcome> outcomes{{*find_variant(kHeadline), result_with_loss(0, 0), {}, {}}};
    EXPECT_TRUE(verdict(outcomes).pass);
    EXPECT_EQ(verdict(outcomes).line.rfind("PASS", 0), 0u);
    outcomes[0].result = result_with_loss(1, 0);
    EXPECT_FALSE(verdict(outcomes).pass);
    EXPECT_TRUE(verdict(outcomes).checked);
    EXPECT_EQ(verdict(outcomes).line.rfind("MISS", 0), 0u);
    outcomes[0].variant = *find_variant("stale-mbb");
    EXPECT_FALSE(verdict(outcomes).checked);
    const auto json = report_json(outcomes, {{"rate", 1}});
    EXPECT_FALSE(json["target"]["checked"].get<bool>());
    EXPECT_EQ(json["variants"][0]["loss"]["unplug"]["client-to-vm"], 1);
}

}  // namespace
}  // namespace nf::lab::demo
