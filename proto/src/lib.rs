//! gpuchain's own protobuf packages, generated at build time from the
//! `.proto` files under `proto/gpuchain/` (prost + protox, no `protoc`).
//! Usable without the state machine: by the CLI, the agent and clients.
//!
//! A Msg's type URL is `/<package>.<Name>`, e.g.
//! `/gpuchain.market.v1.MsgCreateOrder`. Cosmos types (`Coin`,
//! `PageRequest`) are cosmos-sdk-proto's own.

pub use cosmos_sdk_proto;

/// The encoded `FileDescriptorSet` of every gpuchain `.proto` and its
/// imports: lets clients (the REST server, the CLI) render any of these
/// messages as Cosmos-style JSON by reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));

pub mod gpuchain {
    pub mod market {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/gpuchain.market.v1.rs"));
        }
    }
    pub mod escrow {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/gpuchain.escrow.v1.rs"));
        }
    }
    pub mod attestation {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/gpuchain.attestation.v1.rs"));
        }
    }
}

pub use gpuchain::{attestation::v1 as attestation, escrow::v1 as escrow, market::v1 as market};
