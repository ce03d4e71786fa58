//! `MsgWithdrawAll`: the provider collects what every active lease of its
//! owes it now.

use std::collections::BTreeMap;

use gpuchain_proto::market::{LeaseState, MsgWithdrawAll, MsgWithdrawAllResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{decode, parse_address, respond};
use crate::keeper::{amount_of, emit_payment, proto_coin};
use crate::state_ext as se;
use crate::state_key::nv;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgWithdrawAll";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgWithdrawAllResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawAll {
    pub provider: Address,
}

impl WithdrawAll {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgWithdrawAll = decode(TYPE_URL, value)?;
        Ok(Self {
            provider: parse_address("provider", &m.provider)?,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.provider]
    }

    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
    ) -> AppResult<MsgResponse> {
        let params = se::params(state)?;
        let mut paid: BTreeMap<String, (u128, u128)> = BTreeMap::new();
        let mut leases = 0u32;
        for id in se::nv_ids(state, &nv::open_leases_prefix(&self.provider))? {
            let Some(lease) = se::lease(state, id)? else {
                continue;
            };
            if lease.state != LeaseState::Active as i32 {
                continue;
            }
            let p = gpuchain_escrow::settle(
                state,
                lease.order_id,
                ctx.time_secs,
                params.take_rate_bps,
            )?;
            if p.to_provider == 0 && p.take == 0 {
                continue;
            }
            emit_payment(state, &lease, &p)?;
            leases = leases.saturating_add(1);
            let (denom, _) = amount_of(&lease.price_per_gpu_hour)?;
            let e = paid.entry(denom).or_default();
            e.0 = e.0.saturating_add(p.to_provider);
            e.1 = e.1.saturating_add(p.take);
        }
        Ok(respond(
            RESPONSE_TYPE_URL,
            &MsgWithdrawAllResponse {
                amount: paid.iter().map(|(d, (a, _))| proto_coin(*a, d)).collect(),
                take: paid.iter().map(|(d, (_, t))| proto_coin(*t, d)).collect(),
                leases,
            },
        ))
    }
}
