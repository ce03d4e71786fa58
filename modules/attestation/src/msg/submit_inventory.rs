//! `MsgSubmitInventory`: the agent's L0 report of the GPUs its host serves.
//!
//! - Fresh: `block_hash` must be the recorded hash of `block_height`, a
//!   block before this one and at most `report_max_age_blocks` older.
//! - Each GPU maps to the SKU whose NVML names include its `name` and whose
//!   memory range holds its `memory_mib`. A name the registry knows with a
//!   memory no SKU of that name accepts is rejected (16): the report
//!   contradicts itself. A name the registry does not know is recorded with
//!   no SKU: reported, never leasable (a host may carry a display GPU).
//! - A GPU in MIG mode is recorded, not leasable.
//! - A uuid another provider holds is rejected (14).
//! - A provider may run an agent on each of its hosts: a report names its
//!   `host` ("" for a provider with one unnamed host) and replaces that
//!   host's inventory only. A GPU it leaves out is removed, unless it serves
//!   an open lease or has a challenge pending; then it is kept, flagged
//!   `missing` (not leasable; its challenge still runs), and removed by the
//!   first later report of its host that leaves it out once free. A uuid the
//!   provider holds under another host moves to the reporting one (the GPU
//!   or the host's name changed).
//! - Reports are fresh for `report_ttl_secs`.
//! - Reporting again never clears a failure: a GPU that failed a challenge
//!   stays unleasable until it passes one (its random challenges go on, the
//!   first due after the provider's jail). A GPU whose SKU changes starts its
//!   L1 standing over.
//! - Every challengeable GPU (known SKU, not MIG) gets a random-challenge
//!   time when first reported.

use std::collections::BTreeSet;

use gpuchain_proto::attestation::{
    Gpu, GpuReport, MsgSubmitInventory, MsgSubmitInventoryResponse, Params, ProviderStatus,
};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{check_text, decode, parse_address, respond};
use crate::challenge::schedule_random;
use crate::error::AttestationError;
use crate::expected::LeaseBook;
use crate::keeper::{gpu_leasable, require_agent};
use crate::{event, state_ext};

pub const TYPE_URL: &str = "/gpuchain.attestation.v1.MsgSubmitInventory";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgSubmitInventoryResponse";

/// The most GPUs a report may carry whatever the params say.
pub const HARD_MAX_GPUS: usize = 1024;

#[derive(Clone, Debug, PartialEq)]
pub struct SubmitInventory {
    pub provider: Address,
    pub agent: Address,
    pub gpus: Vec<GpuReport>,
    pub block_height: u64,
    pub block_hash: Vec<u8>,
    pub host: String,
}

/// The longest host name a report may carry.
pub const MAX_HOST_LEN: usize = 64;

/// Whether `s` is made of `[A-Za-z0-9-_.:]` only.
fn id_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A uuid: 1..=96 bytes of `[A-Za-z0-9-_.:]`.
fn check_uuid(uuid: &str) -> AppResult<()> {
    if uuid.is_empty() || uuid.len() > 96 || !id_chars(uuid) {
        return Err(AttestationError::InvalidField
            .wrap(format!("gpu uuid {uuid:?} must be 1-96 of [A-Za-z0-9-_.:]")));
    }
    Ok(())
}

/// A host name: 0..=64 bytes of `[A-Za-z0-9-_.:]` (a hostname fits).
fn check_host(host: &str) -> AppResult<()> {
    if host.len() > MAX_HOST_LEN || !id_chars(host) {
        return Err(AttestationError::InvalidField.wrap(format!(
            "host {host:?} must be 0-{MAX_HOST_LEN} of [A-Za-z0-9-_.:]"
        )));
    }
    Ok(())
}

/// The SKU of a reported GPU: `Ok(Some(id))`, `Ok(None)` for a name the
/// registry does not know, code 16 for a known name with a foreign memory.
pub fn map_sku(params: &Params, name: &str, memory_mib: u64) -> AppResult<Option<String>> {
    let mut known_name = false;
    for s in &params.skus {
        if s.nvml_names.iter().any(|n| n == name) {
            known_name = true;
            if s.memory_min_mib <= memory_mib && memory_mib <= s.memory_max_mib {
                return Ok(Some(s.id.clone()));
            }
        }
    }
    if known_name {
        return Err(
            AttestationError::MemoryMismatch.wrap(format!("{name:?} with {memory_mib} MiB"))
        );
    }
    Ok(None)
}

impl SubmitInventory {
    /// Decodes (2), addresses (7), at most [`HARD_MAX_GPUS`] (17), the host
    /// and each uuid/name/driver/pci well formed (18), uuids unique (15), a
    /// block hash of 1..=64 bytes (18).
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgSubmitInventory = decode(TYPE_URL, value)?;
        let provider = parse_address("provider", &msg.provider)?;
        let agent = parse_address("agent", &msg.agent)?;
        check_host(&msg.host)?;
        if msg.gpus.len() > HARD_MAX_GPUS {
            return Err(AttestationError::TooManyGpus
                .wrap(format!("{} gpus, at most {HARD_MAX_GPUS}", msg.gpus.len())));
        }
        let mut seen = BTreeSet::new();
        for g in &msg.gpus {
            check_uuid(&g.uuid)?;
            check_text("gpu name", &g.name, 128, false)?;
            check_text("driver version", &g.driver_version, 64, true)?;
            check_text("pci bus id", &g.pci_bus_id, 64, true)?;
            if !seen.insert(g.uuid.as_str()) {
                return Err(AttestationError::DuplicateUuid.wrap(&g.uuid));
            }
        }
        if msg.block_hash.is_empty() || msg.block_hash.len() > 64 {
            return Err(AttestationError::InvalidField.wrap("block hash must be 1-64 bytes"));
        }
        Ok(Self {
            provider,
            agent,
            gpus: msg.gpus,
            block_height: msg.block_height,
            block_hash: msg.block_hash,
            host: msg.host,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.agent]
    }

    /// Registered (3), bonded (6), signed by the provider or its agent (8),
    /// at most `max_gpus_per_report` (17), the block known (11), recent (12)
    /// and matching (13), uuids not another provider's (14), memory
    /// consistent with a known name (16).
    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        leases: &dyn LeaseBook,
    ) -> AppResult<MsgResponse> {
        let p = state_ext::provider(state, &self.provider)?
            .ok_or_else(|| AttestationError::ProviderNotFound.wrap(self.provider))?;
        if p.status != ProviderStatus::Bonded as i32 {
            return Err(AttestationError::ProviderUnbonding.wrap(self.provider));
        }
        require_agent(state, &self.provider, &self.agent)?;
        let params = state_ext::params(state)?;
        let max = usize::try_from(params.max_gpus_per_report).unwrap_or(usize::MAX);
        if self.gpus.len() > max {
            return Err(AttestationError::TooManyGpus
                .wrap(format!("{} gpus, at most {max}", self.gpus.len())));
        }
        self.check_block(state, ctx, &params)?;

        let owner = self.provider.to_string();
        let now = ctx.time_secs;
        let expires_at = now.saturating_add(params.report_ttl_secs);
        let mut skus = Vec::with_capacity(self.gpus.len());
        let mut updated = Vec::with_capacity(self.gpus.len());
        for r in &self.gpus {
            let existing = state_ext::gpu(state, &r.uuid)?;
            if let Some(g) = &existing {
                if g.provider != owner {
                    return Err(AttestationError::UuidClaimed
                        .wrap(format!("{} is {}'s", r.uuid, g.provider)));
                }
            }
            let sku = map_sku(&params, &r.name, r.memory_mib)?.unwrap_or_default();
            let mut g = existing.unwrap_or_else(|| Gpu {
                uuid: r.uuid.clone(),
                provider: owner.clone(),
                ..Gpu::default()
            });
            if g.sku != sku {
                // A different SKU starts its attestation over.
                g.last_passed_at = 0;
            }
            g.name = r.name.clone();
            g.memory_mib = r.memory_mib;
            g.driver_version = r.driver_version.clone();
            g.pci_bus_id = r.pci_bus_id.clone();
            g.mig_mode = r.mig_mode;
            g.host = self.host.clone();
            g.sku = sku.clone();
            g.missing = false;
            g.reported_at = now;
            g.reported_height = self.block_height;
            g.report_expires_at = expires_at;
            skus.push(sku);
            updated.push(g);
        }

        let reported: BTreeSet<&str> = self.gpus.iter().map(|g| g.uuid.as_str()).collect();
        let mut removed = 0usize;
        for mut g in state_ext::gpus_of(state, &self.provider)? {
            // Other hosts' GPUs are theirs to report.
            if g.host != self.host || reported.contains(g.uuid.as_str()) {
                continue;
            }
            if g.pending_challenge_id != 0 || leases.lease_of_gpu(state, &g.uuid)?.is_some() {
                if !g.missing {
                    g.missing = true;
                    state_ext::set_gpu(state, &g)?;
                }
            } else {
                state_ext::delete_gpu(state, &g)?;
                removed = removed.saturating_add(1);
            }
        }

        let mut leasable = 0usize;
        for mut g in updated {
            if g.next_random_challenge_at == 0 || g.sku.is_empty() || g.mig_mode {
                schedule_random(state, ctx, &params, &mut g, now)?;
            }
            if gpu_leasable(&g, now) {
                leasable = leasable.saturating_add(1);
            }
            state_ext::set_gpu(state, &g)?;
        }
        state.emit(event::inventory_submitted(
            &self.provider,
            &self.agent,
            &self.host,
            self.gpus.len(),
            leasable,
            removed,
            expires_at,
        ));
        Ok(respond(
            RESPONSE_TYPE_URL,
            MsgSubmitInventoryResponse { skus },
        ))
    }

    fn check_block(
        &self,
        state: &dyn gpuchain_store::StateRead,
        ctx: &BlockContext,
        params: &Params,
    ) -> AppResult<()> {
        if self.block_height >= ctx.height {
            return Err(AttestationError::UnknownBlock.wrap(format!(
                "block {} is not before block {}",
                self.block_height, ctx.height
            )));
        }
        let age = ctx.height.saturating_sub(self.block_height);
        if age > params.report_max_age_blocks {
            return Err(AttestationError::StaleReport.wrap(format!(
                "block {} is {age} blocks old, at most {}",
                self.block_height, params.report_max_age_blocks
            )));
        }
        match state_ext::block_hash(state, self.block_height)? {
            None => Err(AttestationError::UnknownBlock
                .wrap(format!("no recorded hash for block {}", self.block_height))),
            Some(h) if h != self.block_hash => {
                Err(AttestationError::BlockHashMismatch
                    .wrap(format!("block {}", self.block_height)))
            }
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod hosts_tests;

#[cfg(test)]
mod tests {
    use gpuchain_proto::attestation::GpuStatus;
    use prost::Message;

    use super::*;
    use crate::test_util::*;

    fn h100(uuid: &str, mib: u64, mig: bool) -> GpuReport {
        GpuReport {
            uuid: uuid.into(),
            name: "NVIDIA H100 80GB HBM3".into(),
            memory_mib: mib,
            driver_version: "590.48.01".into(),
            pci_bus_id: "00000000:00:09.0".into(),
            mig_mode: mig,
        }
    }

    #[test]
    fn should_map_skus_and_expire_when_report_is_valid() {
        let mut t = Setup::with_provider(1);
        t.authorize(1, 2);
        let mut other = h100("GPU-x", 1, false);
        other.name = "NVIDIA Quadro X".into();
        let resp = t
            .inventory(
                1,
                2,
                &[
                    h100("GPU-h", 81_559, false),
                    h100("GPU-m", 81_559, true),
                    cpu_gpu("GPU-c"),
                    other,
                ],
            )
            .unwrap();
        let r = MsgSubmitInventoryResponse::decode(resp.value.as_slice()).unwrap();
        assert_eq!(
            r.skus,
            vec![
                "nvidia-h100-sxm-80gb",
                "nvidia-h100-sxm-80gb",
                "test-cpu",
                ""
            ]
        );
        let now = t.ctx.time_secs;
        assert_eq!(
            leasable_uuids(&t.state, &addr(1), "nvidia-h100-sxm-80gb", now).unwrap(),
            vec!["GPU-h"]
        );
        assert_eq!(
            leasable_uuids(&t.state, &addr(1), "test-cpu", now).unwrap(),
            vec!["GPU-c"]
        );
        let g = state_ext::gpu(&t.state, "GPU-m").unwrap().unwrap();
        assert_eq!(crate::keeper::gpu_status(&g, now), GpuStatus::Mig);
        let g = state_ext::gpu(&t.state, "GPU-x").unwrap().unwrap();
        assert_eq!(crate::keeper::gpu_status(&g, now), GpuStatus::UnknownSku);
        let ev = t.event("inventory_submitted").unwrap();
        assert_eq!(ev.get("gpus"), Some("4"));
        assert_eq!(ev.get("leasable"), Some("2"));
        // Expired after the ttl.
        assert!(leasable_uuids(&t.state, &addr(1), "test-cpu", now + TTL)
            .unwrap()
            .is_empty());
        assert_eq!(
            leasable_uuids(&t.state, &addr(1), "test-cpu", now + TTL - 1).unwrap(),
            vec!["GPU-c"]
        );
    }

    #[test]
    fn should_fail_with_codes_and_change_nothing_when_report_bad() {
        let mut t = Setup::with_provider(1);
        t.authorize(1, 2);
        t.register(3);
        t.inventory(3, 3, &[cpu_gpu("GPU-taken")]).unwrap();
        t.next_block();
        let h = t.ctx.height - 1;
        let good_hash = t.hash_of(h);
        let cases: Vec<(Vec<u8>, &str, u32)> = vec![
            // Foreign agent: 3 is a provider, not 1's agent.
            (
                inventory_msg(1, 3, &[cpu_gpu("GPU-a")], h, &good_hash),
                "attestation",
                8,
            ),
            (
                inventory_msg(1, 9, &[cpu_gpu("GPU-a")], h, &good_hash),
                "attestation",
                8,
            ),
            (
                inventory_msg(9, 9, &[cpu_gpu("GPU-a")], h, &good_hash),
                "attestation",
                3,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU-taken")], h, &good_hash),
                "attestation",
                14,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU-a"), cpu_gpu("GPU-a")], h, &good_hash),
                "attestation",
                15,
            ),
            (
                inventory_msg(1, 2, &[h100("GPU-a", 40_000, false)], h, &good_hash),
                "attestation",
                16,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU/a")], h, &good_hash),
                "attestation",
                18,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("")], h, &good_hash),
                "attestation",
                18,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU-a")], h, &[]),
                "attestation",
                18,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU-a")], h, &[7u8; 32]),
                "attestation",
                13,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU-a")], t.ctx.height, &good_hash),
                "attestation",
                11,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU-a")], h + 5, &good_hash),
                "attestation",
                11,
            ),
            (
                inventory_msg(1, 2, &[cpu_gpu("GPU-a")], 0, &good_hash),
                "attestation",
                11,
            ),
            (
                inventory_msg(
                    1,
                    2,
                    &(0..MAX_GPUS + 1)
                        .map(|i| cpu_gpu(&format!("GPU-{i}")))
                        .collect::<Vec<_>>(),
                    h,
                    &good_hash,
                ),
                "attestation",
                17,
            ),
            (vec![0xff, 0x01], "sdk", 2),
        ];
        for (bytes, space, code) in cases {
            t.assert_rejected(TYPE_URL, &bytes, space, code);
        }
    }

    #[test]
    fn should_fail_with_code_12_when_report_is_stale() {
        let mut t = Setup::with_provider(1);
        let h = t.ctx.height - 1;
        let hash = t.hash_of(h);
        for _ in 1..MAX_AGE {
            t.next_block();
        }
        // Exactly max age old: fine.
        t.deliver(
            TYPE_URL,
            &inventory_msg(1, 1, &[cpu_gpu("GPU-a")], h, &hash),
        )
        .unwrap();
        t.next_block();
        t.assert_rejected(
            TYPE_URL,
            &inventory_msg(1, 1, &[cpu_gpu("GPU-a")], h, &hash),
            "attestation",
            12,
        );
        // Pruned once older than the max age.
        assert_eq!(state_ext::block_hash(&t.state, h).unwrap(), None);
    }

    #[test]
    fn should_remove_left_out_gpus_unless_leased_or_challenged() {
        let mut t = Setup::with_provider(1);
        t.inventory(
            1,
            1,
            &[cpu_gpu("GPU-a"), cpu_gpu("GPU-b"), cpu_gpu("GPU-c")],
        )
        .unwrap();
        t.leases.set_gpu_lease("GPU-b", 7, &addr(8), 100);
        t.next_block();
        t.inventory(1, 1, &[]).unwrap();
        assert!(state_ext::gpu(&t.state, "GPU-a").unwrap().is_none());
        assert!(state_ext::gpu(&t.state, "GPU-c").unwrap().is_none());
        let b = state_ext::gpu(&t.state, "GPU-b").unwrap().unwrap();
        assert!(b.missing);
        assert_eq!(
            t.event("inventory_submitted").unwrap().get("removed"),
            Some("2")
        );
        assert!(
            leasable_uuids(&t.state, &addr(1), "test-cpu", t.ctx.time_secs)
                .unwrap()
                .is_empty()
        );
        // Once free, the next report that leaves it out removes it.
        t.leases.clear_gpu_lease("GPU-b");
        t.next_block();
        t.inventory(1, 1, &[]).unwrap();
        assert!(state_ext::gpu(&t.state, "GPU-b").unwrap().is_none());
        assert!(state_ext::gpu_uuids(&t.state, &addr(1)).unwrap().is_empty());
    }

    #[test]
    fn should_fail_with_code_6_when_provider_unbonding() {
        let mut t = Setup::with_provider(1);
        t.unbond(1).unwrap();
        t.next_block();
        let h = t.ctx.height - 1;
        let hash = t.hash_of(h);
        t.assert_rejected(
            TYPE_URL,
            &inventory_msg(1, 1, &[cpu_gpu("GPU-a")], h, &hash),
            "attestation",
            6,
        );
    }
}
