//! The `attestation` codespace. Codes are only ever added, never renumbered.
//!
//! Common failures use `sdk` codes: invalid address (7), invalid coins (10),
//! insufficient funds (5), undecodable Msg (2).

use gpuchain_types::AppError;

/// The module's codespace.
pub const CODESPACE: &str = "attestation";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttestationError {
    ProviderExists,
    ProviderNotFound,
    BondTooSmall,
    WrongBondDenom,
    ProviderUnbonding,
    OpenLeases,
    NotAgent,
    AgentTaken,
    AgentNotFound,
    UnknownBlock,
    StaleReport,
    BlockHashMismatch,
    UuidClaimed,
    DuplicateUuid,
    MemoryMismatch,
    TooManyGpus,
    InvalidField,
    GpuNotFound,
    ChallengeNotFound,
    DeadlinePassed,
    WrongChallengeState,
    BeaconNotReady,
    MalformedOpening,
    NotProviderGpu,
    InvalidParams,
    AgentIsOwner,
    TooManyAgents,
}

impl AttestationError {
    pub const ALL: [AttestationError; 27] = [
        AttestationError::ProviderExists,
        AttestationError::ProviderNotFound,
        AttestationError::BondTooSmall,
        AttestationError::WrongBondDenom,
        AttestationError::ProviderUnbonding,
        AttestationError::OpenLeases,
        AttestationError::NotAgent,
        AttestationError::AgentTaken,
        AttestationError::AgentNotFound,
        AttestationError::UnknownBlock,
        AttestationError::StaleReport,
        AttestationError::BlockHashMismatch,
        AttestationError::UuidClaimed,
        AttestationError::DuplicateUuid,
        AttestationError::MemoryMismatch,
        AttestationError::TooManyGpus,
        AttestationError::InvalidField,
        AttestationError::GpuNotFound,
        AttestationError::ChallengeNotFound,
        AttestationError::DeadlinePassed,
        AttestationError::WrongChallengeState,
        AttestationError::BeaconNotReady,
        AttestationError::MalformedOpening,
        AttestationError::NotProviderGpu,
        AttestationError::InvalidParams,
        AttestationError::AgentIsOwner,
        AttestationError::TooManyAgents,
    ];

    pub fn codespace(self) -> &'static str {
        CODESPACE
    }

    /// The stable code within the `attestation` codespace.
    pub fn code(self) -> u32 {
        match self {
            AttestationError::ProviderExists => 2,
            AttestationError::ProviderNotFound => 3,
            AttestationError::BondTooSmall => 4,
            AttestationError::WrongBondDenom => 5,
            AttestationError::ProviderUnbonding => 6,
            AttestationError::OpenLeases => 7,
            AttestationError::NotAgent => 8,
            AttestationError::AgentTaken => 9,
            AttestationError::AgentNotFound => 10,
            AttestationError::UnknownBlock => 11,
            AttestationError::StaleReport => 12,
            AttestationError::BlockHashMismatch => 13,
            AttestationError::UuidClaimed => 14,
            AttestationError::DuplicateUuid => 15,
            AttestationError::MemoryMismatch => 16,
            AttestationError::TooManyGpus => 17,
            AttestationError::InvalidField => 18,
            AttestationError::GpuNotFound => 19,
            AttestationError::ChallengeNotFound => 20,
            AttestationError::DeadlinePassed => 21,
            AttestationError::WrongChallengeState => 22,
            AttestationError::BeaconNotReady => 23,
            AttestationError::MalformedOpening => 24,
            AttestationError::NotProviderGpu => 25,
            AttestationError::InvalidParams => 26,
            AttestationError::AgentIsOwner => 27,
            AttestationError::TooManyAgents => 28,
        }
    }

    /// The registered description, the tail of every log.
    pub fn description(self) -> &'static str {
        match self {
            AttestationError::ProviderExists => "provider already registered",
            AttestationError::ProviderNotFound => "provider not found",
            AttestationError::BondTooSmall => "bond below the minimum",
            AttestationError::WrongBondDenom => "wrong bond denom",
            AttestationError::ProviderUnbonding => "provider is unbonding",
            AttestationError::OpenLeases => "provider has open leases",
            AttestationError::NotAgent => "signer is not the provider or one of its agents",
            AttestationError::AgentTaken => "agent already authorized",
            AttestationError::AgentNotFound => "agent not found",
            AttestationError::UnknownBlock => "unknown block height",
            AttestationError::StaleReport => "report too old",
            AttestationError::BlockHashMismatch => "block hash mismatch",
            AttestationError::UuidClaimed => "gpu uuid claimed by another provider",
            AttestationError::DuplicateUuid => "duplicate gpu uuid",
            AttestationError::MemoryMismatch => "gpu memory inconsistent with its sku",
            AttestationError::TooManyGpus => "too many gpus",
            AttestationError::InvalidField => "invalid field",
            AttestationError::GpuNotFound => "gpu not found",
            AttestationError::ChallengeNotFound => "challenge not found",
            AttestationError::DeadlinePassed => "challenge deadline passed",
            AttestationError::WrongChallengeState => "challenge not in the right state",
            AttestationError::BeaconNotReady => "challenge beacon not known yet",
            AttestationError::MalformedOpening => "malformed challenge opening",
            AttestationError::NotProviderGpu => "gpu is not the provider's",
            AttestationError::InvalidParams => "invalid params",
            AttestationError::AgentIsOwner => "the owner cannot be its own agent",
            AttestationError::TooManyAgents => "too many agents",
        }
    }

    /// The error with its bare description as log.
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

impl From<AttestationError> for AppError {
    fn from(e: AttestationError) -> Self {
        e.err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttestationError as E;

    #[test]
    fn should_keep_attestation_codes_stable() {
        let table = [
            (E::ProviderExists, 2),
            (E::ProviderNotFound, 3),
            (E::BondTooSmall, 4),
            (E::WrongBondDenom, 5),
            (E::ProviderUnbonding, 6),
            (E::OpenLeases, 7),
            (E::NotAgent, 8),
            (E::AgentTaken, 9),
            (E::AgentNotFound, 10),
            (E::UnknownBlock, 11),
            (E::StaleReport, 12),
            (E::BlockHashMismatch, 13),
            (E::UuidClaimed, 14),
            (E::DuplicateUuid, 15),
            (E::MemoryMismatch, 16),
            (E::TooManyGpus, 17),
            (E::InvalidField, 18),
            (E::GpuNotFound, 19),
            (E::ChallengeNotFound, 20),
            (E::DeadlinePassed, 21),
            (E::WrongChallengeState, 22),
            (E::BeaconNotReady, 23),
            (E::MalformedOpening, 24),
            (E::NotProviderGpu, 25),
            (E::InvalidParams, 26),
            (E::AgentIsOwner, 27),
            (E::TooManyAgents, 28),
        ];
        assert_eq!(table.len(), E::ALL.len());
        for ((e, code), listed) in table.into_iter().zip(E::ALL) {
            assert_eq!(e, listed);
            assert_eq!(e.codespace(), "attestation");
            assert_eq!(e.code(), code);
            let app: AppError = e.into();
            assert_eq!((app.codespace.as_ref(), app.code), ("attestation", code));
            assert!(!e.description().is_empty());
        }
    }

    #[test]
    fn should_log_context_then_description_when_wrapped() {
        let e = E::StaleReport.wrap("block 3 is 20 blocks old");
        assert_eq!(e.log, "block 3 is 20 blocks old: report too old");
    }
}
