#include "qemu_vm.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "common/unix_socket.h"
#include "host_net.h"

namespace nf::vmtest {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kQemu = "qemu-system-x86_64";

// Bounded: a transcript that grows past this keeps its newest part (a guest flooding the console must
// not exhaust the test's memory).
constexpr std::size_t kMaxTranscript = 4 << 20;

std::string make_run_dir() {
    // The pid in the name lets sweep_dead_runs() find the directories of runs that were killed.
    std::string templ = "/tmp/nfvm-run-" + std::to_string(::getpid()) + ".XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    return templ;
}

}  // namespace

QemuVm::QemuVm(QemuOptions options, Millis boot_timeout) : options_(std::move(options)), run_dir_(make_run_dir()) {
    const auto started = Clock::now();
    try {
        start_qemu();
        qmp_ = std::make_unique<qmp::QmpClient>(qmp::QmpClient::connect(run_dir_ + "/qmp.sock", Millis(20000)));
        qmp_->negotiate();
        console_ = connect_unix(run_dir_ + "/console.sock", Millis(20000));
        console_reader_ = std::thread([this] { read_console(); });
        // A destination holds no guest until the migration has brought it.
        if (options_.incoming) return;
        // The shell exists once init has loaded the modules; until then input can be lost (the UART is
        // reset by its driver), so probe until one answers.
        const auto deadline = started + boot_timeout;
        for (;;) {
            if (Clock::now() >= deadline)
                throw std::runtime_error("guest shell did not answer within " + std::to_string(boot_timeout.count()) +
                                         " ms\n" + transcript() + "\nqemu: " + qemu_log());
            try {
                run("true", Millis(3000));
                break;
            } catch (const std::runtime_error&) {
                bool closed = false;
                {
                    std::lock_guard lock(mutex_);
                    closed = console_closed_;
                }
                if (closed) throw std::runtime_error("QEMU closed the console during boot\n" + transcript() +
                                                     "\nqemu: " + qemu_log());
            }
        }
        boot_seconds_ = std::chrono::duration<double>(Clock::now() - started).count();
    } catch (...) {
        stop();
        throw;
    }
}

QemuVm::~QemuVm() { stop(); }

nlohmann::json QemuVm::primary_device() const {
    nlohmann::json device = {{"driver", "e1000e"},
                             {"id", "primary"},
                             {"netdev", "hostvf"},
                             {"mac", options_.primary_mac.empty() ? std::string(kGuestMac) : options_.primary_mac},
                             {"bus", "rp2"},
                             {"romfile", ""}};
    if (options_.primary_acpi_index) device["acpi-index"] = options_.primary_acpi_index;
    if (options_.kind == GuestKind::kernel) device["failover_pair_id"] = "standby";
    return device;
}

void QemuVm::start_qemu() {
    // oops=panic + panic=-1 + -no-reboot: a guest kernel that oopses (QEMU 7.2 under TCG has corrupted a
    // guest's memory across a migration) ends QEMU at once, so the test sees a crash (GuestCrashed) in
    // milliseconds instead of a half-dead guest that times out its commands.
    const std::string append = std::string("console=ttyS0 panic=-1 oops=panic quiet loglevel=1 net.ifnames=0") +
                               (options_.ipv6 ? "" : " ipv6.disable=1");
    const std::string failover = options_.kind == GuestKind::kernel ? "on" : "off";
    std::vector<std::string> args = {
        kQemu, "-machine", "q35,accel=tcg", "-m", std::to_string(options_.memory_mib), "-smp", "1",
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-kernel", options_.guest_dir + "/vmlinuz", "-initrd", options_.guest_dir + "/initrd.gz",
        "-append", append,
        "-chardev", "socket,id=console,path=" + run_dir_ + "/console.sock,server=on,wait=off",
        "-serial", "chardev:console",
        "-qmp", "unix:" + run_dir_ + "/qmp.sock,server=on,wait=off",
        "-qmp", "unix:" + tool_qmp_path() + ",server=on,wait=off",
        "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x2",
        "-device", "pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x3",
        "-netdev", "tap,id=hostpv,ifname=" + options_.standby_tap + ",script=no,downscript=no",
        "-device", std::string("virtio-net-pci,id=standby,netdev=hostpv,bus=rp1,romfile=,mac=") + kGuestMac +
                       ",failover=" + failover,
        "-netdev", "tap,id=hostvf,ifname=" + options_.primary_tap + ",script=no,downscript=no",
    };
    if (options_.with_primary) args.insert(args.end(), {"-device", primary_device().dump()});
    if (options_.incoming) args.insert(args.end(), {"-incoming", "defer"});
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    const std::string ns_path = "/run/netns/" + options_.netns;
    UniqueFd ns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw std::runtime_error("open " + ns_path + ": " + std::strerror(errno));
    const std::string log_path = run_dir_ + "/qemu.log";
    UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!log) throw std::runtime_error("open " + log_path + ": " + std::strerror(errno));
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {  // async-signal-safe calls only until exec
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(125);
        if (::setns(ns.get(), CLONE_NEWNET) < 0) ::_exit(126);
        ::dup2(log.get(), STDOUT_FILENO);
        ::dup2(log.get(), STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        ::execvp(kQemu, argv.data());
        ::_exit(127);
    }
}

void QemuVm::read_console() {
    char buffer[4096];
    for (;;) {
        if (!wait_fd(console_.get(), POLLIN, Millis(200))) {
            std::lock_guard lock(mutex_);
            if (console_closed_) return;  // stop() asked us to go
            continue;
        }
        const ssize_t n = ::read(console_.get(), buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        std::lock_guard lock(mutex_);
        if (n <= 0) {
            console_closed_ = true;
            changed_.notify_all();
            return;
        }
        transcript_.append(buffer, static_cast<std::size_t>(n));
        if (transcript_.size() > kMaxTranscript) transcript_.erase(0, transcript_.size() - kMaxTranscript / 2);
        changed_.notify_all();
    }
}

GuestResult QemuVm::run(const std::string& command, Millis timeout) {
    const int id = next_command_++;
    const std::string begin = "@@B" + std::to_string(id) + "@@\n";
    const std::string end_prefix = "@@E" + std::to_string(id) + "=";
    // The markers are built by the shell (printf), so the command line itself, were it echoed, never
    // matches them.
    const std::string line = "\nprintf '@@B%s@@\\n' " + std::to_string(id) + "; { " + command +
                             "\n} 2>&1; printf '@@E%s=%s@@\\n' " + std::to_string(id) + " $?\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
        if (!wait_fd(console_.get(), POLLOUT, Millis(5000))) fail("guest console: write timed out");
        // MSG_NOSIGNAL: a QEMU that exited (a guest panic ends it: -no-reboot) is an error here, not a
        // SIGPIPE that kills the whole test binary without a word.
        const ssize_t n = ::send(console_.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) fail(std::string("guest console: write: ") + std::strerror(errno));
        sent += static_cast<std::size_t>(n);
    }
    std::unique_lock lock(mutex_);
    const auto deadline = Clock::now() + timeout;
    const std::regex end_re(end_prefix + "(\\d+)@@");
    for (;;) {
        const auto b = transcript_.rfind(begin);
        if (b != std::string::npos) {
            std::smatch m;
            const std::string after = transcript_.substr(b + begin.size());
            if (std::regex_search(after, m, end_re)) {
                GuestResult r;
                r.status = std::stoi(m[1]);
                r.output = after.substr(0, static_cast<std::size_t>(m.position(0)));
                return r;
            }
        }
        if (console_closed_) {
            lock.unlock();
            fail("guest console closed while running: " + command);
        }
        if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
            lock.unlock();
            fail("guest did not finish `" + command + "` within " + std::to_string(timeout.count()) + " ms");
        }
    }
}

std::string QemuVm::run_ok(const std::string& command, Millis timeout) {
    GuestResult r = run(command, timeout);
    if (r.status != 0)
        throw std::runtime_error("guest: `" + command + "` exited " + std::to_string(r.status) + ": " + r.output);
    return r.output;
}

void QemuVm::unplug_primary(Millis timeout) {
    qmp_->take_events();
    qmp_->execute_ok("device_del", {{"id", "primary"}});
    auto ev = qmp_->wait_event("DEVICE_DELETED", timeout);
    // The first DEVICE_DELETED can be for the device's child path; wait for the one naming the device.
    while (ev && ev->data.value("device", "") != "primary") ev = qmp_->wait_event("DEVICE_DELETED", timeout);
    if (!ev) throw std::runtime_error("no DEVICE_DELETED for the primary within " + std::to_string(timeout.count()) + " ms");
}

void QemuVm::plug_primary() { qmp_->execute_ok("device_add", primary_device()); }

std::string QemuVm::transcript() const {
    std::lock_guard lock(mutex_);
    return transcript_.size() > 8000 ? "..." + transcript_.substr(transcript_.size() - 8000) : transcript_;
}

std::string QemuVm::crash_signature() const {
    // What the kernel prints (console_verbose(), so also past loglevel=1) when it dies or oopses; a WARN's
    // call trace alone is not a crash.
    static constexpr const char* kMarkers[] = {"Kernel panic", "kernel BUG at", "Oops:", "general protection fault",
                                               "BUG: unable to handle", "BUG: kernel NULL pointer"};
    std::lock_guard lock(mutex_);
    for (const char* marker : kMarkers) {
        const auto at = transcript_.find(marker);
        if (at == std::string::npos) continue;
        const auto begin = transcript_.rfind('\n', at);
        const auto end = transcript_.find('\n', at);
        return transcript_.substr(begin == std::string::npos ? 0 : begin + 1,
                                  (end == std::string::npos ? transcript_.size() : end) -
                                      (begin == std::string::npos ? 0 : begin + 1));
    }
    return "";
}

void QemuVm::fail(const std::string& what) const {
    const std::string crash = crash_signature();
    if (!crash.empty()) throw GuestCrashed(what + " (the guest kernel crashed: " + crash + ")");
    throw std::runtime_error(what);
}

std::string QemuVm::qemu_log() const {
    std::ifstream in(run_dir_ + "/qemu.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void QemuVm::stop() noexcept {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        bool reaped = false;
        for (int i = 0; i < 100 && !reaped; ++i) {  // 5 s
            reaped = ::waitpid(pid_, &status, WNOHANG) == pid_;
            if (!reaped) std::this_thread::sleep_for(Millis(50));
        }
        if (!reaped) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
        pid_ = -1;
    }
    {
        std::lock_guard lock(mutex_);
        console_closed_ = true;
    }
    if (console_reader_.joinable()) console_reader_.join();
    qmp_.reset();
    console_.reset();
    std::error_code ec;
    if (!run_dir_.empty()) std::filesystem::remove_all(run_dir_, ec);
}

}  // namespace nf::vmtest
