#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "common/error.h"
#include "os/cgroup.h"
#include "os/mounts.h"

namespace nf::os {
namespace {

using namespace std::chrono_literals;

// A child that bumps a shared counter every millisecond, in a cgroup; both gone on scope exit.
class SleepingChildInCgroup : public ::testing::Test {
protected:
    void SetUp() override {
        void* mem = ::mmap(nullptr, sizeof(std::atomic<long>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(mem, MAP_FAILED);
        counter_ = new (mem) std::atomic<long>(0);
        child_ = ::fork();
        ASSERT_GE(child_, 0);
        if (child_ == 0) {
            const timespec ms{0, 1'000'000};
            for (;;) {
                counter_->fetch_add(1);
                ::nanosleep(&ms, nullptr);
            }
        }
        group_.emplace(Cgroup2::create("nfos-" + std::to_string(::getpid())));
        group_->add_pid(child_);
    }
    void TearDown() override {
        if (child_ > 0) {
            ::kill(child_, SIGKILL);
            ::waitpid(child_, nullptr, 0);
        }
        if (group_) {
            try {
                group_->thaw();
                group_->remove();
            } catch (const std::exception& e) {
                ADD_FAILURE() << "cgroup cleanup: " << e.what();
            }
        }
        if (counter_) ::munmap(counter_, sizeof(std::atomic<long>));
    }

    long progress_over(std::chrono::milliseconds span) {
        const long before = counter_->load();
        std::this_thread::sleep_for(span);
        return counter_->load() - before;
    }

    std::atomic<long>* counter_ = nullptr;
    pid_t child_ = -1;
    std::optional<Cgroup2> group_;
};

TEST(Cgroup2Mount, FoundInTheMountTable) {
    const auto root = Cgroup2::mount_point();
    EXPECT_TRUE(std::filesystem::exists(root / "cgroup.procs")) << root;
}

TEST_F(SleepingChildInCgroup, FreezeStopsProgressAndThawResumes) {
    EXPECT_EQ(group_->pids(), std::vector<pid_t>{child_});
    EXPECT_TRUE(group_->populated());
    EXPECT_GT(progress_over(30ms), 0);

    group_->freeze();
    EXPECT_TRUE(group_->frozen());
    EXPECT_EQ(progress_over(50ms), 0);

    group_->thaw();
    EXPECT_FALSE(group_->frozen());
    EXPECT_GT(progress_over(50ms), 0);
}

TEST_F(SleepingChildInCgroup, KillEmptiesTheGroupAndRemoveSucceeds) {
    group_->freeze();
    group_->kill();  // cgroup.kill reaches frozen processes too
    ::waitpid(child_, nullptr, 0);
    child_ = -1;
    group_->remove();
    EXPECT_FALSE(std::filesystem::exists(group_->path()));
    group_.reset();
}

TEST_F(SleepingChildInCgroup, RemoveOfPopulatedGroupTimesOutClearly) {
    try {
        group_->remove(20ms);
        ADD_FAILURE() << "removed a populated cgroup";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.errno_value(), EBUSY);
        EXPECT_NE(std::string(e.what()).find(group_->path().string()), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace nf::os
