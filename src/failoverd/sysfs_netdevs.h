#pragma once
// Reads NetdevFacts from a sysfs tree. The root is a parameter so tests use a fake tree in a temp dir.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/standby_matcher.h"

namespace nf::daemon {

class SysfsNetdevs {
public:
    explicit SysfsNetdevs(std::filesystem::path root = "/sys") : root_(std::move(root)) {}

    // Netdev names under <root>/class/net, sorted. Empty when the directory is missing.
    std::vector<std::string> names() const;
    // nullopt when the netdev is not there (it may have just gone).
    std::optional<NetdevFacts> read(const std::string& name) const;
    std::vector<NetdevFacts> read_all() const;

private:
    std::filesystem::path root_;
};

}  // namespace nf::daemon
