//! The module's gRPC queries (`/cosmos.bank.v1beta1.Query/...`), answered
//! over ABCI query with protobuf requests and responses.
//!
//! Failures: a bad address is code 7, a bad denom code 10; a missing denom
//! metadata is gRPC `NotFound`, which the SDK's baseapp reports as code 22
//! (`rpc error: code = NotFound desc = client metadata for denom X: key not
//! found`); a bad request or page is code 18.
//!
//! `DenomOwners` / `DenomOwnersByQuery` read the non-verifiable denom-owners
//! index (no scan of all balances), so like the listing queries they are
//! served at the latest height only. As in the SDK, an invalid denom there is
//! gRPC `InvalidArgument` (code 18); pages are keyed by the 20 address bytes.

use cosmos_sdk_proto::cosmos::bank::v1beta1::{
    DenomOwner, QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest,
    QueryBalanceResponse, QueryDenomMetadataByQueryStringRequest,
    QueryDenomMetadataByQueryStringResponse, QueryDenomMetadataRequest, QueryDenomMetadataResponse,
    QueryDenomOwnersByQueryRequest, QueryDenomOwnersByQueryResponse, QueryDenomOwnersRequest,
    QueryDenomOwnersResponse, QueryDenomsMetadataRequest, QueryDenomsMetadataResponse,
    QueryParamsRequest, QueryParamsResponse, QuerySendEnabledRequest, QuerySendEnabledResponse,
    QuerySpendableBalanceByDenomRequest, QuerySpendableBalanceByDenomResponse,
    QuerySpendableBalancesRequest, QuerySpendableBalancesResponse, QuerySupplyOfRequest,
    QuerySupplyOfResponse, QueryTotalSupplyRequest, QueryTotalSupplyResponse,
};
use cosmos_sdk_proto::cosmos::base::query::v1beta1::{PageRequest, PageResponse};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_auth::error::{
    grpc_invalid_argument, grpc_not_found, undecodable_request, with_sdk_description,
};
use gpuchain_auth::pagination::paginate;
use gpuchain_store::StateRead;
use gpuchain_types::coin::validate_denom;
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::state_ext;

pub const BALANCE: &str = "/cosmos.bank.v1beta1.Query/Balance";
pub const ALL_BALANCES: &str = "/cosmos.bank.v1beta1.Query/AllBalances";
pub const SPENDABLE_BALANCES: &str = "/cosmos.bank.v1beta1.Query/SpendableBalances";
pub const SPENDABLE_BALANCE_BY_DENOM: &str = "/cosmos.bank.v1beta1.Query/SpendableBalanceByDenom";
pub const TOTAL_SUPPLY: &str = "/cosmos.bank.v1beta1.Query/TotalSupply";
pub const SUPPLY_OF: &str = "/cosmos.bank.v1beta1.Query/SupplyOf";
pub const PARAMS: &str = "/cosmos.bank.v1beta1.Query/Params";
pub const DENOM_METADATA: &str = "/cosmos.bank.v1beta1.Query/DenomMetadata";
pub const DENOM_METADATA_BY_QUERY_STRING: &str =
    "/cosmos.bank.v1beta1.Query/DenomMetadataByQueryString";
pub const DENOMS_METADATA: &str = "/cosmos.bank.v1beta1.Query/DenomsMetadata";
pub const SEND_ENABLED: &str = "/cosmos.bank.v1beta1.Query/SendEnabled";
pub const DENOM_OWNERS: &str = "/cosmos.bank.v1beta1.Query/DenomOwners";
pub const DENOM_OWNERS_BY_QUERY: &str = "/cosmos.bank.v1beta1.Query/DenomOwnersByQuery";

/// Every query path this module answers.
pub const PATHS: &[&str] = &[
    BALANCE,
    ALL_BALANCES,
    SPENDABLE_BALANCES,
    SPENDABLE_BALANCE_BY_DENOM,
    TOTAL_SUPPLY,
    SUPPLY_OF,
    PARAMS,
    DENOM_METADATA,
    DENOM_METADATA_BY_QUERY_STRING,
    DENOMS_METADATA,
    SEND_ENABLED,
    DENOM_OWNERS,
    DENOM_OWNERS_BY_QUERY,
];

/// Answers `path` with the protobuf encoding of its response; `None` when the
/// path is not one of this module's.
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
        BALANCE => run(path, data, |r| balance(state, &r)),
        ALL_BALANCES => run(path, data, |r| all_balances(state, &r)),
        SPENDABLE_BALANCES => run(path, data, |r| spendable_balances(state, &r)),
        SPENDABLE_BALANCE_BY_DENOM => run(path, data, |r| spendable_balance_by_denom(state, &r)),
        TOTAL_SUPPLY => run(path, data, |r| total_supply(state, &r)),
        SUPPLY_OF => run(path, data, |r| supply_of(state, &r)),
        PARAMS => run(path, data, |_: QueryParamsRequest| params(state)),
        DENOM_METADATA => run(path, data, |r| denom_metadata(state, &r)),
        DENOM_METADATA_BY_QUERY_STRING => {
            run(path, data, |r| denom_metadata_by_query_string(state, &r))
        }
        DENOMS_METADATA => run(path, data, |r| denoms_metadata(state, &r)),
        SEND_ENABLED => run(path, data, |r| send_enabled(state, &r)),
        DENOM_OWNERS => run(path, data, |r: QueryDenomOwnersRequest| {
            let (denom_owners, page) = denom_owners(state, &r.denom, r.pagination.as_ref())?;
            Ok(QueryDenomOwnersResponse {
                denom_owners,
                pagination: Some(page),
            })
        }),
        DENOM_OWNERS_BY_QUERY => run(path, data, |r: QueryDenomOwnersByQueryRequest| {
            let (denom_owners, page) = denom_owners(state, &r.denom, r.pagination.as_ref())?;
            Ok(QueryDenomOwnersByQueryResponse {
                denom_owners,
                pagination: Some(page),
            })
        }),
        _ => return None,
    })
}

fn proto_coin(denom: &str, amount: u128) -> ProtoCoin {
    ProtoCoin {
        denom: denom.to_string(),
        amount: amount.to_string(),
    }
}

fn parse_address(address: &str) -> AppResult<Address> {
    Address::from_bech32(address).map_err(with_sdk_description)
}

fn check_denom(denom: &str) -> AppResult<()> {
    validate_denom(denom).map_err(with_sdk_description)
}

fn balance(state: &dyn StateRead, req: &QueryBalanceRequest) -> AppResult<QueryBalanceResponse> {
    check_denom(&req.denom)?;
    let address = parse_address(&req.address)?;
    let amount = state_ext::balance(state, &address, &req.denom)?;
    Ok(QueryBalanceResponse {
        balance: Some(proto_coin(&req.denom, amount)),
    })
}

/// One page of an address's balances, keyed by denom.
fn balance_page(
    state: &dyn StateRead,
    address: &str,
    page: Option<&PageRequest>,
    resolve_denom: bool,
) -> AppResult<(Vec<ProtoCoin>, PageResponse)> {
    let address = parse_address(address)?;
    let mut entries = Vec::new();
    for (denom, amount) in state_ext::balance_entries(state, &address)? {
        let shown = if resolve_denom {
            match state_ext::denom_metadata(state, &denom)? {
                Some(meta) if !meta.display.is_empty() => meta.display,
                _ => denom.clone(),
            }
        } else {
            denom.clone()
        };
        entries.push((denom.into_bytes(), proto_coin(&shown, amount)));
    }
    paginate(entries, page)
}

fn all_balances(
    state: &dyn StateRead,
    req: &QueryAllBalancesRequest,
) -> AppResult<QueryAllBalancesResponse> {
    let (balances, page) = balance_page(
        state,
        &req.address,
        req.pagination.as_ref(),
        req.resolve_denom,
    )?;
    Ok(QueryAllBalancesResponse {
        balances,
        pagination: Some(page),
    })
}

/// Nothing is locked (no vesting accounts), so spendable == balance.
fn spendable_balances(
    state: &dyn StateRead,
    req: &QuerySpendableBalancesRequest,
) -> AppResult<QuerySpendableBalancesResponse> {
    let (balances, page) = balance_page(state, &req.address, req.pagination.as_ref(), false)?;
    Ok(QuerySpendableBalancesResponse {
        balances,
        pagination: Some(page),
    })
}

fn spendable_balance_by_denom(
    state: &dyn StateRead,
    req: &QuerySpendableBalanceByDenomRequest,
) -> AppResult<QuerySpendableBalanceByDenomResponse> {
    check_denom(&req.denom)?;
    let address = parse_address(&req.address)?;
    let amount = state_ext::balance(state, &address, &req.denom)?;
    Ok(QuerySpendableBalanceByDenomResponse {
        balance: Some(proto_coin(&req.denom, amount)),
    })
}

fn total_supply(
    state: &dyn StateRead,
    req: &QueryTotalSupplyRequest,
) -> AppResult<QueryTotalSupplyResponse> {
    let entries = state_ext::supply_entries(state)?
        .into_iter()
        .map(|(denom, amount)| {
            let coin = proto_coin(&denom, amount);
            (denom.into_bytes(), coin)
        })
        .collect();
    let (supply, page) = paginate(entries, req.pagination.as_ref())?;
    Ok(QueryTotalSupplyResponse {
        supply,
        pagination: Some(page),
    })
}

fn supply_of(
    state: &dyn StateRead,
    req: &QuerySupplyOfRequest,
) -> AppResult<QuerySupplyOfResponse> {
    check_denom(&req.denom)?;
    let amount = state_ext::supply_of(state, &req.denom)?;
    Ok(QuerySupplyOfResponse {
        amount: Some(proto_coin(&req.denom, amount)),
    })
}

fn params(state: &dyn StateRead) -> AppResult<QueryParamsResponse> {
    Ok(QueryParamsResponse {
        params: Some(state_ext::params(state)?),
    })
}

fn find_metadata(
    state: &dyn StateRead,
    denom: &str,
) -> AppResult<cosmos_sdk_proto::cosmos::bank::v1beta1::Metadata> {
    if denom.is_empty() {
        return Err(grpc_invalid_argument("invalid denom"));
    }
    state_ext::denom_metadata(state, denom)?
        .ok_or_else(|| grpc_not_found(format!("client metadata for denom {denom}")))
}

fn denom_metadata(
    state: &dyn StateRead,
    req: &QueryDenomMetadataRequest,
) -> AppResult<QueryDenomMetadataResponse> {
    Ok(QueryDenomMetadataResponse {
        metadata: Some(find_metadata(state, &req.denom)?),
    })
}

fn denom_metadata_by_query_string(
    state: &dyn StateRead,
    req: &QueryDenomMetadataByQueryStringRequest,
) -> AppResult<QueryDenomMetadataByQueryStringResponse> {
    Ok(QueryDenomMetadataByQueryStringResponse {
        metadata: Some(find_metadata(state, &req.denom)?),
    })
}

fn denoms_metadata(
    state: &dyn StateRead,
    req: &QueryDenomsMetadataRequest,
) -> AppResult<QueryDenomsMetadataResponse> {
    let entries = state_ext::denom_metadata_entries(state)?
        .into_iter()
        .map(|(denom, meta)| (denom.into_bytes(), meta))
        .collect();
    let (metadatas, page) = paginate(entries, req.pagination.as_ref())?;
    Ok(QueryDenomsMetadataResponse {
        metadatas,
        pagination: Some(page),
    })
}

/// One page of the holders of `denom` with their balances, in address-byte
/// order. Only the page's balances are read.
fn denom_owners(
    state: &dyn StateRead,
    denom: &str,
    page: Option<&PageRequest>,
) -> AppResult<(Vec<DenomOwner>, PageResponse)> {
    validate_denom(denom).map_err(|e| grpc_invalid_argument(e.log))?;
    let entries = state_ext::denom_owners(state, denom)?
        .into_iter()
        .map(|address| (address.as_bytes().to_vec(), address))
        .collect();
    let (owners, page) = paginate(entries, page)?;
    let owners = owners
        .into_iter()
        .map(|address| {
            let amount = state_ext::balance(state, &address, denom)?;
            Ok(DenomOwner {
                address: address.to_string(),
                balance: Some(proto_coin(denom, amount)),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((owners, page))
}

/// With denoms: the explicit flags among them (denoms without a flag are
/// left out, as in the SDK). Without: every explicit flag, paginated.
fn send_enabled(
    state: &dyn StateRead,
    req: &QuerySendEnabledRequest,
) -> AppResult<QuerySendEnabledResponse> {
    if !req.denoms.is_empty() {
        let mut found = Vec::new();
        for denom in &req.denoms {
            if let Some(enabled) = state_ext::send_enabled_entry(state, denom)? {
                found.push(cosmos_sdk_proto::cosmos::bank::v1beta1::SendEnabled {
                    denom: denom.clone(),
                    enabled,
                });
            }
        }
        return Ok(QuerySendEnabledResponse {
            send_enabled: found,
            pagination: None,
        });
    }
    let entries = state_ext::send_enabled_entries(state)?
        .into_iter()
        .map(|(denom, se)| (denom.into_bytes(), se))
        .collect();
    let (send_enabled, page) = paginate(entries, req.pagination.as_ref())?;
    Ok(QuerySendEnabledResponse {
        send_enabled,
        pagination: Some(page),
    })
}

#[cfg(test)]
mod tests {
    use gpuchain_store::{Component, Delta};

    use super::*;
    use crate::genesis::ugpc_metadata;
    use crate::state_ext::{set_denom_metadata, set_send_enabled};
    use crate::test_util::{addr, funded};
    use crate::BankComponent;

    fn q<Req: Message, Resp: Message + Default>(
        state: &dyn StateRead,
        path: &str,
        req: Req,
    ) -> AppResult<Resp> {
        let out = BankComponent
            .query(state, path, &req.encode_to_vec())
            .expect("path is the module's")?;
        Ok(Resp::decode(out.as_slice()).unwrap())
    }

    fn coin(denom: &str, amount: &str) -> ProtoCoin {
        ProtoCoin {
            denom: denom.into(),
            amount: amount.into(),
        }
    }

    #[test]
    fn should_return_coin_or_zero_when_balance_queried() {
        let state = funded(&[(1, "100ugpc")]);
        let r: QueryBalanceResponse = q(
            &state,
            BALANCE,
            QueryBalanceRequest {
                address: addr(1).to_string(),
                denom: "ugpc".into(),
            },
        )
        .unwrap();
        assert_eq!(r.balance, Some(coin("ugpc", "100")));
        let r: QueryBalanceResponse = q(
            &state,
            BALANCE,
            QueryBalanceRequest {
                address: addr(2).to_string(),
                denom: "uatom".into(),
            },
        )
        .unwrap();
        assert_eq!(r.balance, Some(coin("uatom", "0")));
        let r: QuerySpendableBalanceByDenomResponse = q(
            &state,
            SPENDABLE_BALANCE_BY_DENOM,
            QuerySpendableBalanceByDenomRequest {
                address: addr(1).to_string(),
                denom: "ugpc".into(),
            },
        )
        .unwrap();
        assert_eq!(r.balance, Some(coin("ugpc", "100")));
    }

    #[test]
    fn should_fail_with_code_10_for_bad_denom_and_7_for_bad_address() {
        let state = funded(&[]);
        let e = q::<_, QueryBalanceResponse>(
            &state,
            BALANCE,
            QueryBalanceRequest {
                address: addr(1).to_string(),
                denom: "x".into(),
            },
        )
        .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 10));
        let e = q::<_, QueryBalanceResponse>(
            &state,
            BALANCE,
            QueryBalanceRequest {
                address: addr(1).to_bech32_with_prefix("cosmos"),
                denom: "ugpc".into(),
            },
        )
        .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 7));
        let e = q::<_, QueryAllBalancesResponse>(
            &state,
            ALL_BALANCES,
            QueryAllBalancesRequest {
                address: String::new(),
                pagination: None,
                resolve_denom: false,
            },
        )
        .unwrap_err();
        assert_eq!(e.code, 7);
        let e = q::<_, QuerySupplyOfResponse>(
            &state,
            SUPPLY_OF,
            QuerySupplyOfRequest { denom: "!".into() },
        )
        .unwrap_err();
        assert_eq!(e.code, 10);
        let e = BankComponent
            .query(&state, BALANCE, &[0xff, 0xff])
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, 18);
    }

    #[test]
    fn should_page_all_balances_when_queried() {
        let mut state = funded(&[(1, "1uatom,2ubtc,3ugpc")]);
        let r: QueryAllBalancesResponse = q(
            &state,
            ALL_BALANCES,
            QueryAllBalancesRequest {
                address: addr(1).to_string(),
                pagination: None,
                resolve_denom: false,
            },
        )
        .unwrap();
        assert_eq!(
            r.balances,
            vec![coin("uatom", "1"), coin("ubtc", "2"), coin("ugpc", "3")]
        );
        assert_eq!(r.pagination.unwrap().total, 3);
        let r: QueryAllBalancesResponse = q(
            &state,
            ALL_BALANCES,
            QueryAllBalancesRequest {
                address: addr(1).to_string(),
                pagination: Some(PageRequest {
                    limit: 2,
                    ..PageRequest::default()
                }),
                resolve_denom: false,
            },
        )
        .unwrap();
        assert_eq!(r.balances.len(), 2);
        let next = r.pagination.unwrap().next_key;
        assert_eq!(next, b"ugpc");
        let r: QuerySpendableBalancesResponse = q(
            &state,
            SPENDABLE_BALANCES,
            QuerySpendableBalancesRequest {
                address: addr(1).to_string(),
                pagination: Some(PageRequest {
                    key: next,
                    limit: 2,
                    ..PageRequest::default()
                }),
            },
        )
        .unwrap();
        assert_eq!(r.balances, vec![coin("ugpc", "3")]);
        set_denom_metadata(&mut state, &ugpc_metadata()).unwrap();
        let r: QueryAllBalancesResponse = q(
            &state,
            ALL_BALANCES,
            QueryAllBalancesRequest {
                address: addr(1).to_string(),
                pagination: None,
                resolve_denom: true,
            },
        )
        .unwrap();
        assert_eq!(r.balances[2], coin("gpc", "3"));
        let r: QueryAllBalancesResponse = q(
            &state,
            ALL_BALANCES,
            QueryAllBalancesRequest {
                address: addr(9).to_string(),
                pagination: None,
                resolve_denom: false,
            },
        )
        .unwrap();
        assert!(r.balances.is_empty());
    }

    #[test]
    fn should_report_supply_when_supply_queried() {
        let state = funded(&[(1, "100ugpc"), (2, "5ugpc,7uatom")]);
        let r: QueryTotalSupplyResponse = q(
            &state,
            TOTAL_SUPPLY,
            QueryTotalSupplyRequest { pagination: None },
        )
        .unwrap();
        assert_eq!(r.supply, vec![coin("uatom", "7"), coin("ugpc", "105")]);
        assert_eq!(r.pagination.unwrap().total, 2);
        let r: QuerySupplyOfResponse = q(
            &state,
            SUPPLY_OF,
            QuerySupplyOfRequest {
                denom: "ugpc".into(),
            },
        )
        .unwrap();
        assert_eq!(r.amount, Some(coin("ugpc", "105")));
        let r: QuerySupplyOfResponse = q(
            &state,
            SUPPLY_OF,
            QuerySupplyOfRequest {
                denom: "unone".into(),
            },
        )
        .unwrap();
        assert_eq!(r.amount, Some(coin("unone", "0")));
    }

    #[test]
    fn should_return_metadata_or_not_found_when_metadata_queried() {
        let mut state = Delta::new(&crate::test_util::MemState);
        set_denom_metadata(&mut state, &ugpc_metadata()).unwrap();
        let r: QueryDenomMetadataResponse = q(
            &state,
            DENOM_METADATA,
            QueryDenomMetadataRequest {
                denom: "ugpc".into(),
            },
        )
        .unwrap();
        let m = r.metadata.unwrap();
        assert_eq!(
            (
                m.base.as_str(),
                m.display.as_str(),
                m.name.as_str(),
                m.symbol.as_str()
            ),
            ("ugpc", "gpc", "GPU Chain", "GPC")
        );
        assert_eq!(m.denom_units[1].exponent, 6);
        let e = q::<_, QueryDenomMetadataResponse>(
            &state,
            DENOM_METADATA,
            QueryDenomMetadataRequest {
                denom: "uatom".into(),
            },
        )
        .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 22));
        assert_eq!(
            e.log,
            "rpc error: code = NotFound desc = client metadata for denom uatom: key not found"
        );
        let r: QueryDenomMetadataByQueryStringResponse = q(
            &state,
            DENOM_METADATA_BY_QUERY_STRING,
            QueryDenomMetadataByQueryStringRequest {
                denom: "ugpc".into(),
            },
        )
        .unwrap();
        assert_eq!(r.metadata.unwrap().base, "ugpc");
        let r: QueryDenomsMetadataResponse = q(
            &state,
            DENOMS_METADATA,
            QueryDenomsMetadataRequest { pagination: None },
        )
        .unwrap();
        assert_eq!(r.metadatas.len(), 1);
    }

    #[test]
    #[allow(deprecated)]
    fn should_return_params_and_flags_when_queried() {
        let mut state = Delta::new(&crate::test_util::MemState);
        let r: QueryParamsResponse = q(&state, PARAMS, QueryParamsRequest {}).unwrap();
        let p = r.params.unwrap();
        assert!(p.default_send_enabled);
        assert!(p.send_enabled.is_empty());
        set_send_enabled(&mut state, "ugpc", false).unwrap();
        set_send_enabled(&mut state, "uatom", true).unwrap();
        let r: QuerySendEnabledResponse = q(
            &state,
            SEND_ENABLED,
            QuerySendEnabledRequest {
                denoms: vec!["ugpc".into(), "unone".into()],
                pagination: None,
            },
        )
        .unwrap();
        assert_eq!(r.send_enabled.len(), 1);
        assert!(!r.send_enabled[0].enabled);
        let r: QuerySendEnabledResponse = q(
            &state,
            SEND_ENABLED,
            QuerySendEnabledRequest {
                denoms: vec![],
                pagination: None,
            },
        )
        .unwrap();
        let denoms: Vec<&str> = r.send_enabled.iter().map(|s| s.denom.as_str()).collect();
        assert_eq!(denoms, vec!["uatom", "ugpc"]);
    }

    #[test]
    fn should_return_none_when_path_is_not_bank() {
        let state = funded(&[]);
        assert!(BankComponent
            .query(&state, "/cosmos.auth.v1beta1.Query/Account", &[])
            .is_none());
    }

    fn owners(
        state: &dyn StateRead,
        denom: &str,
        page: Option<PageRequest>,
    ) -> AppResult<QueryDenomOwnersResponse> {
        q(
            state,
            DENOM_OWNERS,
            QueryDenomOwnersRequest {
                denom: denom.into(),
                pagination: page,
            },
        )
    }

    fn owner(n: u8, amount: &str) -> DenomOwner {
        DenomOwner {
            address: addr(n).to_string(),
            balance: Some(coin("ugpc", amount)),
        }
    }

    #[test]
    fn should_list_denom_owners_with_balances_in_address_order() {
        let state = funded(&[(3, "30ugpc"), (1, "10ugpc,1uatom"), (2, "5uatom")]);
        let r = owners(&state, "ugpc", None).unwrap();
        assert_eq!(r.denom_owners, vec![owner(1, "10"), owner(3, "30")]);
        let page = r.pagination.unwrap();
        assert_eq!((page.total, page.next_key.is_empty()), (2, true));
        let r = owners(&state, "uatom", None).unwrap();
        let addrs: Vec<String> = r.denom_owners.iter().map(|o| o.address.clone()).collect();
        assert_eq!(addrs, vec![addr(1).to_string(), addr(2).to_string()]);
        assert!(owners(&state, "unone", None)
            .unwrap()
            .denom_owners
            .is_empty());
        // The by-query variant answers the same.
        let r: QueryDenomOwnersByQueryResponse = q(
            &state,
            DENOM_OWNERS_BY_QUERY,
            QueryDenomOwnersByQueryRequest {
                denom: "ugpc".into(),
                pagination: None,
            },
        )
        .unwrap();
        assert_eq!(r.denom_owners, vec![owner(1, "10"), owner(3, "30")]);
    }

    #[test]
    fn should_page_denom_owners_by_key_offset_and_reverse() {
        let state = funded(&[(1, "1ugpc"), (2, "2ugpc"), (3, "3ugpc"), (4, "4ugpc")]);
        let limit = |n| PageRequest {
            limit: n,
            ..PageRequest::default()
        };
        let r = owners(&state, "ugpc", Some(limit(3))).unwrap();
        assert_eq!(
            r.denom_owners,
            vec![owner(1, "1"), owner(2, "2"), owner(3, "3")]
        );
        let next = r.pagination.unwrap().next_key;
        assert_eq!(next, addr(4).as_bytes().to_vec());
        let r = owners(
            &state,
            "ugpc",
            Some(PageRequest {
                key: next,
                limit: 3,
                ..PageRequest::default()
            }),
        )
        .unwrap();
        assert_eq!(r.denom_owners, vec![owner(4, "4")]);
        assert!(r.pagination.unwrap().next_key.is_empty());
        let r = owners(
            &state,
            "ugpc",
            Some(PageRequest {
                offset: 1,
                limit: 2,
                count_total: true,
                ..PageRequest::default()
            }),
        )
        .unwrap();
        assert_eq!(r.denom_owners, vec![owner(2, "2"), owner(3, "3")]);
        assert_eq!(r.pagination.unwrap().total, 4);
        let r = owners(
            &state,
            "ugpc",
            Some(PageRequest {
                limit: 2,
                reverse: true,
                ..PageRequest::default()
            }),
        )
        .unwrap();
        assert_eq!(r.denom_owners, vec![owner(4, "4"), owner(3, "3")]);
        let e = owners(
            &state,
            "ugpc",
            Some(PageRequest {
                key: vec![1],
                offset: 1,
                ..PageRequest::default()
            }),
        )
        .unwrap_err();
        assert_eq!(e.code, 18);
    }

    #[test]
    fn should_fail_with_code_18_when_denom_owners_denom_is_invalid() {
        let state = funded(&[]);
        for bad in ["", "x", "1abc"] {
            let e = owners(&state, bad, None).unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 18), "{bad:?}");
            assert!(
                e.log
                    .starts_with("rpc error: code = InvalidArgument desc = invalid denom"),
                "{}",
                e.log
            );
        }
    }

    #[test]
    fn should_follow_sends_that_empty_and_fill_balances_when_owners_queried() {
        let mut state = funded(&[(1, "100ugpc"), (2, "5ugpc")]);
        // addr(2) is emptied, addr(3) appears, addr(1) keeps a balance.
        crate::keeper::send_coins(
            &mut state,
            &addr(2),
            &addr(3),
            &crate::test_util::coins("5ugpc"),
        )
        .unwrap();
        crate::keeper::send_coins(
            &mut state,
            &addr(1),
            &addr(3),
            &crate::test_util::coins("40ugpc"),
        )
        .unwrap();
        let r = owners(&state, "ugpc", None).unwrap();
        assert_eq!(r.denom_owners, vec![owner(1, "60"), owner(3, "45")]);
        // addr(1) sends everything away: it is no longer an owner.
        crate::keeper::send_coins(
            &mut state,
            &addr(1),
            &addr(2),
            &crate::test_util::coins("60ugpc"),
        )
        .unwrap();
        let r = owners(&state, "ugpc", None).unwrap();
        assert_eq!(r.denom_owners, vec![owner(2, "60"), owner(3, "45")]);
        crate::state_ext::check_invariants(&state).unwrap();
    }
}
