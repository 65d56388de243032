#include "failoverd/guest_channel.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "device/features.h"

namespace nf::failoverd {

namespace channel = device::channel;

namespace {

std::string hex(std::uint64_t v) { return fmt::format("{:#018x}", v); }

const char* role_name(channel::Role r) { return r == channel::Role::Primary ? "primary" : "standby"; }

}  // namespace

GuestChannel::GuestChannel(EventLoop& loop, std::string path, bool standby_ack, MacAddress standby_mac,
                           Callbacks callbacks)
    : path_(std::move(path)), standby_ack_(standby_ack), standby_mac_(standby_mac), callbacks_(std::move(callbacks)),
      loop_(loop) {
    try_connect();
}

GuestChannel::~GuestChannel() {
    loop_.cancel(retry_);
    if (client_) loop_.remove(client_->fd());
}

void GuestChannel::arm_retry() {
    if (retry_) return;
    retry_ = loop_.after(
        kRetryInterval,
        [this] {
            retry_ = 0;
            if (!client_) try_connect();
        },
        "device channel retry");
}

void GuestChannel::try_connect() {
    try {
        client_.emplace(qmp::DeviceChannelClient::connect(path_, std::chrono::milliseconds(0)));
    } catch (const std::exception& e) {
        const auto now = std::chrono::steady_clock::now();
        if (retries_++ == 0 || now >= next_retry_log_) {
            spdlog::info("device channel {}: not there yet ({}); retrying every {} ms", path_, e.what(),
                         kRetryInterval.count());
            next_retry_log_ = now + kRetryLogInterval;
        }
        arm_retry();
        return;
    }
    try {
        loop_.add(client_->fd(), EPOLLIN, [this](std::uint32_t) { drain(); }, "device channel");
    } catch (...) {
        client_.reset();
        arm_retry();
        throw;
    }
    loop_.cancel(retry_);
    retry_ = 0;
    ++connects_;
    spdlog::info("device channel {}: connected{}", path_,
                 retries_ ? fmt::format(" after {} retries", retries_) : std::string());
    retries_ = 0;
}

void GuestChannel::disconnect(const std::string& why) {
    if (!client_) return;
    spdlog::warn("{} ({}); reconnecting", why, path_);
    loop_.remove(client_->fd());
    client_.reset();
    devices_.clear();
    negotiated_.clear();
    acked_features_ = 0;
    retries_ = 0;
    next_retry_log_ = {};
    arm_retry();
}

// Everything the VMM has sent. receive() returns buffered lines first, then waits briefly for more: 2 ms,
// because it rounds the time left down to whole milliseconds and would not even read with 1 ms.
void GuestChannel::drain() {
    while (client_) {
        std::optional<channel::Message> message;
        try {
            message = client_->receive(std::chrono::milliseconds(2));
        } catch (const channel::ProtocolError& e) {
            ++protocol_errors_;
            spdlog::warn("device channel {}: {}", path_, e.what());
            continue;
        } catch (const std::exception& e) {
            disconnect(e.what());
            return;
        }
        if (!message) return;
        handle(*message);
    }
}

void GuestChannel::send(const channel::Message& message) {
    if (!client_) return;
    try {
        client_->send(message);
    } catch (const std::exception& e) {
        disconnect(e.what());
    }
}

void GuestChannel::remember(const channel::DeviceInfo& info) {
    Known k;
    k.role = info.role;
    k.mac = MacAddress::parse(info.mac);
    devices_[info.id] = k;
}

void GuestChannel::handle(const channel::Message& message) {
    if (const auto* m = std::get_if<channel::Hello>(&message)) {
        on_hello(*m);
    } else if (const auto* m = std::get_if<channel::EjectRequest>(&message)) {
        on_eject(m->device);
    } else if (const auto* m = std::get_if<channel::EjectCancel>(&message)) {
        spdlog::info("device channel: eject of {} cancelled", m->device);
        if (callbacks_.cancel_removal) callbacks_.cancel_removal(m->device);
    } else if (const auto* m = std::get_if<channel::Plugged>(&message)) {
        remember(m->device);
        spdlog::info("device channel: {} {} plugged (mac {})", role_name(m->device.role), m->device.id, m->device.mac);
    } else if (const auto* m = std::get_if<channel::Unplugged>(&message)) {
        spdlog::info("device channel: {} unplugged ({})", m->device,
                     m->mode == device::RemovalMode::Orderly ? "orderly" : "surprise");
        devices_.erase(m->device);
    } else if (const auto* m = std::get_if<channel::Reset>(&message)) {
        spdlog::info("device channel: {} reset", m->device);
    } else {
        spdlog::warn("device channel: ignoring a guest-to-VMM message from the VMM");
    }
}

void GuestChannel::on_hello(const channel::Hello& hello) {
    devices_.clear();
    negotiated_.clear();
    std::size_t standbys = 0;
    for (const auto& d : hello.devices) {
        remember(d);
        if (d.role == channel::Role::Standby) ++standbys;
    }
    spdlog::info("device channel: hello (version {}, {} devices)", hello.version, hello.devices.size());
    for (const auto& d : hello.devices) {
        if (d.role != channel::Role::Standby) {
            spdlog::info("device channel: primary {} present (mac {})", d.id, d.mac);
            continue;
        }
        const auto mac = MacAddress::parse(d.mac);
        if (standbys > 1 && mac != standby_mac_) {
            spdlog::info("device channel: standby {} (mac {}) is not ours; leaving it alone", d.id, d.mac);
            continue;
        }
        const std::uint64_t features = standby_ack_ ? d.features : d.features & ~device::kFeatureStandby;
        send(channel::SetFeatures{d.id, features});
        send(channel::DriverOk{d.id});
        if (!client_) return;
        negotiated_.push_back(d.id);
        acked_features_ = features;
        spdlog::info("device channel: standby {} negotiated features {} (offered {}), STANDBY {}", d.id, hex(features),
                     hex(d.features),
                     (features & device::kFeatureStandby) ? "acked: failover guest"
                     : (d.features & device::kFeatureStandby) ? "not acked: a guest without failover"
                                                              : "not offered");
    }
}

bool GuestChannel::ours(const Known& known) const {
    if (!known.mac || *known.mac == standby_mac_) return true;
    return known.role == channel::Role::Primary && callbacks_.plugged_primary_is_ours &&
           callbacks_.plugged_primary_is_ours(*known.mac);
}

void GuestChannel::on_eject(const std::string& id) {
    const auto it = devices_.find(id);
    const bool foreign = it != devices_.end() && !ours(it->second);
    const bool standby = it != devices_.end() && it->second.role == channel::Role::Standby;
    if (foreign) {
        spdlog::info("device channel: eject request for {}, not ours; acking", id);
    } else if (standby) {
        spdlog::warn("device channel: eject request for our standby {}; acking without failover", id);
    } else {
        // Our primary, or an id we were never told about: the only device we can eject is the primary.
        spdlog::info("device channel: eject request for primary {}", id);
        const auto start = std::chrono::steady_clock::now();
        if (callbacks_.remove_primary) callbacks_.remove_primary(id);
        spdlog::info("device channel: primary {} removed in {} us; acking", id,
                     std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start)
                         .count());
    }
    send(channel::EjectAck{id});
    if (client_) ++ejects_acked_;
}

nlohmann::json GuestChannel::status() const {
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& [id, k] : devices_)
        devices.push_back({{"id", id}, {"role", role_name(k.role)}, {"mac", k.mac ? k.mac->to_string() : ""}});
    return {{"path", path_},
            {"connected", connected()},
            {"standby_ack", standby_ack_},
            {"negotiated", negotiated_},
            {"features", hex(acked_features_)},
            {"devices", devices},
            {"connects", connects_},
            {"protocol_errors", protocol_errors_},
            {"ejects_acked", ejects_acked_}};
}

}  // namespace nf::failoverd
