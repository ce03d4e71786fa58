//! The ante checks, in the Cosmos SDK's order: tx size gas, memo, timeout
//! height, fee (deducted), public keys, signature gas, sequences and
//! signatures, sequence increment. They run on one layer: if any fails,
//! nothing of them stays.

use base64::Engine;
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::mode_info;
use gpuchain_auth::BaseAccount;
use gpuchain_store::{Delta, GasMeter, StateWrite};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult, BlockContext, Coin, Coins, Event};
use secp256k1::PublicKey;

use super::amino::{std_sign_bytes, SignerData};
use super::decode::DecodedTx;
use super::fee::MinGasPrices;
use super::sig_cache::{self, SigCache};
use super::signature::{
    decode_pubkey_known, direct_sign_digest, encode_pubkey, verify_secp256k1_digest,
    verify_secp256k1_key_digest,
};
use super::ExecMode;
use crate::router::Router;

pub struct AnteEnv<'a> {
    pub ctx: &'a BlockContext,
    pub min_gas_prices: &'a MinGasPrices,
    pub mode: ExecMode,
    pub sig_cache: Option<&'a SigCache>,
    /// Builds the amino JSON of Msgs signed in SIGN_MODE_LEGACY_AMINO_JSON.
    pub router: &'a Router,
}

fn fee_coins(tx: &DecodedTx) -> AppResult<Coins> {
    let fee = tx.auth_info.fee.as_ref();
    let coins = fee
        .map(|f| {
            f.amount
                .iter()
                .map(|c| Coin::from_parts(&c.denom, &c.amount))
                .collect::<AppResult<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    Coins::from_wire_strict(coins).map_err(|e| e.wrap("invalid fee"))
}

pub fn run_ante(
    state: &mut Delta<'_>,
    meter: &GasMeter,
    env: &AnteEnv<'_>,
    tx: &DecodedTx,
) -> AppResult<()> {
    let auth_params = gpuchain_auth::params(state)?;
    let size = u64::try_from(tx.len).unwrap_or(u64::MAX);
    meter.consume(auth_params.tx_size_cost_per_byte.saturating_mul(size))?;

    let memo_chars = tx.body.memo.chars().count() as u64;
    if memo_chars > auth_params.max_memo_characters {
        return Err(AppError::sdk(
            code::MEMO_TOO_LARGE,
            format!(
                "maximum number of characters is {} but received {memo_chars} characters",
                auth_params.max_memo_characters
            ),
        ));
    }
    if tx.body.timeout_height > 0 && env.ctx.height > tx.body.timeout_height {
        return Err(AppError::sdk(
            code::TX_TIMEOUT_HEIGHT,
            format!(
                "block height: {}, timeout height: {}: tx timeout height",
                env.ctx.height, tx.body.timeout_height
            ),
        ));
    }
    if tx.signers.len() as u64 > auth_params.tx_sig_limit {
        return Err(AppError::sdk(
            code::TOO_MANY_SIGNATURES,
            format!(
                "signatures: {}, limit: {}",
                tx.signers.len(),
                auth_params.tx_sig_limit
            ),
        ));
    }

    // The fee payer's account as the fee deduction read it: paying the fee
    // moves balances only, so it is still what is stored.
    let mut payer = Some(deduct_fee(state, meter, env, tx)?);

    let simulate = env.mode == ExecMode::Simulate;
    for (i, signer) in tx.signers.iter().enumerate() {
        let info = &tx.auth_info.signer_infos[i];
        let sig = &tx.raw.signatures[i];
        let read = match payer.take_if(|(address, _)| address == signer) {
            Some((_, acc)) => Some(acc),
            None => gpuchain_auth::get_account(state, signer)?,
        };
        let mut acc = read.ok_or_else(|| {
            AppError::sdk(
                code::UNKNOWN_ADDRESS,
                format!("account {signer} does not exist: unknown address"),
            )
        })?;
        let decode = |k| decode_pubkey_known(k, &tx.valid_keys);
        let tx_key = info.public_key.as_ref().map(decode).transpose()?;
        if let Some((k, _)) = &tx_key {
            if Address::from_pubkey(k) != *signer {
                return Err(AppError::sdk(
                    code::INVALID_PUBKEY,
                    format!("pubKey does not match signer address {signer} with signer index: {i}"),
                ));
            }
        }
        let stored_key = acc.pub_key.as_ref().map(decode).transpose()?;
        let key = stored_key.or(tx_key);
        if acc.pub_key.is_none() {
            if let Some((k, _)) = &tx_key {
                acc.pub_key = Some(encode_pubkey(k));
            }
        }
        meter.consume(auth_params.sig_verify_cost_secp256k1)?;

        if info.sequence != acc.sequence {
            return Err(AppError::sdk(
                code::WRONG_SEQUENCE,
                format!(
                    "account sequence mismatch, expected {}, got {}: incorrect account sequence",
                    acc.sequence, info.sequence
                ),
            ));
        }
        if !simulate {
            let (key, point) = key.ok_or_else(|| {
                AppError::sdk(code::INVALID_PUBKEY, "pubkey on account is not set")
            })?;
            let signer = SignerData {
                chain_id: &env.ctx.chain_id,
                account_number: acc.account_number,
                sequence: acc.sequence,
            };
            verify_signature(env, tx, i, (&key, point.as_ref()), signer, sig)?;
        }
        if state.records_events() {
            state.emit(Event::new("tx").attr("acc_seq", format!("{signer}/{}", acc.sequence)));
            state.emit(Event::new("tx").attr(
                "signature",
                base64::engine::general_purpose::STANDARD.encode(sig),
            ));
        }
        acc.sequence = acc
            .sequence
            .checked_add(1)
            .ok_or_else(|| AppError::internal("sequence overflow"))?;
        gpuchain_auth::update_account(state, signer, &acc)?;
    }
    Ok(())
}

/// The sign mode of signer `i`: DIRECT or LEGACY_AMINO_JSON, the modes this
/// chain verifies; any other is code 4.
fn sign_mode(tx: &DecodedTx, i: usize) -> AppResult<SignMode> {
    let mode = match tx
        .auth_info
        .signer_infos
        .get(i)
        .and_then(|s| s.mode_info.as_ref())
        .and_then(|m| m.sum.as_ref())
    {
        Some(mode_info::Sum::Single(s)) => s.mode,
        Some(mode_info::Sum::Multi(_)) => {
            return Err(AppError::unauthorized(
                "multisig signatures are not supported",
            ))
        }
        None => return Err(AppError::unauthorized("signer info has no mode info")),
    };
    match SignMode::try_from(mode) {
        Ok(m @ (SignMode::Direct | SignMode::LegacyAminoJson)) => Ok(m),
        _ => Err(AppError::unauthorized(format!(
            "unsupported sign mode {mode}; this chain accepts SIGN_MODE_DIRECT and \
             SIGN_MODE_LEGACY_AMINO_JSON"
        ))),
    }
}

/// sha256 of the bytes signer `i` of `tx` signed (what the signature
/// covers), in the signer's sign mode.
pub fn sign_digest(
    router: &Router,
    tx: &DecodedTx,
    i: usize,
    signer: SignerData<'_>,
) -> AppResult<(SignMode, [u8; 32])> {
    let mode = sign_mode(tx, i)?;
    let digest = match mode {
        SignMode::LegacyAminoJson => sig_cache::digest(&std_sign_bytes(router, tx, signer)?),
        _ => direct_sign_digest(
            &tx.raw.body_bytes,
            &tx.raw.auth_info_bytes,
            signer.chain_id,
            signer.account_number,
        ),
    };
    Ok((mode, digest))
}

/// Verifies signer `i`'s signature with `key`, decompressed already when
/// its point is given.
fn verify_signature(
    env: &AnteEnv<'_>,
    tx: &DecodedTx,
    i: usize,
    (key, point): (&[u8; 33], Option<&PublicKey>),
    signer: SignerData<'_>,
    sig: &[u8],
) -> AppResult<()> {
    // The same sign bytes the pre-check verified the same signature over.
    if tx.verified.iter().any(|v| v.is_for(i, key, &signer)) {
        return Ok(());
    }
    let (mode, digest) = sign_digest(env.router, tx, i, signer)?;
    let entry = sig_cache::entry(key, &digest, sig);
    if env.sig_cache.is_some_and(|c| c.contains(&entry)) {
        return Ok(());
    }
    let valid = match point {
        Some(point) => verify_secp256k1_digest(point, &digest, sig),
        None => verify_secp256k1_key_digest(key, &digest, sig),
    };
    if !valid {
        let SignerData {
            chain_id,
            account_number,
            sequence,
        } = signer;
        // The SDK's wording: an amino signer also signed its sequence.
        let log = if mode == SignMode::LegacyAminoJson {
            format!("signature verification failed; please verify account number ({account_number}), sequence ({sequence}) and chain-id ({chain_id})")
        } else {
            format!("signature verification failed; please verify account number ({account_number}) and chain-id ({chain_id})")
        };
        return Err(AppError::unauthorized(log));
    }
    if let Some(c) = env.sig_cache {
        c.insert(entry);
    }
    Ok(())
}

/// Deducts the fee; returns the payer and its account.
fn deduct_fee(
    state: &mut Delta<'_>,
    meter: &GasMeter,
    env: &AnteEnv<'_>,
    tx: &DecodedTx,
) -> AppResult<(Address, BaseAccount)> {
    let fee = fee_coins(tx)?;
    let gas_limit = tx.auth_info.fee.as_ref().map_or(0, |f| f.gas_limit);
    if env.mode == ExecMode::Check {
        env.min_gas_prices.check_fee(&fee, gas_limit)?;
    }
    let fee_msg = tx.auth_info.fee.as_ref();
    if fee_msg.is_some_and(|f| !f.granter.is_empty()) {
        return Err(AppError::invalid_request("fee grants are not supported"));
    }
    let payer = match fee_msg.map(|f| f.payer.as_str()).filter(|p| !p.is_empty()) {
        Some(p) => {
            let p = Address::from_bech32(p)?;
            if !tx.signers.contains(&p) {
                return Err(AppError::unauthorized(format!(
                    "fee payer {p} is not a signer of the tx"
                )));
            }
            p
        }
        None => *tx
            .signers
            .first()
            .ok_or_else(|| AppError::sdk(code::NO_SIGNATURES, "no signers"))?,
    };
    let Some(account) = gpuchain_auth::get_account(state, &payer)? else {
        return Err(AppError::sdk(
            code::UNKNOWN_ADDRESS,
            format!("fee payer address: {payer} does not exist: unknown address"),
        ));
    };
    if !fee.is_empty() {
        gpuchain_bank::send_coins(state, &payer, &gpuchain_bank::fee_collector(), &fee).map_err(
            |e| {
                if e.code == code::INSUFFICIENT_FUNDS && e.codespace == gpuchain_types::error::SDK {
                    AppError::insufficient_funds(format!("{}: insufficient fees", e.log))
                } else {
                    e
                }
            },
        )?;
    }
    let _ = meter;
    if state.records_events() {
        state.emit(
            Event::new("tx")
                .attr("fee", fee.to_string())
                .attr("fee_payer", payer.to_string()),
        );
    }
    Ok((payer, account))
}
