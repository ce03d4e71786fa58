//! L0 inventory: what the agent reports ([`to_reports`]) and when
//! ([`InventoryTracker`]): on start, when the hardware changed, and before
//! the chain's copy of the report expires (or when the chain lacks a GPU the
//! host has).

use std::time::{Duration, Instant};

use gpuchain_proto::attestation::{Gpu, GpuReport};

use crate::hardware::{GpuInfo, MigMode};

/// The report of a hardware read, in uuid order (so that comparing two
/// reads compares their content).
pub fn to_reports(gpus: &[GpuInfo]) -> Vec<GpuReport> {
    let mut out: Vec<GpuReport> = gpus
        .iter()
        .map(|g| GpuReport {
            uuid: g.uuid.clone(),
            name: g.name.clone(),
            memory_mib: g.memory_mib,
            driver_version: g.driver_version.clone(),
            pci_bus_id: g.pci_bus_id.clone(),
            mig_mode: g.mig_mode == MigMode::Enabled,
        })
        .collect();
    out.sort_by(|a, b| a.uuid.cmp(&b.uuid));
    out
}

/// Why a report is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportReason {
    /// The agent just started.
    Start,
    /// The hardware differs from the last report sent.
    Changed,
    /// The chain has no (or a different) record of this GPU for the provider.
    NotOnChain(String),
    /// The chain's record expires at this block time, within the margin.
    Expiring(i64),
}

/// Seconds before `report_expires_at` at which the agent re-reports:
/// half the TTL, but no more than two report intervals, at least 1.
pub fn refresh_margin(report_ttl_secs: i64, interval_secs: u64) -> i64 {
    let two_intervals = i64::try_from(interval_secs.saturating_mul(2)).unwrap_or(i64::MAX);
    (report_ttl_secs / 2).min(two_intervals).max(1)
}

/// Whose GPUs a report carries: one of a provider's hosts (each runs an
/// agent; the chain replaces a host's GPUs with its report, and leaves the
/// other hosts' alone).
#[derive(Clone, Copy, Debug)]
pub struct Reporter<'a> {
    pub provider: &'a str,
    pub host: &'a str,
}

impl Reporter<'_> {
    fn holds(&self, g: &Gpu) -> bool {
        g.provider == self.provider && g.host == self.host
    }
}

/// The chain-side reason a report is due, if any: a GPU of `current` is not
/// on chain for this host (or differs), or its record expires within
/// `margin` seconds of `now` (block time).
pub fn chain_reason(
    current: &[GpuReport],
    chain: &[Gpu],
    at: Reporter<'_>,
    now: i64,
    margin: i64,
) -> Option<ReportReason> {
    // A GPU the chain holds for this host but the host no longer has.
    if let Some(gone) = chain
        .iter()
        .find(|g| at.holds(g) && !g.missing && !current.iter().any(|r| r.uuid == g.uuid))
    {
        return Some(ReportReason::NotOnChain(gone.uuid.clone()));
    }
    let mut earliest: Option<i64> = None;
    for r in current {
        let Some(g) = chain.iter().find(|g| g.uuid == r.uuid && at.holds(g)) else {
            return Some(ReportReason::NotOnChain(r.uuid.clone()));
        };
        if g.missing
            || g.name != r.name
            || g.memory_mib != r.memory_mib
            || g.mig_mode != r.mig_mode
            || g.driver_version != r.driver_version
            || g.pci_bus_id != r.pci_bus_id
        {
            return Some(ReportReason::NotOnChain(r.uuid.clone()));
        }
        earliest = Some(earliest.map_or(g.report_expires_at, |e| e.min(g.report_expires_at)));
    }
    match earliest {
        Some(e) if e.saturating_sub(margin) <= now => Some(ReportReason::Expiring(e)),
        _ => None,
    }
}

/// Remembers (in memory only) what was last sent, so a report goes out on
/// start, on change, and when the chain needs one, without resending every
/// poll after a rejection.
#[derive(Debug, Default)]
pub struct InventoryTracker {
    last_attempted: Option<Vec<GpuReport>>,
    cooldown_until: Option<Instant>,
}

impl InventoryTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to submit `current` now, and why.
    pub fn due(
        &self,
        current: &[GpuReport],
        chain: &[Gpu],
        at: Reporter<'_>,
        block_time: i64,
        margin: i64,
        now: Instant,
    ) -> Option<ReportReason> {
        match &self.last_attempted {
            // On start, report only what the chain lacks: a restart whose
            // hardware the chain already holds, fresh, costs no tx.
            None => {
                return chain_reason(current, chain, at, block_time, margin)
                    .map(|_| ReportReason::Start)
            }
            Some(last) if last.as_slice() != current => return Some(ReportReason::Changed),
            Some(_) => {}
        }
        if self.cooldown_until.is_some_and(|t| now < t) {
            return None;
        }
        chain_reason(current, chain, at, block_time, margin)
    }

    /// Records an attempt: `accepted` by the chain or not; chain-side
    /// reasons are not acted on again before `cooldown` has passed.
    pub fn attempted(&mut self, report: Vec<GpuReport>, now: Instant, cooldown: Duration) {
        self.last_attempted = Some(report);
        self.cooldown_until = now.checked_add(cooldown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Reporter<'static> = Reporter {
        provider: "p",
        host: "",
    };

    fn info(uuid: &str, mem: u64) -> GpuInfo {
        GpuInfo {
            uuid: uuid.into(),
            name: "NVIDIA H100 80GB HBM3".into(),
            memory_mib: mem,
            driver_version: "550.54.15".into(),
            pci_bus_id: "00000000:00:09.0".into(),
            mig_mode: MigMode::Disabled,
            serial: None,
            compute_cap: None,
            pci_device_id: None,
            index: None,
            mig_devices: vec![],
        }
    }

    fn on_chain(r: &GpuReport, provider: &str, expires: i64) -> Gpu {
        Gpu {
            uuid: r.uuid.clone(),
            provider: provider.into(),
            name: r.name.clone(),
            memory_mib: r.memory_mib,
            driver_version: r.driver_version.clone(),
            pci_bus_id: r.pci_bus_id.clone(),
            mig_mode: r.mig_mode,
            report_expires_at: expires,
            ..Gpu::default()
        }
    }

    #[test]
    fn should_sort_reports_and_map_mig_when_converting() {
        let mut b = info("GPU-b", 81559);
        b.mig_mode = MigMode::Enabled;
        let r = to_reports(&[b, info("GPU-a", 81559)]);
        assert_eq!(r[0].uuid, "GPU-a");
        assert!(!r[0].mig_mode);
        assert_eq!(r[1].uuid, "GPU-b");
        assert!(r[1].mig_mode);
        assert_eq!(r[1].memory_mib, 81559);
        assert_eq!(r[1].driver_version, "550.54.15");
    }

    #[test]
    fn should_report_on_start_then_on_change_only_when_hardware_differs() {
        let t0 = Instant::now();
        let mut t = InventoryTracker::new();
        let a = to_reports(&[info("GPU-a", 81559), info("GPU-b", 81559)]);
        let chain: Vec<Gpu> = a.iter().map(|r| on_chain(r, "p", 1_000)).collect();
        // On start: a report only when the chain lacks one (here: nothing
        // on chain), none when it already holds this hardware, fresh.
        assert_eq!(t.due(&a, &[], P, 0, 100, t0), Some(ReportReason::Start));
        assert_eq!(t.due(&a, &chain, P, 0, 100, t0), None);
        // A GPU on chain the host no longer has is reported gone on start.
        let only_a = to_reports(&[info("GPU-a", 81559)]);
        assert_eq!(
            t.due(&only_a, &chain, P, 0, 100, t0),
            Some(ReportReason::Start)
        );
        t.attempted(a.clone(), t0, Duration::from_secs(10));
        assert_eq!(t.due(&a, &chain, P, 0, 100, t0), None);
        // Same GPUs read in another order: no change.
        let reordered = to_reports(&[info("GPU-b", 81559), info("GPU-a", 81559)]);
        assert_eq!(t.due(&reordered, &chain, P, 0, 100, t0), None);
        let removed = to_reports(&[info("GPU-a", 81559)]);
        assert_eq!(
            t.due(&removed, &chain, P, 0, 100, t0),
            Some(ReportReason::Changed)
        );
        let changed = to_reports(&[info("GPU-a", 81559), info("GPU-b", 40960)]);
        assert_eq!(
            t.due(&changed, &chain, P, 0, 100, t0),
            Some(ReportReason::Changed)
        );
    }

    #[test]
    fn should_report_before_expiry_when_within_margin_after_cooldown() {
        let t0 = Instant::now();
        let mut t = InventoryTracker::new();
        let a = to_reports(&[info("GPU-a", 81559)]);
        let chain = vec![on_chain(&a[0], "p", 1_000)];
        t.attempted(a.clone(), t0, Duration::from_secs(10));
        assert_eq!(
            t.due(&a, &chain, P, 899, 100, t0 + Duration::from_secs(11)),
            None
        );
        assert_eq!(
            t.due(&a, &chain, P, 900, 100, t0 + Duration::from_secs(11)),
            Some(ReportReason::Expiring(1_000))
        );
        // Within the cooldown nothing chain-side is acted on.
        assert_eq!(
            t.due(&a, &chain, P, 900, 100, t0 + Duration::from_secs(5)),
            None
        );
    }

    #[test]
    fn should_report_when_chain_lacks_or_differs_from_the_host() {
        let a = to_reports(&[info("GPU-a", 81559)]);
        assert_eq!(
            chain_reason(&a, &[], P, 0, 10),
            Some(ReportReason::NotOnChain("GPU-a".into()))
        );
        let other_provider = vec![on_chain(&a[0], "q", 1_000)];
        assert_eq!(
            chain_reason(&a, &other_provider, P, 0, 10),
            Some(ReportReason::NotOnChain("GPU-a".into()))
        );
        let mut missing = on_chain(&a[0], "p", 1_000);
        missing.missing = true;
        assert!(chain_reason(&a, &[missing], P, 0, 10).is_some());
        let mut stale = on_chain(&a[0], "p", 1_000);
        stale.driver_version = "535".into();
        assert!(chain_reason(&a, &[stale], P, 0, 10).is_some());
        assert_eq!(
            chain_reason(&a, &[on_chain(&a[0], "p", 1_000)], P, 0, 10),
            None
        );
        assert_eq!(chain_reason(&[], &[], P, 0, 10), None);
    }

    #[test]
    fn should_leave_other_hosts_gpus_out_of_this_hosts_report() {
        let a = to_reports(&[info("GPU-a", 81559)]);
        let here = Reporter {
            provider: "p",
            host: "h1",
        };
        let mut mine = on_chain(&a[0], "p", 1_000);
        mine.host = "h1".into();
        let mut theirs = on_chain(&to_reports(&[info("GPU-z", 81559)])[0], "p", 1_000);
        theirs.host = "h2".into();
        // Another host's GPU on chain is not "gone" from this one.
        assert_eq!(
            chain_reason(&a, &[mine.clone(), theirs.clone()], here, 0, 10),
            None
        );
        // This host's GPU recorded under another host: reported (it moves).
        let mut moved = mine.clone();
        moved.host = "h2".into();
        assert_eq!(
            chain_reason(&a, &[moved, theirs], here, 0, 10),
            Some(ReportReason::NotOnChain("GPU-a".into()))
        );
        // A GPU this host no longer has is.
        assert_eq!(
            chain_reason(&[], &[mine], here, 0, 10),
            Some(ReportReason::NotOnChain("GPU-a".into()))
        );
    }

    #[test]
    fn should_bound_refresh_margin_by_ttl_and_interval() {
        assert_eq!(refresh_margin(3_600, 300), 600);
        assert_eq!(refresh_margin(60, 300), 30);
        assert_eq!(refresh_margin(60, 10), 20);
        assert_eq!(refresh_margin(0, 10), 1);
    }
}
