//! Every key of the `market` module. Keys are built only here; each starts
//! with `market/` and is pinned by a test, because changing one changes
//! consensus state (or, under [`nv`], the indexes every node keeps).
//!
//! Numbers are big-endian so that key order is numeric order; a time is an
//! `i64` with its sign bit flipped ([`time_bytes`]); a string inside a key
//! is prefixed by its length (one byte), so no string can run into the next.

use gpuchain_types::Address;

/// The prefix of every key of the module.
pub const MODULE_PREFIX: &[u8] = b"market/";

fn join(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut key = prefix.to_vec();
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

/// A time as 8 bytes ordered like the `i64`.
pub fn time_bytes(t: i64) -> [u8; 8] {
    ((t as u64) ^ (1u64 << 63)).to_be_bytes()
}

/// A string prefixed by its length (strings in keys are at most 255 bytes;
/// longer ones are cut, which validation never lets through).
pub fn len_prefixed(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let len = bytes.len().min(255);
    let mut out = Vec::with_capacity(len.saturating_add(1));
    out.push(len as u8);
    out.extend_from_slice(&bytes[..len]);
    out
}

/// The id at the end of an index key.
pub fn trailing_id(key: &[u8]) -> Option<u64> {
    let start = key.len().checked_sub(8)?;
    Some(u64::from_be_bytes(key[start..].try_into().ok()?))
}

/// The module's params (protobuf `gpuchain.market.v1.Params`).
///
/// Example: `market/params`
pub fn params() -> Vec<u8> {
    b"market/params".to_vec()
}

/// The next id of offers, orders or leases (u64 big-endian).
///
/// Example: `market/next_id/offer`
pub fn next_id(kind: &str) -> Vec<u8> {
    join(b"market/next_id/", &[kind.as_bytes()])
}

pub mod offers {
    /// Example: `market/offers/`
    pub fn prefix() -> Vec<u8> {
        b"market/offers/".to_vec()
    }
    /// One offer (protobuf `Offer`). Example for id 1: `market/offers/` + `00 00 00 00 00 00 00 01`
    pub fn by_id(id: u64) -> Vec<u8> {
        super::join(b"market/offers/", &[&id.to_be_bytes()])
    }
}

pub mod orders {
    /// Example: `market/orders/`
    pub fn prefix() -> Vec<u8> {
        b"market/orders/".to_vec()
    }
    /// One order (protobuf `Order`). Example for id 1: `market/orders/` + `00 .. 01`
    pub fn by_id(id: u64) -> Vec<u8> {
        super::join(b"market/orders/", &[&id.to_be_bytes()])
    }
    /// A tenant's number of open orders (u32 big-endian).
    /// Example: `market/open_orders/` + 20 address bytes
    pub fn open_count(tenant: &super::Address) -> Vec<u8> {
        super::join(b"market/open_orders/", &[tenant.as_bytes()])
    }
}

pub mod leases {
    /// Example: `market/leases/`
    pub fn prefix() -> Vec<u8> {
        b"market/leases/".to_vec()
    }
    /// One lease (protobuf `Lease`). Example for id 1: `market/leases/` + `00 .. 01`
    pub fn by_id(id: u64) -> Vec<u8> {
        super::join(b"market/leases/", &[&id.to_be_bytes()])
    }
}

pub mod gpus {
    /// Example: `market/gpus/`
    pub fn prefix() -> Vec<u8> {
        b"market/gpus/".to_vec()
    }
    /// The lease a GPU serves (u64 big-endian), present only while it does.
    /// Example: `market/gpus/GPU-1`
    pub fn by_uuid(uuid: &str) -> Vec<u8> {
        super::join(b"market/gpus/", &[uuid.as_bytes()])
    }
}

/// Non-verifiable indexes (outside the app hash; values are empty unless
/// said otherwise).
pub mod nv {
    use super::{join, len_prefixed, time_bytes, Address};

    /// Bump when any index layout below changes.
    pub const INDEXES_VERSION: u16 = 2;

    /// Example: `market/nv/`
    pub const PREFIX: &[u8] = b"market/nv/";

    /// Example: `market/nv/version`
    pub fn version() -> Vec<u8> {
        b"market/nv/version".to_vec()
    }

    /// The last begin-block's time (i64 big-endian), for queries.
    /// Example: `market/nv/block_time`
    pub fn block_time() -> Vec<u8> {
        b"market/nv/block_time".to_vec()
    }

    /// The block time up to which end-block has drained the time indexes
    /// (i64 big-endian). Entries before it were all removed, but their
    /// deletions may linger in the store as tombstones that a range read
    /// from the index's start would wade through; reads start here instead.
    /// Lives under [`PREFIX`], so an index rebuild clears it too.
    /// Example: `market/nv/drained_until`
    pub fn drained_until() -> Vec<u8> {
        b"market/nv/drained_until".to_vec()
    }

    /// The first key of a time index (`prefix`, e.g. [`due_prefix`]) at
    /// time `t` or later.
    /// Example: `market/nv/due/` + 8 bytes time
    pub fn time_from(prefix: &[u8], t: i64) -> Vec<u8> {
        join(prefix, &[&time_bytes(t)])
    }

    /// The order book of one sku and denom.
    /// Example: `market/nv/book/` + `\x03h100` + `\x04ugpc`
    pub fn book_prefix(sku: &str, denom: &str) -> Vec<u8> {
        join(
            b"market/nv/book/",
            &[&len_prefixed(sku), &len_prefixed(denom)],
        )
    }

    /// A matchable offer (active, free GPUs) in the book, by price then id.
    /// Example: [`book_prefix`] + 16 bytes price + 8 bytes offer id
    pub fn book(sku: &str, denom: &str, price: u128, offer_id: u64) -> Vec<u8> {
        join(
            &book_prefix(sku, denom),
            &[&price.to_be_bytes(), &offer_id.to_be_bytes()],
        )
    }

    /// Active leases by the time end-block closes them.
    /// Example: `market/nv/due/` + 8 bytes time + 8 bytes lease id
    pub fn due(t: i64, lease_id: u64) -> Vec<u8> {
        join(
            b"market/nv/due/",
            &[&time_bytes(t), &lease_id.to_be_bytes()],
        )
    }
    /// Example: `market/nv/due/`
    pub fn due_prefix() -> Vec<u8> {
        b"market/nv/due/".to_vec()
    }
    /// The first key after every due entry at or before `t`.
    pub fn due_end(t: i64) -> Vec<u8> {
        join(
            b"market/nv/due/",
            &[&time_bytes(t), &u64::MAX.to_be_bytes(), &[0xff]],
        )
    }

    /// Pending leases by acknowledgement deadline.
    /// Example: `market/nv/ack/` + 8 bytes time + 8 bytes lease id
    pub fn ack(t: i64, lease_id: u64) -> Vec<u8> {
        join(
            b"market/nv/ack/",
            &[&time_bytes(t), &lease_id.to_be_bytes()],
        )
    }
    /// Example: `market/nv/ack/`
    pub fn ack_prefix() -> Vec<u8> {
        b"market/nv/ack/".to_vec()
    }
    /// The first key after every ack entry at or before `t`.
    pub fn ack_end(t: i64) -> Vec<u8> {
        join(
            b"market/nv/ack/",
            &[&time_bytes(t), &u64::MAX.to_be_bytes(), &[0xff]],
        )
    }

    /// Open orders by expiry time.
    /// Example: `market/nv/expiry/` + 8 bytes time + 8 bytes order id
    pub fn expiry(t: i64, order_id: u64) -> Vec<u8> {
        join(
            b"market/nv/expiry/",
            &[&time_bytes(t), &order_id.to_be_bytes()],
        )
    }
    /// Example: `market/nv/expiry/`
    pub fn expiry_prefix() -> Vec<u8> {
        b"market/nv/expiry/".to_vec()
    }
    /// The first key after every expiry entry at or before `t`.
    pub fn expiry_end(t: i64) -> Vec<u8> {
        join(
            b"market/nv/expiry/",
            &[&time_bytes(t), &u64::MAX.to_be_bytes(), &[0xff]],
        )
    }

    /// Open orders of one sku, oldest first (retried when offers change).
    /// Example: `market/nv/retry/` + `\x04h100`
    pub fn retry_prefix(sku: &str) -> Vec<u8> {
        join(b"market/nv/retry/", &[&len_prefixed(sku)])
    }
    /// Example: [`retry_prefix`] + 8 bytes order id
    pub fn retry(sku: &str, order_id: u64) -> Vec<u8> {
        join(&retry_prefix(sku), &[&order_id.to_be_bytes()])
    }

    /// Skus whose offers changed in this block.
    /// Example: `market/nv/dirty/`
    pub fn dirty_prefix() -> Vec<u8> {
        b"market/nv/dirty/".to_vec()
    }
    /// Example: `market/nv/dirty/h100`
    pub fn dirty(sku: &str) -> Vec<u8> {
        join(b"market/nv/dirty/", &[sku.as_bytes()])
    }

    /// Example: `market/nv/offers_by_provider/` + 20 address bytes
    pub fn offers_by_provider_prefix(provider: &Address) -> Vec<u8> {
        join(b"market/nv/offers_by_provider/", &[provider.as_bytes()])
    }
    /// Example: [`offers_by_provider_prefix`] + 8 bytes offer id
    pub fn offers_by_provider(provider: &Address, id: u64) -> Vec<u8> {
        join(&offers_by_provider_prefix(provider), &[&id.to_be_bytes()])
    }

    /// Offers not closed, by sku (summary queries).
    /// Example: `market/nv/offers_by_sku/` + `\x04h100`
    pub fn offers_by_sku_prefix(sku: &str) -> Vec<u8> {
        join(b"market/nv/offers_by_sku/", &[&len_prefixed(sku)])
    }
    /// Example: [`offers_by_sku_prefix`] + 8 bytes offer id
    pub fn offers_by_sku(sku: &str, id: u64) -> Vec<u8> {
        join(&offers_by_sku_prefix(sku), &[&id.to_be_bytes()])
    }

    /// Example: `market/nv/orders_by_tenant/` + 20 address bytes
    pub fn orders_by_tenant_prefix(tenant: &Address) -> Vec<u8> {
        join(b"market/nv/orders_by_tenant/", &[tenant.as_bytes()])
    }
    /// Example: [`orders_by_tenant_prefix`] + 8 bytes order id
    pub fn orders_by_tenant(tenant: &Address, id: u64) -> Vec<u8> {
        join(&orders_by_tenant_prefix(tenant), &[&id.to_be_bytes()])
    }

    /// Example: `market/nv/leases_by_tenant/` + 20 address bytes
    pub fn leases_by_tenant_prefix(tenant: &Address) -> Vec<u8> {
        join(b"market/nv/leases_by_tenant/", &[tenant.as_bytes()])
    }
    /// Example: [`leases_by_tenant_prefix`] + 8 bytes lease id
    pub fn leases_by_tenant(tenant: &Address, id: u64) -> Vec<u8> {
        join(&leases_by_tenant_prefix(tenant), &[&id.to_be_bytes()])
    }

    /// Example: `market/nv/leases_by_provider/` + 20 address bytes
    pub fn leases_by_provider_prefix(provider: &Address) -> Vec<u8> {
        join(b"market/nv/leases_by_provider/", &[provider.as_bytes()])
    }
    /// Example: [`leases_by_provider_prefix`] + 8 bytes lease id
    pub fn leases_by_provider(provider: &Address, id: u64) -> Vec<u8> {
        join(&leases_by_provider_prefix(provider), &[&id.to_be_bytes()])
    }

    /// A provider's open (pending or active) leases.
    /// Example: `market/nv/open_leases/` + 20 address bytes
    pub fn open_leases_prefix(provider: &Address) -> Vec<u8> {
        join(b"market/nv/open_leases/", &[provider.as_bytes()])
    }
    /// Example: [`open_leases_prefix`] + 8 bytes lease id
    pub fn open_leases(provider: &Address, id: u64) -> Vec<u8> {
        join(&open_leases_prefix(provider), &[&id.to_be_bytes()])
    }

    /// A provider's pending leases, each with what one of its hosts must
    /// hold for it (matching packs them on the hosts): the value is
    /// [`pending_value`].
    /// Example: `market/nv/pending_leases/` + 20 address bytes
    pub fn pending_leases_prefix(provider: &Address) -> Vec<u8> {
        join(PENDING_LEASES, &[provider.as_bytes()])
    }
    /// Every provider's [`pending_leases_prefix`].
    pub const PENDING_LEASES: &[u8] = b"market/nv/pending_leases/";
    /// Example: [`pending_leases_prefix`] + 8 bytes lease id
    pub fn pending_leases(provider: &Address, id: u64) -> Vec<u8> {
        join(&pending_leases_prefix(provider), &[&id.to_be_bytes()])
    }
    /// A pending lease's GPU count (4 bytes, big-endian), then its SKU.
    pub fn pending_value(gpu_count: u32, sku: &str) -> Vec<u8> {
        join(&gpu_count.to_be_bytes(), &[sku.as_bytes()])
    }
    /// [`pending_value`]'s parts; `None` when malformed.
    pub fn parse_pending_value(v: &[u8]) -> Option<(u32, &str)> {
        let (count, sku) = v.split_first_chunk::<4>()?;
        Some((u32::from_be_bytes(*count), std::str::from_utf8(sku).ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_keys_stable() {
        assert_eq!(params(), b"market/params");
        assert_eq!(next_id("lease"), b"market/next_id/lease");
        assert_eq!(offers::by_id(1), b"market/offers/\0\0\0\0\0\0\0\x01");
        assert_eq!(orders::by_id(2), b"market/orders/\0\0\0\0\0\0\0\x02");
        assert_eq!(leases::by_id(3), b"market/leases/\0\0\0\0\0\0\0\x03");
        assert_eq!(gpus::by_uuid("GPU-1"), b"market/gpus/GPU-1");
        let a = Address([1; 20]);
        let mut k = b"market/open_orders/".to_vec();
        k.extend_from_slice(&[1; 20]);
        assert_eq!(orders::open_count(&a), k);
        assert_eq!(nv::block_time(), b"market/nv/block_time");
        assert_eq!(nv::drained_until(), b"market/nv/drained_until");
        let mut from = b"market/nv/due/".to_vec();
        from.extend_from_slice(&time_bytes(9));
        assert_eq!(nv::time_from(&nv::due_prefix(), 9), from);
        let mut book = b"market/nv/book/\x04h100\x04ugpc".to_vec();
        book.extend_from_slice(&5u128.to_be_bytes());
        book.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(nv::book("h100", "ugpc", 5, 7), book);
        let mut due = b"market/nv/due/".to_vec();
        due.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 10]);
        due.extend_from_slice(&9u64.to_be_bytes());
        assert_eq!(nv::due(10, 9), due);
        assert_eq!(&nv::ack(10, 9)[..14], b"market/nv/ack/");
        assert_eq!(&nv::expiry(10, 9)[..17], b"market/nv/expiry/");
        assert_eq!(
            nv::retry("h100", 1),
            b"market/nv/retry/\x04h100\0\0\0\0\0\0\0\x01"
        );
        assert_eq!(nv::dirty("h100"), b"market/nv/dirty/h100");
        assert_eq!(
            nv::offers_by_sku("a", 1),
            b"market/nv/offers_by_sku/\x01a\0\0\0\0\0\0\0\x01"
        );
        assert!(nv::offers_by_provider(&a, 1).starts_with(b"market/nv/offers_by_provider/"));
        assert!(nv::orders_by_tenant(&a, 1).starts_with(b"market/nv/orders_by_tenant/"));
        assert!(nv::leases_by_tenant(&a, 1).starts_with(b"market/nv/leases_by_tenant/"));
        assert!(nv::leases_by_provider(&a, 1).starts_with(b"market/nv/leases_by_provider/"));
        assert!(nv::open_leases(&a, 1).starts_with(b"market/nv/open_leases/"));
        assert!(nv::pending_leases(&a, 1).starts_with(b"market/nv/pending_leases/"));
        let v = nv::pending_value(3, "nvidia-h100");
        assert_eq!(nv::parse_pending_value(&v), Some((3, "nvidia-h100")));
        assert_eq!(nv::parse_pending_value(&v[..3]), None);
    }

    #[test]
    fn should_order_times_and_ids_numerically() {
        assert!(time_bytes(-1) < time_bytes(0));
        assert!(time_bytes(0) < time_bytes(1));
        assert!(nv::due(5, u64::MAX) < nv::due(6, 0));
        assert!(nv::due(5, u64::MAX) < nv::due_end(5));
        assert!(nv::due_end(5) < nv::due(6, 0));
        assert!(nv::book("s", "ugpc", 1, 9) < nv::book("s", "ugpc", 2, 0));
        assert_eq!(trailing_id(&nv::due(5, 42)), Some(42));
    }
}
