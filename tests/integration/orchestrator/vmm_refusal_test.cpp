// failover-migrate against the lab's failover-vmm processes: preflight reads them over QMP like QEMU and
// refuses cleanly, changing nothing on either.
#include <gtest/gtest.h>

#include "qemu_pair.h"
#include "vmm_fixture.h"

namespace nf::orchestrator::test {
namespace {

using vmm::test::VmmLab;
using vmm::test::VmmProcess;

std::vector<std::string> vmm_args(const VmmLab& lab) {
    auto args = vmm::test::base_arguments(lab);
    args.insert(args.end(), {"--device", vmm::test::standby_device(), "--device", vmm::test::primary_device()});
    return args;
}

TEST(VmmRefusal, RunningDestinationIsRefused) {
    VmmLab a, b;
    VmmProcess source(a, vmm_args(a));
    VmmProcess destination(b, vmm_args(b));
    const MigrateRun run = run_migrate({"--source", "unix:" + a.qmp_path(), "--destination", "unix:" + b.qmp_path(), "--uri",
                                 "unix:" + b.dir() + "/mig.sock", "--json"});
    EXPECT_EQ(run.status, 3) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["result"], "refused");
    EXPECT_EQ(out["failed-step"], "preflight");
    EXPECT_NE(out["error"].get<std::string>().find("the destination is 'running', not waiting for an incoming migration"),
              std::string::npos) << out["error"];
    EXPECT_TRUE(timeline_names(out, "command").empty());  // nothing but queries was sent
    auto q = source.qmp();
    EXPECT_EQ(run_state(q), "running");
}

TEST(VmmRefusal, PausedSourceIsRefused) {
    VmmLab a, b;
    VmmProcess source(a, vmm_args(a));
    VmmProcess destination(b, vmm_args(b));
    auto q = source.qmp();
    q.execute_ok("stop");
    const MigrateRun run = run_migrate({"--source", "unix:" + a.qmp_path(), "--destination", "unix:" + b.qmp_path(), "--uri",
                                 "unix:" + b.dir() + "/mig.sock"});
    EXPECT_EQ(run.status, 3) << run.out << run.err;
    EXPECT_NE(run.err.find("refused: the source VM is 'paused', not running (nothing was changed)"), std::string::npos)
        << run.err;
    EXPECT_EQ(run_state(q), "paused");
}

}  // namespace
}  // namespace nf::orchestrator::test
