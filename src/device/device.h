#pragma once
// The hypervisor-side device model (OS-free): read this header as the part's table of contents.
#include "device/outcome.h"           // Outcome = QMP reply + QMP events + backend actions + warnings
#include "device/bus.h"               // pcie.0, root ports, a conventional bus: express? hotpluggable?
#include "device/driver_catalog.h"    // device models (virtio-net-pci, vfio-pci, e1000e, virtio-blk-pci)
#include "device/device_options.h"    // device_add arguments, parsed and checked
#include "device/features.h"          // virtio-net feature bits, STANDBY = 62
#include "device/standby.h"           // a virtio-net device's failover state: offer, ack, hiding, captured primary
#include "device/pci_device.h"        // a realized PCI device and the primary states of spec §6.2
#include "device/machine.h"           // the machine: QMP commands, guest events, migration hooks
#include "device/channel_protocol.h"  // the guest device channel's messages (line-delimited JSON)
#include "device/guest_channel.h"     // the channel <-> machine glue (hello, action -> message, message -> model)
