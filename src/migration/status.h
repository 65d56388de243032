#pragma once
// Migration status, named as QEMU's MigrationStatus (qapi/migration.json), plus `failing`, which QEMU's
// enum lacks: ours reports it while a failed migration still waits (bounded) for a pending guest eject
// before it can re-plug the primary.
#include <optional>
#include <string>
#include <string_view>

namespace nf::migration {

enum class Status { None, Setup, WaitUnplug, Active, Device, Completed, Cancelling, Cancelled, Failing, Failed };

std::string_view to_string(Status status);               // "none", "setup", "wait-unplug", ...
std::optional<Status> status_from_string(std::string_view name);
bool is_running(Status status);                          // setup .. device, cancelling, failing
bool is_final(Status status);                            // completed, cancelled, failed

}  // namespace nf::migration
