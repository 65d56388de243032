#include "failoverd/standby_matcher.h"

#include <fnmatch.h>

namespace nf::daemon {

bool offers_virtio_standby(const NetdevFacts& facts) {
    return facts.virtio_features.size() > kVirtioNetFStandby && facts.virtio_features[kVirtioNetFStandby] == '1';
}

std::string StandbyMatcher::mismatch(const NetdevFacts& f) const {
    if (rules_.empty()) return "no standby rule is set";
    if (rules_.name && f.name != *rules_.name) return "name is '" + f.name + "', not '" + *rules_.name + "'";
    if (rules_.driver && f.driver != *rules_.driver)
        return f.driver.empty() ? "has no driver, not '" + *rules_.driver + "'"
                                : "driver is '" + f.driver + "', not '" + *rules_.driver + "'";
    if (rules_.name_glob && ::fnmatch(rules_.name_glob->c_str(), f.name.c_str(), 0) != 0)
        return "name '" + f.name + "' does not match '" + *rules_.name_glob + "'";
    if (rules_.virtio_standby_feature && !offers_virtio_standby(f))
        return "does not offer virtio feature bit 62 (STANDBY)";
    return {};
}

std::vector<std::string> StandbyMatcher::matching(const std::vector<NetdevFacts>& netdevs) const {
    std::vector<std::string> names;
    for (const auto& f : netdevs)
        if (matches(f)) names.push_back(f.name);
    return names;
}

std::string StandbyMatcher::describe() const {
    std::string out;
    const auto add = [&out](const std::string& part) { out += (out.empty() ? "" : " ") + part; };
    if (rules_.name) add("name=" + *rules_.name);
    if (rules_.driver) add("driver=" + *rules_.driver);
    if (rules_.name_glob) add("name_glob=" + *rules_.name_glob);
    if (rules_.virtio_standby_feature) add("virtio_standby_feature");
    return out;
}

}  // namespace nf::daemon
