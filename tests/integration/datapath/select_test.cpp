// Datapath selection: as root with BPF allowed, auto picks bpf.
#include <gtest/gtest.h>

#include "common/error.h"
#include "datapath/bpf/bpf_probe.h"
#include "datapath/factory.h"

namespace nf::datapath {
namespace {

TEST(DatapathSelect, AutoChoosesBpfWhenMapsCanBeCreated) {
    ASSERT_FALSE(bpf_unavailable_reason().has_value());
    auto choice = choose_datapath(DatapathKind::automatic);
    EXPECT_EQ(choice.kind, DatapathKind::bpf);
    EXPECT_FALSE(choice.reason.empty());
}

TEST(DatapathSelect, ConfiguredKindsAreTakenAsIs) {
    EXPECT_EQ(choose_datapath(DatapathKind::packet).kind, DatapathKind::packet);
    EXPECT_EQ(choose_datapath(DatapathKind::bpf).kind, DatapathKind::bpf);
    EXPECT_EQ(parse_datapath_kind("auto"), DatapathKind::automatic);
    EXPECT_THROW(parse_datapath_kind("xdp"), ConfigError);
}

}  // namespace
}  // namespace nf::datapath
