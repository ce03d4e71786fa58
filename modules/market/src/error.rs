//! The `market` codespace. Codes are only ever added, never renumbered.
//! Common failures use `sdk` codes: unauthorized (4), insufficient funds
//! (5), invalid address (7), invalid coins (10), invalid request (18).

use gpuchain_types::AppError;

/// The module's codespace.
pub const CODESPACE: &str = "market";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarketError {
    UnknownSku,
    DenomNotAllowed,
    OfferNotFound,
    OrderNotFound,
    LeaseNotFound,
    OfferClosed,
    InvalidDuration,
    InsufficientPrepaid,
    TooManyOpenOrders,
    OrderNotOpen,
    LeaseNotPending,
    AckTooLate,
    WrongGpuCount,
    ForeignGpu,
    GpuBusy,
    DuplicateGpu,
    LeaseClosed,
    LeaseNotActive,
    NotEnoughAttestedGpus,
    ProviderNotActive,
    TooManyGpus,
    BelowLeased,
    InvalidAccess,
    InvalidParams,
    InvalidGenesis,
    InvalidSku,
    DenomMismatch,
    InvalidTtl,
    GpusOnSeveralHosts,
}

impl MarketError {
    pub const ALL: [MarketError; 29] = [
        MarketError::UnknownSku,
        MarketError::DenomNotAllowed,
        MarketError::OfferNotFound,
        MarketError::OrderNotFound,
        MarketError::LeaseNotFound,
        MarketError::OfferClosed,
        MarketError::InvalidDuration,
        MarketError::InsufficientPrepaid,
        MarketError::TooManyOpenOrders,
        MarketError::OrderNotOpen,
        MarketError::LeaseNotPending,
        MarketError::AckTooLate,
        MarketError::WrongGpuCount,
        MarketError::ForeignGpu,
        MarketError::GpuBusy,
        MarketError::DuplicateGpu,
        MarketError::LeaseClosed,
        MarketError::LeaseNotActive,
        MarketError::NotEnoughAttestedGpus,
        MarketError::ProviderNotActive,
        MarketError::TooManyGpus,
        MarketError::BelowLeased,
        MarketError::InvalidAccess,
        MarketError::InvalidParams,
        MarketError::InvalidGenesis,
        MarketError::InvalidSku,
        MarketError::DenomMismatch,
        MarketError::InvalidTtl,
        MarketError::GpusOnSeveralHosts,
    ];

    pub fn codespace(self) -> &'static str {
        CODESPACE
    }

    /// The stable code within the `market` codespace.
    pub fn code(self) -> u32 {
        match self {
            MarketError::UnknownSku => 2,
            MarketError::DenomNotAllowed => 3,
            MarketError::OfferNotFound => 4,
            MarketError::OrderNotFound => 5,
            MarketError::LeaseNotFound => 6,
            MarketError::OfferClosed => 7,
            MarketError::InvalidDuration => 8,
            MarketError::InsufficientPrepaid => 9,
            MarketError::TooManyOpenOrders => 10,
            MarketError::OrderNotOpen => 11,
            MarketError::LeaseNotPending => 12,
            MarketError::AckTooLate => 13,
            MarketError::WrongGpuCount => 14,
            MarketError::ForeignGpu => 15,
            MarketError::GpuBusy => 16,
            MarketError::DuplicateGpu => 17,
            MarketError::LeaseClosed => 18,
            MarketError::LeaseNotActive => 19,
            MarketError::NotEnoughAttestedGpus => 20,
            MarketError::ProviderNotActive => 21,
            MarketError::TooManyGpus => 22,
            MarketError::BelowLeased => 23,
            MarketError::InvalidAccess => 24,
            MarketError::InvalidParams => 25,
            MarketError::InvalidGenesis => 26,
            MarketError::InvalidSku => 27,
            MarketError::DenomMismatch => 28,
            MarketError::InvalidTtl => 29,
            MarketError::GpusOnSeveralHosts => 30,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            MarketError::UnknownSku => "unknown sku",
            MarketError::DenomNotAllowed => "denom not allowed",
            MarketError::OfferNotFound => "offer not found",
            MarketError::OrderNotFound => "order not found",
            MarketError::LeaseNotFound => "lease not found",
            MarketError::OfferClosed => "offer closed",
            MarketError::InvalidDuration => "invalid duration",
            MarketError::InsufficientPrepaid => "deposit below the minimum prepaid time",
            MarketError::TooManyOpenOrders => "too many open orders",
            MarketError::OrderNotOpen => "order not open",
            MarketError::LeaseNotPending => "lease not pending",
            MarketError::AckTooLate => "acknowledgement after the deadline",
            MarketError::WrongGpuCount => "wrong number of gpus",
            MarketError::ForeignGpu => "gpu not leasable by this provider",
            MarketError::GpuBusy => "gpu serves another lease",
            MarketError::DuplicateGpu => "duplicate gpu",
            MarketError::LeaseClosed => "lease closed",
            MarketError::LeaseNotActive => "lease not active",
            MarketError::NotEnoughAttestedGpus => "more gpus than attested and unallocated",
            MarketError::ProviderNotActive => "provider not active",
            MarketError::TooManyGpus => "too many gpus",
            MarketError::BelowLeased => "gpus_total below gpus leased",
            MarketError::InvalidAccess => "invalid access info",
            MarketError::InvalidParams => "invalid params",
            MarketError::InvalidGenesis => "invalid genesis",
            MarketError::InvalidSku => "invalid sku",
            MarketError::DenomMismatch => "denoms differ",
            MarketError::InvalidTtl => "invalid ttl",
            MarketError::GpusOnSeveralHosts => "gpus of one lease on different hosts",
        }
    }

    pub fn err(self) -> AppError {
        AppError::new(CODESPACE, self.code(), self.description())
    }

    /// The error logged as `"<context>: <description>"`.
    pub fn wrap(self, context: impl std::fmt::Display) -> AppError {
        AppError::new(
            CODESPACE,
            self.code(),
            format!("{context}: {}", self.description()),
        )
    }
}

impl From<MarketError> for AppError {
    fn from(e: MarketError) -> Self {
        e.err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_market_codes_stable() {
        let codes: Vec<u32> = MarketError::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes, (2..=30).collect::<Vec<u32>>());
        let table = [
            (MarketError::UnknownSku, 2),
            (MarketError::OfferNotFound, 4),
            (MarketError::LeaseNotFound, 6),
            (MarketError::AckTooLate, 13),
            (MarketError::WrongGpuCount, 14),
            (MarketError::ForeignGpu, 15),
            (MarketError::GpuBusy, 16),
            (MarketError::LeaseClosed, 18),
        ];
        for (e, code) in table {
            let app: AppError = e.into();
            assert_eq!((app.codespace.as_ref(), app.code), ("market", code));
            assert_eq!(app.log, e.description());
        }
        assert_eq!(
            MarketError::GpuBusy.wrap("GPU-1").log,
            "GPU-1: gpu serves another lease"
        );
    }
}
