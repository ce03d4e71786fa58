//! What the market needs from other modules ("expected keepers"): the one
//! question it asks the provider registry (the attestation module). The app
//! passes the real registry to [`crate`]'s component; the market's tests use
//! a test double, and the real module must pass the same tests.

use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext, Coins};

/// A provider as the market sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    /// Registered, bonded, not jailed and not unbonding: may get new leases.
    pub active: bool,
    /// The attestation level its GPUs have reached (0: fresh inventory
    /// report; 1: passing GPU challenges).
    pub attestation_level: u32,
    pub region: String,
}

/// A GPU that may be leased, and the provider's host that serves it (a
/// lease's GPUs must all be on one host: one machine runs the workload).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostedGpu {
    pub uuid: String,
    pub host: String,
}

pub trait ProviderRegistry: Send + Sync {
    /// The provider's standing; `None` when it is not registered.
    fn provider(
        &self,
        state: &dyn StateRead,
        provider: &Address,
    ) -> AppResult<Option<ProviderInfo>>;

    /// Whether `signer` may sign agent messages (lease acknowledgements) for
    /// `provider`. The provider's own key always may.
    fn is_agent(
        &self,
        state: &dyn StateRead,
        provider: &Address,
        signer: &Address,
    ) -> AppResult<bool>;

    /// Whether `sku` is in the SKU registry.
    fn sku_exists(&self, state: &dyn StateRead, sku: &str) -> AppResult<bool>;

    /// The provider's GPUs of `sku` that may be leased at block time `now`
    /// (fresh report, attested, not in MIG mode, not failed), in uuid order,
    /// with their hosts. Whether a GPU already serves a lease is the
    /// market's own knowledge.
    fn leasable_gpus(
        &self,
        state: &dyn StateRead,
        provider: &Address,
        sku: &str,
        now: i64,
    ) -> AppResult<Vec<HostedGpu>>;

    /// A lease was acknowledged with these GPUs: the registry issues its
    /// acknowledgement challenge on them.
    fn on_lease_acked(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        lease_id: u64,
        provider: &Address,
        gpu_uuids: &[String],
    ) -> AppResult<()>;

    /// Takes `bps` basis points of the provider's bond and pays them to `to`
    /// (a tenant whose lease timed out); returns what was paid (possibly
    /// nothing, when the bond is gone).
    fn slash_bond_to(
        &self,
        state: &mut dyn StateWrite,
        provider: &Address,
        bps: u32,
        to: &Address,
    ) -> AppResult<Coins>;
}
