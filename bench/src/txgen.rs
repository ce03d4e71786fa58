//! Deterministic keys, genesis and signed sends for the benchmarks.

use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw,
};
use cosmos_sdk_proto::Any;
use gpuchain_app::tx::signature::{verify_secp256k1, verify_secp256k1_point};
use gpuchain_keyring::SecretKey;
use gpuchain_types::Address;
use k256::ecdsa::signature::Verifier;
use prost::Message;
use sha2::{Digest, Sha256};

pub struct TxGen {
    pub keys: Vec<SecretKey>,
    /// Funded accounts with no key kept (to grow the state).
    pub extra: usize,
}

fn key(i: u64) -> SecretKey {
    let seed = Sha256::digest(i.to_be_bytes());
    SecretKey::from_bytes(&seed)
        .expect("sha256 output is a valid key with overwhelming probability")
}

impl TxGen {
    pub fn new(n: usize) -> Self {
        Self::with_extra(n, 0)
    }

    pub fn with_extra(signers: usize, total_accounts: usize) -> Self {
        Self {
            keys: (0..signers as u64).map(key).collect(),
            extra: total_accounts.saturating_sub(signers),
        }
    }

    pub fn extra_address(&self, i: usize) -> Address {
        let h = Sha256::digest((i as u64).to_le_bytes());
        let mut a = [0u8; 20];
        a.copy_from_slice(&h[..20]);
        Address(a)
    }

    /// One send per signer in `from..to`, each to the next signer, sequence 0.
    /// Account numbers follow genesis order.
    pub fn sends(&self, from: usize, to: usize, chain_id: &str) -> Vec<Vec<u8>> {
        (from..to)
            .map(|i| {
                let k = &self.keys[i];
                let to_addr = self.keys[(i + 1) % self.keys.len()].address();
                self.send(k, &to_addr, i as u64, 0, chain_id)
            })
            .collect()
    }

    pub fn send(
        &self,
        k: &SecretKey,
        to: &Address,
        account_number: u64,
        seq: u64,
        chain_id: &str,
    ) -> Vec<u8> {
        let msg = MsgSend {
            from_address: k.address().to_string(),
            to_address: to.to_string(),
            amount: vec![Coin {
                denom: "ugpc".into(),
                amount: "10".into(),
            }],
        };
        let body = TxBody {
            messages: vec![Any {
                type_url: "/cosmos.bank.v1beta1.MsgSend".into(),
                value: msg.encode_to_vec(),
            }],
            ..Default::default()
        };
        #[allow(deprecated)]
        let auth = AuthInfo {
            signer_infos: vec![SignerInfo {
                public_key: Some(Any {
                    type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
                    value: PubKey {
                        key: k.public_key_compressed().to_vec(),
                    }
                    .encode_to_vec(),
                }),
                mode_info: Some(ModeInfo {
                    sum: Some(mode_info::Sum::Single(mode_info::Single {
                        mode: SignMode::Direct as i32,
                    })),
                }),
                sequence: seq,
            }],
            fee: Some(Fee {
                amount: vec![Coin {
                    denom: "ugpc".into(),
                    amount: "500".into(),
                }],
                gas_limit: 200_000,
                payer: String::new(),
                granter: String::new(),
            }),
            tip: None,
        };
        let body_bytes = body.encode_to_vec();
        let auth_info_bytes = auth.encode_to_vec();
        let doc = SignDoc {
            body_bytes: body_bytes.clone(),
            auth_info_bytes: auth_info_bytes.clone(),
            chain_id: chain_id.into(),
            account_number,
        };
        let sig = k.sign_sha256(&doc.encode_to_vec());
        TxRaw {
            body_bytes,
            auth_info_bytes,
            signatures: vec![sig.to_vec()],
        }
        .encode_to_vec()
    }
}

/// secp256k1 verifications per second on 2 threads over the same sign
/// docs: with libsecp256k1 (what the node verifies with) and, when asked,
/// with k256 (for comparison with earlier figures).
pub struct VerifyRates {
    /// The bound: each signature verified from the 33-byte key it comes
    /// with, as libsecp256k1's own verification benchmark does (it parses
    /// the public key in every iteration) and as a node must for a sender
    /// whose key it has not seen; the sign doc hashed too.
    pub libsecp256k1: f64,
    /// The same with every key decompressed beforehand (the bound of
    /// earlier figures, for comparison).
    pub libsecp256k1_parsed_keys: f64,
    pub k256: Option<f64>,
}

/// The rates over `txs`, the sends of signers `first`, `first + 1`, ...
pub fn verify_rates_2_cores(
    gen: &TxGen,
    txs: &[Vec<u8>],
    first: usize,
    chain_id: &str,
    with_k256: bool,
) -> VerifyRates {
    let items: Vec<(usize, Vec<u8>, Vec<u8>)> = txs
        .iter()
        .enumerate()
        .map(|(i, tx)| {
            let i = first + i;
            let raw = TxRaw::decode(tx.as_slice()).expect("bench tx decodes");
            let doc = SignDoc {
                body_bytes: raw.body_bytes.clone(),
                auth_info_bytes: raw.auth_info_bytes.clone(),
                chain_id: chain_id.into(),
                account_number: i as u64,
            }
            .encode_to_vec();
            (i, doc, raw.signatures[0].clone())
        })
        .collect();
    let libsecp = items
        .iter()
        .map(|(i, doc, sig)| {
            let key = gen.keys[*i].public_key_compressed();
            (key, doc.as_slice(), sig.as_slice())
        })
        .collect::<Vec<_>>();
    let parsed = libsecp
        .iter()
        .map(|(key, doc, sig)| {
            let point = secp256k1::PublicKey::from_slice(key).expect("valid key");
            (point, *doc, *sig)
        })
        .collect::<Vec<_>>();
    let k256 = with_k256.then(|| {
        let k256 = items
            .iter()
            .map(|(i, doc, sig)| {
                let sig = k256::ecdsa::Signature::from_slice(sig).expect("64-byte signature");
                (*gen.keys[*i].verifying_key(), doc.as_slice(), sig)
            })
            .collect::<Vec<_>>();
        rate_2_threads(&k256, |(vk, doc, sig)| vk.verify(doc, sig).is_ok())
    });
    VerifyRates {
        libsecp256k1: rate_2_threads(&libsecp, |(key, doc, sig)| verify_secp256k1(key, doc, sig)),
        libsecp256k1_parsed_keys: rate_2_threads(&parsed, |(point, doc, sig)| {
            verify_secp256k1_point(point, doc, sig)
        }),
        k256,
    }
}

fn rate_2_threads<T: Sync>(items: &[T], verify: impl Fn(&T) -> bool + Sync) -> f64 {
    let start = std::time::Instant::now();
    let (a, b) = items.split_at(items.len() / 2);
    std::thread::scope(|s| {
        for part in [a, b] {
            let verify = &verify;
            s.spawn(move || {
                for item in part {
                    assert!(verify(item));
                }
            });
        }
    });
    items.len() as f64 / start.elapsed().as_secs_f64()
}
