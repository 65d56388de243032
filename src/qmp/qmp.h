#pragma once
// QMP and the guest device channel over unix sockets: read this header as the part's table of contents.
// Line splitting and the sockets themselves are shared: common/line_buffer.h, common/unix_socket.h.
#include "qmp/line_connection.h"  // a non-blocking line peer: bounded lines, output queue and read share
#include "qmp/qmp_protocol.h"     // greeting, command parsing, replies, timestamped events
#include "qmp/qmp_server.h"       // QmpServer: poll-loop friendly, negotiation gate, broadcast
#include "qmp/qmp_client.h"       // QmpClient: blocking with timeouts, execute, wait_event
#include "qmp/device_channel.h"   // DeviceChannelServer (VMM end) and DeviceChannelClient (guest end)
#include "qmp/machine_service.h"  // routes a Machine's outcomes to QMP, the channel and the backend
