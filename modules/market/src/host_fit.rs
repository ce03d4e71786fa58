//! Whether a provider's hosts can serve its pending leases and one more,
//! each lease on one host. The chain holds no GPUs for a pending lease (its
//! agent picks them at the acknowledgement), so matching checks that the
//! leases still fit when packed the way the agents pack them: largest
//! first, each on the host with the fewest free GPUs that has enough (best
//! fit). A match that would leave a lease no host can serve (it would time
//! out and the provider be slashed) is not made.

use std::collections::BTreeMap;

/// Whether `demands` (GPU counts) fit on hosts with `free` GPUs each,
/// packed best fit, largest first.
pub(crate) fn fits(mut free: BTreeMap<String, u32>, mut demands: Vec<u32>) -> bool {
    demands.sort_unstable_by(|a, b| b.cmp(a));
    for want in demands {
        let best = free
            .iter_mut()
            .filter(|(_, n)| **n >= want)
            .min_by_key(|(host, n)| (**n, host.as_str()));
        match best {
            Some((_, n)) => *n = n.saturating_sub(want),
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(free: &[(&str, u32)]) -> BTreeMap<String, u32> {
        free.iter().map(|(h, n)| (h.to_string(), *n)).collect()
    }

    #[test]
    fn should_pack_best_fit_largest_first() {
        // 2 + 1 on hosts of 2 and 1: the 2 takes "a", the 1 "b".
        assert!(fits(hosts(&[("a", 2), ("b", 1)]), vec![1, 2]));
        // A third lease of 1 no longer fits anywhere.
        assert!(!fits(hosts(&[("a", 2), ("b", 1)]), vec![1, 2, 1]));
        // 3 free in all, but no host holds 2.
        assert!(!fits(hosts(&[("a", 1), ("b", 1), ("c", 1)]), vec![2]));
        // Best fit keeps the large host for the large lease: 1 goes to "b"
        // (3 free), leaving "a" (4) for the 4.
        assert!(fits(hosts(&[("a", 4), ("b", 3)]), vec![1, 4, 2]));
        assert!(fits(BTreeMap::new(), vec![]));
        assert!(!fits(BTreeMap::new(), vec![1]));
        assert!(fits(hosts(&[("", 8)]), vec![8]));
    }
}
