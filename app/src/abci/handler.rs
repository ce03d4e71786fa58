//! One ABCI request in, one response out. Consensus and mempool requests
//! take the app's lock; queries go to the lock-free query service.

use std::sync::{Arc, Mutex, MutexGuard};

use prost::bytes::Bytes;
use tendermint_proto::abci::{request, response, Request, Response};
use tendermint_proto::abci::{
    response_process_proposal::ProposalStatus, ResponseCommit, ResponseEcho, ResponseException,
    ResponseFinalizeBlock, ResponseFlush, ResponseInfo, ResponseInitChain, ResponseListSnapshots,
    ResponsePrepareProposal, ResponseProcessProposal, ResponseQuery,
};
use tendermint_proto::crypto::{ProofOp, ProofOps};
use tracing::{error, info};

use super::convert;
use crate::{App, QueryService, APP_VERSION};

pub struct Handler {
    app: Mutex<App>,
    queries: Arc<QueryService>,
}

fn exception(what: &str, e: impl std::fmt::Display) -> response::Value {
    error!(%e, "{what} failed");
    response::Value::Exception(ResponseException {
        error: format!("{what}: {e}"),
    })
}

impl Handler {
    pub fn new(app: App, queries: Arc<QueryService>) -> Self {
        Self {
            app: Mutex::new(app),
            queries,
        }
    }

    fn app(&self) -> MutexGuard<'_, App> {
        // A poisoned lock means a handler panicked; state lives in layers that
        // were dropped with it, so the app itself is still consistent.
        self.app.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Handles requests read together from one connection, in order. When
    /// several are CheckTx (CometBFT pipelines them on the mempool
    /// connection), their signatures are verified on the other cores while
    /// they are checked in order.
    pub fn handle_batch(&self, reqs: Vec<Request>) -> Vec<Response> {
        let txs: Vec<Vec<u8>> = reqs
            .iter()
            .filter_map(|r| match &r.value {
                Some(request::Value::CheckTx(c)) => Some(c.tx.to_vec()),
                _ => None,
            })
            .collect();
        // The mempool connection's batches: CheckTx with Flush or Echo,
        // which touch no state, so answering those after checking the txs
        // changes nothing.
        let mempool_only = reqs.iter().all(|r| {
            matches!(
                r.value,
                Some(
                    request::Value::CheckTx(_) | request::Value::Flush(_) | request::Value::Echo(_)
                )
            )
        });
        if txs.len() > 1 && mempool_only {
            // Its own statement: the app's lock is released before the
            // other requests are handled (they may take it).
            let checked = self.app().check_txs(&txs);
            match checked {
                Ok(outcomes) => {
                    let mut outcomes = outcomes.into_iter();
                    return reqs
                        .into_iter()
                        .map(
                            |r| match is_check_tx(&r).then(|| outcomes.next()).flatten() {
                                Some(o) => Response {
                                    value: Some(response::Value::CheckTx(
                                        convert::check_tx_response(o),
                                    )),
                                },
                                None => self.handle(r),
                            },
                        )
                        .collect();
                }
                Err(e) => tracing::warn!(%e, "pipelined CheckTx skipped"),
            }
        }
        reqs.into_iter().map(|r| self.handle(r)).collect()
    }

    pub fn handle(&self, req: Request) -> Response {
        let value = match req.value {
            Some(v) => self.dispatch(v),
            None => exception("request", "empty request"),
        };
        Response { value: Some(value) }
    }

    fn dispatch(&self, req: request::Value) -> response::Value {
        use request::Value as Q;
        use response::Value as R;
        match req {
            Q::Echo(e) => R::Echo(ResponseEcho { message: e.message }),
            Q::Flush(_) => R::Flush(ResponseFlush {}),
            Q::Info(_) => match self.app().last_committed() {
                Ok((height, hash)) => R::Info(ResponseInfo {
                    data: "gpuchain".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    app_version: APP_VERSION,
                    last_block_height: i64::try_from(height).unwrap_or(i64::MAX),
                    last_block_app_hash: Bytes::from(hash),
                }),
                Err(e) => exception("info", e),
            },
            Q::InitChain(r) => {
                let app_state: serde_json::Value = if r.app_state_bytes.is_empty() {
                    serde_json::Value::Null
                } else {
                    match serde_json::from_slice(&r.app_state_bytes) {
                        Ok(v) => v,
                        Err(e) => return exception("init chain: genesis app_state", e),
                    }
                };
                let time = convert::time(r.time);
                match self.app().init_chain(&r.chain_id, time, &app_state) {
                    Ok(hash) => {
                        info!(chain_id = %r.chain_id, app_hash = %hex::encode_upper(hash), "genesis loaded");
                        R::InitChain(ResponseInitChain {
                            consensus_params: None,
                            validators: vec![],
                            app_hash: Bytes::copy_from_slice(&hash),
                        })
                    }
                    Err(e) => exception("init chain", e),
                }
            }
            Q::Query(q) => R::Query(self.query(q)),
            Q::CheckTx(c) => {
                let resp = match self.app().check_tx(&c.tx) {
                    Ok(o) => convert::check_tx_response(o),
                    Err(e) => convert::check_tx_error(e),
                };
                R::CheckTx(resp)
            }
            Q::Commit(_) => match self.app().commit() {
                Ok(height) => {
                    tracing::debug!(height, "committed");
                    R::Commit(ResponseCommit { retain_height: 0 })
                }
                Err(e) => exception("commit", e),
            },
            Q::FinalizeBlock(b) => {
                let txs: Vec<Vec<u8>> = b.txs.iter().map(|t| t.to_vec()).collect();
                let height = u64::try_from(b.height).unwrap_or(0);
                match self
                    .app()
                    .finalize_block(height, convert::time(b.time), &b.hash, &txs)
                {
                    Ok(out) => {
                        let failed = out.tx_results.iter().filter(|r| r.code != 0).count();
                        info!(height, txs = txs.len(), failed, app_hash = %hex::encode_upper(out.app_hash), "finalized block");
                        R::FinalizeBlock(ResponseFinalizeBlock {
                            events: out.events.into_iter().map(convert::event).collect(),
                            tx_results: out
                                .tx_results
                                .into_iter()
                                .map(convert::exec_tx_result)
                                .collect(),
                            validator_updates: vec![],
                            consensus_param_updates: None,
                            app_hash: Bytes::copy_from_slice(&out.app_hash),
                        })
                    }
                    Err(e) => exception("finalize block", e),
                }
            }
            Q::PrepareProposal(p) => {
                // Pass-through in mempool order, within the block's byte limit.
                let max = usize::try_from(p.max_tx_bytes).unwrap_or(0);
                let mut total = 0usize;
                let txs = p
                    .txs
                    .into_iter()
                    .take_while(|tx| {
                        total = total.saturating_add(tx.len());
                        total <= max
                    })
                    .collect();
                R::PrepareProposal(ResponsePrepareProposal { txs })
            }
            Q::ProcessProposal(_) => R::ProcessProposal(ResponseProcessProposal {
                status: ProposalStatus::Accept as i32,
            }),
            Q::ExtendVote(_) => R::ExtendVote(Default::default()),
            Q::VerifyVoteExtension(_) => {
                R::VerifyVoteExtension(tendermint_proto::abci::ResponseVerifyVoteExtension {
                    status:
                        tendermint_proto::abci::response_verify_vote_extension::VerifyStatus::Accept
                            as i32,
                })
            }
            Q::ListSnapshots(_) => R::ListSnapshots(ResponseListSnapshots { snapshots: vec![] }),
            Q::OfferSnapshot(_) => R::OfferSnapshot(Default::default()),
            Q::LoadSnapshotChunk(_) => R::LoadSnapshotChunk(Default::default()),
            Q::ApplySnapshotChunk(_) => R::ApplySnapshotChunk(Default::default()),
        }
    }

    fn query(&self, q: tendermint_proto::abci::RequestQuery) -> ResponseQuery {
        let height = u64::try_from(q.height).unwrap_or(0);
        match self.queries.query(&q.path, &q.data, height, q.prove) {
            Ok(out) => ResponseQuery {
                code: 0,
                key: Bytes::from(out.key),
                value: Bytes::from(out.value),
                height: i64::try_from(out.height).unwrap_or(i64::MAX),
                proof_ops: (!out.proof_ops.is_empty()).then(|| ProofOps {
                    ops: out
                        .proof_ops
                        .into_iter()
                        .map(|(r#type, key, data)| ProofOp { r#type, key, data })
                        .collect(),
                }),
                ..Default::default()
            },
            Err(e) => ResponseQuery {
                code: e.code,
                log: e.log,
                codespace: e.codespace.into_owned(),
                height: q.height,
                ..Default::default()
            },
        }
    }
}

fn is_check_tx(r: &Request) -> bool {
    matches!(r.value, Some(request::Value::CheckTx(_)))
}
