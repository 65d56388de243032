#pragma once
// Internal: owned libnl objects and one request/response exchange on a route socket.
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>

#include <functional>
#include <memory>
#include <string>

namespace nf::os::detail {

template <auto Free>
struct NlFree {
    template <class T>
    void operator()(T* p) const { Free(p); }
};
using NlSocketPtr = std::unique_ptr<nl_sock, NlFree<nl_socket_free>>;  // nl_socket_free closes the fd
using NlMsgPtr = std::unique_ptr<nl_msg, NlFree<nlmsg_free>>;
using RtnlLinkPtr = std::unique_ptr<rtnl_link, NlFree<rtnl_link_put>>;
using RtnlAddrPtr = std::unique_ptr<rtnl_addr, NlFree<rtnl_addr_put>>;
using RtnlNeighPtr = std::unique_ptr<rtnl_neigh, NlFree<rtnl_neigh_put>>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlFree<nl_addr_put>>;

// A NETLINK_ROUTE socket, bound to the calling thread's network namespace.
NlSocketPtr connect_route_socket();

// Throws SystemError for a libnl error code (negative NLE_*), naming `what`.
[[noreturn]] void throw_nl(int nl_error, const std::string& what);

// Sends `msg` (an ACK is requested) and reads until the kernel's ACK, or NLMSG_DONE for a dump. Every
// reply message goes to `on_reply`. A kernel error is thrown as SystemError with the kernel's errno;
// an interrupted dump (NLM_F_DUMP_INTR) as SystemError(EINTR).
void transact(nl_sock* sock, nl_msg* msg, const std::function<void(nl_msg*)>& on_reply, const std::string& what);
inline void transact(nl_sock* sock, nl_msg* msg, const std::string& what) { transact(sock, msg, {}, what); }

// Builds a request with one of libnl's rtnl_*_build_*_request functions (`build(&msg)`) and sends it.
template <class Build>
void send_built(nl_sock* sock, const std::string& what, Build build) {
    nl_msg* raw = nullptr;
    if (int rc = build(&raw); rc < 0) throw_nl(rc, what + ": build request");
    NlMsgPtr msg(raw);
    transact(sock, msg.get(), what);
}

// Runs libnl's own parser for the message and returns the object it made (rtnl_link, rtnl_addr, ...).
// nullptr if libnl does not know the message type.
nl_object* parse_object(nl_msg* msg);

}  // namespace nf::os::detail
