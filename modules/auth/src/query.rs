//! The module's gRPC queries (`/cosmos.auth.v1beta1.Query/...`), answered
//! over ABCI query with protobuf requests and responses.
//!
//! `AccountAddressByID` reads the non-verifiable account-number index, so
//! like the listing queries it is served at the latest height only. As in
//! SDK v0.50 it takes `account_id`; the deprecated `id` must be 0.

use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    AddressBytesToStringRequest, AddressBytesToStringResponse, AddressStringToBytesRequest,
    AddressStringToBytesResponse, Bech32PrefixRequest, Bech32PrefixResponse,
    QueryAccountAddressByIdRequest, QueryAccountAddressByIdResponse, QueryAccountInfoRequest,
    QueryAccountInfoResponse, QueryAccountRequest, QueryAccountResponse, QueryAccountsRequest,
    QueryAccountsResponse, QueryModuleAccountByNameRequest, QueryModuleAccountByNameResponse,
    QueryModuleAccountsRequest, QueryModuleAccountsResponse, QueryParamsRequest,
    QueryParamsResponse,
};
use gpuchain_store::StateRead;
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult, ACCOUNT_PREFIX};
use prost::Message;

use crate::account::account_any;
use crate::error::{
    account_not_found, grpc_invalid_argument, grpc_not_found, sdk_wrapped, undecodable_request,
    with_sdk_description,
};
use crate::module_account::{module_account_any, module_accounts, ModuleAccountSpec};
use crate::pagination::paginate;
use crate::state_ext;

pub const ACCOUNT: &str = "/cosmos.auth.v1beta1.Query/Account";
pub const ACCOUNTS: &str = "/cosmos.auth.v1beta1.Query/Accounts";
pub const PARAMS: &str = "/cosmos.auth.v1beta1.Query/Params";
pub const ACCOUNT_INFO: &str = "/cosmos.auth.v1beta1.Query/AccountInfo";
pub const BECH32_PREFIX: &str = "/cosmos.auth.v1beta1.Query/Bech32Prefix";
pub const ADDRESS_BYTES_TO_STRING: &str = "/cosmos.auth.v1beta1.Query/AddressBytesToString";
pub const ADDRESS_STRING_TO_BYTES: &str = "/cosmos.auth.v1beta1.Query/AddressStringToBytes";
pub const MODULE_ACCOUNTS: &str = "/cosmos.auth.v1beta1.Query/ModuleAccounts";
pub const MODULE_ACCOUNT_BY_NAME: &str = "/cosmos.auth.v1beta1.Query/ModuleAccountByName";
pub const ACCOUNT_ADDRESS_BY_ID: &str = "/cosmos.auth.v1beta1.Query/AccountAddressByID";

/// Every query path this module answers.
pub const PATHS: &[&str] = &[
    ACCOUNT,
    ACCOUNTS,
    PARAMS,
    ACCOUNT_INFO,
    BECH32_PREFIX,
    ADDRESS_BYTES_TO_STRING,
    ADDRESS_STRING_TO_BYTES,
    MODULE_ACCOUNTS,
    MODULE_ACCOUNT_BY_NAME,
    ACCOUNT_ADDRESS_BY_ID,
];

/// Answers `path` with the protobuf encoding of its response; `None` when the
/// path is not one of this module's. `modules` are the registered module
/// accounts, sorted by name.
pub fn handle(
    state: &dyn StateRead,
    modules: &[ModuleAccountSpec],
    path: &str,
    data: &[u8],
) -> Option<AppResult<Vec<u8>>> {
    let result = match path {
        ACCOUNT => decode(path, data)
            .and_then(|r| account(state, &r))
            .map(encode),
        ACCOUNTS => decode(path, data)
            .and_then(|r| accounts(state, &r))
            .map(encode),
        PARAMS => decode::<QueryParamsRequest>(path, data)
            .and_then(|_| query_params(state))
            .map(encode),
        ACCOUNT_INFO => decode(path, data)
            .and_then(|r| account_info(state, &r))
            .map(encode),
        BECH32_PREFIX => decode::<Bech32PrefixRequest>(path, data)
            .map(|_| Bech32PrefixResponse {
                bech32_prefix: ACCOUNT_PREFIX.to_string(),
            })
            .map(encode),
        ADDRESS_BYTES_TO_STRING => decode(path, data)
            .and_then(|r| address_bytes_to_string(&r))
            .map(encode),
        ADDRESS_STRING_TO_BYTES => decode(path, data)
            .and_then(|r| address_string_to_bytes(&r))
            .map(encode),
        MODULE_ACCOUNTS => decode::<QueryModuleAccountsRequest>(path, data)
            .and_then(|_| all_module_accounts(state, modules))
            .map(encode),
        MODULE_ACCOUNT_BY_NAME => decode(path, data)
            .and_then(|r| module_account_by_name(state, modules, &r))
            .map(encode),
        ACCOUNT_ADDRESS_BY_ID => decode(path, data)
            .and_then(|r| account_address_by_id(state, &r))
            .map(encode),
        _ => return None,
    };
    Some(result)
}

fn decode<T: Message + Default>(path: &str, data: &[u8]) -> AppResult<T> {
    T::decode(data).map_err(|e| undecodable_request(path, e))
}

fn encode<T: Message>(msg: T) -> Vec<u8> {
    msg.encode_to_vec()
}

/// Parses a request's address: empty is `InvalidArgument` (code 18), a bad
/// one is `invalid address` (code 7).
fn parse_address(address: &str) -> AppResult<Address> {
    if address.is_empty() {
        return Err(grpc_invalid_argument("Address cannot be empty"));
    }
    Address::from_bech32(address).map_err(with_sdk_description)
}

fn account(state: &dyn StateRead, req: &QueryAccountRequest) -> AppResult<QueryAccountResponse> {
    let address = parse_address(&req.address)?;
    let account =
        state_ext::get_account(state, &address)?.ok_or_else(|| account_not_found(&req.address))?;
    Ok(QueryAccountResponse {
        account: Some(account_any(&account)),
    })
}

fn account_info(
    state: &dyn StateRead,
    req: &QueryAccountInfoRequest,
) -> AppResult<QueryAccountInfoResponse> {
    let address = parse_address(&req.address)?;
    let account =
        state_ext::get_account(state, &address)?.ok_or_else(|| account_not_found(&req.address))?;
    Ok(QueryAccountInfoResponse {
        info: Some(account),
    })
}

fn accounts(state: &dyn StateRead, req: &QueryAccountsRequest) -> AppResult<QueryAccountsResponse> {
    let entries = state_ext::all_accounts(state)?
        .into_iter()
        .map(|(address, account)| (address.as_bytes().to_vec(), account_any(&account)))
        .collect();
    let (accounts, page) = paginate(entries, req.pagination.as_ref())?;
    Ok(QueryAccountsResponse {
        accounts,
        pagination: Some(page),
    })
}

fn query_params(state: &dyn StateRead) -> AppResult<QueryParamsResponse> {
    Ok(QueryParamsResponse {
        params: Some(state_ext::params(state)?),
    })
}

fn all_module_accounts(
    state: &dyn StateRead,
    modules: &[ModuleAccountSpec],
) -> AppResult<QueryModuleAccountsResponse> {
    Ok(QueryModuleAccountsResponse {
        accounts: module_accounts(state, modules)?
            .iter()
            .map(module_account_any)
            .collect(),
    })
}

/// One registered module account; an unknown name is gRPC `NotFound` (code
/// 22), an empty one `InvalidArgument` (code 18), as in the SDK.
fn module_account_by_name(
    state: &dyn StateRead,
    modules: &[ModuleAccountSpec],
    req: &QueryModuleAccountByNameRequest,
) -> AppResult<QueryModuleAccountByNameResponse> {
    if req.name.is_empty() {
        return Err(grpc_invalid_argument("module name is empty"));
    }
    // Its provisional number (when not stored) is the one the full list
    // shows for it.
    let all = module_accounts(state, modules)?;
    let account = all
        .iter()
        .find(|m| m.name == req.name)
        .ok_or_else(|| grpc_not_found(format!("account {} not found", req.name)))?;
    Ok(QueryModuleAccountByNameResponse {
        account: Some(module_account_any(account)),
    })
}

/// The address of the account with number `account_id` (SDK v0.50); the
/// deprecated `id` must be 0 (`InvalidArgument`, code 18), an unknown number
/// is `NotFound` (code 22).
fn account_address_by_id(
    state: &dyn StateRead,
    req: &QueryAccountAddressByIdRequest,
) -> AppResult<QueryAccountAddressByIdResponse> {
    #[allow(deprecated)]
    let id = req.id;
    if id != 0 {
        return Err(grpc_invalid_argument(
            "requesting with id isn't supported, try to request using account-id",
        ));
    }
    let number = req.account_id;
    let address = state_ext::account_address_by_number(state, number)?.ok_or_else(|| {
        grpc_not_found(format!(
            "account address not found with account number {number}"
        ))
    })?;
    Ok(QueryAccountAddressByIdResponse {
        account_address: address.to_string(),
    })
}

fn address_bytes_to_string(
    req: &AddressBytesToStringRequest,
) -> AppResult<AddressBytesToStringResponse> {
    if req.address_bytes.is_empty() {
        return Err(grpc_invalid_argument("empty address bytes is not allowed"));
    }
    let bytes: [u8; 20] = req.address_bytes.as_slice().try_into().map_err(|_| {
        sdk_wrapped(
            code::INVALID_ADDRESS,
            format!("address must be 20 bytes, got {}", req.address_bytes.len()),
        )
    })?;
    Ok(AddressBytesToStringResponse {
        address_string: Address(bytes).to_string(),
    })
}

fn address_string_to_bytes(
    req: &AddressStringToBytesRequest,
) -> AppResult<AddressStringToBytesResponse> {
    if req.address_string.is_empty() {
        return Err(grpc_invalid_argument("empty address string is not allowed"));
    }
    let address = Address::from_bech32(&req.address_string).map_err(with_sdk_description)?;
    Ok(AddressStringToBytesResponse {
        address_bytes: address.as_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use cosmos_sdk_proto::cosmos::auth::v1beta1::BaseAccount;
    use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest;
    use gpuchain_store::{Component, Delta};

    use super::*;
    use crate::params::default_params;
    use crate::test_util::{addr, MemState};
    use crate::AuthComponent;
    use cosmos_sdk_proto::cosmos::auth::v1beta1::ModuleAccount;

    fn run<Req: Message, Resp: Message + Default>(
        state: &dyn StateRead,
        path: &str,
        req: Req,
    ) -> AppResult<Resp> {
        let bytes = AuthComponent::default()
            .query(state, path, &req.encode_to_vec())
            .expect("path is the module's")?;
        Ok(Resp::decode(bytes.as_slice()).unwrap())
    }

    #[test]
    fn should_return_base_account_any_when_account_exists() {
        let mut state = Delta::new(&MemState);
        let mut acc = state_ext::ensure_account(&mut state, &addr(1)).unwrap();
        acc.sequence = 4;
        state_ext::set_account(&mut state, &acc).unwrap();
        let resp: QueryAccountResponse = run(
            &state,
            ACCOUNT,
            QueryAccountRequest {
                address: addr(1).to_string(),
            },
        )
        .unwrap();
        let any = resp.account.unwrap();
        assert_eq!(any.type_url, "/cosmos.auth.v1beta1.BaseAccount");
        let got = BaseAccount::decode(any.value.as_slice()).unwrap();
        assert_eq!(got.address, addr(1).to_string());
        assert_eq!((got.account_number, got.sequence), (0, 4));
        assert!(got.pub_key.is_none());
    }

    #[test]
    fn should_fail_with_code_22_and_exact_log_when_account_unknown() {
        let state = Delta::new(&MemState);
        let address = addr(9).to_string();
        let e = run::<_, QueryAccountResponse>(
            &state,
            ACCOUNT,
            QueryAccountRequest {
                address: address.clone(),
            },
        )
        .unwrap_err();
        assert_eq!(e.codespace, "sdk");
        assert_eq!(e.code, 22);
        assert_eq!(
            e.log,
            format!("rpc error: code = NotFound desc = account {address} not found: key not found")
        );
        let e = run::<_, QueryAccountInfoResponse>(
            &state,
            ACCOUNT_INFO,
            QueryAccountInfoRequest { address },
        )
        .unwrap_err();
        assert_eq!(e.code, 22);
    }

    #[test]
    fn should_fail_with_code_7_when_address_invalid_and_18_when_empty() {
        let state = Delta::new(&MemState);
        for bad in [
            addr(1).to_bech32_with_prefix("cosmos"),
            "gpu1qqqq".to_string(),
            "not an address".to_string(),
        ] {
            let e = run::<_, QueryAccountResponse>(
                &state,
                ACCOUNT,
                QueryAccountRequest {
                    address: bad.clone(),
                },
            )
            .unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 7), "{bad}");
            assert!(e.log.ends_with(": invalid address"), "{}", e.log);
        }
        let e = run::<_, QueryAccountResponse>(
            &state,
            ACCOUNT,
            QueryAccountRequest {
                address: String::new(),
            },
        )
        .unwrap_err();
        assert_eq!(e.code, 18);
    }

    #[test]
    fn should_fail_with_code_18_when_request_does_not_decode() {
        let state = Delta::new(&MemState);
        let e = AuthComponent::default()
            .query(&state, ACCOUNT, &[0xff, 0xff, 0xff])
            .unwrap()
            .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 18));
    }

    #[test]
    fn should_return_none_when_path_is_not_auth() {
        let state = Delta::new(&MemState);
        assert!(AuthComponent::default()
            .query(&state, "/cosmos.bank.v1beta1.Query/Balance", &[])
            .is_none());
    }

    #[test]
    fn should_return_info_when_account_info_queried() {
        let mut state = Delta::new(&MemState);
        state_ext::ensure_account(&mut state, &addr(1)).unwrap();
        let acc = state_ext::ensure_account(&mut state, &addr(2)).unwrap();
        let resp: QueryAccountInfoResponse = run(
            &state,
            ACCOUNT_INFO,
            QueryAccountInfoRequest {
                address: addr(2).to_string(),
            },
        )
        .unwrap();
        assert_eq!(resp.info, Some(acc));
    }

    #[test]
    fn should_page_accounts_when_accounts_queried() {
        let mut state = Delta::new(&MemState);
        for n in [3, 1, 2] {
            state_ext::ensure_account(&mut state, &addr(n)).unwrap();
        }
        let resp: QueryAccountsResponse =
            run(&state, ACCOUNTS, QueryAccountsRequest { pagination: None }).unwrap();
        let addrs: Vec<String> = resp
            .accounts
            .iter()
            .map(|a| BaseAccount::decode(a.value.as_slice()).unwrap().address)
            .collect();
        assert_eq!(
            addrs,
            vec![
                addr(1).to_string(),
                addr(2).to_string(),
                addr(3).to_string()
            ]
        );
        assert_eq!(resp.pagination.as_ref().unwrap().total, 3);
        let page = PageRequest {
            limit: 2,
            ..PageRequest::default()
        };
        let resp: QueryAccountsResponse = run(
            &state,
            ACCOUNTS,
            QueryAccountsRequest {
                pagination: Some(page),
            },
        )
        .unwrap();
        assert_eq!(resp.accounts.len(), 2);
        let next = resp.pagination.unwrap().next_key;
        assert_eq!(next, addr(3).as_bytes().to_vec());
        let resp: QueryAccountsResponse = run(
            &state,
            ACCOUNTS,
            QueryAccountsRequest {
                pagination: Some(PageRequest {
                    key: next,
                    limit: 2,
                    ..PageRequest::default()
                }),
            },
        )
        .unwrap();
        assert_eq!(resp.accounts.len(), 1);
        assert!(resp.pagination.unwrap().next_key.is_empty());
    }

    #[test]
    fn should_return_params_and_prefix_when_queried() {
        let state = Delta::new(&MemState);
        let resp: QueryParamsResponse = run(&state, PARAMS, QueryParamsRequest {}).unwrap();
        assert_eq!(resp.params, Some(default_params()));
        let resp: Bech32PrefixResponse =
            run(&state, BECH32_PREFIX, Bech32PrefixRequest {}).unwrap();
        assert_eq!(resp.bech32_prefix, "gpu");
    }

    #[test]
    fn should_convert_addresses_both_ways_when_queried() {
        let state = Delta::new(&MemState);
        let resp: AddressBytesToStringResponse = run(
            &state,
            ADDRESS_BYTES_TO_STRING,
            AddressBytesToStringRequest {
                address_bytes: vec![7; 20],
            },
        )
        .unwrap();
        assert_eq!(resp.address_string, addr(7).to_string());
        let resp: AddressStringToBytesResponse = run(
            &state,
            ADDRESS_STRING_TO_BYTES,
            AddressStringToBytesRequest {
                address_string: addr(7).to_string(),
            },
        )
        .unwrap();
        assert_eq!(resp.address_bytes, vec![7; 20]);
        let e = run::<_, AddressBytesToStringResponse>(
            &state,
            ADDRESS_BYTES_TO_STRING,
            AddressBytesToStringRequest {
                address_bytes: vec![7; 19],
            },
        )
        .unwrap_err();
        assert_eq!(e.code, 7);
        let e = run::<_, AddressBytesToStringResponse>(
            &state,
            ADDRESS_BYTES_TO_STRING,
            AddressBytesToStringRequest {
                address_bytes: vec![],
            },
        )
        .unwrap_err();
        assert_eq!(e.code, 18);
        let e = run::<_, AddressStringToBytesResponse>(
            &state,
            ADDRESS_STRING_TO_BYTES,
            AddressStringToBytesRequest {
                address_string: "cosmos1xyz".into(),
            },
        )
        .unwrap_err();
        assert_eq!(e.code, 7);
    }

    fn with_modules() -> AuthComponent {
        AuthComponent::new().with_module_accounts([
            ModuleAccountSpec::new("mint", &["minter"]),
            ModuleAccountSpec::new("fee_collector", &[]),
        ])
    }

    fn run_with<Req: Message, Resp: Message + Default>(
        auth: &AuthComponent,
        state: &dyn StateRead,
        path: &str,
        req: Req,
    ) -> AppResult<Resp> {
        let bytes = auth
            .query(state, path, &req.encode_to_vec())
            .expect("path is the module's")?;
        Ok(Resp::decode(bytes.as_slice()).unwrap())
    }

    fn decode_module(any: &cosmos_sdk_proto::Any) -> ModuleAccount {
        assert_eq!(any.type_url, "/cosmos.auth.v1beta1.ModuleAccount");
        ModuleAccount::decode(any.value.as_slice()).unwrap()
    }

    #[test]
    fn should_list_registered_module_accounts_sorted_by_name() {
        let mut state = Delta::new(&MemState);
        state_ext::ensure_account(&mut state, &addr(1)).unwrap();
        let resp: QueryModuleAccountsResponse = run_with(
            &with_modules(),
            &state,
            MODULE_ACCOUNTS,
            QueryModuleAccountsRequest {},
        )
        .unwrap();
        let accounts: Vec<ModuleAccount> = resp.accounts.iter().map(decode_module).collect();
        let names: Vec<&str> = accounts.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["fee_collector", "mint"]);
        let fee = accounts[0].base_account.as_ref().unwrap();
        assert_eq!(
            fee.address,
            gpuchain_types::Address::module("fee_collector").to_string()
        );
        assert_eq!((fee.account_number, fee.sequence), (1, 0));
        assert!(accounts[0].permissions.is_empty());
        assert_eq!(accounts[1].permissions, vec!["minter".to_string()]);
        // No module registered: an empty list.
        let resp: QueryModuleAccountsResponse =
            run(&state, MODULE_ACCOUNTS, QueryModuleAccountsRequest {}).unwrap();
        assert!(resp.accounts.is_empty());
    }

    #[test]
    fn should_return_module_account_by_name_or_fail_with_22_and_18() {
        let state = Delta::new(&MemState);
        let auth = with_modules();
        let resp: QueryModuleAccountByNameResponse = run_with(
            &auth,
            &state,
            MODULE_ACCOUNT_BY_NAME,
            QueryModuleAccountByNameRequest {
                name: "mint".into(),
            },
        )
        .unwrap();
        let mint = decode_module(resp.account.as_ref().unwrap());
        assert_eq!(mint.name, "mint");
        // The number the full list shows for it (fee_collector comes first).
        assert_eq!(mint.base_account.unwrap().account_number, 1);
        let e = run_with::<_, QueryModuleAccountByNameResponse>(
            &auth,
            &state,
            MODULE_ACCOUNT_BY_NAME,
            QueryModuleAccountByNameRequest { name: "gov".into() },
        )
        .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 22));
        assert_eq!(
            e.log,
            "rpc error: code = NotFound desc = account gov not found: key not found"
        );
        let e = run_with::<_, QueryModuleAccountByNameResponse>(
            &auth,
            &state,
            MODULE_ACCOUNT_BY_NAME,
            QueryModuleAccountByNameRequest {
                name: String::new(),
            },
        )
        .unwrap_err();
        assert_eq!(e.code, 18);
    }

    #[test]
    #[allow(deprecated)]
    fn should_return_address_by_account_number_when_indexed() {
        let mut state = Delta::new(&MemState);
        for n in [5, 3, 9] {
            state_ext::ensure_account(&mut state, &addr(n)).unwrap();
        }
        let by_id = |account_id: u64, id: i64| {
            run::<_, QueryAccountAddressByIdResponse>(
                &state,
                ACCOUNT_ADDRESS_BY_ID,
                QueryAccountAddressByIdRequest { id, account_id },
            )
        };
        assert_eq!(by_id(0, 0).unwrap().account_address, addr(5).to_string());
        assert_eq!(by_id(2, 0).unwrap().account_address, addr(9).to_string());
        let e = by_id(3, 0).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 22));
        assert_eq!(
            e.log,
            "rpc error: code = NotFound desc = account address not found with account number 3: key not found"
        );
        // v0.50 rejects the deprecated field.
        let e = by_id(0, 1).unwrap_err();
        assert_eq!(e.code, 18);
        assert!(
            e.log.contains("requesting with id isn't supported"),
            "{}",
            e.log
        );
    }
}
