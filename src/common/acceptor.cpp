#include "common/acceptor.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/unix_socket.h"

namespace nf {

namespace {

bool out_of_resources(int err) { return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM; }

}  // namespace

Acceptor::Acceptor(EventLoop& loop, int listen_fd, std::string name, OnClient on_client, EventLoop::Clock::duration pause)
    : loop_(loop), listen_fd_(listen_fd), name_(std::move(name)), on_client_(std::move(on_client)), pause_(pause) {
    loop_.add(listen_fd_, EPOLLIN, [this](std::uint32_t) { accept_ready(); }, name_);
}

Acceptor::~Acceptor() {
    loop_.cancel(resume_);
    loop_.remove(listen_fd_);
}

void Acceptor::accept_ready() {
    for (int i = 0; i < kMaxAcceptsPerRound; ++i) {
        UniqueFd client;
        try {
            client = accept_unix(listen_fd_);
        } catch (const SystemError& e) {
            if (!out_of_resources(e.errno_value())) throw;  // contained by the loop, with our name
            pause_accepting(e.errno_value());
            return;
        }
        if (!client) return;
        ++counters_.accepted;
        on_client_(std::move(client));
    }
}

void Acceptor::pause_accepting(int err) {
    ++counters_.exhausted;
    spdlog::warn("{}: accept: {}; not accepting for {} ms", name_, std::strerror(err),
                 std::chrono::duration_cast<std::chrono::milliseconds>(pause_).count());
    loop_.remove(listen_fd_);
    resume_ = loop_.after(
        pause_,
        [this] {
            resume_ = 0;
            loop_.add(listen_fd_, EPOLLIN, [this](std::uint32_t) { accept_ready(); }, name_);
        },
        name_ + " resume");
}

}  // namespace nf
