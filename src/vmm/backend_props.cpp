#include "vmm/backend_props.h"

#include "device/driver_catalog.h"

namespace nf::vmm {

namespace {
std::string text_of(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }
}  // namespace

SplitDevice split_device_arguments(const nlohmann::json& arguments) {
    SplitDevice out{arguments, {}};
    if (!arguments.is_object()) return out;
    auto& args = out.model_arguments;
    if (const auto it = args.find("driver"); it != args.end() && it->is_string()) out.props.driver = it->get<std::string>();
    if (const auto it = args.find("id"); it != args.end() && it->is_string()) out.props.id = it->get<std::string>();
    if (const auto it = args.find("ifname"); it != args.end()) {
        out.props.ifname = text_of(*it);
        args.erase("ifname");
    }
    if (const auto it = args.find("alias"); it != args.end()) {
        out.props.alias = text_of(*it);
        args.erase("alias");
    }
    if (const auto it = args.find("host"); it != args.end()) {
        out.props.host = text_of(*it);
        // Ours for every NIC model; vfio-pci keeps it (QEMU's vfio-pci has `host` too).
        const auto* driver = device::find_driver(out.props.driver);
        if (driver && !driver->accepts("host")) args.erase("host");
    }
    if (const auto it = args.find("netdev"); it != args.end()) out.props.netdev = text_of(*it);
    if (const auto it = args.find("mac"); it != args.end() && it->is_string()) out.props.mac = MacAddress::parse(it->get<std::string>());
    out.props.has_pair_id = args.contains("failover_pair_id");
    return out;
}

bool valid_ifname(const std::string& name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    for (char c : name)
        // '%' too: the kernel takes "eth%d" as a template and picks a name other than the one asked for.
        if (c == '/' || c == ':' || c == '%' || std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace nf::vmm
