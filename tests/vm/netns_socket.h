#pragma once
// Work done, and sockets made, inside a named network namespace (/run/netns/NAME) by a thread that enters it,
// so the calling thread stays where it is: a socket keeps the namespace it was made in.
#include <functional>
#include <string>

#include "common/unique_fd.h"

namespace nf::vmtest {

// Runs `work` in a thread inside `netns` (the calling thread stays where it is); an error entering it, or one
// `work` throws, comes back as a std::runtime_error prefixed with `what`.
void run_in_netns(const std::string& netns, const std::string& what, const std::function<void()>& work);

// Runs `make` in a thread inside `netns` and returns its socket; `make` throws to say what failed, and the
// error comes back as a std::runtime_error prefixed with `what` (e.g. "tap capture").
UniqueFd socket_in_netns(const std::string& netns, const std::string& what, const std::function<UniqueFd()>& make);

}  // namespace nf::vmtest
