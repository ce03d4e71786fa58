//! Transactions as the Cosmos SDK encodes them: one secp256k1 signer, signed
//! in SIGN_MODE_DIRECT, broadcast with `broadcast_tx_sync`, then waited for
//! until a block commits them.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, SimulateRequest, SimulateResponse,
    TxBody, TxRaw,
};
use cosmos_sdk_proto::Any;
use gpuchain_keyring::SecretKey;
use gpuchain_types::Coins;
use prost::Message;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::query::{self, SECP256K1_PUBKEY_TYPE_URL};
use crate::rpc::Rpc;

/// Default gas price, as `gpuchaind tx` uses it.
pub const DEFAULT_GAS_PRICES: &str = "0.0025ugpc";
/// Default gas limit.
pub const DEFAULT_GAS: u64 = 200_000;
/// How long [`sign_and_broadcast`] waits for the block by default.
pub const DEFAULT_COMMIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Converts gpuchain coins to their protobuf form.
pub fn proto_coins(c: &Coins) -> Vec<ProtoCoin> {
    c.iter()
        .map(|c| ProtoCoin {
            denom: c.denom.clone(),
            amount: c.amount.to_string(),
        })
        .collect()
}

/// Who signs a tx, and for which chain and account state.
pub struct SignerCtx<'a> {
    pub key: &'a SecretKey,
    pub chain_id: &'a str,
    pub account_number: u64,
    pub sequence: u64,
}

/// Builds and signs a tx (SIGN_MODE_DIRECT) for one signer; returns the
/// `TxRaw` bytes to broadcast.
pub fn build_signed_tx(
    signer: &SignerCtx<'_>,
    msgs: Vec<Any>,
    memo: &str,
    fee: &Coins,
    gas_limit: u64,
) -> Vec<u8> {
    let SignerCtx {
        key,
        chain_id,
        account_number,
        sequence,
    } = *signer;
    let body = TxBody {
        messages: msgs,
        memo: memo.to_string(),
        timeout_height: 0,
        extension_options: vec![],
        non_critical_extension_options: vec![],
    };
    #[allow(deprecated)]
    let auth_info = AuthInfo {
        signer_infos: vec![SignerInfo {
            public_key: Some(Any {
                type_url: SECP256K1_PUBKEY_TYPE_URL.into(),
                value: PubKey {
                    key: key.public_key_compressed().to_vec(),
                }
                .encode_to_vec(),
            }),
            mode_info: Some(ModeInfo {
                sum: Some(mode_info::Sum::Single(mode_info::Single {
                    mode: SignMode::Direct as i32,
                })),
            }),
            sequence,
        }],
        fee: Some(Fee {
            amount: proto_coins(fee),
            gas_limit,
            payer: String::new(),
            granter: String::new(),
        }),
        tip: None,
    };
    let body_bytes = body.encode_to_vec();
    let auth_info_bytes = auth_info.encode_to_vec();
    let sign_doc = SignDoc {
        body_bytes: body_bytes.clone(),
        auth_info_bytes: auth_info_bytes.clone(),
        chain_id: chain_id.to_string(),
        account_number,
    };
    let sig = key.sign_sha256(&sign_doc.encode_to_vec());
    TxRaw {
        body_bytes,
        auth_info_bytes,
        signatures: vec![sig.to_vec()],
    }
    .encode_to_vec()
}

/// The fee for `gas` at a gas price such as `0.0025ugpc`:
/// ceil(price x gas), computed in millionths (at most 6 decimals), no floats.
pub fn fee_from_gas_prices(gas_prices: &str, gas: u64) -> Result<Coins> {
    let split = gas_prices
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| anyhow!("invalid gas price {gas_prices:?}: no denom"))?;
    let (price, denom) = gas_prices.split_at(split);
    let (int, frac) = price.split_once('.').unwrap_or((price, ""));
    if frac.len() > 6 {
        bail!("gas prices support at most 6 decimals");
    }
    let micros: u128 = format!("{int}{frac:0<6}")
        .parse()
        .with_context(|| format!("invalid gas price {gas_prices:?}"))?;
    let amount = micros
        .checked_mul(u128::from(gas))
        .context("fee overflows")?
        .div_ceil(1_000_000);
    Coins::parse(&format!("{amount}{denom}")).map_err(|e| anyhow!("{e}"))
}

/// How the gas limit is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gas {
    /// This limit.
    Fixed(u64),
    /// Simulate, then multiply the gas used by `adjustment_per_mille / 1000`.
    Auto { adjustment_per_mille: u64 },
}

/// Everything about a tx but its signer and messages.
#[derive(Clone, Debug)]
pub struct TxOptions {
    /// Chain id to sign for; None: asked from the node's `status`.
    pub chain_id: Option<String>,
    pub gas: Gas,
    /// An explicit fee; None: gas limit x `gas_prices`.
    pub fees: Option<Coins>,
    /// Price per unit of gas, in one denom (`0.0025ugpc`).
    pub gas_prices: String,
    pub memo: String,
    /// Return after CheckTx instead of waiting for the block.
    pub no_wait: bool,
    /// How long to wait for the block.
    pub commit_timeout: Duration,
}

impl Default for TxOptions {
    fn default() -> Self {
        Self {
            chain_id: None,
            gas: Gas::Fixed(DEFAULT_GAS),
            fees: None,
            gas_prices: DEFAULT_GAS_PRICES.to_string(),
            memo: String::new(),
            no_wait: false,
            commit_timeout: DEFAULT_COMMIT_TIMEOUT,
        }
    }
}

impl TxOptions {
    /// The fee for a gas limit: `fees` if set, else gas x `gas_prices`.
    pub fn fee_for(&self, gas: u64) -> Result<Coins> {
        match &self.fees {
            Some(f) => Ok(f.clone()),
            None => fee_from_gas_prices(&self.gas_prices, gas),
        }
    }
}

/// Looks up the signer's account, chooses the gas (simulating when
/// [`Gas::Auto`]), signs, broadcasts with `broadcast_tx_sync` and waits for the
/// block. Returns the SDK-shaped result JSON ([`query::tx_json`]: `txhash`,
/// `code`, `codespace`, `raw_log`, `height`, gas, `events`); when CheckTx
/// rejected the tx, or with `no_wait`, `height` is `"0"` and there are no
/// events. A non-zero `code` is returned as `Ok`: the caller decides.
pub fn sign_and_broadcast(
    rpc: &Rpc,
    key: &SecretKey,
    msgs: Vec<Any>,
    opts: &TxOptions,
) -> Result<Value> {
    let chain_id = match &opts.chain_id {
        Some(c) => c.clone(),
        None => rpc.chain_id()?,
    };
    let acc = query::account(rpc, &key.address()).with_context(|| {
        format!(
            "account {} not found on chain (fund it first)",
            key.address()
        )
    })?;
    let signer = SignerCtx {
        key,
        chain_id: &chain_id,
        account_number: acc.account_number,
        sequence: acc.sequence,
    };
    let gas = match opts.gas {
        Gas::Fixed(g) => g,
        Gas::Auto {
            adjustment_per_mille,
        } => {
            let sim_tx = build_signed_tx(&signer, msgs.clone(), &opts.memo, &Coins::empty(), 0);
            #[allow(deprecated)]
            let req = SimulateRequest {
                tx: None,
                tx_bytes: sim_tx,
            };
            let raw =
                rpc.abci_query("/cosmos.tx.v1beta1.Service/Simulate", &req.encode_to_vec())?;
            let used = SimulateResponse::decode(raw.as_slice())?
                .gas_info
                .map_or(0, |g| g.gas_used);
            used.saturating_mul(adjustment_per_mille) / 1000
        }
    };
    let fee = opts.fee_for(gas)?;
    let tx = build_signed_tx(&signer, msgs, &opts.memo, &fee, gas);
    let hash = tx_hash(&tx);
    let r = rpc.broadcast_tx_sync(&tx)?;
    let code = r["code"].as_u64().unwrap_or(0);
    if code != 0 || opts.no_wait {
        return Ok(json!({
            "txhash": hash,
            "code": code,
            "codespace": r["codespace"],
            "raw_log": r["log"],
            "height": "0",
        }));
    }
    let committed = rpc.wait_tx(&hash, opts.commit_timeout)?;
    Ok(query::tx_json(&committed))
}

/// The hash CometBFT indexes a tx by: upper-case hex of sha256(tx bytes).
pub fn tx_hash(tx: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_compute_fee_from_gas_price_rounding_up() {
        assert_eq!(
            fee_from_gas_prices("0.0025ugpc", 200_000)
                .unwrap()
                .to_string(),
            "500ugpc"
        );
        assert_eq!(
            fee_from_gas_prices("0.0025ugpc", 1).unwrap().to_string(),
            "1ugpc"
        );
        assert_eq!(
            fee_from_gas_prices("1ugpc", 7).unwrap().to_string(),
            "7ugpc"
        );
        assert_eq!(fee_from_gas_prices("0ugpc", 7).unwrap().to_string(), "");
    }

    #[test]
    fn should_reject_gas_price_when_malformed() {
        assert!(fee_from_gas_prices("0.0000001ugpc", 1).is_err());
        assert!(fee_from_gas_prices("0.25", 1).is_err());
        assert!(fee_from_gas_prices("1.2.3ugpc", 1).is_err());
        assert!(fee_from_gas_prices(&format!("{}ugpc", u128::MAX), 2).is_err());
    }

    #[test]
    fn should_use_explicit_fees_when_set() {
        let opts = TxOptions {
            fees: Some(Coins::parse("9uatom").unwrap()),
            ..TxOptions::default()
        };
        assert_eq!(opts.fee_for(200_000).unwrap().to_string(), "9uatom");
        assert_eq!(
            TxOptions::default().fee_for(200_000).unwrap().to_string(),
            "500ugpc"
        );
    }

    #[test]
    fn should_build_a_tx_whose_signature_verifies_when_signed() {
        use k256::ecdsa::signature::Verifier;
        let key = gpuchain_keyring::SecretKey::from_bytes(&[7u8; 32]).unwrap();
        let signer = SignerCtx {
            key: &key,
            chain_id: "gpuchain-test",
            account_number: 3,
            sequence: 9,
        };
        let fee = Coins::parse("500ugpc").unwrap();
        let raw = build_signed_tx(&signer, vec![], "m", &fee, 200_000);
        let tx = TxRaw::decode(raw.as_slice()).unwrap();
        let auth = AuthInfo::decode(tx.auth_info_bytes.as_slice()).unwrap();
        assert_eq!(auth.signer_infos[0].sequence, 9);
        assert_eq!(auth.fee.as_ref().unwrap().gas_limit, 200_000);
        assert_eq!(auth.fee.as_ref().unwrap().amount[0].amount, "500");
        let doc = SignDoc {
            body_bytes: tx.body_bytes.clone(),
            auth_info_bytes: tx.auth_info_bytes.clone(),
            chain_id: "gpuchain-test".into(),
            account_number: 3,
        };
        let sig = k256::ecdsa::Signature::from_slice(&tx.signatures[0]).unwrap();
        key.verifying_key()
            .verify(&doc.encode_to_vec(), &sig)
            .unwrap();
        assert_eq!(tx_hash(&raw).len(), 64);
    }
}
