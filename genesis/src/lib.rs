//! gpuchain's genesis `app_state`: one section per module, in the Cosmos SDK's
//! JSON shape, and the edits `gpuchaind genesis ...` makes to a genesis file.

use anyhow::{anyhow, Context, Result};
use gpuchain_types::{Address, Coins};
use serde_json::{json, Value};

/// The chain's fee and staking denom (1 gpc = 10^6 ugpc).
pub const DENOM: &str = "ugpc";

/// The default `app_state`, with every module's defaults.
pub fn default_app_state() -> Value {
    json!({
        "auth": gpuchain_auth::default_genesis(),
        "bank": gpuchain_bank::default_genesis(),
        "escrow": {"accounts": []},
        "attestation": gpuchain_attestation::genesis::default_genesis(),
        "market": gpuchain_market::genesis::default_genesis(),
    })
}

/// Adds an account holding `coins` to a genesis document (the whole
/// CometBFT genesis.json). Fails if the account is already there.
pub fn add_account(genesis: &mut Value, address: &Address, coins: &Coins) -> Result<()> {
    let app_state = genesis
        .get_mut("app_state")
        .ok_or_else(|| anyhow!("genesis has no app_state"))?;
    let auth = app_state
        .get_mut("auth")
        .ok_or_else(|| anyhow!("genesis app_state has no auth section"))?;
    gpuchain_auth::add_genesis_account(auth, address)
        .map_err(|e| anyhow!("{e}"))
        .context("adding the account")?;
    let bank = app_state
        .get_mut("bank")
        .ok_or_else(|| anyhow!("genesis app_state has no bank section"))?;
    gpuchain_bank::add_genesis_balance(bank, address, coins)
        .map_err(|e| anyhow!("{e}"))
        .context("adding the balance")?;
    Ok(())
}
