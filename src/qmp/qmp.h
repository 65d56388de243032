#pragma once
// QMP and the guest device channel over unix sockets: read this header as the part's table of contents.
#include "qmp/line_buffer.h"      // bounded line splitting, oversized lines counted
#include "qmp/line_connection.h"  // a non-blocking line peer with a bounded output queue
#include "qmp/unix_socket.h"      // listen/accept/connect on unix sockets, wait_fd
#include "qmp/qmp_protocol.h"     // greeting, command parsing, replies, timestamped events
#include "qmp/qmp_server.h"       // QmpServer: poll-loop friendly, negotiation gate, broadcast
#include "qmp/qmp_client.h"       // QmpClient: blocking with timeouts, execute, wait_event
#include "qmp/device_channel.h"   // DeviceChannelServer (VMM end) and DeviceChannelClient (guest end)
#include "qmp/machine_service.h"  // routes a Machine's outcomes to QMP, the channel and the backend
