//! `gpuchaind tx bank send FROM_KEY TO_ADDRESS COINS`: builds the tx as the
//! Cosmos SDK encodes it, signs it in SIGN_MODE_DIRECT, broadcasts it and
//! waits for the block that commits it.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
use cosmos_sdk_proto::Any;
use gpuchain_client::tx::{Gas, TxOptions};
use gpuchain_keyring::SecretKey;
use gpuchain_types::{Address, Coins};
use prost::Message;

use crate::query::DEFAULT_NODE;
use crate::rpc::Rpc;
use crate::{keys, output, Cli};

#[derive(Subcommand, Debug)]
// Parsed once per process; boxing the flags buys nothing.
#[allow(clippy::large_enum_variant)]
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

pub use gpuchain_client::tx::proto_coins;

/// The fee for `gas`: --fees if given, else gas x --gas-prices (rounded up).
fn fee_for(flags: &TxFlags, gas: u64) -> Result<Coins> {
    if let Some(f) = &flags.fees {
        return Coins::parse(f).map_err(|e| anyhow::anyhow!("invalid --fees: {e}"));
    }
    gpuchain_client::tx::fee_from_gas_prices(&flags.gas_prices, gas)
        .map_err(|e| anyhow::anyhow!("invalid --gas-prices: {e}"))
}

/// The library's options for these flags.
fn tx_options(flags: &TxFlags) -> Result<TxOptions> {
    let gas = if flags.gas == "auto" {
        // The adjustment is a user-chosen ratio; rounding it to per-mille is enough.
        Gas::Auto {
            adjustment_per_mille: (flags.gas_adjustment * 1000.0).round() as u64,
        }
    } else {
        Gas::Fixed(
            flags
                .gas
                .parse()
                .context("--gas must be a number or \"auto\"")?,
        )
    };
    let fees = match &flags.fees {
        Some(f) => Some(Coins::parse(f).map_err(|e| anyhow::anyhow!("invalid --fees: {e}"))?),
        None => {
            // Validate --gas-prices before anything goes to the node.
            fee_for(flags, 0)?;
            None
        }
    };
    Ok(TxOptions {
        chain_id: flags.chain_id.clone(),
        gas,
        fees,
        gas_prices: flags.gas_prices.clone(),
        memo: flags.memo.clone(),
        no_wait: flags.no_wait,
        commit_timeout: Duration::from_secs(60),
    })
}

/// Signs with `key`, broadcasts and waits for the block (see
/// [`gpuchain_client::sign_and_broadcast`]).
pub fn sign_and_broadcast(
    key: &SecretKey,
    msgs: Vec<Any>,
    flags: &TxFlags,
) -> Result<serde_json::Value> {
    let opts = tx_options(flags)?;
    let rpc = Rpc::new(&flags.node)?;
    gpuchain_client::sign_and_broadcast(&rpc, key, msgs, &opts)
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
