// The kernel's uevent datagrams as failoverd's uevent socket reads them (os/uevent_message.h): any bytes
// parse to a message or a refusal with a reason, never a crash; a message's DEVPATH is canonical (the
// decision compares it by prefix) and the decision on it never throws.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "failoverd/primary_leave.h"
#include "os/uevent_message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view datagram(reinterpret_cast<const char*>(data), size);
    const nf::os::UeventParse parsed = nf::os::parse_uevent(datagram);
    if (parsed.message.has_value() != (parsed.refusal == nf::os::UeventRefusal::none)) std::abort();
    if (!parsed.message) return 0;
    const auto& m = *parsed.message;
    if (m.devpath.empty() || m.devpath.front() != '/') std::abort();
    // Canonical: every component after the leading '/' is non-empty and neither "." nor "..".
    const std::string_view devpath = m.devpath;
    for (std::size_t begin = 1; begin <= devpath.size();) {
        const std::size_t end = std::min(devpath.find('/', begin), devpath.size());
        const std::string_view component = devpath.substr(begin, end - begin);
        if (component.empty() || component == "." || component == "..") std::abort();
        begin = end + 1;
    }
    const nf::daemon::PrimaryDevice primary{"/devices/pci0000:00/0000:00:02.1/0000:02:00.0"};
    (void)nf::daemon::announces_primary_leaving(primary, m.action, m.devpath);
    return 0;
}
