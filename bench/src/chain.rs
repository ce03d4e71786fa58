//! An in-process chain on a temporary RocksDB, with every bench signer funded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use gpuchain_app::tx::fee::MinGasPrices;
use gpuchain_app::{App, AppConfig, BlockOutcome, BlockTime, Router};
use gpuchain_store::{Storage, StorageConfig};
use gpuchain_types::Address;

use crate::txgen::TxGen;

pub struct Chain {
    pub app: App,
    /// Each block's FinalizeBlock and Commit time, in order.
    pub block_times: Vec<(Duration, Duration)>,
    chain_id: String,
    _dir: tempfile::TempDir,
}

impl Chain {
    pub fn new(gen: &TxGen, chain_id: &str) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        // Few versions kept, so the timed blocks also prune (as a node does
        // every block once past its first `keep_recent`).
        let storage = Storage::open(
            dir.path(),
            StorageConfig {
                keep_recent: 2,
                ..Default::default()
            },
        )?;
        let mut app = App::new(
            Arc::new(Router::standard()),
            storage,
            AppConfig {
                min_gas_prices: MinGasPrices::parse("0.0025ugpc").map_err(|e| anyhow!("{e}"))?,
                max_tx_bytes: 1 << 20,
                inv_check_period: 0,
            },
        );
        // Built directly in the SDK's genesis shape: adding accounts one by
        // one through the CLI helper re-validates the whole file each time.
        let mut app_state = gpuchain_genesis::default_app_state();
        let addresses: Vec<Address> = gen
            .keys
            .iter()
            .map(|k| k.address())
            .chain((0..gen.extra).map(|i| gen.extra_address(i)))
            .collect();
        let accounts: Vec<serde_json::Value> = addresses
            .iter()
            .enumerate()
            .map(|(i, a)| {
                serde_json::json!({"@type": "/cosmos.auth.v1beta1.BaseAccount", "address": a.to_string(),
                    "pub_key": null, "account_number": i.to_string(), "sequence": "0"})
            })
            .collect();
        let balances: Vec<serde_json::Value> = addresses
            .iter()
            .map(|a| serde_json::json!({"address": a.to_string(), "coins": [{"denom": "ugpc", "amount": "1000000000"}]}))
            .collect();
        app_state["auth"]["accounts"] = serde_json::Value::Array(accounts);
        app_state["bank"]["balances"] = serde_json::Value::Array(balances);
        let genesis = serde_json::json!({ "app_state": app_state });
        app.init_chain(
            chain_id,
            BlockTime {
                secs: 1_700_000_000,
                nanos: 0,
            },
            &genesis["app_state"],
        )
        .map_err(|e| anyhow!("{e}"))?;
        let mut chain = Self {
            app,
            block_times: Vec::new(),
            chain_id: chain_id.into(),
            _dir: dir,
        };
        // Genesis is written to disk with the first block's commit: do that
        // before anything is timed.
        chain.block(1, &[])?;
        // Steady state: a node writes genesis once, not during every block.
        chain.app.storage().wait_for_background_work()?;
        Ok(chain)
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    pub fn block(&mut self, height: u64, txs: &[Vec<u8>]) -> Result<BlockOutcome> {
        let t = BlockTime {
            secs: 1_700_000_000 + height as i64,
            nanos: 0,
        };
        let start = Instant::now();
        let out = self
            .app
            .finalize_block(height, t, &height.to_be_bytes(), txs)
            .map_err(|e| anyhow!("{e}"))?;
        let finalized = Instant::now();
        self.app.commit().map_err(|e| anyhow!("{e}"))?;
        self.block_times
            .push((finalized - start, finalized.elapsed()));
        Ok(out)
    }
}
