//! `gpuchain-agent`: the off-chain daemon that runs on each GPU host (see
//! `spec/attestation.md`, "The agent").
//!
//! This crate currently holds the agent's hardware reading
//! ([`hardware`]: the [`hardware::GpuInfo`] inventory, parsed from
//! `nvidia-smi --query-gpu` CSV output, from a JSON inventory file or from a
//! static list) and its configuration file ([`config`]). The chain
//! interaction (inventory submission, lease handling, challenges) is not
//! written yet.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod config;
pub mod hardware;
