//! CometBFT JSON-RPC client: re-exported from `gpuchain-client`
//! ([`gpuchain_client::rpc`]), shared with `gpuchain-agent`.

pub use gpuchain_client::rpc::*;
