//! Domain -> ABCI wire conversions.

use gpuchain_types::{AppError, Event};
use prost::bytes::Bytes;
use tendermint_proto::abci::{self as pb, EventAttribute};
use tendermint_proto::google::protobuf::Timestamp;

use crate::block::BlockTime;
use crate::tx::TxOutcome;

/// Every attribute is marked for indexing: CometBFT 0.38's kv indexer indexes
/// only marked attributes, and clients search by them.
pub fn event(e: Event) -> pb::Event {
    pb::Event {
        r#type: e.kind,
        attributes: e
            .attributes
            .into_iter()
            .map(|(key, value)| EventAttribute {
                key,
                value,
                index: true,
            })
            .collect(),
    }
}

pub fn time(t: Option<Timestamp>) -> BlockTime {
    t.map(|t| BlockTime {
        secs: t.seconds,
        nanos: u32::try_from(t.nanos).unwrap_or(0),
    })
    .unwrap_or_default()
}

fn gas(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub fn exec_tx_result(o: TxOutcome) -> pb::ExecTxResult {
    pb::ExecTxResult {
        code: o.code,
        data: Bytes::from(o.data),
        log: o.log,
        info: String::new(),
        gas_wanted: gas(o.gas_wanted),
        gas_used: gas(o.gas_used),
        events: o.events.into_iter().map(event).collect(),
        codespace: o.codespace,
    }
}

pub fn check_tx_response(o: TxOutcome) -> pb::ResponseCheckTx {
    pb::ResponseCheckTx {
        code: o.code,
        data: Bytes::from(o.data),
        log: o.log,
        info: String::new(),
        gas_wanted: gas(o.gas_wanted),
        gas_used: gas(o.gas_used),
        events: o.events.into_iter().map(event).collect(),
        codespace: o.codespace,
    }
}

pub fn check_tx_error(e: AppError) -> pb::ResponseCheckTx {
    pb::ResponseCheckTx {
        code: e.code,
        log: e.log,
        codespace: e.codespace.into_owned(),
        ..Default::default()
    }
}
