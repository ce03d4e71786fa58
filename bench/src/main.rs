//! gpuchain's in-process benchmarks. Each prints one JSON line with its
//! figures, the bound it is compared to, and the ratio (quality.md).
//!
//!   gpuchain-bench checktx  [--txs N]
//!   gpuchain-bench finalize [--accounts N] [--blocks B] [--block-txs T] [--mempool]
//!     (--mempool: every tx goes through CheckTx before the timed blocks, as
//!     on a validator whose mempool received them, so blocks find their
//!     signatures verified already)
//!   gpuchain-bench challenge [--n N] [--rounds R] [--lanes L] [--checks K]
//!                            [--iters I] [--threads T]
//!     (defaults: the data-centre preset n=4096 R=1024 L=16 K=44, 500
//!     timed verifications, 2 threads to build the opening; see challenge.rs)
//!   gpuchain-bench market_match    [--offers N] [--per-provider P] [--orders I]
//!   gpuchain-bench market_endblock [--small N] [--large N] [--gpus G] [--runs I]
//!     (P4, see market.rs)

mod chain;
mod challenge;
mod market;
mod txgen;

// gpuchaind's allocator, so the figures are the node's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    gpuchain_store::keep_freed_memory();
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("checktx") => checktx(arg(&args, "--txs", 20_000)?),
        Some("finalize") => finalize(
            arg(&args, "--accounts", 10_000)?,
            arg(&args, "--blocks", 4)?,
            arg(&args, "--block-txs", 5_000)?,
            args.iter().any(|a| a == "--mempool"),
        ),
        Some("challenge") => {
            let preset = gpuchain_challenge::ChallengeParams::datacenter_example();
            let params = gpuchain_challenge::ChallengeParams {
                n: arg(&args, "--n", preset.n.into())?.try_into()?,
                rounds: arg(&args, "--rounds", preset.rounds.into())?.try_into()?,
                lanes: arg(&args, "--lanes", preset.lanes.into())?.try_into()?,
                checks: arg(&args, "--checks", preset.checks.into())?.try_into()?,
            };
            challenge::run(
                params,
                arg(&args, "--iters", 500)?.try_into()?,
                arg(&args, "--threads", 2)?.try_into()?,
            )
        }
        Some("market_match") => market::match_bench(
            arg(&args, "--offers", 100_000)?.try_into()?,
            arg(&args, "--per-provider", 10)?.try_into()?,
            arg(&args, "--orders", 300)?.try_into()?,
        ),
        Some("market_endblock") => market::endblock_bench(
            arg(&args, "--small", 1_000)?.try_into()?,
            arg(&args, "--large", 100_000)?.try_into()?,
            arg(&args, "--gpus", 100)?.try_into()?,
            arg(&args, "--runs", 15)?.try_into()?,
        ),
        _ => bail!(
            "usage: gpuchain-bench checktx|finalize|challenge|market_match|market_endblock [options]"
        ),
    }
}

/// CheckTx of `txs` in batches as large as the ABCI server's, as it takes
/// the requests CometBFT pipelines under load; every one must pass.
fn check_all(chain: &mut chain::Chain, txs: &[Vec<u8>]) -> Result<()> {
    for batch in txs.chunks(gpuchain_app::abci::MAX_BATCH) {
        let outcomes = chain
            .app
            .check_txs(batch)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Some(out) = outcomes.iter().find(|o| o.code != 0) {
            bail!("CheckTx failed: {} {}", out.code, out.log);
        }
    }
    Ok(())
}

/// How many parts P1's checks are split into, each checked right after the
/// verification rate is measured over its own signatures. Each part's
/// measurements take well under 0.1 s, so a burst of the host's noise spoils
/// few of them.
const P1_ROUNDS: usize = 8;

/// P1: CheckTx on signed bank sends, against the rate at which this machine
/// verifies secp256k1 signatures on 2 cores, measured in the same run. The
/// shared machine's speed drifts within a run, so the measurements alternate:
/// each part's checks follow a measurement of the verification rate over the
/// same part's signatures. `ratio` is the median of the parts' ratios (a
/// burst that slows one measurement of a pair moves it little);
/// `ratio_of_totals` compares the rates over all parts.
fn checktx(n: u64) -> Result<()> {
    let gen = txgen::TxGen::new(n as usize);
    let mut chain = chain::Chain::new(&gen, "bench-1")?;
    let txs = gen.sends(0, n as usize, chain.chain_id());
    let part = txs.len().div_ceil(P1_ROUNDS).max(1);
    let (mut check_secs, mut verify_secs, mut parsed_secs) = (0.0, 0.0, 0.0);
    let (mut cpu, mut steal) = (Some(0.0), Some(0));
    let mut rounds = Vec::new();
    let mut ratios = Vec::new();
    let mut k256 = None;
    for (r, txs) in txs.chunks(part).enumerate() {
        let rates = txgen::verify_rates_2_cores(&gen, txs, r * part, chain.chain_id(), r == 0);
        k256 = k256.or(rates.k256);
        let count = txs.len() as f64;
        verify_secs += count / rates.libsecp256k1;
        parsed_secs += count / rates.libsecp256k1_parsed_keys;
        // Each batch is checked in order while the other core verifies
        // signatures.
        let (cpu_start, steal_start) = (process_cpu_secs(), host_steal_ms());
        let start = Instant::now();
        check_all(&mut chain, txs)?;
        let secs = start.elapsed().as_secs_f64();
        check_secs += secs;
        cpu = cpu
            .zip(process_cpu_secs().zip(cpu_start))
            .map(|(sum, (end, start))| sum + end - start);
        steal = steal
            .zip(host_steal_ms().zip(steal_start))
            .map(|(sum, (end, start))| sum + end.saturating_sub(start));
        let bound = 0.8 * rates.libsecp256k1;
        rounds.push([(count / secs).round(), rates.libsecp256k1.round()]);
        ratios.push(count / secs / bound);
    }
    ratios.sort_by(f64::total_cmp);
    let mid = ratios.len() / 2;
    let median = if ratios.len() % 2 == 0 {
        (ratios[mid - 1] + ratios[mid]) / 2.0
    } else {
        ratios[mid]
    };
    let rate = n as f64 / check_secs;
    let busy = cpu.map(|c| (c / check_secs * 100.0).round() / 100.0);
    let verify_rate = n as f64 / verify_secs;
    let parsed_rate = n as f64 / parsed_secs;
    let bound = 0.8 * verify_rate;
    println!(
        "{}",
        json!({"bench": "checktx_bank_send", "txs": n, "tx_per_s": rate.round(),
               "secp256k1_verify_per_s_2_cores": verify_rate.round(),
               "rounds_tx_per_s_and_verify_per_s": rounds,
               "secp256k1_verify_per_s_2_cores_parsed_keys": parsed_rate.round(),
               "ratio_to_parsed_keys": (rate / (0.8 * parsed_rate) * 1000.0).round() / 1000.0,
               "k256_verify_per_s_2_cores": k256.map(f64::round), "bound": bound.round(),
               "ratio": (median * 1000.0).round() / 1000.0,
               "ratio_of_totals": (rate / bound * 1000.0).round() / 1000.0, "cores_busy": busy,
               "cpu_us_per_tx": busy.map(|b| (b / rate * 1e7).round() / 10.0),
               // The reference's CPU a verification (its 2 threads kept busy):
               // what CheckTx spends beyond it is `cpu_us_per_tx` minus this.
               "verify_cpu_us": (2e7 / verify_rate).round() / 10.0,
               "host_steal_ms": steal})
    );
    Ok(())
}

/// P2: FinalizeBlock + Commit of bank sends on RocksDB, blocks of `block_txs`.
fn finalize(accounts: u64, blocks: u64, block_txs: u64, mempool: bool) -> Result<()> {
    let senders = (blocks * block_txs) as usize;
    let gen = txgen::TxGen::with_extra(senders, accounts as usize);
    let mut chain = chain::Chain::new(&gen, "bench-1")?;
    let txs = gen.sends(0, senders, chain.chain_id());
    if mempool {
        check_all(&mut chain, &txs)?;
    }
    chain.block_times.clear();
    let cpu_start = process_cpu_secs();
    let counters_start = process_counters();
    let steal_start = host_steal_ms();
    let start = Instant::now();
    for (i, block) in txs.chunks(block_txs as usize).enumerate() {
        let out = chain.block(i as u64 + 2, block)?;
        if let Some(bad) = out.tx_results.iter().find(|r| r.code != 0) {
            bail!("tx failed in block: {} {}", bad.code, bad.log);
        }
    }
    // The last block's prune, left running in the background, counts too.
    chain.app.finish_pruning()?;
    let secs = start.elapsed().as_secs_f64();
    let steal = host_steal_ms()
        .zip(steal_start)
        .map(|(end, start)| end.saturating_sub(start));
    let cpu = process_cpu_secs()
        .zip(cpu_start)
        .map(|(end, start)| end - start);
    let per_block = |n: u64| (n as f64 / blocks as f64).round();
    let (sys_ms, faults) = match process_counters().zip(counters_start) {
        Some(((_, sys, flt), (_, sys0, flt0))) => (
            Some(per_block(sys.saturating_sub(sys0) * 10)),
            Some(per_block(flt.saturating_sub(flt0))),
        ),
        None => (None, None),
    };
    let rate = senders as f64 / secs;
    let (values, nodes) = chain.app.storage().cache_used();
    // Where each block's time went: FinalizeBlock (execution and the tree
    // update) and Commit (the write), in ms.
    let ms = |d: std::time::Duration| (d.as_secs_f64() * 1e4).round() / 10.0;
    let finalize_ms: Vec<f64> = chain.block_times.iter().map(|t| ms(t.0)).collect();
    let commit_ms: Vec<f64> = chain.block_times.iter().map(|t| ms(t.1)).collect();
    println!(
        "{}",
        json!({"bench": "finalize_commit_bank_send", "accounts": accounts, "blocks": blocks,
               "signatures_verified_in_checktx": mempool,
               "block_txs": block_txs, "tx_per_s": rate.round(),
               "us_per_tx": (secs / senders as f64 * 1e6 * 10.0).round() / 10.0,
               "bound": 20000, "ratio": (rate / 20000.0 * 1000.0).round() / 1000.0,
               "state_cache_mb": {"values": values >> 20, "nodes": nodes >> 20},
               "block_ms": {"finalize": finalize_ms, "commit": commit_ms},
               "cpu_ms_per_block": cpu.map(|c| (c / blocks as f64 * 1e4).round() / 10.0),
               "sys_ms_per_block": sys_ms, "minor_faults_per_block": faults,
               "host_steal_ms": steal})
    );
    Ok(())
}

/// CPU seconds this process has used (Linux: utime + stime of
/// /proc/self/stat, in 100 Hz ticks): shows how much of the 2 cores a
/// pipelined run kept busy.
fn process_cpu_secs() -> Option<f64> {
    let (user, sys, _) = process_counters()?;
    Some((user + sys) as f64 / 100.0)
}

/// This process's user and system CPU time (100 Hz ticks) and minor page
/// faults (Linux: fields 14, 15 and 10 of /proc/self/stat). Kernel time
/// and faults show memory the allocators hand back to the OS and fault in
/// again each block.
fn process_counters() -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some((field(14)?, field(15)?, field(10)?))
}

/// CPU time the hypervisor gave to other machines while this one had work
/// for it, all cores together, in ms (Linux: the `steal` column of
/// /proc/stat's `cpu` line, in 100 Hz ticks). A run with more than a few
/// tens of ms of it was slowed by the host, not by the code measured.
fn host_steal_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let steal: u64 = cpu.split_whitespace().nth(7)?.parse().ok()?;
    steal.checked_mul(10)
}
