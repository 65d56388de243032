#pragma once
// failoverd's signals, for the one object that owns the process's loop (a daemon alone, or the pair
// supervisor; a supervisor's pairs leave them to it): SIGTERM and SIGINT stop, SIGHUP resyncs. They are
// blocked in the calling thread, so construct it before any thread of ours exists (the packet datapath
// starts two) and only the signalfd sees them; SIGPIPE is ignored (a control client that hangs up mid-answer
// must not kill the daemon). restore(), at the latest the destructor, puts the mask and SIGPIPE's
// disposition back, taking the signals that came meanwhile first: they were for us, and unblocked they would
// kill the process.
#include <signal.h>

#include "common/unique_fd.h"

namespace nf::failoverd {

class ProcessSignals {
public:
    ProcessSignals();  // throws SystemError
    ~ProcessSignals() { restore(); }
    ProcessSignals(const ProcessSignals&) = delete;
    ProcessSignals& operator=(const ProcessSignals&) = delete;

    int fd() const { return fd_.get(); }  // readable when a signal is queued

    struct Received {
        int stop = 0;        // the signal that asks to stop (SIGTERM, SIGINT), 0 when none
        bool resync = false; // SIGHUP
    };
    // Every queued signal, read before anyone acts, so a failing resync cannot swallow a SIGTERM behind it.
    Received read();

    void restore() noexcept;

private:
    sigset_t saved_mask_{};
    struct sigaction saved_sigpipe_ {};
    bool blocked_ = false;
    UniqueFd fd_;
};

}  // namespace nf::failoverd
