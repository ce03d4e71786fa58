//! TxRaw decoding and the stateless checks of the SDK's ValidateBasic.

use std::sync::Arc;

use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, TxBody, TxRaw};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult};
use prost::Message;
use sha2::{Digest, Sha256};

use super::amino::SignerData;
use crate::router::Router;

/// A Msg of a tx: its type URL, bytes, and the signers its module named.
#[derive(Clone, Debug)]
pub struct TxMsg {
    pub type_url: String,
    pub value: Vec<u8>,
    pub signers: Vec<Address>,
}

/// A tx decoded exactly as received: the body and auth-info bytes are kept
/// so signatures are checked over them, never over a re-encoding.
#[derive(Clone, Debug)]
pub struct DecodedTx {
    pub raw: TxRaw,
    /// The body, its messages moved into [`DecodedTx::msgs`].
    pub body: TxBody,
    pub auth_info: AuthInfo,
    pub msgs: Vec<TxMsg>,
    /// Unique signers in order of first appearance, as the SDK's GetSigners.
    pub signers: Vec<Address>,
    pub len: usize,
    /// Public keys of this tx's signers already found to be valid points by
    /// the parallel pre-check ([`super::preverify`]); the ante checks skip
    /// decompressing them again. Empty when decoded on the spot.
    pub valid_keys: Vec<[u8; 33]>,
    /// Signatures the pre-check verified, with what it built the sign bytes
    /// from: the ante checks, finding the same inputs, skip rebuilding and
    /// hashing the bytes. Empty when decoded on the spot.
    pub(crate) verified: Vec<Verified>,
}

/// Signer `index`'s signature verified over the sign bytes built from
/// these inputs (the tx's own bytes being fixed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Verified {
    pub index: usize,
    pub key: [u8; 33],
    /// Shared by a batch's txs (one allocation a batch, not a tx).
    pub chain_id: Arc<str>,
    pub account_number: u64,
    pub sequence: u64,
}

impl Verified {
    /// Whether signer `index` signing with `key` as `signer` has the sign
    /// bytes this entry was verified over.
    pub fn is_for(&self, index: usize, key: &[u8; 33], signer: &SignerData<'_>) -> bool {
        self.index == index
            && self.key == *key
            && *self.chain_id == *signer.chain_id
            && self.account_number == signer.account_number
            && self.sequence == signer.sequence
    }
}

fn require_canonical(what: &str, bytes: &[u8], msg: &impl Message) -> AppResult<()> {
    if msg.encode_to_vec() == bytes {
        return Ok(());
    }
    Err(AppError::tx_decode(format!(
        "{what} has unknown or non-canonically encoded fields: tx parse error"
    )))
}

/// Uppercase hex sha256 of the raw bytes: the hash CometBFT and clients use.
pub fn tx_hash_hex(tx_bytes: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(tx_bytes))
}

/// Decodes and checks what needs no state. `simulate` accepts what wallets
/// send to Simulate: an empty fee (gas limit 0).
pub fn decode_tx(
    router: &Router,
    tx_bytes: &[u8],
    max_tx_bytes: usize,
    simulate: bool,
) -> AppResult<DecodedTx> {
    if tx_bytes.len() > max_tx_bytes {
        return Err(AppError::sdk(
            code::TX_TOO_LARGE,
            format!("tx size {} exceeds limit {max_tx_bytes}", tx_bytes.len()),
        ));
    }
    if tx_bytes.is_empty() {
        return Err(AppError::tx_decode("tx bytes are empty"));
    }
    let raw =
        TxRaw::decode(tx_bytes).map_err(|e| AppError::tx_decode(format!("tx parse error: {e}")))?;
    let mut body = TxBody::decode(raw.body_bytes.as_slice())
        .map_err(|e| AppError::tx_decode(format!("tx body parse error: {e}")))?;
    let auth_info = AuthInfo::decode(raw.auth_info_bytes.as_slice())
        .map_err(|e| AppError::tx_decode(format!("tx auth info parse error: {e}")))?;
    // Unknown fields (which the SDK rejects) would let anyone change a tx's
    // hash, or bytes an amino signature does not cover, without breaking its
    // signature. Clients encode canonically, so bytes that do not re-encode
    // to themselves carry unknown or duplicated fields.
    require_canonical("tx", tx_bytes, &raw)?;
    require_canonical("tx body", &raw.body_bytes, &body)?;
    require_canonical("tx auth info", &raw.auth_info_bytes, &auth_info)?;
    if !body.extension_options.is_empty() {
        return Err(AppError::sdk(
            code::UNKNOWN_EXTENSION_OPTIONS,
            "unknown extension options",
        ));
    }
    if body.messages.is_empty() {
        return Err(AppError::invalid_request(
            "must contain at least one message",
        ));
    }
    let mut msgs = Vec::with_capacity(body.messages.len());
    let mut signers: Vec<Address> = Vec::new();
    // Moved, not copied: the checks above were the last to need them in
    // the body.
    for any in std::mem::take(&mut body.messages) {
        let component = router.route(&any.type_url)?;
        let msg_signers = component.check_msg(&any.type_url, &any.value)?;
        for s in &msg_signers {
            if !signers.contains(s) {
                signers.push(*s);
            }
        }
        msgs.push(TxMsg {
            type_url: any.type_url,
            value: any.value,
            signers: msg_signers,
        });
    }
    let fee = auth_info
        .fee
        .as_ref()
        .ok_or_else(|| AppError::invalid_request("missing fee"))?;
    if (!simulate && fee.gas_limit == 0) || fee.gas_limit > i64::MAX as u64 {
        return Err(AppError::sdk(
            code::INVALID_GAS_LIMIT,
            format!("invalid gas limit {}", fee.gas_limit),
        ));
    }
    if raw.signatures.is_empty() {
        return Err(AppError::sdk(code::NO_SIGNATURES, "no signatures supplied"));
    }
    if raw.signatures.len() != signers.len() {
        return Err(AppError::unauthorized(format!(
            "wrong number of signers; expected {}, got {}",
            signers.len(),
            raw.signatures.len()
        )));
    }
    if auth_info.signer_infos.len() != signers.len() {
        return Err(AppError::unauthorized(format!(
            "invalid number of signer infos; expected {}, got {}",
            signers.len(),
            auth_info.signer_infos.len()
        )));
    }
    Ok(DecodedTx {
        raw,
        body,
        auth_info,
        msgs,
        signers,
        len: tx_bytes.len(),
        valid_keys: Vec::new(),
        verified: Vec::new(),
    })
}
