//! CometBFT's ABCI 2.0 (v0.38) socket protocol: the server, and the
//! translation between wire requests and the application's domain calls.

pub mod convert;
mod handler;
mod server;

pub use handler::Handler;
pub use server::{serve, ListenAddr, MAX_BATCH};
