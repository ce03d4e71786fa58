//! The consensus and mempool side of the application. CometBFT's consensus
//! and mempool connections share one `App` behind a lock; queries do not.

use std::sync::Arc;

use gpuchain_store::{Delta, MempoolChanges, StateRead, StateWrite, Storage};
use gpuchain_types::{AppError, AppResult, BlockContext};

use crate::block::{BlockOutcome, BlockTime};
use crate::router::Router;
use crate::state_key;
use crate::tx::fee::MinGasPrices;
use crate::tx::sig_cache::SigCache;
use crate::tx::{execute_decoded, ExecMode, TxEnv, TxOutcome};

#[derive(Clone, Debug)]
pub struct AppConfig {
    /// This node's mempool policy; empty accepts any fee.
    pub min_gas_prices: MinGasPrices,
    /// Largest tx accepted (bytes); CometBFT's mempool has its own limit too.
    pub max_tx_bytes: usize,
    /// Check every module's invariants every N blocks (0 = never). A failed
    /// check stops the node rather than let it commit broken state.
    pub inv_check_period: u64,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            min_gas_prices: MinGasPrices::default(),
            max_tx_bytes: 1024 * 1024,
            inv_check_period: 0,
        }
    }
}

pub struct App {
    router: Arc<Router>,
    storage: Storage,
    config: AppConfig,
    /// What CheckTx has done since the last commit (sequences, fees).
    check_changes: MempoolChanges,
    sig_cache: SigCache,
    /// The context CheckTx runs in (chain id, next height, last block time),
    /// read from the store once per commit instead of once per tx.
    check_ctx: Option<BlockContext>,
}

impl App {
    pub fn new(router: Arc<Router>, storage: Storage, config: AppConfig) -> Self {
        Self {
            router,
            storage,
            config,
            check_changes: MempoolChanges::default(),
            sig_cache: SigCache::default(),
            check_ctx: None,
        }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Waits for the last commit's prune of old versions, which runs while
    /// a core is idle (benchmarks count it; a node lets it run).
    pub fn finish_pruning(&mut self) -> AppResult<()> {
        Ok(self.storage.finish_pruning()?)
    }

    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Last committed height and app hash, for Info.
    pub fn last_committed(&self) -> AppResult<(u64, Vec<u8>)> {
        Ok((
            self.storage.committed_height()?,
            self.storage.committed_app_hash()?,
        ))
    }

    pub fn chain_id(&self) -> AppResult<String> {
        let raw = self.storage.get(state_key::CHAIN_ID)?.unwrap_or_default();
        String::from_utf8(raw).map_err(|_| AppError::internal("stored chain id is not UTF-8"))
    }

    fn last_block_time(&self) -> AppResult<BlockTime> {
        Ok(self
            .storage
            .nv_get(state_key::LAST_BLOCK_TIME)?
            .and_then(|b| BlockTime::from_bytes(&b))
            .unwrap_or_default())
    }

    /// InitChain: loads the genesis `app_state` into version 0 and returns its
    /// root. Nothing is written to disk until the first block commits.
    pub fn init_chain(
        &mut self,
        chain_id: &str,
        time: BlockTime,
        app_state: &serde_json::Value,
    ) -> AppResult<[u8; 32]> {
        if self.storage.committed_height()? > 0 {
            return Err(AppError::internal(
                "InitChain called on a chain that has blocks",
            ));
        }
        self.storage.discard_pending();
        self.check_ctx = None;
        let ctx = BlockContext {
            chain_id: chain_id.to_string(),
            height: 0,
            time_secs: time.secs,
            time_nanos: time.nanos,
            block_hash: Vec::new(),
        };
        let changes = {
            let mut state = Delta::new(&self.storage);
            crate::genesis::init_genesis(&self.router, &mut state, app_state, &ctx)?;
            state.nv_put(
                state_key::LAST_BLOCK_TIME.to_vec(),
                time.to_bytes().to_vec(),
            )?;
            state.into_changes()
        };
        let hash = self.storage.prepare(0, changes)?;
        self.check_invariants()?;
        Ok(hash)
    }

    /// Runs every module's invariants on the latest (possibly prepared) state.
    pub fn check_invariants(&self) -> AppResult<()> {
        for c in self.router.components() {
            c.check_invariants(&self.storage)
                .map_err(|e| e.wrap(format!("invariant of module {} broken", c.name())))?;
        }
        Ok(())
    }

    fn load_check_ctx(&self) -> AppResult<BlockContext> {
        let time = self.last_block_time()?;
        Ok(BlockContext {
            chain_id: self.chain_id()?,
            height: self.storage.committed_height()?.saturating_add(1),
            time_secs: time.secs,
            time_nanos: time.nanos,
            block_hash: Vec::new(),
        })
    }

    pub fn check_tx(&mut self, tx: &[u8]) -> AppResult<TxOutcome> {
        let mut outcomes = self.check_txs(&[tx.to_vec()])?;
        outcomes
            .pop()
            .ok_or_else(|| AppError::internal("CheckTx gave no result"))
    }

    /// CheckTx of several txs in order, as CometBFT pipelines them on the
    /// mempool connection: they run one by one on this thread while the
    /// other cores decode them and verify signatures from the end of the
    /// batch. Results are those of checking them one by one.
    pub fn check_txs(&mut self, txs: &[Vec<u8>]) -> AppResult<Vec<TxOutcome>> {
        let ctx = match self.check_ctx.take() {
            Some(c) => c,
            None => self.load_check_ctx()?,
        };
        let env = TxEnv {
            router: &self.router,
            sig_cache: Some(&self.sig_cache),
            ctx: &ctx,
            min_gas_prices: &self.config.min_gas_prices,
            max_tx_bytes: self.config.max_tx_bytes,
        };
        let changes = std::mem::take(&mut self.check_changes);
        // The accounts the pre-check reads are read again by the checks:
        // the second time from the storage's cache.
        let mut layer = Delta::with_mempool_changes(&self.storage, changes);
        let outcomes = execute_in_order(
            &env,
            &self.storage,
            &self.sig_cache,
            &mut layer,
            txs,
            ExecMode::Check,
        );
        self.check_changes = layer.into_mempool_changes();
        self.check_ctx = Some(ctx);
        Ok(outcomes)
    }

    /// FinalizeBlock: begin-block, every tx, end-block; prepares the version
    /// and returns its app hash. Errors here are fatal to the node (storage
    /// failures, broken invariants), never a tx's bad input.
    pub fn finalize_block(
        &mut self,
        height: u64,
        time: BlockTime,
        block_hash: &[u8],
        txs: &[Vec<u8>],
    ) -> AppResult<BlockOutcome> {
        let ctx = BlockContext {
            chain_id: self.chain_id()?,
            height,
            time_secs: time.secs,
            time_nanos: time.nanos,
            block_hash: block_hash.to_vec(),
        };
        // A height executed before (a replaced proposal) is executed anew.
        self.storage.discard_pending_from(height);
        let env = TxEnv {
            router: &self.router,
            sig_cache: Some(&self.sig_cache),
            ctx: &ctx,
            min_gas_prices: &MinGasPrices::default(),
            max_tx_bytes: self.config.max_tx_bytes,
        };
        let (changes, tx_results, events) = {
            // The accounts the pre-check reads are read again by the txs:
            // the second time from the storage's cache.
            let mut block = Delta::new(&self.storage).indexed();
            for c in self.router.components() {
                c.begin_block(&mut block, &ctx)?;
            }
            let mut events = block.take_events();
            let tx_results = execute_in_order(
                &env,
                &self.storage,
                &self.sig_cache,
                &mut block,
                txs,
                ExecMode::Deliver,
            );
            for c in self.router.components() {
                c.end_block(&mut block, &ctx)?;
            }
            events.extend(block.take_events());
            block.nv_put(
                state_key::LAST_BLOCK_TIME.to_vec(),
                time.to_bytes().to_vec(),
            )?;
            (block.into_changes(), tx_results, events)
        };
        let app_hash = self.storage.prepare(height, changes)?;
        let period = self.config.inv_check_period;
        if height.checked_rem(period) == Some(0) {
            self.check_invariants()?;
        }
        Ok(BlockOutcome {
            tx_results,
            events,
            app_hash,
        })
    }

    /// Commit: writes the prepared versions atomically and resets the
    /// mempool's layer to the new state.
    pub fn commit(&mut self) -> AppResult<u64> {
        self.storage.commit()?;
        self.check_changes = MempoolChanges::default();
        self.check_ctx = None;
        Ok(self.storage.committed_height()?)
    }
}

/// Runs `txs` in order on `layer` while the other cores decode them and
/// verify their signatures into `sig_cache`.
fn execute_in_order<S: StateRead + Sync>(
    env: &TxEnv<'_>,
    storage: &S,
    sig_cache: &SigCache,
    layer: &mut Delta<'_>,
    txs: &[Vec<u8>],
    mode: ExecMode,
) -> Vec<TxOutcome> {
    let mut outcomes = Vec::with_capacity(txs.len());
    crate::tx::preverify::preverify_while(
        env.router,
        storage,
        &env.ctx.chain_id,
        txs,
        env.max_tx_bytes,
        sig_cache,
        |tx, decoded| outcomes.push(execute_decoded(env, layer, tx, decoded, mode)),
    );
    outcomes
}
