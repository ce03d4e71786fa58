//! Recomputing the rows an opening reveals, on the GPU.
//!
//! A row of a lane depends only on the same row of the previous round
//! (`gpuchain_challenge::replay_rows` is the CPU reference), so the chosen
//! rows are followed as "chains" through the rounds: each round generates
//! B_r (as the solve does) and multiplies just those rows by it. For a
//! data-centre challenge that is the B_r generation of every round up to the
//! last one opened plus a few hundred row products: a small part of the
//! solve.

use std::collections::{BTreeMap, BTreeSet};

use cudarc::driver::PushKernelArg;
use gpuchain_challenge::{ChallengeParams, RowKey};

use super::solver::{alloc, err, guard, launch_config, product, too_large, CudaSolver};
use super::solver::{TAG_A, TAG_M};

impl CudaSolver {
    /// `Y_round[row]` of every key in `wanted`, identical to
    /// `gpuchain_challenge::replay_rows`.
    pub fn replay_rows(
        &self,
        params: &ChallengeParams,
        seed: &[u8; 32],
        wanted: &[RowKey],
    ) -> Result<BTreeMap<RowKey, Vec<u8>>, String> {
        guard(|| self.replay_unguarded(params, seed, wanted))
    }

    fn replay_unguarded(
        &self,
        params: &ChallengeParams,
        seed: &[u8; 32],
        wanted: &[RowKey],
    ) -> Result<BTreeMap<RowKey, Vec<u8>>, String> {
        params.validate().map_err(|e| format!("cuda: {e}"))?;
        if let Some(k) = wanted.iter().find(|k| !k.is_within(params)) {
            return Err(format!("cuda: row {k:?} is outside the challenge"));
        }
        let mut out = BTreeMap::new();
        let Some(last) = wanted.iter().map(|k| k.round).max() else {
            return Ok(out);
        };
        let wanted: BTreeSet<RowKey> = wanted.iter().copied().collect();
        let chains: Vec<(u32, u32)> = wanted
            .iter()
            .map(|k| (k.lane, k.row))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let count = u32::try_from(chains.len()).map_err(|_| too_large())?;
        let (n, n64) = (params.n, u64::from(params.n));
        let c64 = u64::from(count);
        let s = &self.stream;
        let lanes: Vec<u32> = chains.iter().map(|c| c.0).collect();
        let rows: Vec<u32> = chains.iter().map(|c| c.1).collect();
        let lanes_d = s.clone_htod(&lanes).map_err(|e| err("copy chains", e))?;
        let rows_d = s.clone_htod(&rows).map_err(|e| err("copy chains", e))?;
        let seed_d = s.clone_htod(&seed[..]).map_err(|e| err("copy seed", e))?;
        let mut b_keys = alloc(s, product(n64, 32)?)?;
        let mut b = alloc(s, product(n64, n64)?)?;
        let mut keys = alloc(s, product(c64, 32)?)?;
        let mut x = alloc(s, product(c64, n64)?)?;
        let mut y = alloc(s, product(c64, n64)?)?;
        let mut leaves = alloc(s, product(c64, 32)?)?;
        let row_bytes = usize::try_from(n).map_err(|_| too_large())?;
        let mut host = vec![0u8; chains.len().checked_mul(row_bytes).ok_or_else(too_large)?];
        let entries = product(c64, n64)?;
        for round in 0..=last {
            self.fill_b(&seed_d, &mut b_keys, &mut b, n, round, &mut None)?;
            let (tag, use_extra) = if round == 0 {
                (TAG_A, 0u32)
            } else {
                (TAG_M, 1u32)
            };
            let mut l = s.launch_builder(&self.k.chain_keys);
            l.arg(&seed_d)
                .arg(&tag)
                .arg(&lanes_d)
                .arg(&rows_d)
                .arg(&count)
                .arg(&round)
                .arg(&leaves)
                .arg(&use_extra)
                .arg(&mut keys);
            // SAFETY: matches `chain_keys`'s signature; the chain arrays,
            // `leaves` and `keys` hold `count` entries.
            unsafe { l.launch(launch_config(c64)) }.map_err(|e| err("chain_keys", e))?;
            let mix = (round > 0).then_some(&y);
            self.fill_streams(&keys, c64, n, mix, &mut x, "fill_streams chains")?;
            let mut l = s.launch_builder(&self.k.gemm_rows_low_byte);
            l.arg(&x).arg(&b).arg(&mut y).arg(&count).arg(&n);
            // SAFETY: as above (`gemm_rows_low_byte`).
            unsafe { l.launch(launch_config(entries)) }.map_err(|e| err("gemm_rows", e))?;
            let mut l = s.launch_builder(&self.k.chain_leaves);
            l.arg(&y)
                .arg(&lanes_d)
                .arg(&rows_d)
                .arg(&count)
                .arg(&round)
                .arg(&n)
                .arg(&mut leaves);
            // SAFETY: as above (`chain_leaves`).
            unsafe { l.launch(launch_config(c64)) }.map_err(|e| err("chain_leaves", e))?;
            let opened_now = chains
                .iter()
                .any(|&(lane, row)| wanted.contains(&RowKey { lane, round, row }));
            if opened_now {
                s.memcpy_dtoh(&y, &mut host[..])
                    .map_err(|e| err("copy rows", e))?;
                self.sync()?;
                for (&(lane, row), bytes) in chains.iter().zip(host.chunks(row_bytes)) {
                    let key = RowKey { lane, round, row };
                    if wanted.contains(&key) {
                        out.insert(key, bytes.to_vec());
                    }
                }
            }
        }
        self.sync()?;
        Ok(out)
    }
}
