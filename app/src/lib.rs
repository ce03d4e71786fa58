//! gpuchain's ABCI 2.0 application.
//!
//! The `abci` module only translates CometBFT's requests; [`App`] does the
//! work: genesis, CheckTx against the mempool's layer, FinalizeBlock on a
//! block layer (begin-block, each tx on its own layers, end-block), Commit
//! through the store's two-step commit. Queries run on [`QueryService`],
//! which reads committed snapshots and never waits for a block.

pub mod abci;
mod app;
mod block;
mod genesis;
mod historical;
pub mod node_info;
mod query;
pub mod router;
pub mod tx;
mod wiring;

pub use app::{App, AppConfig};
pub use block::{BlockOutcome, BlockTime};
pub use node_info::NodeInfo;
pub use query::{QueryOutcome, QueryService};
pub use router::Router;

/// The application's protocol version, reported in Info.
pub const APP_VERSION: u64 = 1;
/// Keys the app itself owns in the verifiable store.
pub(crate) mod state_key {
    /// The chain id fixed at genesis. Example: `app/chain_id`.
    pub const CHAIN_ID: &[u8] = b"app/chain_id";
    /// Time of the last block (non-verifiable). Example: `app/last_block_time`.
    pub const LAST_BLOCK_TIME: &[u8] = b"app/last_block_time";

    #[cfg(test)]
    mod tests {
        #[test]
        fn should_keep_app_keys_stable() {
            assert_eq!(super::CHAIN_ID, b"app/chain_id");
            assert_eq!(super::LAST_BLOCK_TIME, b"app/last_block_time");
        }
    }
}
