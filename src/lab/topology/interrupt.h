#pragma once
// Ctrl-C (SIGINT) or SIGTERM while `failover-lab up` builds a lab: the default action would end the
// process half way, skipping the rollback that removes what a failed up made. Inside an InterruptScope
// the signals only set a flag (no SA_RESTART: a blocking call returns EINTR); up's steps and waits call
// throw_if_interrupted(), whose SystemError(EINTR) takes the ordinary failure path, rollback included.
// The handlers are not inherited by the programs the lab starts (exec resets them).
#include <csignal>
#include <string>

namespace nf::lab {

class InterruptScope {
public:
    InterruptScope();   // installs the handlers, clears the flag
    ~InterruptScope();  // restores the previous dispositions
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;

private:
    struct sigaction saved_int_ {}, saved_term_ {};
};

// The signal that arrived in the current scope, 0 for none.
int interrupt_signal();
// Throws SystemError(EINTR) naming the signal and `during` once one arrived.
void throw_if_interrupted(const std::string& during);

}  // namespace nf::lab
