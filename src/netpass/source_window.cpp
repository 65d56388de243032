#include "netpass/source_window.h"

#include <algorithm>

namespace nf::netpass {

void SourceWindow::arm(Clock::time_point now) {
    if (!armed_at_) armed_at_ = now;
}

void SourceWindow::resumed(Clock::time_point now) {
    if (!armed_at_) armed_at_ = now;
    if (!resumed_at_) resumed_at_ = now;
}

SourceWindow::Kind SourceWindow::frame(Clock::time_point now) {
    last_frame_ = now;
    return resumed_at_ ? Kind::Forwarded : Kind::Kept;
}

std::optional<SourceWindow::Clock::time_point> SourceWindow::deadline() const {
    if (!armed_at_) return std::nullopt;
    if (!resumed_at_) return *armed_at_ + bounds_.keep + bounds_.forward;
    const auto quiet_from = std::max(*resumed_at_, last_frame_.value_or(*resumed_at_));
    return std::min(quiet_from + bounds_.quiet, *resumed_at_ + bounds_.forward);
}

bool SourceWindow::finished(Clock::time_point now) const {
    const auto d = deadline();
    return d && now >= *d;
}

}  // namespace nf::netpass
