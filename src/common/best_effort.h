#pragma once
// Clean-up goes on after a failed step: leaving one thing behind beats leaving everything. Each step's
// failure is logged with what it was, and never escapes (teardown paths run in destructors). Returns
// whether the step succeeded, for callers that record what was left behind.
#include <spdlog/spdlog.h>

#include <exception>

namespace nf {

template <typename Step>
bool best_effort(const char* context, const char* what, Step&& step) noexcept {
    try {
        step();
        return true;
    } catch (const std::exception& e) {
        spdlog::warn("{}: {}: {}", context, what, e.what());
    } catch (...) {
        spdlog::warn("{}: {}: unknown error", context, what);
    }
    return false;
}

}  // namespace nf
