#include "test_guest.h"

#include <stdexcept>

#include "device/features.h"

namespace nf::vmm::test {

TestGuest TestGuest::connect(const std::string& path) {
    TestGuest guest(qmp::DeviceChannelClient::connect(path));
    auto first = guest.client_.receive(Millis(3000));
    if (!first || !std::holds_alternative<channel::Hello>(*first)) throw std::runtime_error("no hello from the VMM");
    guest.hello_ = std::get<channel::Hello>(*first);
    guest.remember(*first);
    return guest;
}

void TestGuest::remember(const channel::Message& message) {
    if (const auto* hello = std::get_if<channel::Hello>(&message))
        for (const auto& d : hello->devices) offers_[d.id] = d.features;
    if (const auto* plugged = std::get_if<channel::Plugged>(&message)) offers_[plugged->device.id] = plugged->device.features;
}

std::uint64_t TestGuest::offered(const std::string& standby) const {
    const auto it = offers_.find(standby);
    return it == offers_.end() ? 0 : it->second;
}

void TestGuest::start_driver(const std::string& standby, bool accept_standby) {
    // Pick up Plugged notices already sent (a standby hot-added after the hello).
    while (auto message = client_.receive(Millis(50))) {
        remember(*message);
        queue_.push_back(std::move(*message));
    }
    std::uint64_t features = offered(standby);
    if (!accept_standby) features &= ~device::kFeatureStandby;
    client_.send(channel::SetFeatures{standby, features});
    client_.send(channel::DriverOk{standby});
}

void TestGuest::reset(const std::string& standby) { client_.send(channel::Reset{standby}); }

void TestGuest::eject(const std::string& device) { client_.send(channel::EjectAck{device}); }

}  // namespace nf::vmm::test
