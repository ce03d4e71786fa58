//! Gas, as the Cosmos SDK charges it (`store/types/gas.go` KVGasConfig), so
//! wallets' `fee: "auto"` estimates land in the same range as on other chains.

use std::cell::Cell;

use crate::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasConfig {
    pub read_flat: u64,
    pub read_per_byte: u64,
    pub write_flat: u64,
    pub write_per_byte: u64,
    pub delete: u64,
    pub iter_next_flat: u64,
    pub tx_size_per_byte: u64,
    pub sig_verify_secp256k1: u64,
}

impl Default for GasConfig {
    fn default() -> Self {
        Self {
            read_flat: 1_000,
            read_per_byte: 3,
            write_flat: 2_000,
            write_per_byte: 30,
            delete: 1_000,
            iter_next_flat: 30,
            tx_size_per_byte: 10,
            sig_verify_secp256k1: 1_000,
        }
    }
}

/// A tx's gas meter. Shared by reference among the layers a tx runs on;
/// consumption saturates and fails once past the limit.
#[derive(Debug)]
pub struct GasMeter {
    limit: u64,
    used: Cell<u64>,
    pub config: GasConfig,
}

impl GasMeter {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            used: Cell::new(0),
            config: GasConfig::default(),
        }
    }

    /// A meter with no limit, for simulation and genesis.
    pub fn infinite() -> Self {
        Self::new(u64::MAX)
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn used(&self) -> u64 {
        self.used.get()
    }

    pub fn consume(&self, amount: u64) -> Result<(), StoreError> {
        let used = self.used.get().saturating_add(amount);
        self.used.set(used);
        if used > self.limit {
            return Err(StoreError::OutOfGas {
                limit: self.limit,
                used,
            });
        }
        Ok(())
    }

    pub fn consume_bytes(&self, flat: u64, per_byte: u64, len: usize) -> Result<(), StoreError> {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        self.consume(flat.saturating_add(per_byte.saturating_mul(len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_fail_once_past_limit_and_report_usage() {
        let m = GasMeter::new(100);
        m.consume(60).unwrap();
        m.consume(40).unwrap();
        let e = m.consume(1).unwrap_err();
        assert_eq!(
            e,
            StoreError::OutOfGas {
                limit: 100,
                used: 101
            }
        );
        assert_eq!(m.used(), 101);
    }

    #[test]
    fn should_saturate_not_overflow() {
        let m = GasMeter::infinite();
        m.consume(u64::MAX).unwrap();
        m.consume(u64::MAX).unwrap();
        assert_eq!(m.used(), u64::MAX);
    }
}
