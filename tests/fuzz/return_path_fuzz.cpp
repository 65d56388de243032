// libFuzzer: the return-path decoder (QEMU's be16 type | be16 length | payload), in chunks whose sizes come
// from the input, and an OutgoingMigration in its device phase fed the same bytes. Every decoded message
// must re-encode to exactly the bytes it was decoded from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "device/machine.h"
#include "migration/migration.h"

using namespace nf;
using namespace nf::migration;

namespace {
void check(bool ok) {
    if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t chunk = 1 + data[0] % 13;
    const ByteView input(reinterpret_cast<const std::byte*>(data) + 1, size - 1);

    ReturnPathDecoder decoder;
    Bytes decoded_bytes;  // what the messages re-encode to
    std::size_t consumed_total = 0;
    std::size_t buffered = 0;  // consumed but not yet part of a message
    bool failed = false;
    for (std::size_t at = 0; at < input.size() && !failed; at += chunk) {
        ByteView rest = input.subspan(at, std::min(chunk, input.size() - at));
        while (!rest.empty()) {
            const auto step = decoder.next(rest);
            check(step.consumed <= rest.size());
            rest = rest.subspan(step.consumed);
            consumed_total += step.consumed;
            if (step.kind == ReturnPathDecoder::Step::Kind::Error) { failed = true; break; }
            if (step.kind == ReturnPathDecoder::Step::Kind::NeedMore) { buffered += step.consumed; check(buffered < 8); break; }
            put_bytes(decoded_bytes, encode(*step.message));
            buffered = 0;
        }
    }
    if (!failed) {
        check(consumed_total == input.size());
        check(decoded_bytes.size() + buffered == input.size());
        check(std::equal(decoded_bytes.begin(), decoded_bytes.end(), input.begin()));
    }

    // The source side: a migration waiting for VM_STARTED/SHUT gets the same bytes.
    device::Machine machine(device::MachineOptions{device::MachineTopology{2, true}, device::ResetPolicy::RehidePrimary});
    machine.cold_plug({{"driver", "virtio-net"}, {"id", "standby0"}, {"bus", "root0"}, {"failover", "on"}});
    machine.start();
    Settings settings;
    settings.set_capabilities({{"capabilities", {{{"capability", "return-path"}, {"state", true}},
                                                 {{"capability", "netpass"}, {"state", true}}}}},
                              false);
    OutgoingMigration outgoing(machine);
    Time now{};
    outgoing.start(settings, now);
    outgoing.main_part_sent(now);
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        now += Millis{1};
        (void)outgoing.return_path_bytes(input.subspan(at, std::min(chunk, input.size() - at)), now);
    }
    (void)outgoing.timer_expired(Timer::VmStarted, now);
    check(is_final(outgoing.status()));
    // Never both: a source guest resumed although the destination reported VM_STARTED.
    check(!(outgoing.dest_vm_started() && outgoing.source_guest() == SourceGuest::Resumed));
    (void)outgoing.query(now);
    return 0;
}
