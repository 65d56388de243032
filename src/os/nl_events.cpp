#include "os/nl_events.h"

#include <sys/socket.h>

#include "common/error.h"

namespace nf::os::detail {

NlSocketPtr connect_event_socket(std::initializer_list<int> groups, int receive_buffer, const std::string& what) {
    NlSocketPtr sock = connect_route_socket();
    nl_socket_disable_seq_check(sock.get());
    nl_socket_disable_auto_ack(sock.get());
    for (const int group : groups)
        if (int rc = nl_socket_add_membership(sock.get(), group); rc < 0)
            throw_nl(rc, what + ": join group " + std::to_string(group));
    if (int rc = nl_socket_set_nonblocking(sock.get()); rc < 0) throw_nl(rc, what + ": make non-blocking");
    const int fd = nl_socket_get_fd(sock.get());
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) < 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) < 0)
        throw_errno(what + ": set receive buffer");
    return sock;
}

void drain_events(nl_sock* sock, nl_recvmsg_msg_cb_t on_message, void* arg, std::size_t max_datagrams,
                  const std::function<void()>& on_overrun, const std::string& what) {
    std::unique_ptr<nl_cb, NlFree<nl_cb_put>> cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) throw SystemError(ENOMEM, what + ": allocate callbacks");
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_message, arg);
    // Multicast events carry no sequence numbers worth checking.
    nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, [](nl_msg*, void*) { return static_cast<int>(NL_OK); }, nullptr);
    for (std::size_t datagrams = 0; datagrams < max_datagrams; ++datagrams) {
        // One datagram per call: > 0 messages handled, 0 nothing queued (libnl maps EAGAIN to 0).
        const int rc = nl_recvmsgs_report(sock, cb.get());
        if (rc == 0 || rc == -NLE_AGAIN) break;
        if (rc == -NLE_NOMEM) {  // ENOBUFS
            on_overrun();
            continue;
        }
        if (rc < 0) throw_nl(rc, what + ": receive");
    }
}

}  // namespace nf::os::detail
