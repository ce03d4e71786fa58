//! An in-process chain on a temporary RocksDB, with every bench signer funded.

use std::sync::Arc;

use anyhow::{anyhow, Result};
use gpuchain_app::tx::fee::MinGasPrices;
use gpuchain_app::{App, AppConfig, BlockOutcome, BlockTime, Router};
use gpuchain_store::{Storage, StorageConfig};
use gpuchain_types::Coins;

use crate::txgen::TxGen;

pub struct Chain {
    pub app: App,
    chain_id: String,
    _dir: tempfile::TempDir,
}

impl Chain {
    pub fn new(gen: &TxGen, chain_id: &str) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let storage = Storage::open(dir.path(), StorageConfig { keep_recent: 10 })?;
        let mut app = App::new(
            Arc::new(Router::standard()),
            storage,
            AppConfig {
                min_gas_prices: MinGasPrices::parse("0.0025ugpc").map_err(|e| anyhow!("{e}"))?,
                max_tx_bytes: 1 << 20,
                inv_check_period: 0,
            },
        );
        let mut genesis = serde_json::json!({"app_state": gpuchain_genesis::default_app_state()});
        let coins = Coins::parse("1000000000ugpc").map_err(|e| anyhow!("{e}"))?;
        for k in &gen.keys {
            gpuchain_genesis::add_account(&mut genesis, &k.address(), &coins)?;
        }
        for i in 0..gen.extra {
            gpuchain_genesis::add_account(&mut genesis, &gen.extra_address(i), &coins)?;
        }
        app.init_chain(
            chain_id,
            BlockTime {
                secs: 1_700_000_000,
                nanos: 0,
            },
            &genesis["app_state"],
        )
        .map_err(|e| anyhow!("{e}"))?;
        Ok(Self {
            app,
            chain_id: chain_id.into(),
            _dir: dir,
        })
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    pub fn block(&mut self, height: u64, txs: &[Vec<u8>]) -> Result<BlockOutcome> {
        let t = BlockTime {
            secs: 1_700_000_000 + height as i64,
            nanos: 0,
        };
        let out = self
            .app
            .finalize_block(height, t, txs)
            .map_err(|e| anyhow!("{e}"))?;
        self.app.commit().map_err(|e| anyhow!("{e}"))?;
        Ok(out)
    }
}
