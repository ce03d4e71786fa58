//! `gpuchaind query bank balances | auth account | tx`.

use anyhow::{bail, Result};
use clap::Subcommand;
use cosmos_sdk_proto::cosmos::auth::v1beta1::BaseAccount;
use cosmos_sdk_proto::cosmos::bank::v1beta1::{QueryAllBalancesRequest, QueryAllBalancesResponse};
use gpuchain_types::Address;
use prost::Message;
use serde_json::{json, Value};

use crate::output;
use crate::rpc::Rpc;
use crate::Cli;

pub const DEFAULT_NODE: &str = "tcp://127.0.0.1:26657";

#[derive(Subcommand, Debug)]
pub enum QueryCommand {
    /// Bank module queries.
    #[command(subcommand)]
    Bank(BankQuery),
    /// Auth module queries.
    #[command(subcommand)]
    Auth(AuthQuery),
    /// Market queries: offers, orders, leases, summary (`query market --help`).
    #[command(disable_help_flag = true)]
    Market(crate::tx::ModuleArgs),
    /// Escrow queries: accounts (`query escrow --help`).
    #[command(disable_help_flag = true)]
    Escrow(crate::tx::ModuleArgs),
    /// Attestation queries: providers, GPUs, challenges
    /// (`query attestation --help`).
    #[command(disable_help_flag = true)]
    Attestation(crate::tx::ModuleArgs),
    /// A committed tx by hash.
    Tx {
        hash: String,
        #[arg(long, default_value = DEFAULT_NODE)]
        node: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum BankQuery {
    /// All balances of an account.
    Balances {
        address: String,
        #[arg(long, default_value = DEFAULT_NODE)]
        node: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuthQuery {
    /// An account's number, sequence and public key.
    Account {
        address: String,
        #[arg(long, default_value = DEFAULT_NODE)]
        node: String,
    },
}

pub use gpuchain_client::query::{account, tx_json};

pub fn account_json(acc: &BaseAccount) -> Value {
    let pub_key = acc.pub_key.as_ref().map(|k| {
        let key = cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey::decode(k.value.as_slice())
            .map(|p| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, p.key))
            .unwrap_or_default();
        json!({"@type": k.type_url, "key": key})
    });
    json!({
        "@type": "/cosmos.auth.v1beta1.BaseAccount",
        "address": acc.address,
        "pub_key": pub_key,
        "account_number": acc.account_number.to_string(),
        "sequence": acc.sequence.to_string(),
    })
}

pub fn run(cli: &Cli, cmd: &QueryCommand) -> Result<()> {
    match cmd {
        QueryCommand::Market(a) => crate::module_cli::run_query(cli, "market", &a.args)?,
        QueryCommand::Escrow(a) => crate::module_cli::run_query(cli, "escrow", &a.args)?,
        QueryCommand::Attestation(a) => crate::module_cli::run_query(cli, "attestation", &a.args)?,
        QueryCommand::Bank(BankQuery::Balances { address, node }) => {
            let addr = Address::from_bech32(address).map_err(|e| anyhow::anyhow!("{e}"))?;
            let rpc = Rpc::new(node)?;
            let req = QueryAllBalancesRequest {
                address: addr.to_string(),
                pagination: None,
                resolve_denom: false,
            };
            let raw = rpc.abci_query(
                "/cosmos.bank.v1beta1.Query/AllBalances",
                &req.encode_to_vec(),
            )?;
            let resp = QueryAllBalancesResponse::decode(raw.as_slice())?;
            let balances: Vec<Value> = resp
                .balances
                .iter()
                .map(|c| json!({"denom": c.denom, "amount": c.amount}))
                .collect();
            output::print(cli.output, &json!({"balances": balances}));
        }
        QueryCommand::Auth(AuthQuery::Account { address, node }) => {
            let addr = Address::from_bech32(address).map_err(|e| anyhow::anyhow!("{e}"))?;
            let acc = account(&Rpc::new(node)?, &addr)?;
            output::print(cli.output, &json!({"account": account_json(&acc)}));
        }
        QueryCommand::Tx { hash, node } => {
            let rpc = Rpc::new(node)?;
            match rpc.tx(&hash.to_uppercase())? {
                Some(v) => output::print(cli.output, &tx_json(&v)),
                None => bail!("tx {hash} not found"),
            }
        }
    }
    Ok(())
}
