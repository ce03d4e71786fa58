//! Running one tx: decode, ante on its own layer (kept once it passes, so the
//! fee stays paid and the sequence advanced), then the messages on a layer
//! above it, all or nothing.

pub mod amino;
pub mod ante;
pub mod decode;
pub mod fee;
pub(crate) mod handoff;
pub mod preverify;
pub mod sig_cache;
pub mod signature;
pub mod std_tx;

use std::panic::{catch_unwind, AssertUnwindSafe};

use cosmos_sdk_proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmos_sdk_proto::Any;
use gpuchain_store::{Delta, GasMeter};
use gpuchain_types::{AppError, AppResult, BlockContext, Event};
use prost::Message;

use crate::router::Router;
use ante::{run_ante, AnteEnv};
use decode::{decode_tx, DecodedTx};
use fee::MinGasPrices;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecMode {
    /// CheckTx (and recheck): the node's mempool policy applies.
    Check,
    /// FinalizeBlock: chain-wide rules only.
    Deliver,
    /// Simulate: no signature checks, unlimited gas, results discarded.
    Simulate,
}

/// What a tx did, as CheckTx, FinalizeBlock and Simulate report it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxOutcome {
    pub code: u32,
    pub codespace: String,
    pub log: String,
    pub gas_wanted: u64,
    pub gas_used: u64,
    pub events: Vec<Event>,
    /// Protobuf TxMsgData, as the SDK returns in `data`.
    pub data: Vec<u8>,
    pub msg_responses: Vec<Any>,
}

impl TxOutcome {
    fn failed(e: AppError, gas_wanted: u64, gas_used: u64, events: Vec<Event>) -> Self {
        Self {
            code: e.code,
            codespace: e.codespace.into_owned(),
            log: e.log,
            gas_wanted,
            gas_used,
            events,
            ..Default::default()
        }
    }

    pub fn is_ok(&self) -> bool {
        self.code == 0
    }
}

pub struct TxEnv<'a> {
    pub router: &'a Router,
    pub sig_cache: Option<&'a sig_cache::SigCache>,
    pub ctx: &'a BlockContext,
    pub min_gas_prices: &'a MinGasPrices,
    pub max_tx_bytes: usize,
}

/// Runs a tx on `state` (the block's or the mempool's layer). On any failure
/// before the messages, `state` is unchanged.
pub fn execute_tx(
    env: &TxEnv<'_>,
    state: &mut Delta<'_>,
    tx_bytes: &[u8],
    mode: ExecMode,
) -> TxOutcome {
    execute_decoded(env, state, tx_bytes, None, mode)
}

/// [`execute_tx`] with the tx possibly decoded already: `decoded` must be
/// what `decode_tx` (simulate off) returned for `tx_bytes`, as
/// [`preverify::preverify_while`] hands over; `None` decodes here.
pub fn execute_decoded(
    env: &TxEnv<'_>,
    state: &mut Delta<'_>,
    tx_bytes: &[u8],
    decoded: Option<DecodedTx>,
    mode: ExecMode,
) -> TxOutcome {
    let simulate = mode == ExecMode::Simulate;
    let decoded = decoded.filter(|_| !simulate).map(Ok);
    let tx = match decoded
        .unwrap_or_else(|| decode_tx(env.router, tx_bytes, env.max_tx_bytes, simulate))
    {
        Ok(tx) => tx,
        Err(e) => return TxOutcome::failed(e, 0, 0, vec![]),
    };
    let gas_wanted = tx.auth_info.fee.as_ref().map_or(0, |f| f.gas_limit);
    let meter = GasMeter::new(if simulate { u64::MAX } else { gas_wanted });

    let ante_env = AnteEnv {
        ctx: env.ctx,
        min_gas_prices: env.min_gas_prices,
        mode,
        sig_cache: env.sig_cache,
        router: env.router,
    };
    let ante = {
        let mut layer = Delta::metered(&*state, &meter);
        // CheckTx answers without events, as the SDK's does: none are built.
        if mode == ExecMode::Check {
            layer = layer.without_events();
        }
        run_ante(&mut layer, &meter, &ante_env, &tx).map(|()| layer.into_changes())
    };
    let mut ante_changes = match ante {
        Ok(c) => c,
        Err(e) => return TxOutcome::failed(e, gas_wanted, meter.used(), vec![]),
    };
    let mut events = std::mem::take(&mut ante_changes.events);
    state.apply(ante_changes);
    // As in the SDK, CheckTx runs the ante checks only; messages run in blocks.
    if mode == ExecMode::Check {
        return TxOutcome {
            gas_wanted,
            gas_used: meter.used(),
            ..Default::default()
        };
    }

    let msgs = {
        let mut layer = Delta::metered(&*state, &meter);
        run_msgs(env, &mut layer, &meter, &tx).map(|(evs, resp)| (layer.into_changes(), evs, resp))
    };
    match msgs {
        Ok((changes, msg_events, msg_responses)) => {
            state.apply(changes);
            events.extend(msg_events);
            #[allow(deprecated)]
            let data = TxMsgData {
                data: vec![],
                msg_responses: msg_responses.clone(),
            }
            .encode_to_vec();
            TxOutcome {
                gas_wanted,
                gas_used: meter.used(),
                events,
                data,
                msg_responses,
                ..Default::default()
            }
        }
        Err(e) => TxOutcome::failed(e, gas_wanted, meter.used(), events),
    }
}

type MsgsResult = (Vec<Event>, Vec<Any>);

fn run_msgs(
    env: &TxEnv<'_>,
    layer: &mut Delta<'_>,
    meter: &GasMeter,
    tx: &DecodedTx,
) -> AppResult<MsgsResult> {
    let mut events = Vec::new();
    let mut responses = Vec::new();
    for (i, msg) in tx.msgs.iter().enumerate() {
        let component = env.router.route(&msg.type_url)?;
        let mut sub = Delta::metered(&*layer, meter);
        // A panic in a handler fails this tx only; its layer is dropped.
        let result = catch_unwind(AssertUnwindSafe(|| {
            component.deliver_msg(&mut sub, env.ctx, &msg.type_url, &msg.value)
        }))
        .unwrap_or_else(|_| Err(AppError::internal("panic in message handler")));
        let resp = result.map_err(|e| {
            let log = format!("failed to execute message; message index: {i}: {}", e.log);
            AppError::new(e.codespace, e.code, log)
        })?;
        let mut changes = sub.into_changes();
        let msg_events = std::mem::take(&mut changes.events);
        layer.apply(changes);
        let idx = i.to_string();
        let sender = msg
            .signers
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        events.push(
            Event::new("message")
                .attr("action", msg.type_url.clone())
                .attr("sender", sender)
                .attr("module", component.name())
                .attr("msg_index", idx.clone()),
        );
        events.extend(
            msg_events
                .into_iter()
                .map(|e| e.attr("msg_index", idx.clone())),
        );
        responses.push(Any {
            type_url: resp.type_url,
            value: resp.value,
        });
    }
    Ok((events, responses))
}
