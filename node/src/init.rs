//! `gpuchaind init`: a node home with CometBFT's config and keys, a genesis
//! with the chain id and every module's defaults, and app.toml.

use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::json;

use crate::cometbft::{self, set_toml};
use crate::config::{self, AppToml};
use crate::{output, Cli};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// This node's name, shown to peers.
    pub moniker: String,
    /// The chain id written to the genesis.
    #[arg(long, default_value = "gpuchain-1")]
    pub chain_id: String,
    /// Replace an existing config and genesis.
    #[arg(long)]
    pub overwrite: bool,
    /// Path of the cometbft binary (default: found as `start` finds it).
    #[arg(long)]
    pub cometbft_bin: Option<std::path::PathBuf>,
}

pub fn run(cli: &Cli, a: &InitArgs) -> Result<()> {
    let home = &cli.home;
    let genesis_path = config::genesis_path(home);
    if genesis_path.exists() && !a.overwrite {
        bail!(
            "genesis.json already exists at {}; use --overwrite to replace it",
            genesis_path.display()
        );
    }
    if a.overwrite {
        // CometBFT's init keeps existing files; remove the ones we rewrite.
        let _ = std::fs::remove_file(&genesis_path);
        let _ = std::fs::remove_file(config::comet_config_path(home));
    }
    let bin = cometbft::find_binary(a.cometbft_bin.as_deref())?;
    cometbft::run(&bin, home, &["init"])?;
    let node_id = cometbft::run(&bin, home, &["show-node-id"])?;

    let text = std::fs::read_to_string(&genesis_path)?;
    let mut genesis: serde_json::Value = serde_json::from_str(&text)?;
    genesis["chain_id"] = json!(a.chain_id);
    genesis["app_state"] = gpuchain_genesis::default_app_state();
    std::fs::write(&genesis_path, serde_json::to_string_pretty(&genesis)?)
        .with_context(|| format!("writing {}", genesis_path.display()))?;

    let app = AppToml::default();
    let cfg = config::comet_config_path(home);
    set_toml(&cfg, None, "moniker", a.moniker.as_str().into())?;
    set_toml(&cfg, None, "proxy_app", app.abci_address.as_str().into())?;
    set_toml(&cfg, Some("tx_index"), "indexer", "kv".into())?;
    app.write(home)?;

    output::print(
        cli.output,
        &json!({
            "moniker": a.moniker,
            "chain_id": a.chain_id,
            "node_id": node_id,
            "home": home.display().to_string(),
            "genesis": genesis_path.display().to_string(),
        }),
    );
    Ok(())
}
