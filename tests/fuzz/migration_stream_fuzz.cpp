// libFuzzer: the incoming migration stream, fed in chunks whose sizes come from the input, through the
// reader, the section codecs and a destination IncomingMigration on a real device model. Nothing may
// throw, crash or allocate past the reader's limits; an error is sticky and a step never over-consumes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "device/machine.h"
#include "device/standby_persist.h"
#include "migration/migration.h"

using namespace nf;
using namespace nf::migration;

namespace {
void check(bool ok) {
    if (!ok) std::abort();
}

device::Machine destination_machine() {
    device::Machine m(device::MachineOptions{device::MachineTopology{4, true}, device::ResetPolicy::RehidePrimary});
    m.cold_plug({{"driver", "virtio-net"}, {"id", "standby0"}, {"bus", "root0"}, {"mac", "52:54:00:22:22:22"},
                 {"failover", "on"}});
    m.cold_plug({{"driver", "virtio-net"}, {"id", "primary0"}, {"bus", "root1"}, {"mac", "52:54:00:11:11:11"},
                 {"failover_pair_id", "standby0"}, {"rombar", 0}, {"romfile", ""}});
    m.start(device::RunState::InMigrate);
    return m;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    // First byte: chunk size (low 5 bits) and the destination's capabilities (high 3 bits).
    const std::size_t chunk = 1 + (data[0] & 0x1f) * 2;
    const std::uint8_t mode = data[0] >> 5;
    const ByteView input(reinterpret_cast<const std::byte*>(data) + 1, size - 1);

    // 1. The reader alone, small limits so the limit paths are reached.
    StreamReader reader(StreamLimits{4096, 64});
    bool failed = false;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        ByteView rest = input.subspan(at, std::min(chunk, input.size() - at));
        while (true) {
            const auto step = reader.next(rest);
            check(step.consumed <= rest.size());
            if (failed) check(step.kind == StreamReader::Step::Kind::Error && step.consumed == 0);
            rest = rest.subspan(step.consumed);
            if (step.kind == StreamReader::Step::Kind::Error) { failed = true; check(!step.error.empty()); break; }
            if (step.kind == StreamReader::Step::Kind::NeedMore) { check(rest.empty()); break; }
            check(step.section->payload.size() <= 4096);
            switch (step.section->type) {
            case SectionType::Config: (void)decode_config(step.section->payload); break;
            case SectionType::Device: {
                auto record = decode_device_section(step.section->payload);
                if (auto* r = std::get_if<device::DeviceRecord>(&record)) (void)device::decode_standby_record(*r);
                break;
            }
            case SectionType::Netpass: (void)decode_records(step.section->payload, {16, 4096}); break;
            case SectionType::Eof: break;
            }
        }
        if (failed) break;
    }
    (void)reader.finish();

    // 2. A whole destination: capabilities from the input, the same bytes as the stream.
    device::Machine machine = destination_machine();
    IncomingMigration incoming(machine);
    Settings settings;
    settings.set_capabilities({{"capabilities", {{{"capability", "events"}, {"state", true}},
                                                 {{"capability", "return-path"}, {"state", (mode & 1) != 0}},
                                                 {{"capability", "netpass"}, {"state", (mode & 3) == 3}}}}},
                              false);
    Time now{};
    incoming.start(settings, now);
    for (std::size_t at = 0; at < input.size() && is_running(incoming.status()); at += chunk) {
        now += Millis{1};
        (void)incoming.stream_bytes(input.subspan(at, std::min(chunk, input.size() - at)), now);
    }
    if (mode & 4) (void)incoming.timer_expired(Timer::IncomingStall, now);
    (void)incoming.stream_closed(now);
    check(is_final(incoming.status()));
    (void)incoming.query(now);
    return 0;
}
