//! Types shared by every gpuchain crate: Cosmos error codes, coins, bech32
//! addresses, events and the block context handed to module handlers.

pub mod address;
pub mod coin;
pub mod context;
pub mod error;
pub mod event;

pub use address::{Address, ACCOUNT_PREFIX};
pub use coin::{Coin, Coins};
pub use context::BlockContext;
pub use error::{AppError, AppResult};
pub use event::Event;
