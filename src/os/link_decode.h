#pragma once
// Internal: one RTM_NEWLINK / RTM_DELLINK message → LinkInfo.
#include <netlink/msg.h>

#include "os/link_info.h"

namespace nf::os::detail {

// Standard fields come from libnl's link parser; the ones libnl 3.7 has no getter for are read from the
// raw attributes. Throws SystemError(EBADMSG) on a malformed message.
LinkInfo decode_link(nl_msg* msg);

}  // namespace nf::os::detail
