#include "os/tap_device.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "common/error.h"
#include "os/netns.h"

namespace nf::os {

TapDevice TapDevice::open(const std::string& name, int netns_fd, TapOptions options) {
    if (name.empty() || name.size() >= IFNAMSIZ) throw ConfigError("tap name '" + name + "' is empty or too long");
    // The netdev is born in the namespace of whoever opens /dev/net/tun, so open it inside.
    os::NetnsScope ns(netns_fd);
    int flags = O_RDWR | O_CLOEXEC | (options.nonblocking ? O_NONBLOCK : 0);
    UniqueFd fd(::open("/dev/net/tun", flags));
    if (!fd) throw_errno("open /dev/net/tun");

    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (options.vnet_hdr ? IFF_VNET_HDR : 0);
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) throw_errno("TUNSETIFF " + name);
    if (options.vnet_hdr) {
        int size = kVnetHdrSize;
        if (::ioctl(fd.get(), TUNSETVNETHDRSZ, &size) < 0) throw_errno("TUNSETVNETHDRSZ " + name);
        if (options.offloads &&
            ::ioctl(fd.get(), TUNSETOFFLOAD, static_cast<unsigned long>(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) < 0)
            throw_errno("TUNSETOFFLOAD " + name);
    }
    std::string actual(ifr.ifr_name);
    int ifindex = static_cast<int>(::if_nametoindex(actual.c_str()));
    if (ifindex == 0) throw_errno("ifindex of tap " + actual);
    return TapDevice(std::move(fd), actual, ifindex, options.vnet_hdr);
}

TapDevice TapDevice::adopt(UniqueFd fd) {
    ifreq ifr{};
    if (::ioctl(fd.get(), TUNGETIFF, &ifr) < 0) throw_errno("TUNGETIFF on a received tap fd");
    if (!(ifr.ifr_flags & IFF_TAP)) throw SystemError(EINVAL, std::string("received fd is a tun, not a tap: ") + ifr.ifr_name);
    const int flags = static_cast<int>(check_syscall(::fcntl(fd.get(), F_GETFL), "F_GETFL on a received tap fd"));
    if (!(flags & O_NONBLOCK)) check_syscall(::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK), "O_NONBLOCK on a received tap");
    return TapDevice(std::move(fd), ifr.ifr_name, 0, (ifr.ifr_flags & IFF_VNET_HDR) != 0);
}

void TapDevice::set_carrier(bool on) {
    int value = on ? 1 : 0;
    if (::ioctl(fd_.get(), TUNSETCARRIER, &value) < 0) throw_errno("TUNSETCARRIER " + name_);
}

ssize_t TapDevice::read(std::span<std::byte> buffer) const { return ::read(fd_.get(), buffer.data(), buffer.size()); }

ssize_t TapDevice::write(std::span<const std::byte> frame) const {
    return ::write(fd_.get(), frame.data(), frame.size());
}

}  // namespace nf::os
