#include "lab_migrate_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "failoverd_control/control_client.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"

namespace nf::lab::test {

using nlohmann::json;
using namespace std::chrono_literals;

std::string LabMigrate::prefix() { return "nflm" + std::to_string(::getpid() % 10000); }

void LabMigrate::SetUp() {
    lab_down(prefix());  // leftovers of a crashed run with this pid
    UpOptions up;
    up.binary_dirs = {NF_BIN_DIR};
    lab_up(parse_lab_config({{"prefix", prefix()}, {"subnet", "10.84.0.0/24"}}), up);
    wait_guest_active("primary");
}

void LabMigrate::TearDown() {
    if (HasFailure()) {
        // The VMMs' and failoverd's logs go with the lab: a failed test keeps them for whoever reads it.
        const auto kept = std::filesystem::temp_directory_path() / ("nf-lab-migrate-logs-" + prefix());
        std::error_code ec;
        std::filesystem::remove_all(kept, ec);
        std::filesystem::copy(LabNames(prefix()).logs_dir(), kept, std::filesystem::copy_options::recursive, ec);
        std::cerr << "the lab's logs: " << (ec ? "not kept: " + ec.message() : kept.string()) << "\n";
    }
    lab_down(prefix());
}

LabRun LabMigrate::lab(const std::vector<std::string>& args, std::chrono::seconds timeout) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    std::vector<std::string> argv{NF_LAB_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        ::execv(raw[0], raw.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    LabRun run;
    std::string* sinks[2] = {&run.out, &run.err};
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int open = 2;
    while (open > 0 && std::chrono::steady_clock::now() < deadline) {
        if (::poll(fds, 2, 100) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buffer[4096];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    if (open > 0) ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    run.status = open == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

json LabMigrate::migrate(const std::string& host, const std::vector<std::string>& extra, int expect_exit) {
    std::vector<std::string> args{"migrate", "vm1", "--to", host, "--prefix", prefix(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto run = lab(args);
    EXPECT_EQ(run.status, expect_exit) << run.out << run.err;
    const json out = json::parse(run.out, nullptr, false);
    EXPECT_FALSE(out.is_discarded()) << "not JSON: " << run.out << run.err;
    return out.is_discarded() ? json::object() : out;
}

json LabMigrate::status() {
    const auto run = lab({"status", "--prefix", prefix(), "--json"});
    EXPECT_EQ(run.status, 0) << run.err;
    return json::parse(run.out);
}

void LabMigrate::wait_guest_active(const std::string& active, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            auto control = daemon::ControlClient::connect(names().failoverd_control("vm1").string(), 1000ms);
            last = control.request({{"cmd", "status"}}, 1000ms)["status"].value("active", "");
            if (last == active) return;
        } catch (const std::exception& e) {
            last = e.what();
        }
        std::this_thread::sleep_for(20ms);
    }
    FAIL() << "failoverd did not report active " << active << " within " << timeout.count() << " ms (last: " << last << ")";
}

}  // namespace nf::lab::test
