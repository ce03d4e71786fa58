//! `gpuchaind start`: opens the state, serves ABCI, and with `--with-comet`
//! also runs and supervises `cometbft start` on the same home, so one command
//! runs a node. If either process goes away the other follows: cometbft is
//! started with a parent-death signal, and gpuchaind exits when cometbft does.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use gpuchain_app::abci::{serve, Handler, ListenAddr};
use gpuchain_app::tx::fee::MinGasPrices;
use gpuchain_app::{App, AppConfig, NodeInfo, QueryService, Router};
use gpuchain_store::{Storage, StorageConfig};
use tracing::{error, info, warn};

use crate::cometbft::{self, get_toml};
use crate::config::{self, AppToml};
use crate::rest;
use crate::Cli;

#[derive(Args, Debug)]
pub struct StartArgs {
    /// Also start `cometbft start --home <home>` and supervise it.
    #[arg(long)]
    pub with_comet: bool,
    /// Path of the cometbft binary (default: COMETBFT_BIN, the install
    /// script's directory, then PATH).
    #[arg(long)]
    pub cometbft_bin: Option<PathBuf>,
    /// ABCI listen address, overriding app.toml's abci-address.
    #[arg(long)]
    pub abci: Option<String>,
    /// Minimum gas prices, overriding app.toml.
    #[arg(long)]
    pub minimum_gas_prices: Option<String>,
    /// Check invariants every N blocks, overriding app.toml.
    #[arg(long)]
    pub inv_check_period: Option<u64>,
    /// Log filter (RUST_LOG syntax).
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Log as JSON lines.
    #[arg(long)]
    pub log_json: bool,
}

fn node_info(home: &std::path::Path) -> NodeInfo {
    let cfg = config::comet_config_path(home);
    let get = |section: Option<&str>, key: &str| {
        get_toml(&cfg, section, key)
            .ok()
            .flatten()
            .unwrap_or_default()
    };
    let node_id = std::fs::read_to_string(config::config_dir(home).join("node_key.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["priv_key"]["value"].as_str().map(str::to_string))
        .and_then(|k| node_id_from_key(&k))
        .unwrap_or_default();
    NodeInfo {
        node_id,
        listen_addr: get(Some("p2p"), "laddr"),
        moniker: get(None, "moniker"),
        rpc_address: get(Some("rpc"), "laddr"),
        cometbft_version: "0.38".into(),
    }
}

/// CometBFT's node id: hex of the first 20 bytes of sha256(ed25519 pubkey);
/// the key file holds base64(seed || pubkey).
fn node_id_from_key(b64: &str) -> Option<String> {
    use base64::Engine;
    use sha2::Digest;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let pubkey = raw.get(32..64)?;
    Some(hex::encode(&sha2::Sha256::digest(pubkey)[..20]))
}

pub fn run(cli: &Cli, a: &StartArgs) -> Result<()> {
    init_logging(&a.log_level, a.log_json);
    let home = &cli.home;
    let mut app_toml = AppToml::load(home)?;
    if let Some(abci) = &a.abci {
        app_toml.abci_address = abci.clone();
    }
    if let Some(p) = &a.minimum_gas_prices {
        app_toml.minimum_gas_prices = p.clone();
    }
    if let Some(p) = a.inv_check_period {
        app_toml.inv_check_period = p;
    }
    let min_gas_prices = MinGasPrices::parse(&app_toml.minimum_gas_prices)
        .map_err(|e| anyhow!("minimum-gas-prices: {e}"))?;
    if min_gas_prices.is_empty() {
        warn!("minimum-gas-prices is empty: this node's mempool accepts txs with no fee");
    }
    let listen = ListenAddr::parse(&app_toml.abci_address).map_err(|e| anyhow!(e))?;

    let db_path = config::app_db_path(home);
    std::fs::create_dir_all(&db_path)?;
    let storage = Storage::open(
        &db_path,
        StorageConfig {
            keep_recent: app_toml.pruning.keep_recent,
            cache_bytes: app_toml.state_cache_mb.saturating_mul(1 << 20),
        },
    )
    .with_context(|| format!("opening state at {}", db_path.display()))?;
    info!(
        height = storage.committed_height()?,
        app_hash = %hex::encode_upper(storage.committed_app_hash()?),
        "state opened"
    );
    let router = Arc::new(Router::standard());
    let queries = Arc::new(QueryService::new(
        router.clone(),
        storage.reader(),
        node_info(home),
        app_toml.max_tx_bytes,
    ));
    let app = App::new(
        router,
        storage,
        AppConfig {
            min_gas_prices,
            max_tx_bytes: app_toml.max_tx_bytes,
            inv_check_period: app_toml.inv_check_period,
        },
    );
    let rest_queries = queries.clone();
    let handler = Arc::new(Handler::new(app, queries));

    let server = std::thread::spawn(move || serve(&listen, handler));
    // Give the listener a moment to bind before CometBFT dials it.
    std::thread::sleep(Duration::from_millis(200));
    if server.is_finished() {
        return match server.join() {
            Ok(Err(e)) => Err(e).context("ABCI server failed to start"),
            _ => bail!("ABCI server stopped"),
        };
    }

    if app_toml.api.enable {
        start_rest(home, &app_toml, rest_queries)?;
    }

    let term = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGTERM, term.clone())?;
    signal_hook::flag::register(signal_hook::consts::SIGINT, term.clone())?;

    let mut child = if a.with_comet {
        let bin = cometbft::find_binary(a.cometbft_bin.as_deref())?;
        let mut cmd = Command::new(&bin);
        cmd.arg("start")
            .arg("--home")
            .arg(home)
            .stdin(Stdio::null());
        // If gpuchaind dies without shutting down (a crash, SIGKILL), cometbft
        // is killed too: its graceful stop can hang once its app is gone, and
        // CometBFT recovers from a hard kill by design (WAL, replay).
        // SAFETY: prctl is async-signal-safe and touches only the child.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        info!(pid = child.id(), "cometbft started");
        Some(child)
    } else {
        None
    };

    loop {
        std::thread::sleep(Duration::from_millis(200));
        if term.load(Ordering::Relaxed) {
            info!("shutting down");
            if let Some(c) = child.as_mut() {
                stop_child(c, COMET_STOP_TIMEOUT);
            }
            return Ok(());
        }
        if let Some(c) = child.as_mut() {
            if let Some(status) = c.try_wait()? {
                error!(%status, "cometbft exited");
                bail!("cometbft exited: {status}");
            }
        }
        if server.is_finished() {
            if let Some(c) = child.as_mut() {
                let _ = c.kill();
            }
            bail!("ABCI server stopped");
        }
    }
}

/// Serves the REST API (`[api]`) from the ABCI query service and CometBFT's
/// RPC (`[rpc] laddr`). If it cannot start (the address is taken), the node
/// still runs, without REST, and says so in its log.
/// Starts the REST server; failing to bind its address stops the node, as
/// in the Cosmos SDK, rather than run without an API the operator enabled.
fn start_rest(
    home: &std::path::Path,
    app_toml: &AppToml,
    queries: Arc<QueryService>,
) -> Result<()> {
    let rpc_laddr = get_toml(&config::comet_config_path(home), Some("rpc"), "laddr")
        .ok()
        .flatten()
        .unwrap_or_else(|| crate::query::DEFAULT_NODE.to_string());
    let settings = rest::Settings {
        minimum_gas_prices: app_toml.minimum_gas_prices.clone(),
        pruning_keep_recent: app_toml.pruning.keep_recent,
        bond_denom: gpuchain_genesis::DENOM.to_string(),
    };
    let addr = rest::spawn(&app_toml.api, queries, &rpc_laddr, settings)
        .with_context(|| format!("starting the REST API on {}", app_toml.api.address))?;
    info!(%addr, cometbft_rpc = %rpc_laddr, "REST API listening");
    Ok(())
}

/// How long cometbft may take to stop gracefully before it is killed.
const COMET_STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// SIGTERM, then SIGKILL if the child has not exited within `timeout`.
fn stop_child(c: &mut std::process::Child, timeout: Duration) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(c.id() as i32, libc::SIGTERM);
    }
    let start = std::time::Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    warn!("cometbft did not stop within {timeout:?}; killing it");
    let _ = c.kill();
    let _ = c.wait();
}

fn init_logging(level: &str, json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_kill_a_child_that_ignores_sigterm_after_the_timeout() {
        let mut child = Command::new("bash")
            .args(["-c", "trap '' TERM; sleep 60"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let start = std::time::Instant::now();
        stop_child(&mut child, Duration::from_millis(500));
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(child.try_wait().unwrap().is_some(), "child still running");
    }

    #[test]
    fn should_stop_a_child_that_honours_sigterm_at_once() {
        let mut child = Command::new("sleep").arg("60").spawn().unwrap();
        let start = std::time::Instant::now();
        stop_child(&mut child, Duration::from_secs(10));
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn should_derive_the_node_id_cometbft_shows() {
        // A node_key.json made by `cometbft init` (v0.38.17) and what
        // `cometbft show-node-id` printed for it.
        let key = "Pk+RVqBGp2QQEBXUKTaJEZCvP53KUqItLeckxZJDp+TcYHorRNrApfenjC/WrgKDkioTXfSk3uWw1WQXsK0dQA==";
        assert_eq!(
            node_id_from_key(key).unwrap(),
            "0f5fbc2a5f4d3f89e2f9d4df893ba29e457a8b84"
        );
        assert!(node_id_from_key("not base64!").is_none());
        assert!(node_id_from_key("AAAA").is_none());
    }
}
