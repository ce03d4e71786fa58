//! `gpuchaind genesis add-account ADDRESS_OR_KEY COINS`, and the validator
//! commands of `genesis_validators.rs` (`add-validator`, `show-validator`).

use anyhow::{Context, Result};
use clap::Subcommand;
use gpuchain_types::{Address, Coins};

use crate::{config, keys, Cli};

#[path = "genesis_validators.rs"]
mod validators;

#[derive(Subcommand, Debug)]
pub enum GenesisCommand {
    /// Add an account with a balance to genesis.json.
    AddAccount {
        /// A gpu1... address or the name of a key in the keyring.
        address_or_key: String,
        /// Coins, e.g. 1000000000ugpc.
        coins: String,
    },
    #[command(flatten)]
    Validators(validators::ValidatorCommand),
}

pub fn run(cli: &Cli, cmd: &GenesisCommand) -> Result<()> {
    match cmd {
        GenesisCommand::AddAccount {
            address_or_key,
            coins,
        } => {
            let address = resolve_address(cli, address_or_key)?;
            let coins = Coins::parse(coins).map_err(|e| anyhow::anyhow!("invalid coins: {e}"))?;
            let path = config::genesis_path(&cli.home);
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!("reading {} (run `gpuchaind init` first)", path.display())
            })?;
            let mut genesis: serde_json::Value = serde_json::from_str(&text)?;
            gpuchain_genesis::add_account(&mut genesis, &address, &coins)?;
            std::fs::write(&path, serde_json::to_string_pretty(&genesis)?)?;
            println!("added {address} with {coins}");
            Ok(())
        }
        GenesisCommand::Validators(v) => validators::run(cli, v),
    }
}

/// A bech32 address as given, or the address of a keyring key.
pub fn resolve_address(cli: &Cli, s: &str) -> Result<Address> {
    if let Ok(a) = Address::from_bech32(s) {
        return Ok(a);
    }
    let ring = keys::open(cli)?;
    let info = ring
        .get(s)
        .with_context(|| format!("{s:?} is neither a gpu1... address nor a key name"))?;
    Ok(info.account)
}
