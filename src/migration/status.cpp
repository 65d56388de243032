#include "migration/status.h"

#include <array>
#include <utility>

namespace nf::migration {

namespace {
constexpr std::array<std::pair<Status, std::string_view>, 10> kNames{{
    {Status::None, "none"},
    {Status::Setup, "setup"},
    {Status::WaitUnplug, "wait-unplug"},
    {Status::Active, "active"},
    {Status::Device, "device"},
    {Status::Completed, "completed"},
    {Status::Cancelling, "cancelling"},
    {Status::Cancelled, "cancelled"},
    {Status::Failing, "failing"},
    {Status::Failed, "failed"},
}};
}  // namespace

std::string_view to_string(Status status) {
    for (const auto& [s, name] : kNames)
        if (s == status) return name;
    return "none";
}

std::optional<Status> status_from_string(std::string_view name) {
    for (const auto& [s, n] : kNames)
        if (n == name) return s;
    return std::nullopt;
}

bool is_final(Status status) {
    return status == Status::Completed || status == Status::Cancelled || status == Status::Failed;
}

bool is_running(Status status) { return status != Status::None && !is_final(status); }

}  // namespace nf::migration
