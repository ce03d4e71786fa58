//! Cosmos `PageRequest` / `PageResponse` semantics (the SDK's
//! `query.Paginate`) over entries already read in key order.
//!
//! - `limit` 0 means 100, and then `count_total` is implied;
//! - `key` and `offset` together are an error (code 18);
//! - with `key`, the page starts at that key (inclusive) and `total` is 0;
//! - `next_key` is the key of the first entry after the page (empty at the
//!   end); `reverse` walks the keys in descending order.
//!
//! Other modules' list queries (bank's `AllBalances`, `TotalSupply`, ...)
//! use it too.

use cosmos_sdk_proto::cosmos::base::query::v1beta1::{PageRequest, PageResponse};
use gpuchain_types::error::code;
use gpuchain_types::AppResult;

use crate::error::sdk_wrapped;

/// The page size when a request gives none.
pub const DEFAULT_LIMIT: u64 = 100;

/// Cuts one page out of `entries` (keys relative to the queried prefix, in
/// ascending order) and returns its values and the `PageResponse`.
pub fn paginate<T>(
    entries: Vec<(Vec<u8>, T)>,
    request: Option<&PageRequest>,
) -> AppResult<(Vec<T>, PageResponse)> {
    let request = request.cloned().unwrap_or_default();
    if request.offset > 0 && !request.key.is_empty() {
        return Err(sdk_wrapped(
            code::INVALID_REQUEST,
            "invalid request, either offset or key is expected, got both",
        ));
    }
    let (limit, count_total) = if request.limit == 0 {
        (DEFAULT_LIMIT, true)
    } else {
        (request.limit, request.count_total)
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut entries = entries;
    if request.reverse {
        entries.reverse();
    }

    if !request.key.is_empty() {
        let key = request.key.as_slice();
        let start = entries
            .iter()
            .position(|(k, _)| {
                if request.reverse {
                    k.as_slice() <= key
                } else {
                    k.as_slice() >= key
                }
            })
            .unwrap_or(entries.len());
        let mut rest = entries.into_iter().skip(start);
        let page: Vec<T> = rest.by_ref().take(limit).map(|(_, v)| v).collect();
        let next_key = rest.next().map(|(k, _)| k).unwrap_or_default();
        return Ok((page, PageResponse { next_key, total: 0 }));
    }

    let total = u64::try_from(entries.len()).unwrap_or(u64::MAX);
    let offset = usize::try_from(request.offset).unwrap_or(usize::MAX);
    let mut rest = entries.into_iter().skip(offset);
    let page: Vec<T> = rest.by_ref().take(limit).map(|(_, v)| v).collect();
    let next_key = rest.next().map(|(k, _)| k).unwrap_or_default();
    Ok((
        page,
        PageResponse {
            next_key,
            total: if count_total { total } else { 0 },
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: u8) -> Vec<(Vec<u8>, u8)> {
        (0..n).map(|i| (vec![i], i)).collect()
    }

    fn req(key: &[u8], offset: u64, limit: u64, count_total: bool, reverse: bool) -> PageRequest {
        PageRequest {
            key: key.to_vec(),
            offset,
            limit,
            count_total,
            reverse,
        }
    }

    #[test]
    fn should_return_first_100_and_total_when_no_request() {
        let (page, resp) = paginate(entries(150), None).unwrap();
        assert_eq!(page.len(), 100);
        assert_eq!(resp.next_key, vec![100]);
        assert_eq!(resp.total, 150);
        let (page, resp) = paginate(entries(3), None).unwrap();
        assert_eq!(page, vec![0, 1, 2]);
        assert!(resp.next_key.is_empty());
        assert_eq!(resp.total, 3);
    }

    #[test]
    fn should_page_by_offset_when_offset_given() {
        let (page, resp) = paginate(entries(10), Some(&req(&[], 4, 3, false, false))).unwrap();
        assert_eq!(page, vec![4, 5, 6]);
        assert_eq!(resp.next_key, vec![7]);
        assert_eq!(resp.total, 0);
        let (page, resp) = paginate(entries(10), Some(&req(&[], 8, 3, true, false))).unwrap();
        assert_eq!(page, vec![8, 9]);
        assert!(resp.next_key.is_empty());
        assert_eq!(resp.total, 10);
        let (page, _) = paginate(entries(10), Some(&req(&[], 20, 3, false, false))).unwrap();
        assert!(page.is_empty());
    }

    #[test]
    fn should_continue_from_next_key_when_key_given() {
        let (page, resp) = paginate(entries(10), Some(&req(&[5], 0, 2, true, false))).unwrap();
        assert_eq!(page, vec![5, 6]);
        assert_eq!(resp.next_key, vec![7]);
        assert_eq!(resp.total, 0);
        let (page, resp) = paginate(entries(10), Some(&req(&[7], 0, 5, false, false))).unwrap();
        assert_eq!(page, vec![7, 8, 9]);
        assert!(resp.next_key.is_empty());
    }

    #[test]
    fn should_walk_backwards_when_reverse() {
        let (page, resp) = paginate(entries(5), Some(&req(&[], 0, 2, false, true))).unwrap();
        assert_eq!(page, vec![4, 3]);
        assert_eq!(resp.next_key, vec![2]);
        let (page, resp) = paginate(entries(5), Some(&req(&[2], 0, 2, false, true))).unwrap();
        assert_eq!(page, vec![2, 1]);
        assert_eq!(resp.next_key, vec![0]);
    }

    #[test]
    fn should_fail_with_code_18_when_key_and_offset_both_given() {
        let e = paginate(entries(5), Some(&req(&[1], 1, 2, false, false))).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 18));
    }
}
