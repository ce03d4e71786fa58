//! The module's gRPC queries (`/gpuchain.escrow.v1.Query/...`), answered
//! over ABCI query with protobuf requests and responses.
//!
//! An unknown id is gRPC `NotFound` (code 22); a bad owner address code 7;
//! a bad request or page code 18. `owed_now` is computed at the block time
//! recorded by the last `begin_block` (0 before any block).

use gpuchain_auth::error::{grpc_not_found, undecodable_request, with_sdk_description};
use gpuchain_auth::pagination::paginate;
use gpuchain_proto::escrow as pb;
use gpuchain_store::StateRead;
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::account::EscrowAccount;
use crate::state_ext;

pub const ACCOUNT: &str = "/gpuchain.escrow.v1.Query/Account";
pub const ACCOUNTS: &str = "/gpuchain.escrow.v1.Query/Accounts";

/// Every query path this module answers.
pub const PATHS: &[&str] = &[ACCOUNT, ACCOUNTS];

/// Answers `path` with the protobuf encoding of its response; `None` when
/// the path is not one of this module's.
pub fn handle(state: &dyn StateRead, path: &str, data: &[u8]) -> Option<AppResult<Vec<u8>>> {
    fn run<Req: Message + Default, Resp: Message>(
        path: &str,
        data: &[u8],
        f: impl FnOnce(Req) -> AppResult<Resp>,
    ) -> AppResult<Vec<u8>> {
        let req = Req::decode(data).map_err(|e| undecodable_request(path, e))?;
        Ok(f(req)?.encode_to_vec())
    }
    Some(match path {
        ACCOUNT => run(path, data, |r| account(state, &r)),
        ACCOUNTS => run(path, data, |r| accounts(state, &r)),
        _ => return None,
    })
}

/// The wire form of an account.
pub fn to_proto(acc: &EscrowAccount) -> pb::EscrowAccount {
    pb::EscrowAccount {
        id: acc.id,
        owner: acc.owner.to_string(),
        denom: acc.denom.clone(),
        deposited: acc.deposited.to_string(),
        paid: acc.paid.to_string(),
        take: acc.take.to_string(),
        refunded: acc.refunded.to_string(),
        rate_per_hour: acc.rate_per_hour.to_string(),
        provider: acc.provider.map(|p| p.to_string()).unwrap_or_default(),
        started_at: acc.started_at,
        ends_at: acc.ends_at,
        open: acc.open,
    }
}

/// One account with what it owes at the latest block.
pub fn account(
    state: &dyn StateRead,
    req: &pb::QueryAccountRequest,
) -> AppResult<pb::QueryAccountResponse> {
    let acc = state_ext::account(state, req.id)?
        .ok_or_else(|| grpc_not_found(format!("escrow account {}", req.id)))?;
    let now = state_ext::block_time(state)?.unwrap_or(0);
    let owed_now = if acc.open { acc.owed(now) } else { acc.paid };
    Ok(pb::QueryAccountResponse {
        account: Some(to_proto(&acc)),
        owed_now: owed_now.to_string(),
        balance: acc.balance().to_string(),
        block_time: now,
        due_at: acc.due_at(),
    })
}

/// A page of accounts in id order (page keys are the 8 id bytes), all or
/// one owner's.
pub fn accounts(
    state: &dyn StateRead,
    req: &pb::QueryAccountsRequest,
) -> AppResult<pb::QueryAccountsResponse> {
    let entries: Vec<(Vec<u8>, EscrowAccount)> = if req.owner.is_empty() {
        state_ext::all_accounts(state)?
            .into_iter()
            .map(|a| (a.id.to_be_bytes().to_vec(), a))
            .collect()
    } else {
        let owner = Address::from_bech32(&req.owner).map_err(with_sdk_description)?;
        state_ext::account_ids_of_owner(state, &owner)?
            .into_iter()
            .filter_map(|id| state_ext::account(state, id).transpose())
            .map(|a| a.map(|a| (a.id.to_be_bytes().to_vec(), a)))
            .collect::<AppResult<_>>()?
    };
    let (page, pagination) = paginate(entries, req.pagination.as_ref())?;
    Ok(pb::QueryAccountsResponse {
        accounts: page.iter().map(to_proto).collect(),
        pagination: Some(pagination),
    })
}
