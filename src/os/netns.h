#pragma once
// Network namespaces as owned handles.
//
// Thread affinity: a Linux thread, not a process, lives in a network namespace. setns() moves only the
// calling thread, sockets stay bound to the namespace of the thread that created them, and
// /proc/sys/net resolves against the opening thread's namespace. A thread started while inside a
// NetnsScope begins life in that namespace (clone copies the creator's). So: enter with a NetnsScope, create the
// sockets you need, leave; the sockets keep working from any thread afterwards.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace nf::os {

class Netns {
public:
    // Directory of named namespaces, shared with iproute2 (`ip netns`).
    static constexpr const char* kRunDir = "/run/netns";

    // The calling thread's namespace (/proc/thread-self/ns/net; /proc/1/ns/net may be unreadable).
    static Netns current();
    static Netns open(const std::filesystem::path& path);
    // /run/netns/NAME, as made by `ip netns add` or create_named.
    static Netns open_named(std::string_view name);
    static bool named_exists(std::string_view name);
    // Like `ip netns add NAME`, but returns the existing namespace if NAME is already one.
    static Netns create_named(std::string_view name);
    // Like `ip netns del NAME`: drops the name; the namespace dies when its last user goes. No-op if absent.
    static void remove_named(std::string_view name);
    // A fresh namespace held only by the returned handle.
    static Netns create_anonymous();

    explicit Netns(UniqueFd fd) : fd_(std::move(fd)) {}

    int fd() const { return fd_.get(); }
    // nsfs inode: equal inodes are the same namespace.
    ino_t inode() const;
    bool same_as(const Netns& other) const { return inode() == other.inode(); }

private:
    UniqueFd fd_;
};

// Moves the calling thread into `target` and back when the scope ends (also on exception).
// Must be destroyed on the thread that made it; not movable for that reason.
class NetnsScope {
public:
    explicit NetnsScope(const Netns& target);
    // A borrowed namespace fd; netns_fd < 0 stays in the current namespace (the "-1 = current" convention
    // of option structs that carry raw fds, e.g. datapath::MasterSpec).
    explicit NetnsScope(int netns_fd);
    ~NetnsScope();
    NetnsScope(const NetnsScope&) = delete;
    NetnsScope& operator=(const NetnsScope&) = delete;

private:
    std::optional<Netns> saved_;  // empty: never left
};

}  // namespace nf::os
