//! Verifying a block's signatures on every core before the txs run in order.
//! Only the signature cache is filled: execution still checks every rule in
//! block order and verifies any signature the cache does not hold, so the
//! results are those of sequential execution whatever the thread count.

use gpuchain_store::StateRead;

use super::amino::SignerData;
use super::ante::sign_bytes;
use super::decode::decode_tx;
use super::sig_cache::{entry, SigCache};
use super::signature::{decode_pubkey, verify_secp256k1};
use crate::router::Router;

pub fn preverify<S: StateRead + Sync>(
    router: &Router,
    state: &S,
    chain_id: &str,
    txs: &[Vec<u8>],
    max_tx_bytes: usize,
    cache: &SigCache,
) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || txs.len() < 2 {
        return;
    }
    let chunk = txs.len().div_ceil(threads);
    std::thread::scope(|s| {
        for part in txs.chunks(chunk) {
            s.spawn(move || {
                for tx in part {
                    verify_one(router, state, chain_id, tx, max_tx_bytes, cache);
                }
            });
        }
    });
}

fn verify_one<S: StateRead>(
    router: &Router,
    state: &S,
    chain_id: &str,
    tx: &[u8],
    max_tx_bytes: usize,
    cache: &SigCache,
) {
    let Ok(tx) = decode_tx(router, tx, max_tx_bytes, false) else {
        return;
    };
    for (i, signer) in tx.signers.iter().enumerate() {
        let info = &tx.auth_info.signer_infos[i];
        let Ok(Some(acc)) = gpuchain_auth::get_account(state, signer) else {
            continue;
        };
        let key = acc
            .pub_key
            .as_ref()
            .or(info.public_key.as_ref())
            .and_then(|k| decode_pubkey(k).ok());
        let Some(key) = key else {
            continue;
        };
        // An amino signer signed its sequence: the one it claims. Execution
        // rejects the tx (code 32) unless that is the account's sequence by
        // then, and otherwise builds the same bytes, so the entry matches.
        let signer_data = SignerData {
            chain_id,
            account_number: acc.account_number,
            sequence: info.sequence,
        };
        let Ok((_, bytes)) = sign_bytes(router, &tx, i, signer_data) else {
            continue;
        };
        let sig = &tx.raw.signatures[i];
        let e = entry(&key, &bytes, sig);
        if !cache.contains(&e) && verify_secp256k1(&key, &bytes, sig) {
            cache.insert(e);
        }
    }
}
