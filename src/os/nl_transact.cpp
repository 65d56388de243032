#include "os/nl_transact.h"

#include <cerrno>
#include <exception>

#include "common/error.h"

namespace nf::os::detail {
namespace {

struct Exchange {
    const std::function<void(nl_msg*)>* on_reply;
    int kernel_errno = 0;
    bool done = false;
    std::exception_ptr failure;
};

int on_valid(nl_msg* msg, void* arg) {
    auto* ex = static_cast<Exchange*>(arg);
    // Keep reading to the ACK even after a failure, so no stale reply is left on the socket.
    if (*ex->on_reply && !ex->failure) {
        try {
            (*ex->on_reply)(msg);
        } catch (...) {
            ex->failure = std::current_exception();
        }
    }
    return NL_OK;
}

int on_done(nl_msg*, void* arg) {
    static_cast<Exchange*>(arg)->done = true;
    return NL_STOP;
}

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
    auto* ex = static_cast<Exchange*>(arg);
    ex->kernel_errno = -err->error;
    ex->done = true;
    return NL_STOP;
}

}  // namespace

NlSocketPtr connect_route_socket() {
    NlSocketPtr sock(nl_socket_alloc());
    if (!sock) throw SystemError(ENOMEM, "allocate netlink socket");
    if (int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0) throw_nl(rc, "connect NETLINK_ROUTE socket");
    return sock;
}

void throw_nl(int nl_error, const std::string& what) {
    int err = EIO;
    switch (-nl_error) {
        case NLE_NOMEM: err = ENOBUFS; break;
        case NLE_AGAIN: err = EAGAIN; break;
        case NLE_PERM: err = EPERM; break;
        case NLE_NODEV: err = ENODEV; break;
        case NLE_OBJ_NOTFOUND: err = ENOENT; break;
        case NLE_EXIST: err = EEXIST; break;
        case NLE_INVAL: err = EINVAL; break;
        case NLE_DUMP_INTR: err = EINTR; break;
        default: break;
    }
    throw SystemError(err, what + " (" + nl_geterror(nl_error) + ")");
}

void transact(nl_sock* sock, nl_msg* msg, const std::function<void(nl_msg*)>& on_reply, const std::string& what) {
    std::unique_ptr<nl_cb, NlFree<nl_cb_put>> cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) throw SystemError(ENOMEM, what + ": allocate netlink callbacks");
    Exchange ex{&on_reply};
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ex);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_done, &ex);
    nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_done, &ex);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &ex);

    if (int rc = nl_send_auto(sock, msg); rc < 0) throw_nl(rc, what + ": send");
    while (!ex.done) {
        const int rc = nl_recvmsgs(sock, cb.get());
        if (rc == -NLE_DUMP_INTR) throw SystemError(EINTR, what + ": dump interrupted by a concurrent change");
        if (rc < 0 && !ex.done) throw_nl(rc, what + ": receive");
    }
    if (ex.kernel_errno != 0) throw SystemError(ex.kernel_errno, what);
    if (ex.failure) std::rethrow_exception(ex.failure);
}

nl_object* parse_object(nl_msg* msg) {
    nl_object* result = nullptr;
    nl_msg_parse(
        msg,
        [](nl_object* obj, void* arg) {
            nl_object_get(obj);
            *static_cast<nl_object**>(arg) = obj;
        },
        &result);
    return result;
}

}  // namespace nf::os::detail
