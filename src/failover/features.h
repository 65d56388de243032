#pragma once
// Offload feature bits, reduced to those the failover merge rule (F1) distinguishes, and the merge itself.
#include <cstdint>

namespace nf::failover {

namespace feature {
using Bits = std::uint64_t;
inline constexpr Bits sg = 1u << 0;
inline constexpr Bits ip_csum = 1u << 1;
inline constexpr Bits hw_csum = 1u << 2;
inline constexpr Bits ipv6_csum = 1u << 3;
inline constexpr Bits highdma = 1u << 4;
inline constexpr Bits fraglist = 1u << 5;
inline constexpr Bits vlan_challenged = 1u << 6;
inline constexpr Bits tso = 1u << 7;
inline constexpr Bits tso6 = 1u << 8;
inline constexpr Bits gso_robust = 1u << 9;
inline constexpr Bits lro = 1u << 10;
inline constexpr Bits rxcsum = 1u << 11;
inline constexpr Bits nocache_copy = 1u << 12;
inline constexpr Bits fso = 1u << 13;
inline constexpr Bits gso_gre = 1u << 14;
inline constexpr Bits gso_udp_tunnel = 1u << 15;
inline constexpr Bits vlan_ctag_tx = 1u << 16;
inline constexpr Bits vlan_ctag_rx = 1u << 17;
inline constexpr Bits vlan_ctag_filter = 1u << 18;

inline constexpr Bits csum_mask = ip_csum | hw_csum | ipv6_csum;
inline constexpr Bits all_tso = tso | tso6;
inline constexpr Bits gso_software = all_tso;
inline constexpr Bits gso_encap_all = gso_gre | gso_udp_tunnel;
// Kept when any slave has it / only when every slave has it.
inline constexpr Bits one_for_all = gso_software | gso_robust | sg | highdma | fraglist | vlan_challenged;
inline constexpr Bits all_for_all = nocache_copy | fso;

inline constexpr Bits failover_vlan_features = hw_csum | sg | fraglist | all_tso | gso_robust | highdma | lro;
inline constexpr Bits failover_enc_features = hw_csum | sg | rxcsum | all_tso;
// C3: what the master always advertises; never intersected with the slaves'.
inline constexpr Bits master_hw_features = hw_csum | sg | fraglist | all_tso | highdma | lro | vlan_ctag_tx |
                                           vlan_ctag_rx | vlan_ctag_filter | gso_encap_all;
}  // namespace feature

inline constexpr unsigned kEthHeaderLen = 14;

// What a slave contributes to the master's derived features.
struct SlaveFeatures {
    feature::Bits vlan_features = feature::failover_vlan_features;
    feature::Bits hw_enc_features = feature::failover_enc_features;
    unsigned hard_header_len = kEthHeaderLen;
    bool xmit_dst_release = true;
    bool xmit_dst_release_perm = true;
};

// The master's features: `features` is fixed (C3); the rest is recomputed at each join/leave (F1).
struct MasterFeatures {
    feature::Bits features = feature::master_hw_features;
    feature::Bits vlan_features = feature::failover_vlan_features & feature::all_for_all;
    feature::Bits hw_enc_features = (feature::failover_enc_features & feature::all_for_all) | feature::gso_encap_all;
    unsigned hard_header_len = kEthHeaderLen;
    bool xmit_dst_release = true;

    bool operator==(const MasterFeatures&) const = default;
};

// The merge of one more device into an accumulated set: one-for-all and checksum bits are OR-ed within
// `mask`, all-for-all bits are AND-ed, and a resulting HW_CSUM drops the narrower checksum bits.
feature::Bits merge_features(feature::Bits all, feature::Bits one, feature::Bits mask);

// F1 over the present slaves (null = absent).
MasterFeatures compute_master_features(const SlaveFeatures* primary, const SlaveFeatures* standby);

}  // namespace nf::failover
