#pragma once
// Runs a job on a worker thread until it returns or SIGINT/SIGTERM arrives, which asks it to stop.
#include <functional>
#include <stop_token>

namespace nf::lab::cli {

// Returns true when a signal stopped the job. Rethrows the job's exception.
bool run_interruptible(const std::function<void(std::stop_token)>& job);

}  // namespace nf::lab::cli
