//! The module's gRPC queries (`/gpuchain.attestation.v1.Query/<Name>`),
//! protobuf in and out. A missing provider, GPU, agent or challenge is gRPC
//! `NotFound` (code 22); a bad address code 7; a bad request or page code
//! 18. GPU statuses are computed at the time of the last block begun.

use gpuchain_auth::error::{
    grpc_invalid_argument, grpc_not_found, undecodable_request, with_sdk_description,
};
use gpuchain_auth::pagination::paginate;
use gpuchain_proto::attestation::{
    Gpu, QueryAgentRequest, QueryAgentResponse, QueryChallengesRequest, QueryChallengesResponse,
    QueryGpuRequest, QueryGpuResponse, QueryGpusRequest, QueryGpusResponse, QueryParamsRequest,
    QueryParamsResponse, QueryProviderRequest, QueryProviderResponse, QueryProvidersRequest,
    QueryProvidersResponse, QuerySkusRequest, QuerySkusResponse,
};
use gpuchain_store::StateRead;
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::keeper::{gpu_status, is_active, level};
use crate::{state_ext, state_key};

pub const PARAMS: &str = "/gpuchain.attestation.v1.Query/Params";
pub const PROVIDER: &str = "/gpuchain.attestation.v1.Query/Provider";
pub const PROVIDERS: &str = "/gpuchain.attestation.v1.Query/Providers";
pub const GPUS: &str = "/gpuchain.attestation.v1.Query/Gpus";
pub const GPU: &str = "/gpuchain.attestation.v1.Query/Gpu";
pub const CHALLENGES: &str = "/gpuchain.attestation.v1.Query/Challenges";
pub const SKUS: &str = "/gpuchain.attestation.v1.Query/Skus";
pub const AGENT: &str = "/gpuchain.attestation.v1.Query/Agent";

/// Every query path this module answers.
pub const PATHS: &[&str] = &[
    PARAMS, PROVIDER, PROVIDERS, GPUS, GPU, CHALLENGES, SKUS, AGENT,
];

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
        PARAMS => run(path, data, |_: QueryParamsRequest| {
            Ok(QueryParamsResponse {
                params: Some(state_ext::params(state)?),
            })
        }),
        PROVIDER => run(path, data, |r| provider(state, &r)),
        PROVIDERS => run(path, data, |r| providers(state, &r)),
        GPUS => run(path, data, |r| gpus(state, &r)),
        GPU => run(path, data, |r| gpu(state, &r)),
        CHALLENGES => run(path, data, |r| challenges(state, &r)),
        SKUS => run(path, data, |_: QuerySkusRequest| {
            Ok(QuerySkusResponse {
                skus: state_ext::params(state)?.skus,
            })
        }),
        AGENT => run(path, data, |r| agent(state, &r)),
        _ => return None,
    })
}

fn parse_address(s: &str) -> AppResult<Address> {
    Address::from_bech32(s).map_err(with_sdk_description)
}

fn provider(state: &dyn StateRead, r: &QueryProviderRequest) -> AppResult<QueryProviderResponse> {
    let owner = parse_address(&r.owner)?;
    let p = state_ext::provider(state, &owner)?
        .ok_or_else(|| grpc_not_found(format!("provider {owner}")))?;
    let params = state_ext::params(state)?;
    let now = state_ext::last_block_time(state)?;
    Ok(QueryProviderResponse {
        active: is_active(&p, &params, now)?,
        attestation_level: level(&p),
        agents: state_ext::agents(state, &owner)?
            .iter()
            .map(ToString::to_string)
            .collect(),
        provider: Some(p),
    })
}

fn providers(
    state: &dyn StateRead,
    r: &QueryProvidersRequest,
) -> AppResult<QueryProvidersResponse> {
    let (providers, page) = paginate(state_ext::all_providers(state)?, r.pagination.as_ref())?;
    Ok(QueryProvidersResponse {
        providers,
        pagination: Some(page),
    })
}

fn with_status(mut g: Gpu, now: i64) -> Gpu {
    g.status = gpu_status(&g, now) as i32;
    g
}

fn gpus(state: &dyn StateRead, r: &QueryGpusRequest) -> AppResult<QueryGpusResponse> {
    let owner = parse_address(&r.provider)?;
    let uuids: Vec<(Vec<u8>, String)> = state_ext::gpu_uuids(state, &owner)?
        .into_iter()
        .map(|u| (u.clone().into_bytes(), u))
        .collect();
    let (page_uuids, page) = paginate(uuids, r.pagination.as_ref())?;
    let now = state_ext::last_block_time(state)?;
    let mut gpus = Vec::with_capacity(page_uuids.len());
    for u in page_uuids {
        if let Some(g) = state_ext::gpu(state, &u)? {
            gpus.push(with_status(g, now));
        }
    }
    Ok(QueryGpusResponse {
        gpus,
        pagination: Some(page),
    })
}

fn gpu(state: &dyn StateRead, r: &QueryGpuRequest) -> AppResult<QueryGpuResponse> {
    let g =
        state_ext::gpu(state, &r.uuid)?.ok_or_else(|| grpc_not_found(format!("gpu {}", r.uuid)))?;
    let last_challenge = if g.last_challenge_id == 0 {
        None
    } else {
        state_ext::challenge(state, g.last_challenge_id)?
    };
    let now = state_ext::last_block_time(state)?;
    Ok(QueryGpuResponse {
        gpu: Some(with_status(g, now)),
        last_challenge,
    })
}

fn challenges(
    state: &dyn StateRead,
    r: &QueryChallengesRequest,
) -> AppResult<QueryChallengesResponse> {
    if r.id != 0 {
        let c = state_ext::challenge(state, r.id)?
            .ok_or_else(|| grpc_not_found(format!("challenge {}", r.id)))?;
        return Ok(QueryChallengesResponse {
            challenges: vec![c],
            pagination: None,
        });
    }
    let prefix = if !r.provider.is_empty() {
        state_key::challenges::of_provider(&parse_address(&r.provider)?)
    } else if !r.gpu_uuid.is_empty() {
        state_key::challenges::of_gpu(&r.gpu_uuid)
    } else {
        return Err(grpc_invalid_argument(
            "give a provider, a gpu_uuid or an id",
        ));
    };
    let ids: Vec<(Vec<u8>, u64)> = state_ext::challenge_ids(state, &prefix)?
        .into_iter()
        .map(|id| (id.to_be_bytes().to_vec(), id))
        .collect();
    let (page_ids, page) = paginate(ids, r.pagination.as_ref())?;
    let mut challenges = Vec::with_capacity(page_ids.len());
    for id in page_ids {
        if let Some(c) = state_ext::challenge(state, id)? {
            challenges.push(c);
        }
    }
    Ok(QueryChallengesResponse {
        challenges,
        pagination: Some(page),
    })
}

fn agent(state: &dyn StateRead, r: &QueryAgentRequest) -> AppResult<QueryAgentResponse> {
    let a = parse_address(&r.agent)?;
    let p =
        state_ext::agent_owner(state, &a)?.ok_or_else(|| grpc_not_found(format!("agent {a}")))?;
    Ok(QueryAgentResponse {
        provider: p.to_string(),
    })
}
