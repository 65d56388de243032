#pragma once
// The migration tests' shared world: two failover-vmm processes of one VM in the VmmLab (source with VF
// vf-vm1g, destination --name vm1d --incoming with VF vf-vm1bg), QMP helpers for capabilities, events and
// statuses, and the test guest's negotiation. Used by every migration_*_test.cpp (one idea per file).
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_guest.h"
#include "vmm_fixture.h"

namespace nf::vmm::test {

using nlohmann::json;

inline json migration_events(const std::vector<qmp::QmpEvent>& events) {
    json out = json::array();
    for (const auto& e : events) {
        if (e.name == "MIGRATION") out.push_back("MIGRATION(" + e.data.value("status", "") + ")");
        else if (e.name != "MIGRATION_PASS") out.push_back(e.name);
    }
    return out;
}

class Migration : public ::testing::Test {
protected:
    // The usual two VMMs: the source with its VF, the destination listening on mig_socket() (or `incoming`),
    // and a QMP client of each. Destroyed clients first, then the processes. Taken apart where used:
    // `auto [source, dest, sq, dq] = hosts();`.
    struct Hosts {
        Hosts(Migration& m, const std::string& incoming)
            : source(m.lab, m.source_args()),
              dest(m.lab, m.dest_args(incoming), m.dest_qmp(), m.lab.dir() + "/vmm-d.log"),
              sq(source.qmp()),
              dq(dest.qmp()) {}
        VmmProcess source;
        VmmProcess dest;
        qmp::QmpClient sq;
        qmp::QmpClient dq;
    };
    Hosts hosts() { return Hosts(*this, "unix:" + mig_socket()); }
    Hosts hosts(const std::string& incoming) { return Hosts(*this, incoming); }

    std::string mig_socket() const { return lab.dir() + "/vm1.mig"; }
    std::string dest_qmp() const { return lab.dir() + "/vm1d.qmp"; }

    std::vector<std::string> source_args() {
        auto a = base_arguments(lab, "while-bound");
        for (const auto& d : {standby_device(), primary_device()}) {
            a.push_back("--device");
            a.push_back(d);
        }
        return a;
    }
    std::vector<std::string> dest_args(const std::string& incoming) {
        auto a = base_arguments(lab, "while-bound");
        a[1] = "vm1d";
        a[3] = dest_qmp();
        a.insert(a.end(), {"--incoming", incoming, "--device", standby_device(), "--device",
                           "vfio-pci,id=primary0,host=vf-vm1bg,failover_pair_id=standby0,bus=root1,ifname=ens4,mac=" +
                               std::string(kVmMac)});
        return a;
    }
    static void set_caps(qmp::QmpClient& qmp, bool netpass = true) {
        qmp.execute_ok("migrate-set-capabilities",
                       {{"capabilities", json::array({{{"capability", "events"}, {"state", true}},
                                                      {{"capability", "return-path"}, {"state", true}},
                                                      {{"capability", "netpass"}, {"state", netpass}}})}});
    }
    // Every event until MIGRATION reaches a final status (or the deadline), in arrival order.
    static std::vector<qmp::QmpEvent> events_until_final(qmp::QmpClient& qmp, std::vector<qmp::QmpEvent> seen,
                                                         std::chrono::milliseconds timeout = 10s) {
        const auto final = [](const qmp::QmpEvent& e) {
            const std::string s = e.data.value("status", "");
            return e.name == "MIGRATION" && (s == "completed" || s == "failed" || s == "cancelled");
        };
        for (const auto& e : seen)
            if (final(e)) return seen;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            json message;
            try {
                message = qmp.read_message(100ms);
            } catch (const std::exception&) {
                continue;
            }
            if (!message.is_object() || !message.contains("event")) continue;
            seen.push_back({message["event"].get<std::string>(), message.value("data", json::object())});
            if (final(seen.back())) break;
        }
        return seen;
    }
    static std::string status_of(qmp::QmpClient& qmp) { return qmp.execute_ok("query-migrate").value("status", ""); }
    static bool wait_status(qmp::QmpClient& qmp, const std::string& status, std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (status_of(qmp) == status) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    // The guest negotiates STANDBY on the source; the source's VF moves into the VM.
    void negotiate(TestGuest& guest, qmp::QmpClient& qmp) {
        guest.start_driver("standby0");
        ASSERT_TRUE(qmp.wait_event("FAILOVER_NEGOTIATED", 3s));
        ASSERT_TRUE(lab.wait_guest_link("ens4", true));
        ASSERT_FALSE(lab.in_host("vf-vm1g"));
    }

    VmmLab lab;
};

}  // namespace nf::vmm::test
