//! `gpuchain-client`: what a program needs to talk to a gpuchain node over
//! CometBFT's JSON-RPC, shared by `gpuchaind`'s CLI and `gpuchain-agent`.
//!
//! - [`rpc::Rpc`]: a small blocking JSON-RPC client (status, block,
//!   abci_query, broadcast_tx_sync, tx, waiting for a commit).
//! - [`query`]: account lookup ([`query::account`]) and the SDK-shaped JSON
//!   of a committed tx ([`query::tx_json`]).
//! - [`tx`]: SIGN_MODE_DIRECT tx building ([`tx::build_signed_tx`]), fee
//!   computation ([`tx::fee_from_gas_prices`]) and
//!   [`tx::sign_and_broadcast`] (account lookup, optional gas simulation,
//!   sign, `broadcast_tx_sync`, wait for the block).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod query;
pub mod rpc;
pub mod tx;

pub use query::{account, tx_json};
pub use rpc::{QueryError, Rpc};
pub use tx::{
    build_signed_tx, fee_from_gas_prices, proto_coins, sign_and_broadcast, Gas, SignerCtx,
    TxOptions,
};
