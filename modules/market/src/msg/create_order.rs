//! `MsgCreateOrder`: a tenant's demand, escrowed and matched in the same
//! block when an offer fits (lowest price, then lowest offer id).

use gpuchain_proto::market::{MsgCreateOrder, MsgCreateOrderResponse, Order, OrderState};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppError, AppResult, BlockContext, Coin};

use super::{check_denom_allowed, check_name, decode, invalid, parse_address, parse_coin, respond};
use crate::error::MarketError;
use crate::event;
use crate::expected::ProviderRegistry;
use crate::keeper::{add_secs, create_lease, find_offer, proto_coin, rate_of};
use crate::state_ext as se;
use crate::state_key::nv;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgCreateOrder";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgCreateOrderResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateOrder {
    pub tenant: Address,
    pub sku: String,
    pub gpu_count: u32,
    pub max_price: Coin,
    pub duration: i64,
    pub deposit: Coin,
    pub region: String,
    pub target_offer_id: u64,
    pub target_provider: Option<Address>,
    pub min_attestation_level: u32,
    pub ttl: i64,
}

/// `gpu_count * max_price * min_prepaid_secs / 3600`, rounded down.
pub fn min_deposit(gpu_count: u32, max_price: u128, min_prepaid_secs: i64) -> AppResult<u128> {
    let secs = u128::try_from(min_prepaid_secs).unwrap_or(0);
    rate_of(gpu_count, max_price)?
        .checked_mul(secs)
        .map(|v| v / 3600)
        .ok_or_else(|| AppError::invalid_coins("minimum deposit overflows"))
}

impl CreateOrder {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgCreateOrder = decode(TYPE_URL, value)?;
        let tenant = parse_address("tenant", &m.tenant)?;
        check_name("sku", &m.sku, false)?;
        check_name("region", &m.region, true)?;
        let max_price = parse_coin("max_price_per_gpu_hour", &m.max_price_per_gpu_hour)?;
        let deposit = parse_coin("deposit", &m.deposit)?;
        if deposit.denom != max_price.denom {
            return Err(MarketError::DenomMismatch.wrap(format!(
                "deposit in {}, price in {}",
                deposit.denom, max_price.denom
            )));
        }
        if m.gpu_count == 0 {
            return Err(invalid("gpu_count must be positive"));
        }
        if m.duration <= 0 {
            return Err(MarketError::InvalidDuration.wrap(format!("duration {}", m.duration)));
        }
        if m.ttl <= 0 {
            return Err(MarketError::InvalidTtl.wrap(format!("ttl {}", m.ttl)));
        }
        let target_provider = if m.target_provider.is_empty() {
            None
        } else {
            Some(parse_address("target_provider", &m.target_provider)?)
        };
        Ok(Self {
            tenant,
            sku: m.sku,
            gpu_count: m.gpu_count,
            max_price,
            duration: m.duration,
            deposit,
            region: m.region,
            target_offer_id: m.target_offer_id,
            target_provider,
            min_attestation_level: m.min_attestation_level,
            ttl: m.ttl,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.tenant]
    }

    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        registry: &dyn ProviderRegistry,
    ) -> AppResult<MsgResponse> {
        let params = se::params(state)?;
        let now = ctx.time_secs;
        if !registry.sku_exists(state, &self.sku)? {
            return Err(MarketError::UnknownSku.wrap(&self.sku));
        }
        check_denom_allowed(&params, &self.deposit.denom)?;
        if self.gpu_count > params.max_gpus_per_order {
            return Err(MarketError::TooManyGpus.wrap(format!("{} gpus", self.gpu_count)));
        }
        if self.duration > params.max_duration_secs {
            return Err(MarketError::InvalidDuration.wrap(format!(
                "duration {} above {}",
                self.duration, params.max_duration_secs
            )));
        }
        if self.ttl > params.max_order_ttl_secs {
            return Err(MarketError::InvalidTtl.wrap(format!(
                "ttl {} above {}",
                self.ttl, params.max_order_ttl_secs
            )));
        }
        let open = se::open_order_count(state, &self.tenant)?;
        if open >= params.max_open_orders_per_tenant {
            return Err(MarketError::TooManyOpenOrders.wrap(format!("{} has {open}", self.tenant)));
        }
        let need = min_deposit(
            self.gpu_count,
            self.max_price.amount,
            params.min_prepaid_secs,
        )?;
        if self.deposit.amount < need {
            return Err(MarketError::InsufficientPrepaid.wrap(format!(
                "deposit {} below {need}{}",
                self.deposit, self.deposit.denom
            )));
        }
        let expires_at = add_secs(now, self.ttl)?;
        // The escrow opens (or fails, writing nothing) before the id is taken.
        let id = se::peek_next_id(state, "order")?;
        gpuchain_escrow::open(state, id, &self.tenant, &self.deposit)?;
        se::take_next_id(state, "order")?;
        let mut order = Order {
            id,
            tenant: self.tenant.to_string(),
            sku: self.sku.clone(),
            gpu_count: self.gpu_count,
            max_price_per_gpu_hour: Some(proto_coin(self.max_price.amount, &self.max_price.denom)),
            duration: self.duration,
            deposit: Some(proto_coin(self.deposit.amount, &self.deposit.denom)),
            region: self.region.clone(),
            target_offer_id: self.target_offer_id,
            target_provider: self
                .target_provider
                .map(|a| a.to_string())
                .unwrap_or_default(),
            min_attestation_level: self.min_attestation_level,
            created_at: now,
            expires_at,
            state: OrderState::Open as i32,
            lease_id: 0,
        };
        se::set_open_order_count(state, &self.tenant, open.saturating_add(1))?;
        state.nv_put(nv::orders_by_tenant(&self.tenant, id), Vec::new())?;
        state.emit(event::order_created(
            id,
            &self.tenant,
            &self.sku,
            self.gpu_count,
            &self.deposit.to_string(),
        ));
        let lease_id = match find_offer(state, registry, &params, now, &order)? {
            Some(offer) => create_lease(state, &params, now, &mut order, &offer, false)?,
            None => {
                se::put_order(state, &order)?;
                state.nv_put(nv::expiry(expires_at, id), Vec::new())?;
                state.nv_put(nv::retry(&self.sku, id), Vec::new())?;
                0
            }
        };
        Ok(respond(
            RESPONSE_TYPE_URL,
            &MsgCreateOrderResponse {
                order_id: id,
                lease_id,
            },
        ))
    }
}
