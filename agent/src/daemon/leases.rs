//! Leases: choosing the GPUs to acknowledge a pending lease with, the
//! `access` the tenant gets, and the lease as the hooks see it.
//!
//! # Access (plaintext, before ECIES)
//!
//! A JSON object, encrypted to the tenant's account key with
//! [`super::ecies`]:
//!
//! ```json
//! {"v":1,"lease_id":7,"provider":"gpu1...","endpoint":"https://host:8443",
//!  "gpu_uuids":["GPU-..."],"token":"<32 hex>"}
//! ```
//!
//! `endpoint` is the provider's registered endpoint; `token` is a per-lease
//! secret derived from the agent's key ([`access_token`]), so the agent
//! needs no storage to hand the same token to the `on_lease_start` hook
//! (`LEASE_ACCESS_TOKEN`), which provisions the workload to accept it.

use std::collections::{BTreeMap, BTreeSet};

use gpuchain_keyring::SecretKey;
use gpuchain_proto::attestation::Gpu;
use gpuchain_proto::market::{CloseReason, Lease, LeaseState};
use hkdf::Hkdf;
use serde_json::{json, Value};
use sha2::Sha256;

/// Whether the chain would let this GPU be leased at block time `now`: the
/// attestation module's rule (fresh report, known SKU, not MIG, not failed,
/// not missing from the latest report).
pub fn gpu_leasable(g: &Gpu, now: i64) -> bool {
    !g.sku.is_empty() && !g.mig_mode && !g.failed && !g.missing && g.report_expires_at > now
}

/// The GPUs to acknowledge `lease` with: the provider's GPUs of the lease's
/// SKU that are leasable at `now`, present on this host (`local`), and not
/// serving another lease (`busy`, from the chain's active leases). GPUs
/// without a pending challenge first, then in uuid order. `None` when there
/// are fewer than `lease.gpu_count`.
pub fn select_free_gpus(
    lease: &Lease,
    chain_gpus: &[Gpu],
    local: &BTreeSet<String>,
    busy: &BTreeSet<String>,
    now: i64,
) -> Option<Vec<String>> {
    free_gpus_where(lease, chain_gpus, busy, now, |g| local.contains(&g.uuid))
}

/// [`select_free_gpus`] among the GPUs `on` accepts.
fn free_gpus_where(
    lease: &Lease,
    chain_gpus: &[Gpu],
    busy: &BTreeSet<String>,
    now: i64,
    on: impl Fn(&Gpu) -> bool,
) -> Option<Vec<String>> {
    let mut free = candidates(lease, chain_gpus, busy, now, on);
    free.sort_by(|a, b| {
        (a.pending_challenge_id != 0, &a.uuid).cmp(&(b.pending_challenge_id != 0, &b.uuid))
    });
    let want = usize::try_from(lease.gpu_count).ok()?;
    if want == 0 || free.len() < want {
        return None;
    }
    Some(
        free.into_iter()
            .take(want)
            .map(|g| g.uuid.clone())
            .collect(),
    )
}

/// The provider's GPUs `on` accepts that could serve `lease` at `now`: of
/// its SKU, leasable, not `busy`.
fn candidates<'a>(
    lease: &Lease,
    chain_gpus: &'a [Gpu],
    busy: &BTreeSet<String>,
    now: i64,
    on: impl Fn(&Gpu) -> bool,
) -> Vec<&'a Gpu> {
    chain_gpus
        .iter()
        .filter(|g| {
            g.provider == lease.provider
                && g.sku == lease.sku
                && gpu_leasable(g, now)
                && on(g)
                && !busy.contains(&g.uuid)
        })
        .collect()
}

/// Which of the provider's hosts acknowledges each of the `pending` leases,
/// so that the agents of several hosts do not all send an acknowledgement
/// for one lease (all but one would fail, fees paid). The chain matches an
/// order when one host has enough free GPUs, without holding them for it,
/// so pending leases are packed best fit, largest first: by GPU count
/// (then id), each to the host with the fewest free GPUs of its SKU that
/// still has enough (then by name), in the chain's view (`chain_gpus`,
/// `busy`); its chosen GPUs are then taken. (First fit in id order would
/// put a 1-GPU lease on a 2-GPU host and leave a 2-GPU lease without one.)
/// Every agent of the provider computes the same from the same chain state.
/// A lease no host can serve is left out.
pub fn assign_hosts(
    pending: &[Lease],
    chain_gpus: &[Gpu],
    busy: &BTreeSet<String>,
    now: i64,
) -> BTreeMap<u64, String> {
    let hosts: BTreeSet<&str> = chain_gpus.iter().map(|g| g.host.as_str()).collect();
    let mut taken = busy.clone();
    let mut order: Vec<&Lease> = pending.iter().collect();
    order.sort_by_key(|l| (std::cmp::Reverse(l.gpu_count), l.id));
    let mut out = BTreeMap::new();
    for l in order {
        let want = usize::try_from(l.gpu_count).unwrap_or(usize::MAX);
        let best = hosts
            .iter()
            .map(|h| {
                (
                    candidates(l, chain_gpus, &taken, now, |g| g.host == *h).len(),
                    *h,
                )
            })
            .filter(|(free, _)| *free >= want)
            .min();
        let Some((_, host)) = best else { continue };
        if let Some(chosen) = free_gpus_where(l, chain_gpus, &taken, now, |g| g.host == host) {
            taken.extend(chosen);
            out.insert(l.id, host.to_string());
        }
    }
    out
}

/// Whether this host (`host`) acknowledges `lease` at `now`: it is assigned
/// here ([`assign_hosts`]), or it has waited half its acknowledgement window
/// for the host it was assigned to (whose agent may be down), after which
/// any host that can serve it does.
pub fn ack_here(lease: &Lease, assigned: &BTreeMap<u64, String>, host: &str, now: i64) -> bool {
    if assigned.get(&lease.id).is_some_and(|h| h == host) {
        return true;
    }
    let window = lease.ack_deadline.saturating_sub(lease.created_at);
    now >= lease.created_at.saturating_add(window / 2)
}

/// The GPUs serving active leases (`leases` all active).
pub fn busy_gpus(active: &[Lease]) -> BTreeSet<String> {
    active
        .iter()
        .flat_map(|l| l.gpu_uuids.iter().cloned())
        .collect()
}

/// Whether this host serves `lease`: it was acknowledged with GPUs that are
/// all on this host.
pub fn served_here(lease: &Lease, local: &BTreeSet<String>) -> bool {
    !lease.gpu_uuids.is_empty() && lease.gpu_uuids.iter().all(|u| local.contains(u))
}

/// Of the `closed` leases (newest first), those whose workload may still
/// run on this host after the agent was down: for each GPU of `free` (this
/// host's GPUs serving no active lease), the newest closed lease served here
/// that had it. A lease that closed while the agent ran had its stop hook
/// then; an older lease on the same GPU was stopped before the newer one
/// started.
pub fn last_closed_on<'a>(
    closed: &'a [Lease],
    local: &BTreeSet<String>,
    free: &BTreeSet<String>,
) -> Vec<&'a Lease> {
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for l in closed.iter().filter(|l| served_here(l, local)) {
        let newest_here = l
            .gpu_uuids
            .iter()
            .any(|u| free.contains(u) && !covered.contains(u.as_str()));
        covered.extend(l.gpu_uuids.iter().map(String::as_str));
        if newest_here {
            out.push(l);
        }
    }
    out
}

/// The per-lease access token: 16 bytes of HKDF-SHA256 over the agent's
/// secret key, salt `lease_id` (u64 big-endian), info
/// `"gpuchain/access-token/v1"`, in hex.
pub fn access_token(key: &SecretKey, lease_id: u64) -> String {
    let hk = Hkdf::<Sha256>::new(Some(&lease_id.to_be_bytes()), &key.to_bytes());
    let mut out = [0u8; 16];
    // 16 bytes is far below HKDF's 255 * 32 limit: expand cannot fail.
    let _ = hk.expand(b"gpuchain/access-token/v1", &mut out);
    hex::encode(out)
}

/// The access plaintext (see the module docs).
pub fn access_plaintext(lease: &Lease, endpoint: &str, gpus: &[String], token: &str) -> Vec<u8> {
    json!({
        "v": 1,
        "lease_id": lease.id,
        "provider": lease.provider,
        "endpoint": endpoint,
        "gpu_uuids": gpus,
        "token": token,
    })
    .to_string()
    .into_bytes()
}

pub fn state_name(state: i32) -> &'static str {
    match LeaseState::try_from(state) {
        Ok(LeaseState::Pending) => "pending",
        Ok(LeaseState::Active) => "active",
        Ok(LeaseState::Closed) => "closed",
        _ => "unspecified",
    }
}

pub fn close_reason_name(reason: i32) -> &'static str {
    match CloseReason::try_from(reason) {
        Ok(CloseReason::TenantClosed) => "tenant_closed",
        Ok(CloseReason::ProviderClosed) => "provider_closed",
        Ok(CloseReason::Completed) => "completed",
        Ok(CloseReason::InsufficientFunds) => "insufficient_funds",
        Ok(CloseReason::ProviderTimeout) => "provider_timeout",
        Ok(CloseReason::ProviderFaulted) => "provider_faulted",
        _ => "",
    }
}

/// The lease as JSON, as hooks get it on stdin (`access` left out: it is
/// the tenant's, encrypted).
pub fn lease_json(l: &Lease) -> Value {
    let price = l
        .price_per_gpu_hour
        .as_ref()
        .map(|c| json!({"denom": c.denom, "amount": c.amount}));
    json!({
        "id": l.id,
        "order_id": l.order_id,
        "offer_id": l.offer_id,
        "tenant": l.tenant,
        "provider": l.provider,
        "sku": l.sku,
        "gpu_count": l.gpu_count,
        "price_per_gpu_hour": price,
        "gpu_uuids": l.gpu_uuids,
        "created_at": l.created_at,
        "ack_deadline": l.ack_deadline,
        "started_at": l.started_at,
        "ends_at": l.ends_at,
        "duration": l.duration,
        "state": state_name(l.state),
        "close_reason": close_reason_name(l.close_reason),
        "closed_at": l.closed_at,
    })
}

/// The environment a hook gets for `lease`.
pub fn hook_env(l: &Lease, token: &str) -> Vec<(String, String)> {
    let uuids = l.gpu_uuids.join(",");
    vec![
        ("LEASE_ID".into(), l.id.to_string()),
        ("LEASE_TENANT".into(), l.tenant.clone()),
        ("LEASE_PROVIDER".into(), l.provider.clone()),
        ("LEASE_SKU".into(), l.sku.clone()),
        ("LEASE_GPU_COUNT".into(), l.gpu_count.to_string()),
        ("LEASE_GPU_UUIDS".into(), uuids.clone()),
        ("LEASE_STATE".into(), state_name(l.state).into()),
        ("LEASE_STARTED_AT".into(), l.started_at.to_string()),
        ("LEASE_ENDS_AT".into(), l.ends_at.to_string()),
        (
            "LEASE_CLOSE_REASON".into(),
            close_reason_name(l.close_reason).into(),
        ),
        ("LEASE_ACCESS_TOKEN".into(), token.into()),
        // The uuids are valid CUDA_VISIBLE_DEVICES entries.
        ("CUDA_VISIBLE_DEVICES".into(), uuids),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(uuid: &str, sku: &str) -> Gpu {
        Gpu {
            uuid: uuid.into(),
            provider: "p".into(),
            sku: sku.into(),
            report_expires_at: 1_000,
            ..Gpu::default()
        }
    }

    fn lease(count: u32) -> Lease {
        Lease {
            id: 7,
            provider: "p".into(),
            sku: "h100".into(),
            gpu_count: count,
            state: LeaseState::Pending as i32,
            ..Lease::default()
        }
    }

    fn set(xs: &[&str]) -> BTreeSet<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn should_pick_free_local_gpus_of_the_sku_in_uuid_order() {
        let gpus = vec![
            gpu("GPU-c", "h100"),
            gpu("GPU-a", "h100"),
            gpu("GPU-b", "h100"),
        ];
        let local = set(&["GPU-a", "GPU-b", "GPU-c"]);
        assert_eq!(
            select_free_gpus(&lease(2), &gpus, &local, &BTreeSet::new(), 10),
            Some(vec!["GPU-a".to_string(), "GPU-b".to_string()])
        );
        assert_eq!(
            select_free_gpus(&lease(2), &gpus, &local, &set(&["GPU-a"]), 10),
            Some(vec!["GPU-b".to_string(), "GPU-c".to_string()])
        );
    }

    fn on(host: &str, uuid: &str) -> Gpu {
        Gpu {
            host: host.into(),
            ..gpu(uuid, "h100")
        }
    }

    fn pending(id: u64, count: u32) -> Lease {
        Lease {
            id,
            created_at: 100,
            ack_deadline: 200,
            ..lease(count)
        }
    }

    #[test]
    fn should_pack_pending_leases_on_hosts_best_fit_largest_first() {
        // "a": 2 GPUs (one busy), "b": 3, "c": 1.
        let gpus = vec![
            on("b", "GPU-b1"),
            on("a", "GPU-a1"),
            on("a", "GPU-a2"),
            on("b", "GPU-b2"),
            on("c", "GPU-c1"),
            on("b", "GPU-b3"),
        ];
        let busy = set(&["GPU-a2"]);
        // Largest first: 2 -> "b" (the only host with two), 2 -> none left
        // with two; then 1 GPU each, to the host with fewest free: 1 -> "a",
        // 4 -> "b", 5 -> "c".
        let leases = vec![
            pending(5, 1),
            pending(1, 1),
            pending(2, 2),
            pending(3, 2),
            pending(4, 1),
        ];
        let got = assign_hosts(&leases, &gpus, &busy, 10);
        let want: BTreeMap<u64, String> = [(1, "a"), (2, "b"), (4, "b"), (5, "c")]
            .into_iter()
            .map(|(id, h)| (id, h.to_string()))
            .collect();
        assert_eq!(got, want);
        // Every agent of the provider computes the same, whatever the order
        // the chain listed GPUs and leases in.
        let mut reversed = gpus.clone();
        reversed.reverse();
        let mut leases_rev = leases.clone();
        leases_rev.reverse();
        assert_eq!(assign_hosts(&leases_rev, &reversed, &busy, 10), want);
        // Best fit, largest first: with "h1" 2 free and "h2" 1, a 1-GPU
        // lease (id 1) goes to "h2" so that the 2-GPU lease (id 2) fits on
        // "h1"; first fit in id order would leave lease 2 no host.
        let gpus = vec![on("h1", "GPU-1"), on("h1", "GPU-2"), on("h2", "GPU-3")];
        let got = assign_hosts(&[pending(1, 1), pending(2, 2)], &gpus, &BTreeSet::new(), 10);
        let want: BTreeMap<u64, String> = [(1, "h2"), (2, "h1")]
            .into_iter()
            .map(|(id, h)| (id, h.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn should_ack_here_when_assigned_here_or_after_half_the_window() {
        let assigned: BTreeMap<u64, String> = [(1, "a".to_string())].into_iter().collect();
        let l = pending(1, 1);
        assert!(ack_here(&l, &assigned, "a", 100));
        // Another host waits for "a" half the window (100 s), then helps.
        assert!(!ack_here(&l, &assigned, "b", 149));
        assert!(ack_here(&l, &assigned, "b", 150));
        // A lease no host was assigned (the chain's view lags the hosts'):
        // any host that can serve it, after half the window.
        let none = pending(2, 1);
        assert!(!ack_here(&none, &assigned, "a", 120));
        assert!(ack_here(&none, &assigned, "a", 150));
    }

    fn closed(id: u64, uuids: &[&str]) -> Lease {
        Lease {
            id,
            gpu_uuids: uuids.iter().map(|u| u.to_string()).collect(),
            state: LeaseState::Closed as i32,
            ..lease(uuids.len() as u32)
        }
    }

    #[test]
    fn should_pick_the_newest_closed_lease_of_each_free_gpu_served_here() {
        let local = set(&["GPU-a", "GPU-b", "GPU-c", "GPU-d"]);
        // GPU-c serves an active lease; GPU-d never served one.
        let free = set(&["GPU-a", "GPU-b", "GPU-d"]);
        // Newest first.
        let leases = vec![
            closed(9, &["GPU-a"]),
            closed(8, &["GPU-x"]),          // another host's
            closed(7, &["GPU-b", "GPU-c"]), // one GPU free: may still run
            closed(6, &["GPU-a"]),          // older on GPU-a: stopped before 9
            closed(5, &["GPU-c"]),          // its GPU serves a newer lease
        ];
        let ids: Vec<u64> = last_closed_on(&leases, &local, &free)
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(ids, [9, 7]);
        assert!(last_closed_on(&leases, &local, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn should_skip_gpus_that_are_busy_foreign_remote_or_not_leasable() {
        let mut other_sku = gpu("GPU-1", "a100");
        other_sku.report_expires_at = 1_000;
        let mut expired = gpu("GPU-2", "h100");
        expired.report_expires_at = 10;
        let mut failed = gpu("GPU-3", "h100");
        failed.failed = true;
        let mut mig = gpu("GPU-4", "h100");
        mig.mig_mode = true;
        let mut missing = gpu("GPU-5", "h100");
        missing.missing = true;
        let mut foreign = gpu("GPU-6", "h100");
        foreign.provider = "q".into();
        let remote = gpu("GPU-7", "h100");
        let busy = gpu("GPU-8", "h100");
        let free = gpu("GPU-9", "h100");
        let gpus = vec![
            other_sku, expired, failed, mig, missing, foreign, remote, busy, free,
        ];
        let local = set(&[
            "GPU-1", "GPU-2", "GPU-3", "GPU-4", "GPU-5", "GPU-6", "GPU-8", "GPU-9",
        ]);
        let busy = set(&["GPU-8"]);
        assert_eq!(
            select_free_gpus(&lease(1), &gpus, &local, &busy, 10),
            Some(vec!["GPU-9".to_string()])
        );
        assert_eq!(select_free_gpus(&lease(2), &gpus, &local, &busy, 10), None);
        assert_eq!(select_free_gpus(&lease(0), &gpus, &local, &busy, 10), None);
    }

    #[test]
    fn should_prefer_gpus_without_pending_challenge() {
        let mut a = gpu("GPU-a", "h100");
        a.pending_challenge_id = 3;
        let gpus = vec![a, gpu("GPU-b", "h100")];
        let local = set(&["GPU-a", "GPU-b"]);
        assert_eq!(
            select_free_gpus(&lease(1), &gpus, &local, &BTreeSet::new(), 10),
            Some(vec!["GPU-b".to_string()])
        );
    }

    #[test]
    fn should_collect_busy_gpus_and_tell_which_leases_are_served_here() {
        let mut l1 = lease(1);
        l1.gpu_uuids = vec!["GPU-a".into()];
        let mut l2 = lease(2);
        l2.gpu_uuids = vec!["GPU-b".into(), "GPU-z".into()];
        assert_eq!(
            busy_gpus(&[l1.clone(), l2.clone()]),
            set(&["GPU-a", "GPU-b", "GPU-z"])
        );
        let local = set(&["GPU-a", "GPU-b"]);
        assert!(served_here(&l1, &local));
        assert!(!served_here(&l2, &local));
        assert!(!served_here(&lease(1), &local));
    }

    #[test]
    fn should_derive_a_stable_distinct_token_per_lease() {
        let k = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        let t = access_token(&k, 7);
        assert_eq!(t.len(), 32);
        assert_eq!(t, access_token(&k, 7));
        assert_ne!(t, access_token(&k, 8));
        let k2 = SecretKey::from_bytes(&[8u8; 32]).unwrap();
        assert_ne!(t, access_token(&k2, 7));
    }

    #[test]
    fn should_render_lease_json_and_hook_env() {
        let mut l = lease(1);
        l.gpu_uuids = vec!["GPU-a".into(), "GPU-b".into()];
        l.state = LeaseState::Closed as i32;
        l.close_reason = CloseReason::Completed as i32;
        let j = lease_json(&l);
        assert_eq!(j["id"], 7);
        assert_eq!(j["state"], "closed");
        assert_eq!(j["close_reason"], "completed");
        assert_eq!(j["gpu_uuids"][1], "GPU-b");
        let env = hook_env(&l, "tok");
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("LEASE_ID"), "7");
        assert_eq!(get("LEASE_GPU_UUIDS"), "GPU-a,GPU-b");
        assert_eq!(get("LEASE_ACCESS_TOKEN"), "tok");
        assert_eq!(get("LEASE_CLOSE_REASON"), "completed");
        let p: Value =
            serde_json::from_slice(&access_plaintext(&l, "https://h", &l.gpu_uuids, "tok"))
                .unwrap();
        assert_eq!(p["endpoint"], "https://h");
        assert_eq!(p["token"], "tok");
        assert_eq!(p["v"], 1);
    }
}
