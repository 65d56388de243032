#pragma once
// Internal: a NETLINK_ROUTE socket that listens to multicast groups, and the bounded read of what is queued
// on it. The link and address monitors are both this, with their own decoding.
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>

#include "os/nl_transact.h"

namespace nf::os::detail {

// Joined to `groups` (RTNLGRP_*), non-blocking, without sequence checks or ACKs (events are unsolicited),
// its receive buffer `receive_buffer` bytes: SO_RCVBUFFORCE passes net.core.rmem_max (we have
// CAP_NET_ADMIN), SO_RCVBUF is the fallback. `what` names it in errors.
NlSocketPtr connect_event_socket(std::initializer_list<int> groups, int receive_buffer, const std::string& what);

// Reads at most `max_datagrams` queued datagrams, each of their messages to `on_message` (a libnl valid
// callback, given `arg`). The kernel having dropped events for a full buffer (ENOBUFS) calls `on_overrun`
// where it happened in the queue, which goes on after it. Never blocks; throws on any other receive error.
void drain_events(nl_sock* sock, nl_recvmsg_msg_cb_t on_message, void* arg, std::size_t max_datagrams,
                  const std::function<void()>& on_overrun, const std::string& what);

}  // namespace nf::os::detail
