// Capabilities and parameters: QEMU's names and error texts (scenario 31), our x- parameters validated,
// all-or-nothing application.
#include <gtest/gtest.h>

#include "migration/settings.h"

namespace nf::migration {
namespace {

nlohmann::json caps(std::initializer_list<std::pair<const char*, bool>> list) {
    nlohmann::json array = nlohmann::json::array();
    for (auto [name, state] : list) array.push_back({{"capability", name}, {"state", state}});
    return {{"capabilities", array}};
}

std::string error_of(const device::Outcome& out) { return out.error() ? out.error()->desc : "<ok>"; }

TEST(Settings, Acceptance31_NetpassWithoutReturnPathRefused) {
    Settings s;
    EXPECT_EQ(error_of(s.set_capabilities(caps({{"netpass", true}}), false)),
              "Capability 'netpass' requires capability 'return-path'");
    EXPECT_FALSE(s.capabilities().netpass) << "bad input changes nothing";
    EXPECT_TRUE(s.set_capabilities(caps({{"return-path", true}, {"netpass", true}}), false).ok());
    EXPECT_TRUE(s.capabilities().netpass);
    EXPECT_EQ(error_of(s.set_capabilities(caps({{"return-path", false}}), false)),
              "Capability 'netpass' requires capability 'return-path'");
    EXPECT_TRUE(s.capabilities().return_path);
}

TEST(Settings, Acceptance31_NetpassWithoutSendVmStartedRefused) {
    Settings s(/*send_vm_started=*/false);
    EXPECT_EQ(error_of(s.set_capabilities(caps({{"return-path", true}, {"netpass", true}}), false)),
              "Capability 'netpass' requires support for VM_STARTED return-path message");
    EXPECT_FALSE(s.capabilities().return_path) << "all or nothing";
}

TEST(Settings, CapabilityErrors) {
    Settings s;
    EXPECT_EQ(error_of(s.set_capabilities(caps({{"events", true}}), true)), "There's a migration process in progress");
    EXPECT_EQ(error_of(s.set_capabilities(caps({{"bogus", true}}), false)),
              "Parameter 'capabilities[0].capability' does not accept value 'bogus'");
    EXPECT_EQ(error_of(s.set_capabilities(caps({{"postcopy-ram", true}}), false)),
              "Capability 'postcopy-ram' is not supported by failover-vmm");
    EXPECT_TRUE(s.set_capabilities(caps({{"postcopy-ram", false}}), false).ok());
    EXPECT_EQ(error_of(s.set_capabilities(nlohmann::json::object(), false)), "Parameter 'capabilities' is missing");
    EXPECT_EQ(error_of(s.set_capabilities(nlohmann::json{{"capabilities", 3}}, false)),
              "Invalid parameter type for 'capabilities', expected: array");
    EXPECT_EQ(error_of(s.set_capabilities({{"capabilities", {{{"capability", "events"}, {"state", "yes"}}}}}, false)),
              "Invalid parameter type for 'capabilities[0].state', expected: boolean");
    EXPECT_EQ(s.capabilities(), Capabilities{});
}

TEST(Settings, QueryCapabilitiesListsQemuNames) {
    Settings s;
    s.set_capabilities(caps({{"events", true}, {"return-path", true}}), false);
    const auto list = s.query_capabilities();
    auto state = [&](const char* name) {
        for (const auto& e : list)
            if (e["capability"] == name) return e["state"].get<bool>();
        ADD_FAILURE() << name << " not listed";
        return false;
    };
    EXPECT_TRUE(state("events"));
    EXPECT_TRUE(state("return-path"));
    EXPECT_FALSE(state("netpass"));
    EXPECT_FALSE(state("xbzrle"));
    EXPECT_FALSE(state("switchover-ack"));
}

TEST(Settings, ParametersDefaultsAndQuery) {
    Settings s;
    EXPECT_EQ(s.query_parameters(), (nlohmann::json{{"x-wait-unplug-timeout", 5000},
                                                    {"x-wait-unplug-policy", "fail"},
                                                    {"x-cancel-unplug-timeout", 30000},
                                                    {"x-vm-started-timeout", 5000},
                                                    {"x-incoming-stall-timeout", 10000},
                                                    {"x-active-time", 0},
                                                    {"x-netpass-max-frames", 4096},
                                                    {"x-netpass-max-bytes", 8 << 20}}));
    ASSERT_TRUE(s.set_parameters({{"x-wait-unplug-timeout", 750}, {"x-wait-unplug-policy", "surprise-removal"},
                                  {"x-netpass-max-frames", 10}}, false).ok());
    EXPECT_EQ(s.parameters().wait_unplug_timeout, Millis{750});
    EXPECT_EQ(s.parameters().wait_unplug_policy, WaitUnplugPolicy::SurpriseRemoval);
    EXPECT_EQ(s.query_parameters()["x-netpass-max-frames"], 10);
}

TEST(Settings, ParameterErrorsChangeNothing) {
    Settings s;
    const Parameters before = s.parameters();
    const std::vector<std::pair<nlohmann::json, std::string>> cases{
        {{{"x-wait-unplug-timeout", 0}}, "Parameter 'x-wait-unplug-timeout' expects an integer between 1 and 3600000 (milliseconds)"},
        {{{"x-vm-started-timeout", 3600001}}, "Parameter 'x-vm-started-timeout' expects an integer between 1 and 3600000 (milliseconds)"},
        {{{"x-cancel-unplug-timeout", "5"}}, "Parameter 'x-cancel-unplug-timeout' expects an integer between 1 and 3600000 (milliseconds)"},
        {{{"x-incoming-stall-timeout", 1.5}}, "Parameter 'x-incoming-stall-timeout' expects an integer between 1 and 3600000 (milliseconds)"},
        {{{"x-active-time", -1}}, "Parameter 'x-active-time' expects an integer between 0 and 3600000 (milliseconds)"},
        {{{"x-wait-unplug-policy", "hang"}}, "Parameter 'x-wait-unplug-policy' expects 'fail' or 'surprise-removal'"},
        {{{"x-netpass-max-frames", 0}}, "Parameter 'x-netpass-max-frames' expects an integer between 1 and 1048576"},
        {{{"x-netpass-max-bytes", 100}}, "Parameter 'x-netpass-max-bytes' expects an integer between 65600 and 268435456 (bytes)"},
        {{{"x-netpass-max-frames", 18446744073709551615ull}}, "Parameter 'x-netpass-max-frames' expects an integer between 1 and 1048576"},
        {{{"downtime-limit", 300}}, "Parameter 'downtime-limit' is unexpected"},
        {{{"x-active-time", 5}, {"x-wait-unplug-timeout", 0}}, "Parameter 'x-wait-unplug-timeout' expects an integer between 1 and 3600000 (milliseconds)"},
    };
    for (const auto& [args, error] : cases) {
        EXPECT_EQ(error_of(s.set_parameters(args, false)), error) << args.dump();
        EXPECT_EQ(s.parameters(), before) << args.dump();
    }
    EXPECT_EQ(error_of(s.set_parameters({{"x-active-time", 5}}, true)),
              "There's a migration process in progress: x- parameters apply when a migration starts");
}

}  // namespace
}  // namespace nf::migration
