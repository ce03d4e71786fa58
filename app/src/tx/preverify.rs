//! Decoding txs and verifying their signatures on the other cores while the
//! txs run in order (FinalizeBlock, and CheckTx of a pipelined batch). What
//! this fills (the signature cache, and the decoded txs it hands over) is
//! only ever what running the tx alone would compute:
//! execution still checks every rule in order and verifies any signature the
//! cache does not hold, so the results are those of sequential execution
//! whatever the thread count.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use gpuchain_store::StateRead;
use secp256k1::PublicKey;

use super::amino::SignerData;
use super::ante::sign_digest;
use super::decode::{decode_tx, DecodedTx, Verified};
use super::handoff::Handoff;
use super::sig_cache::{entry, SigCache};
use super::signature::{pubkey_bytes, verify_secp256k1_digest};
use crate::router::Router;

fn verify_one<S: StateRead>(
    router: &Router,
    state: &S,
    chain_id: &Arc<str>,
    tx: &[u8],
    max_tx_bytes: usize,
    cache: &SigCache,
) -> Option<DecodedTx> {
    let mut tx = decode_tx(router, tx, max_tx_bytes, false).ok()?;
    for (i, signer) in tx.signers.iter().enumerate() {
        let info = &tx.auth_info.signer_infos[i];
        let Ok(Some(acc)) = gpuchain_auth::get_account(state, signer) else {
            continue;
        };
        let Some(Ok(key)) = acc
            .pub_key
            .as_ref()
            .or(info.public_key.as_ref())
            .map(pubkey_bytes)
        else {
            continue;
        };
        // An amino signer signed its sequence: the one it claims. Execution
        // rejects the tx (code 32) unless that is the account's sequence by
        // then, and otherwise builds the same bytes, so the entry matches.
        let signer_data = SignerData {
            chain_id: chain_id.as_ref(),
            account_number: acc.account_number,
            sequence: info.sequence,
        };
        let Ok((_, d)) = sign_digest(router, &tx, i, signer_data) else {
            continue;
        };
        let sig = &tx.raw.signatures[i];
        let e = entry(&key, &d, sig);
        // A signature the mempool verified needs neither the check nor the
        // key's decompression (an entry exists only for a valid key).
        let verified = if cache.contains(&e) {
            tx.valid_keys.push(key);
            true
        } else if let Ok(point) = PublicKey::from_slice(&key) {
            tx.valid_keys.push(key);
            verify_secp256k1_digest(&point, &d, sig)
        } else {
            false
        };
        if verified {
            cache.insert(e);
            tx.verified.push(Verified {
                index: i,
                key,
                chain_id: Arc::clone(chain_id),
                account_number: acc.account_number,
                sequence: info.sequence,
            });
        }
    }
    Some(tx)
}

/// The helper threads, one per core beside the calling thread's, kept
/// between batches: a thread spawned per batch took ~0.13 ms to start on
/// this VM's idle core, a tenth of a 64-tx batch's time.
static HELPERS: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        return None;
    }
    // No pool (the OS refused threads) means no helpers: txs are then
    // checked on the calling thread alone.
    rayon::ThreadPoolBuilder::new()
        .num_threads(cores - 1)
        .thread_name(|i| format!("precheck-{i}"))
        .build()
        .ok()
});

/// How long the executing thread spins for a helper's last pre-check before
/// it sleeps: several verifications here (~30 us each), so it sleeps only
/// when the helper's core was taken from it.
const MAX_SPIN: Duration = Duration::from_micros(200);

/// Runs `exec(tx, decoded)` for each of `txs` in order on the calling thread
/// while the other cores decode and verify signatures just ahead of it, from
/// the front. Each tx is pre-checked by exactly one thread: the calling
/// thread pre-checks a tx it reaches before any helper did; when the next tx
/// is still being checked by a helper, it pre-checks the next free one
/// instead of waiting. Taking txs from the front keeps pre-checks just ahead
/// of execution, so when the last pre-check ends few txs are left to execute
/// and no core idles long: execution is the one sequential part. `exec`
/// sees txs in block order with the same inputs as without threads, so the
/// results are those of sequential execution.
pub fn preverify_while<S, F>(
    router: &Router,
    state: &S,
    chain_id: &str,
    txs: &[Vec<u8>],
    max_tx_bytes: usize,
    cache: &SigCache,
    mut exec: F,
) where
    S: StateRead + Sync,
    F: FnMut(&[u8], Option<DecodedTx>),
{
    let pool = match &*HELPERS {
        Some(pool) if txs.len() >= 2 => pool,
        _ => {
            for tx in txs {
                exec(tx, None);
            }
            return;
        }
    };
    let chain_id: Arc<str> = Arc::from(chain_id);
    // A panic must still mark the tx done, or the calling thread waits
    // forever; the tx is then decoded and verified during execution.
    let check = |tx: &[u8]| {
        catch_unwind(AssertUnwindSafe(|| {
            verify_one(router, state, &chain_id, tx, max_tx_bytes, cache)
        }))
        .unwrap_or(None)
    };
    // Whether some thread has started on tx i.
    let taken: Vec<AtomicBool> = txs.iter().map(|_| AtomicBool::new(false)).collect();
    let done = Handoff::new(txs.len());
    // The next tx no thread has started on, or past the end: helpers take
    // txs from the front, just ahead of execution.
    let front = AtomicUsize::new(0);
    let next_free = || loop {
        let j = front.fetch_add(1, Ordering::AcqRel);
        if j >= txs.len() {
            return None;
        }
        // A tx the calling thread reached first is skipped.
        if !taken[j].swap(true, Ordering::AcqRel) {
            return Some(j);
        }
    };
    let helper = || {
        while let Some(j) = next_free() {
            done.fill(j, check(&txs[j]));
        }
    };
    pool.in_place_scope(|s| {
        for _ in 0..pool.current_num_threads() {
            s.spawn(|_| helper());
        }
        for (i, tx) in txs.iter().enumerate() {
            let decoded = if taken[i].swap(true, Ordering::AcqRel) {
                loop {
                    if let Some(d) = done.try_take(i) {
                        break d;
                    }
                    if let Some(j) = next_free() {
                        done.fill(j, check(&txs[j]));
                        continue;
                    }
                    // Nothing left to take: tx i's helper is the last one,
                    // at most one pre-check from done.
                    break done.take(i, MAX_SPIN);
                }
            } else {
                check(tx)
            };
            exec(tx, decoded);
        }
    });
}

#[cfg(test)]
mod tests {
    use gpuchain_store::EmptyState;

    use super::*;

    #[test]
    fn should_run_every_tx_in_order_when_pipelined() {
        let router = Router::standard();
        let cache = SigCache::default();
        // Bytes that do not decode: each still runs, in order, undecoded.
        let txs: Vec<Vec<u8>> = (0..50u8).map(|i| vec![0xff, i]).collect();
        let mut seen = Vec::new();
        preverify_while(&router, &EmptyState, "c", &txs, 1 << 20, &cache, |tx, d| {
            assert!(d.is_none());
            seen.push(tx.to_vec());
        });
        assert_eq!(seen, txs);
    }

    #[test]
    fn should_match_a_verified_signature_only_on_the_same_sign_inputs() {
        let v = Verified {
            index: 1,
            key: [2; 33],
            chain_id: "c".into(),
            account_number: 7,
            sequence: 3,
        };
        let signer = SignerData {
            chain_id: "c",
            account_number: 7,
            sequence: 3,
        };
        assert!(v.is_for(1, &[2; 33], &signer));
        assert!(!v.is_for(0, &[2; 33], &signer));
        assert!(!v.is_for(1, &[3; 33], &signer));
        let other = |f: fn(&mut SignerData<'static>)| {
            let mut s = SignerData {
                chain_id: "c",
                account_number: 7,
                sequence: 3,
            };
            f(&mut s);
            v.is_for(1, &[2; 33], &s)
        };
        assert!(!other(|s| s.chain_id = "d"));
        assert!(!other(|s| s.account_number = 8));
        assert!(!other(|s| s.sequence = 4));
    }
}
