//! The two modules that ask each other questions, wired together here so
//! neither crate depends on the other: the market asks the provider registry
//! (attestation) through [`gpuchain_market::ProviderRegistry`]; attestation
//! asks the market about leases through [`gpuchain_attestation::LeaseBook`].

use gpuchain_market::HostedGpu;
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext, Coins};

/// The attestation module, as the market's provider registry.
pub struct AttestationRegistry;

impl gpuchain_market::ProviderRegistry for AttestationRegistry {
    fn provider(
        &self,
        state: &dyn StateRead,
        provider: &Address,
    ) -> AppResult<Option<gpuchain_market::ProviderInfo>> {
        Ok(
            gpuchain_attestation::provider_info(state, provider)?.map(|p| {
                gpuchain_market::ProviderInfo {
                    active: p.active,
                    attestation_level: p.attestation_level,
                    region: p.region,
                }
            }),
        )
    }

    fn is_agent(
        &self,
        state: &dyn StateRead,
        provider: &Address,
        signer: &Address,
    ) -> AppResult<bool> {
        gpuchain_attestation::is_agent(state, provider, signer)
    }

    fn sku_exists(&self, state: &dyn StateRead, sku: &str) -> AppResult<bool> {
        gpuchain_attestation::sku_exists(state, sku)
    }

    fn leasable_gpus(
        &self,
        state: &dyn StateRead,
        provider: &Address,
        sku: &str,
        now: i64,
    ) -> AppResult<Vec<HostedGpu>> {
        Ok(
            gpuchain_attestation::leasable_gpus(state, provider, sku, now)?
                .into_iter()
                .map(|g| HostedGpu {
                    uuid: g.uuid,
                    host: g.host,
                })
                .collect(),
        )
    }

    fn on_lease_acked(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        lease_id: u64,
        provider: &Address,
        gpu_uuids: &[String],
    ) -> AppResult<()> {
        gpuchain_attestation::on_lease_acked(state, ctx, lease_id, provider, gpu_uuids)
    }

    fn slash_bond_to(
        &self,
        state: &mut dyn StateWrite,
        provider: &Address,
        bps: u32,
        to: &Address,
    ) -> AppResult<Coins> {
        gpuchain_attestation::slash_bond_to(state, provider, bps, to)
    }
}

/// The market, as the attestation module's book of leases.
pub struct MarketLeaseBook;

impl gpuchain_attestation::LeaseBook for MarketLeaseBook {
    fn open_lease_count(&self, state: &dyn StateRead, provider: &Address) -> AppResult<u64> {
        gpuchain_market::open_lease_count(state, provider)
    }

    fn lease_of_gpu(&self, state: &dyn StateRead, uuid: &str) -> AppResult<Option<u64>> {
        gpuchain_market::lease_of_gpu(state, uuid)
    }

    fn lease_tenant_deposit(
        &self,
        state: &dyn StateRead,
        lease_id: u64,
    ) -> AppResult<Option<(Address, u128)>> {
        let Some(lease) = gpuchain_market::get_lease(state, lease_id)? else {
            return Ok(None);
        };
        let Some(account) = gpuchain_escrow::get(state, lease.order_id)? else {
            return Ok(None);
        };
        Ok(Some((account.owner, account.deposited)))
    }

    fn close_lease_faulted(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        lease_id: u64,
        _compensation: &Coins,
    ) -> AppResult<()> {
        // The compensation was paid by attestation; its events say so.
        gpuchain_market::close_lease_faulted(state, ctx, lease_id).map(|_| ())
    }
}
