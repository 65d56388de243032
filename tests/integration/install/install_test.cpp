// `cmake --install` (what `make install` runs) into a DESTDIR, checked as a packager would: the binaries
// run, every binary has a man page that man renders, bash completion completes, and systemd-analyze
// verifies the unit with its Documentation= pages found.
#include <fnmatch.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct CommandResult {
    int status;
    std::string output;  // stdout + stderr
};

CommandResult run(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
    if (!pipe) return {-1, "popen failed"};
    std::string out;
    std::array<char, 4096> chunk{};
    while (const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe.get())) out.append(chunk.data(), n);
    const int status = ::pclose(pipe.release());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// One install shared by the tests of this file (it takes a few seconds).
class Installed : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::string pattern = (fs::temp_directory_path() / "nf-install-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        destdir_ = pattern;
        install_ = run("DESTDIR=" + destdir_.string() + " cmake --install " NF_BUILD_DIR);
    }
    static void TearDownTestSuite() {
        std::error_code ec;
        fs::remove_all(destdir_, ec);
    }
    void SetUp() override { ASSERT_EQ(install_.status, 0) << install_.output; }

    static fs::path staged(const std::string& installed_path) { return destdir_ / fs::path(installed_path).relative_path(); }
    static fs::path prefix() { return staged(NF_INSTALL_PREFIX); }

    static inline fs::path destdir_;
    static inline CommandResult install_;
};

constexpr std::array kBinaries = {std::pair{"failoverd", 8}, std::pair{"failoverctl", 8}, std::pair{"failover-vmm", 1},
                                  std::pair{"failover-lab", 1}, std::pair{"failover-traffic", 1},
                                  std::pair{"failover-migrate", 1}, std::pair{"failover-netpass", 1}};

TEST_F(Installed, EveryBinaryIsInstalledAndRuns) {
    for (const auto& [name, section] : kBinaries) {
        const fs::path binary = prefix() / "bin" / name;
        ASSERT_TRUE(fs::exists(binary)) << binary;
        EXPECT_TRUE((fs::status(binary).permissions() & fs::perms::owner_exec) != fs::perms::none) << binary;
        const CommandResult help = run(binary.string() + " --help");
        EXPECT_EQ(help.status, 0) << name << ": " << help.output;
        EXPECT_NE(help.output.find(name), std::string::npos) << name;
        const CommandResult version = run(binary.string() + " --version");
        EXPECT_EQ(version.status, 0) << name << ": " << version.output;
        EXPECT_NE(version.output.find(std::string(name) + " (netfailover) "), std::string::npos) << version.output;
    }
}

// One convention across the binaries: a usage error is exit 2 and names what was wrong.
TEST_F(Installed, UnknownFlagIsExit2AndNamed) {
    for (const auto& [name, section] : kBinaries) {
        const CommandResult bad = run((prefix() / "bin" / name).string() + " --no-such-flag");
        EXPECT_EQ(bad.status, 2) << name << ": " << bad.output;
        EXPECT_NE(bad.output.find("--no-such-flag"), std::string::npos) << name << ": " << bad.output;
    }
}

TEST_F(Installed, EveryBinaryHasAManPageThatManRenders) {
    for (const auto& [name, section] : kBinaries) {
        const fs::path page = prefix() / "share/man" / ("man" + std::to_string(section)) / (std::string(name) + "." + std::to_string(section));
        ASSERT_TRUE(fs::exists(page)) << page;
        const CommandResult shown = run("MANWIDTH=100 man -l " + page.string());
        EXPECT_EQ(shown.status, 0) << shown.output;
        EXPECT_NE(shown.output.find("NAME"), std::string::npos) << page;
        EXPECT_NE(shown.output.find(name), std::string::npos) << page;
    }
    // failoverd's page is the full man page (docs/failoverd.8.md), not the --help text.
    const CommandResult failoverd = run("MANWIDTH=100 man -l " + (prefix() / "share/man/man8/failoverd.8").string());
    EXPECT_NE(failoverd.output.find("SYNOPSIS"), std::string::npos);
}

TEST_F(Installed, SystemdUnitRunsTheInstalledBinaryAndVerifies) {
    const fs::path unit = prefix() / "lib/systemd/system/failoverd@.service";
    ASSERT_TRUE(fs::exists(unit));
    std::stringstream text;
    text << std::ifstream(unit).rdbuf();
    const std::string exec = "ExecStart=" NF_INSTALL_PREFIX "/bin/failoverd --standby %i";
    ASSERT_NE(text.str().find(exec), std::string::npos) << text.str();
    EXPECT_EQ(text.str().find("@NF_"), std::string::npos) << "unsubstituted variable in the unit";
    // systemd-analyze checks ExecStart= on the real root: point it at the staged binary, and man at the
    // staged pages, so what it verifies is exactly what was installed.
    std::string staged_text = text.str();
    const std::string installed = "ExecStart=" NF_INSTALL_PREFIX, staged_exec = "ExecStart=" + prefix().string();
    for (auto at = staged_text.find(installed); at != std::string::npos; at = staged_text.find(installed, at + 1))
        staged_text.replace(at, installed.size(), staged_exec);
    const fs::path check_dir = destdir_ / "verify";
    fs::create_directories(check_dir);
    std::ofstream(check_dir / "failoverd@.service") << staged_text;
    const CommandResult verify = run("MANPATH=" + (prefix() / "share/man").string() + " systemd-analyze verify " +
                           (check_dir / "failoverd@ens4.service").string());
    EXPECT_EQ(verify.status, 0) << verify.output;
    EXPECT_EQ(verify.output.find("man "), std::string::npos) << "a Documentation= page is missing:\n" << verify.output;
}

TEST_F(Installed, BashCompletionCompletesSubcommandsAndOptions) {
    const fs::path completion = prefix() / "share/bash-completion/completions/failoverctl";
    ASSERT_TRUE(fs::exists(completion));
    const std::string bin = (prefix() / "bin").string();
    const auto complete = [&](const std::string& words) {
        return run("bash -c 'PATH=" + bin + ":$PATH; source " + completion.string() + "; COMP_WORDS=(" + words +
                   "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _netfailover_complete; printf \"%s\\n\" \"${COMPREPLY[@]}\"'");
    };
    EXPECT_EQ(complete("failoverctl statu").output, "status\n");
    EXPECT_EQ(complete("failoverctl li").output, "list\n");
    EXPECT_NE(complete("failoverctl --ma").output.find("--master"), std::string::npos);
    EXPECT_NE(complete("failoverd --match-v").output.find("--match-virtio-standby"), std::string::npos);
}

TEST_F(Installed, AnotherPrefixGivesTheUnitThatPrefix) {
    const fs::path other = destdir_ / "other-stage";
    const CommandResult installed = run("DESTDIR=" + other.string() + " cmake --install " NF_BUILD_DIR " --prefix /opt/nf");
    ASSERT_EQ(installed.status, 0) << installed.output;
    EXPECT_TRUE(fs::exists(other / "opt/nf/bin/failoverd"));
    std::stringstream text;
    text << std::ifstream(other / "opt/nf/lib/systemd/system/failoverd@.service").rdbuf();
    EXPECT_NE(text.str().find("ExecStart=/opt/nf/bin/failoverd --standby %i"), std::string::npos) << text.str();
}

// Boot order: before the guest's network configuration (which then finds the master), after the standby
// appears; started by the udev rule for every virtio standby.
TEST_F(Installed, UnitRunsBeforeNetworkConfigurationOnceTheStandbyIsThere) {
    std::stringstream text;
    text << std::ifstream(prefix() / "lib/systemd/system/failoverd@.service").rdbuf();
    for (const char* line : {"\nBefore=network-pre.target\n", "\nWants=network-pre.target\n",
                             "\nAfter=sys-subsystem-net-devices-%i.device\n",
                             "\nRequires=sys-subsystem-net-devices-%i.device\n"})
        EXPECT_NE(text.str().find(line), std::string::npos) << line << " missing:\n" << text.str();
    // The device unit of the standby's name goes inactive while the master has that name: BindsTo= would stop us.
    EXPECT_EQ(text.str().find("\nBindsTo="), std::string::npos) << text.str();
}

TEST_F(Installed, UdevRuleStartsTheUnitForEveryVirtioStandby) {
    const fs::path rules = prefix() / "lib/udev/rules.d/90-netfailover.rules";
    ASSERT_TRUE(fs::exists(rules));
    std::ifstream in(rules);
    std::string rule;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') {
            EXPECT_TRUE(rule.empty()) << "one rule expected, also: " << line;
            rule = line;
        }
    for (const char* key : {"ACTION==\"add\"", "SUBSYSTEM==\"net\"", "DRIVERS==\"virtio_net\"", "TAG+=\"systemd\"",
                            "ENV{SYSTEMD_WANTS}+=\"failoverd@$name.service\""})
        EXPECT_NE(rule.find(key), std::string::npos) << key << " missing: " << rule;
    // The features glob selects bit 62 (VIRTIO_NET_F_STANDBY), the 63rd character, and nothing else: udev
    // matches with fnmatch(3).
    const std::string key = "ATTRS{features}==\"";
    const auto at = rule.find(key);
    ASSERT_NE(at, std::string::npos) << rule;
    const std::string glob = rule.substr(at + key.size(), rule.find('"', at + key.size()) - at - key.size());
    const auto features = [](int bit) {
        std::string f(64, '0');
        if (bit >= 0) f[static_cast<std::size_t>(bit)] = '1';
        return f;
    };
    EXPECT_EQ(::fnmatch(glob.c_str(), features(62).c_str(), 0), 0) << glob;
    std::string all = features(-1);
    all.assign(64, '1');
    EXPECT_EQ(::fnmatch(glob.c_str(), all.c_str(), 0), 0) << glob;
    for (const int other : {-1, 0, 5, 61, 63})
        EXPECT_NE(::fnmatch(glob.c_str(), features(other).c_str(), 0), 0) << "bit " << other << " matched: " << glob;
}

TEST_F(Installed, ExampleConfigsAreInstalled) {
    const fs::path examples = prefix() / "share/doc/netfailover/examples";
    EXPECT_TRUE(fs::exists(examples / "3dev-bpf.json"));
    EXPECT_TRUE(fs::exists(examples / "lab-default.json"));
}

}  // namespace
