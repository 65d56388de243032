#pragma once
// Clean-up goes on after a failed step: leaving one thing behind beats leaving everything. Each step's
// failure is logged with what it was, and never escapes (teardown paths run in destructors).
#include <spdlog/spdlog.h>

#include <exception>

namespace nf {

template <typename Step>
void best_effort(const char* context, const char* what, Step&& step) noexcept {
    try {
        step();
    } catch (const std::exception& e) {
        spdlog::warn("{}: {}: {}", context, what, e.what());
    } catch (...) {
        spdlog::warn("{}: {}: unknown error", context, what);
    }
}

}  // namespace nf
