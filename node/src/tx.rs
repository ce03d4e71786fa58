//! `gpuchaind tx bank send FROM_KEY TO_ADDRESS COINS`: builds the tx as the
//! Cosmos SDK encodes it, signs it in SIGN_MODE_DIRECT, broadcasts it and
//! waits for the block that commits it.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, SimulateRequest, SimulateResponse,
    TxBody, TxRaw,
};
use cosmos_sdk_proto::Any;
use gpuchain_keyring::SecretKey;
use gpuchain_types::{Address, Coins};
use prost::Message;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::query::DEFAULT_NODE;
use crate::rpc::Rpc;
use crate::{keys, output, Cli};

#[derive(Subcommand, Debug)]
pub enum TxCommand {
    /// Bank module transactions.
    #[command(subcommand)]
    Bank(BankTx),
    /// Market transactions: offers, orders, leases (`tx market --help`).
    #[command(disable_help_flag = true)]
    Market(ModuleArgs),
    /// Attestation transactions: providers, bonds, agents, inventory,
    /// challenges (`tx attestation --help`).
    #[command(disable_help_flag = true)]
    Attestation(ModuleArgs),
}

/// Everything after `tx <module>`, parsed by [`crate::module_cli`].
#[derive(Args, Debug, Clone)]
pub struct ModuleArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum BankTx {
    /// Send coins from a key to an address.
    Send {
        /// Name of the sending key in the keyring.
        from: String,
        to: String,
        /// Coins, e.g. 1000ugpc.
        amount: String,
        #[command(flatten)]
        flags: TxFlags,
    },
}

#[derive(Args, Debug, Clone)]
pub struct TxFlags {
    #[arg(long, default_value = DEFAULT_NODE)]
    pub node: String,
    /// Chain id to sign for (default: asked from the node).
    #[arg(long)]
    pub chain_id: Option<String>,
    /// Gas limit, or "auto" to simulate and multiply by --gas-adjustment.
    #[arg(long, default_value = "200000")]
    pub gas: String,
    #[arg(long, default_value_t = 1.5)]
    pub gas_adjustment: f64,
    /// Fee; default gas limit x --gas-prices.
    #[arg(long)]
    pub fees: Option<String>,
    /// Price per unit of gas used to compute the fee, in one denom.
    #[arg(long, default_value = "0.0025ugpc")]
    pub gas_prices: String,
    #[arg(long, default_value = "")]
    pub memo: String,
    /// Return after CheckTx instead of waiting for the block.
    #[arg(long)]
    pub no_wait: bool,
}

pub fn run(cli: &Cli, cmd: &TxCommand) -> Result<()> {
    match cmd {
        TxCommand::Market(a) => crate::module_cli::run_tx(cli, "market", &a.args),
        TxCommand::Attestation(a) => crate::module_cli::run_tx(cli, "attestation", &a.args),
        TxCommand::Bank(BankTx::Send {
            from,
            to,
            amount,
            flags,
        }) => {
            let key = keys::open(cli)?.signing_key(from)?;
            let to = Address::from_bech32(to).map_err(|e| anyhow::anyhow!("{e}"))?;
            let coins = Coins::parse(amount).map_err(|e| anyhow::anyhow!("invalid amount: {e}"))?;
            if coins.is_empty() {
                bail!("amount must not be empty");
            }
            let msg = MsgSend {
                from_address: key.address().to_string(),
                to_address: to.to_string(),
                amount: proto_coins(&coins),
            };
            let any = Any {
                type_url: "/cosmos.bank.v1beta1.MsgSend".into(),
                value: msg.encode_to_vec(),
            };
            broadcast_and_print(cli, &key, vec![any], flags)
        }
    }
}

/// Signs, broadcasts, waits and prints the result; exits 1 when the tx
/// failed.
pub fn broadcast_and_print(
    cli: &Cli,
    key: &SecretKey,
    msgs: Vec<Any>,
    flags: &TxFlags,
) -> Result<()> {
    let mut result = sign_and_broadcast(key, msgs, flags)?;
    if cli.output == output::OutputFormat::Text {
        // The events are in `query tx HASH` and in --output json.
        if let Some(m) = result.as_object_mut() {
            m.remove("events");
        }
    }
    output::print(cli.output, &result);
    if result["code"].as_u64().unwrap_or(0) != 0 {
        std::process::exit(1);
    }
    Ok(())
}

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

/// Builds and signs a tx (SIGN_MODE_DIRECT) for one signer.
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
                type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
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

fn fee_for(flags: &TxFlags, gas: u64) -> Result<Coins> {
    if let Some(f) = &flags.fees {
        return Coins::parse(f).map_err(|e| anyhow::anyhow!("invalid --fees: {e}"));
    }
    let split = flags
        .gas_prices
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .context("invalid --gas-prices")?;
    let (price, denom) = flags.gas_prices.split_at(split);
    // Fee = ceil(price x gas), computed in millionths to avoid floats.
    let (int, frac) = price.split_once('.').unwrap_or((price, ""));
    if frac.len() > 6 {
        bail!("--gas-prices supports at most 6 decimals");
    }
    let micros: u128 = format!("{int}{frac:0<6}")
        .parse()
        .context("invalid --gas-prices")?;
    let amount = micros
        .checked_mul(u128::from(gas))
        .context("fee overflows")?
        .div_ceil(1_000_000);
    Coins::parse(&format!("{amount}{denom}")).map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn sign_and_broadcast(
    key: &SecretKey,
    msgs: Vec<Any>,
    flags: &TxFlags,
) -> Result<serde_json::Value> {
    let rpc = Rpc::new(&flags.node)?;
    let chain_id = match &flags.chain_id {
        Some(c) => c.clone(),
        None => rpc.chain_id()?,
    };
    let acc = crate::query::account(&rpc, &key.address()).with_context(|| {
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
    let gas = if flags.gas == "auto" {
        let sim_tx = build_signed_tx(&signer, msgs.clone(), &flags.memo, &Coins::empty(), 0);
        #[allow(deprecated)]
        let req = SimulateRequest {
            tx: None,
            tx_bytes: sim_tx,
        };
        let raw = rpc.abci_query("/cosmos.tx.v1beta1.Service/Simulate", &req.encode_to_vec())?;
        let used = SimulateResponse::decode(raw.as_slice())?
            .gas_info
            .map_or(0, |g| g.gas_used);
        // The adjustment is a user-chosen ratio; rounding it to per-mille is enough.
        let per_mille = (flags.gas_adjustment * 1000.0).round() as u64;
        used.saturating_mul(per_mille) / 1000
    } else {
        flags
            .gas
            .parse()
            .context("--gas must be a number or \"auto\"")?
    };
    let fee = fee_for(flags, gas)?;
    let tx = build_signed_tx(&signer, msgs, &flags.memo, &fee, gas);
    let hash = hex::encode_upper(Sha256::digest(&tx));
    let r = rpc.broadcast_tx_sync(&tx)?;
    let code = r["code"].as_u64().unwrap_or(0);
    if code != 0 || flags.no_wait {
        return Ok(json!({
            "txhash": hash,
            "code": code,
            "codespace": r["codespace"],
            "raw_log": r["log"],
            "height": "0",
        }));
    }
    let committed = rpc.wait_tx(&hash, Duration::from_secs(60))?;
    Ok(crate::query::tx_json(&committed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(gas_prices: &str, fees: Option<&str>) -> TxFlags {
        TxFlags {
            node: DEFAULT_NODE.into(),
            chain_id: None,
            gas: "200000".into(),
            gas_adjustment: 1.5,
            fees: fees.map(str::to_string),
            gas_prices: gas_prices.into(),
            memo: String::new(),
            no_wait: false,
        }
    }

    #[test]
    fn should_compute_fee_from_gas_price_rounding_up() {
        assert_eq!(
            fee_for(&flags("0.0025ugpc", None), 200_000)
                .unwrap()
                .to_string(),
            "500ugpc"
        );
        assert_eq!(
            fee_for(&flags("0.0025ugpc", None), 1).unwrap().to_string(),
            "1ugpc"
        );
        assert_eq!(
            fee_for(&flags("1ugpc", None), 7).unwrap().to_string(),
            "7ugpc"
        );
        assert_eq!(
            fee_for(&flags("0.0025ugpc", Some("9uatom")), 200_000)
                .unwrap()
                .to_string(),
            "9uatom"
        );
        assert!(fee_for(&flags("0.0000001ugpc", None), 1).is_err());
    }
}
