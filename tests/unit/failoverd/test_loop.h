#pragma once
// The daemon's loop, as the tests drive it: servers live on it, a test runs its rounds. One per test binary,
// shared by every test file (a static in each file would be one loop per file).
#include "common/event_loop.h"

namespace nf::daemon::test {

inline EventLoop& loop() {
    static EventLoop instance;
    return instance;
}

}  // namespace nf::daemon::test
