//! What the attestation module needs from the market ("expected keeper").
//! The app passes an adapter over the market module to
//! [`crate::AttestationComponent::new`]; tests use a test double. This crate
//! never depends on the market crate.

use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext, Coins};

pub trait LeaseBook: Send + Sync {
    /// How many leases of `provider` are open (pending or active).
    fn open_lease_count(&self, state: &dyn StateRead, provider: &Address) -> AppResult<u64>;

    /// The open lease the GPU `uuid` serves (acknowledged with it), if any.
    fn lease_of_gpu(&self, state: &dyn StateRead, uuid: &str) -> AppResult<Option<u64>>;

    /// The tenant of an open lease and its deposit so far (in the lease's
    /// price denom; used only as weights to split a compensation); `None`
    /// when the lease is not open.
    fn lease_tenant_deposit(
        &self,
        state: &dyn StateRead,
        lease_id: u64,
    ) -> AppResult<Option<(Address, u128)>>;

    /// Closes an open lease as `provider_faulted` at block time: settles it
    /// to `ctx.time_secs` and refunds the tenant the rest of its deposit in
    /// full. `compensation` has already been paid to the tenant by the
    /// attestation module (from the slashed bond); it is passed only so the
    /// market can report it (e.g. on its `lease_closed` event).
    fn close_lease_faulted(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        lease_id: u64,
        compensation: &Coins,
    ) -> AppResult<()>;
}
