// LinkRouter: which pairs of failoverd --all-matches a guest link event concerns (the supervisor decodes
// each event once and hands it to those pairs only).
#include <gtest/gtest.h>

#include "failoverd/link_router.h"

namespace nf::failoverd {
namespace {

MacAddress mac(std::uint8_t last) { return MacAddress({0x02, 0, 0, 0x7b, 0, last}); }

os::LinkInfo link(int ifindex, std::string name, MacAddress address, std::optional<MacAddress> perm = std::nullopt) {
    os::LinkInfo l;
    l.ifindex = ifindex;
    l.name = std::move(name);
    l.mac = address;
    l.perm_mac = perm;
    return l;
}

using Pairs = std::vector<LinkRouter::PairId>;

TEST(LinkRouter, ALinkGoesToThePairWhoseMacItCarriesAndNoOther) {
    LinkRouter router;
    router.set_keys("sb0", {mac(0), {}, false});
    router.set_keys("sb1", {mac(1), {}, false});
    EXPECT_EQ(router.route(link(10, "pr1", mac(1)), false), Pairs{"sb1"});
    EXPECT_EQ(router.route(link(11, "pr0", mac(0)), false), Pairs{"sb0"});
    EXPECT_EQ(router.route(link(12, "eth9", mac(9)), false), Pairs{});
    // A real NIC pairs by its permanent MAC whatever its current one.
    EXPECT_EQ(router.route(link(13, "ens5", mac(9), mac(1)), false), Pairs{"sb1"});
}

TEST(LinkRouter, APairKeepsHearingOfALinkWhoseMacChangedAwayUntilItIsDeleted) {
    LinkRouter router;
    router.set_keys("sb1", {mac(1), {}, false});
    EXPECT_EQ(router.route(link(10, "pr1", mac(1)), false), Pairs{"sb1"});
    // Its MAC changed: the pair must learn that it no longer pairs.
    EXPECT_EQ(router.route(link(10, "pr1", mac(7)), false), Pairs{"sb1"});
    EXPECT_EQ(router.route(link(10, "pr1", mac(7)), true), Pairs{"sb1"});
    EXPECT_EQ(router.remembered(), 0u) << "a deleted link is forgotten";
    EXPECT_EQ(router.route(link(10, "pr1", mac(7)), false), Pairs{}) << "and a new link on that ifindex is not theirs";
}

TEST(LinkRouter, ThePairsOwnLinksByIfindexAndEveryLinkForPairingById) {
    LinkRouter router;
    router.set_keys("sb0", {mac(0), {42}, false});
    router.set_keys("sb1", {mac(1), {}, true});  // --pair-by id: any link may be its primary
    EXPECT_EQ(router.route(link(42, "sb0", mac(5)), false), (Pairs{"sb0", "sb1"}));
    EXPECT_EQ(router.route(link(43, "vf", mac(6)), false), Pairs{"sb1"});
}

TEST(LinkRouter, ADumpGivesAPairItsLinksOnlyAndReplacesWhatItKnew) {
    LinkRouter router;
    router.set_keys("sb0", {mac(0), {}, false});
    EXPECT_EQ(router.route(link(10, "old", mac(0)), false), Pairs{"sb0"});
    const std::vector<os::LinkInfo> dump = {link(1, "lo", MacAddress{}), link(5, "sb0nsby", mac(0)),
                                            link(6, "sb1nsby", mac(1)), link(7, "pr0", mac(0))};
    const auto mine = router.links_of("sb0", dump);
    ASSERT_EQ(mine.size(), 2u);
    EXPECT_EQ(mine[0].name, "sb0nsby");
    EXPECT_EQ(mine[1].name, "pr0");
    EXPECT_EQ(router.route(link(10, "old", mac(3)), false), Pairs{}) << "not in the dump: no longer known";
    EXPECT_EQ(router.route(link(7, "pr0", mac(3)), false), Pairs{"sb0"}) << "in the dump: known by ifindex";
}

TEST(LinkRouter, AForgottenPairHearsNothing) {
    LinkRouter router;
    router.set_keys("sb0", {mac(0), {42}, true});
    EXPECT_EQ(router.route(link(10, "pr0", mac(0)), false), Pairs{"sb0"});
    router.forget("sb0");
    EXPECT_FALSE(router.knows("sb0"));
    EXPECT_EQ(router.route(link(10, "pr0", mac(0)), false), Pairs{});
    EXPECT_EQ(router.route(link(42, "x", mac(0)), false), Pairs{});
    EXPECT_EQ(router.remembered(), 0u);
    EXPECT_TRUE(router.links_of("sb0", {link(10, "pr0", mac(0))}).empty());
}

}  // namespace
}  // namespace nf::failoverd
