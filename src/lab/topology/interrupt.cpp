#include "lab/topology/interrupt.h"

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace nf::lab {

namespace {
volatile std::sig_atomic_t g_signal = 0;
// The dispositions the scope replaced: a caller's own handler (the demo's Ctrl-C flag) still runs.
struct sigaction g_previous_int {}, g_previous_term {};

void record_interrupt(int signo) {
    g_signal = signo;
    const struct sigaction& previous = signo == SIGINT ? g_previous_int : g_previous_term;
    if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN)
        previous.sa_handler(signo);
}
}  // namespace

InterruptScope::InterruptScope() {
    g_signal = 0;
    struct sigaction action {};
    action.sa_handler = record_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a wait in a system call returns at once
    ::sigaction(SIGINT, nullptr, &g_previous_int);
    ::sigaction(SIGTERM, nullptr, &g_previous_term);
    ::sigaction(SIGINT, &action, &saved_int_);
    ::sigaction(SIGTERM, &action, &saved_term_);
}

InterruptScope::~InterruptScope() {
    ::sigaction(SIGINT, &saved_int_, nullptr);
    ::sigaction(SIGTERM, &saved_term_, nullptr);
}

int interrupt_signal() { return g_signal; }

void throw_if_interrupted(const std::string& during) {
    if (const int signo = g_signal; signo != 0)
        throw SystemError(EINTR, std::string("interrupted by ") + ::strsignal(signo) + " during " + during);
}

}  // namespace nf::lab
