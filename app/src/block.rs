//! Domain types of a block's execution, kept apart from the ABCI wire types.

use gpuchain_types::Event;

use crate::tx::TxOutcome;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockTime {
    pub secs: i64,
    pub nanos: u32,
}

impl BlockTime {
    pub fn to_bytes(self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&self.secs.to_be_bytes());
        out[8..].copy_from_slice(&self.nanos.to_be_bytes());
        out
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        let secs = i64::from_be_bytes(b.get(..8)?.try_into().ok()?);
        let nanos = u32::from_be_bytes(b.get(8..12)?.try_into().ok()?);
        Some(Self { secs, nanos })
    }
}

#[derive(Clone, Debug, Default)]
pub struct BlockOutcome {
    pub tx_results: Vec<TxOutcome>,
    pub events: Vec<Event>,
    pub app_hash: [u8; 32],
}
