//! gpuchain's in-process benchmarks. Each prints one JSON line with its
//! figures, the bound it is compared to, and the ratio (quality.md).
//!
//!   gpuchain-bench checktx  [--txs N]
//!   gpuchain-bench finalize [--accounts N] [--blocks B] [--block-txs T]

mod chain;
mod txgen;

use std::time::Instant;

use anyhow::{bail, Result};
use serde_json::json;

fn arg(args: &[String], name: &str, default: u64) -> Result<u64> {
    match args.iter().position(|a| a == name) {
        Some(i) => Ok(args
            .get(i + 1)
            .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?
            .parse()?),
        None => Ok(default),
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("checktx") => checktx(arg(&args, "--txs", 20_000)?),
        Some("finalize") => finalize(
            arg(&args, "--accounts", 10_000)?,
            arg(&args, "--blocks", 4)?,
            arg(&args, "--block-txs", 5_000)?,
        ),
        _ => bail!("usage: gpuchain-bench checktx|finalize [options]"),
    }
}

/// P1: CheckTx on signed bank sends, against the rate at which this machine
/// verifies secp256k1 signatures on 2 cores, measured in the same run.
fn checktx(n: u64) -> Result<()> {
    let gen = txgen::TxGen::new(n as usize);
    let mut chain = chain::Chain::new(&gen, "bench-1")?;
    let txs = gen.sends(0, n as usize, chain.chain_id());
    let verify_rate = txgen::verify_rate_2_cores(&gen, &txs, chain.chain_id());
    // As the ABCI server does with the CheckTx requests CometBFT pipelines:
    // signatures of a batch verified on every core, then checked in order.
    let start = Instant::now();
    for batch in txs.chunks(64) {
        chain
            .app
            .preverify_txs(batch)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for tx in batch {
            let out = chain.app.check_tx(tx)?;
            if out.code != 0 {
                bail!("CheckTx failed: {} {}", out.code, out.log);
            }
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let bound = 0.8 * verify_rate;
    println!(
        "{}",
        json!({"bench": "checktx_bank_send", "txs": n, "tx_per_s": rate.round(),
               "secp256k1_verify_per_s_2_cores": verify_rate.round(), "bound": bound.round(),
               "ratio": (rate / bound * 1000.0).round() / 1000.0})
    );
    Ok(())
}

/// P2: FinalizeBlock + Commit of bank sends on RocksDB, blocks of `block_txs`.
fn finalize(accounts: u64, blocks: u64, block_txs: u64) -> Result<()> {
    let senders = (blocks * block_txs) as usize;
    let gen = txgen::TxGen::with_extra(senders, accounts as usize);
    let mut chain = chain::Chain::new(&gen, "bench-1")?;
    let txs = gen.sends(0, senders, chain.chain_id());
    let start = Instant::now();
    for (i, block) in txs.chunks(block_txs as usize).enumerate() {
        let out = chain.block(i as u64 + 2, block)?;
        if let Some(bad) = out.tx_results.iter().find(|r| r.code != 0) {
            bail!("tx failed in block: {} {}", bad.code, bad.log);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = senders as f64 / secs;
    println!(
        "{}",
        json!({"bench": "finalize_commit_bank_send", "accounts": accounts, "blocks": blocks,
               "block_txs": block_txs, "tx_per_s": rate.round(),
               "us_per_tx": (secs / senders as f64 * 1e6 * 10.0).round() / 10.0,
               "bound": 20000, "ratio": (rate / 20000.0 * 1000.0).round() / 1000.0})
    );
    Ok(())
}
