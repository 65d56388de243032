#pragma once
// failover-lab's --help texts: what the lab is, its names, addresses and files.
namespace nf::lab::cli {

extern const char* const kLabDescription;
extern const char* const kLabFooter;

}  // namespace nf::lab::cli
