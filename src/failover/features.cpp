#include "failover/features.h"

#include <algorithm>

namespace nf::failover {

feature::Bits merge_features(feature::Bits all, feature::Bits one, feature::Bits mask) {
    using namespace feature;
    if (mask & hw_csum) mask |= csum_mask;  // a device with HW_CSUM may stand for any narrower checksum
    mask |= vlan_challenged;
    all |= one & (one_for_all | csum_mask) & mask;
    all &= one | ~all_for_all;
    if (all & hw_csum) all &= ~(csum_mask & ~hw_csum);
    return all;
}

MasterFeatures compute_master_features(const SlaveFeatures* primary, const SlaveFeatures* standby) {
    using namespace feature;
    MasterFeatures out;
    Bits vlan = failover_vlan_features & all_for_all;
    Bits enc = failover_enc_features & all_for_all;
    for (const SlaveFeatures* slave : {primary, standby}) {
        if (!slave) continue;
        vlan = merge_features(vlan, slave->vlan_features, failover_vlan_features);
        enc = merge_features(enc, slave->hw_enc_features, failover_enc_features);
        out.hard_header_len = std::max(out.hard_header_len, slave->hard_header_len);
        out.xmit_dst_release = out.xmit_dst_release && slave->xmit_dst_release && slave->xmit_dst_release_perm;
    }
    out.vlan_features = vlan;
    out.hw_enc_features = enc | gso_encap_all;
    return out;
}

}  // namespace nf::failover
