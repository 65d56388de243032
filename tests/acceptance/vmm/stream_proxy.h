#pragma once
// A migration stream proxy for the acceptance tests: the source VMM connects to it (unix:<listen path>), it
// connects to the destination VMM's incoming socket and forwards both ways, the guest's taps included
// (SCM_RIGHTS, passed on with the bytes they came with). One fault, chosen up front, widens a window that is
// a few milliseconds wide between two real VMMs:
//   CutAfterVmStarted       forwards the destination's VM_STARTED, then closes both sides: the source sees
//                           a failure after the destination started the guest (scenario 37);
//   BadNetpassAfterVmStarted once VM_STARTED has gone to the source, puts a netpass section whose record
//                           cannot be read in front of the source's netpass tail (scenario 36).
// It runs on its own thread, bounded by its stop flag; the destructor stops it and closes everything.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "common/unique_fd.h"

namespace nf::vmm::test {

class StreamProxy {
public:
    enum class Fault { None, CutAfterVmStarted, BadNetpassAfterVmStarted };

    StreamProxy(std::string listen_path, std::string target_path, Fault fault);
    ~StreamProxy();
    StreamProxy(const StreamProxy&) = delete;
    StreamProxy& operator=(const StreamProxy&) = delete;

    bool vm_started_forwarded() const { return vm_started_.load(); }
    bool fault_done() const { return fault_done_.load(); }
    int fds_forwarded() const { return fds_.load(); }
    // What went wrong inside the proxy, if anything ("" when nothing did).
    std::string error() const;

private:
    void run();
    bool pump_source();       // source -> destination; false when the connection ended
    bool pump_destination();  // destination -> source (the return path)

    std::string listen_path_, target_path_;
    Fault fault_;
    UniqueFd listener_, source_, dest_;
    std::string return_path_;  // bytes of an incomplete return-path message
    std::atomic<bool> stop_{false}, vm_started_{false}, fault_done_{false};
    std::atomic<int> fds_{0};
    mutable std::mutex error_mutex_;
    std::string error_;
    std::thread thread_;
};

}  // namespace nf::vmm::test
