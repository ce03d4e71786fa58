//! What a handler may know about the block it runs in. Block time is BFT time
//! from the header: never the wall clock.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockContext {
    pub chain_id: String,
    pub height: u64,
    /// Seconds since the Unix epoch, from the block header.
    pub time_secs: i64,
    pub time_nanos: u32,
    /// The hash of the block being executed (FinalizeBlock's `hash`); empty
    /// in CheckTx and simulation, where the block is not known yet. Modules
    /// that need chain-derived randomness or recent-block checks read it.
    pub block_hash: Vec<u8>,
}
