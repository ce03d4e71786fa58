//! `gpuchain-agent`: the off-chain daemon that runs on each GPU host (see
//! `spec/attestation.md`, "The agent").
//!
//! - [`hardware`]: the [`hardware::GpuInfo`] inventory, parsed from
//!   `nvidia-smi --query-gpu` CSV output, from a JSON inventory file or from
//!   a static list;
//! - [`challenge_bench`]: `gpuchain-agent bench-challenge`, the solver's
//!   timing on this host;
//! - [`config`]: the configuration file (`config.example.toml`);
//! - [`daemon`]: `gpuchain-agent run`, the loop that submits the inventory,
//!   acknowledges leases (access encrypted with [`daemon::ecies`]), runs the
//!   lease hooks, answers GPU challenges, and serves metrics (see
//!   `README.md`).

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod challenge_bench;
pub mod config;
pub mod daemon;
pub mod hardware;
