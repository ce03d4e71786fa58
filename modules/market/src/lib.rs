//! gpuchain's `market` module: providers' offers, tenants' orders matched in
//! the same block into leases, billed per second through the escrow module
//! (../shared/spec/market.md).

pub mod expected;
