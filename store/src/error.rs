use gpuchain_types::AppError;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StoreError {
    #[error("out of gas: gas wanted {limit}, gas used {used}")]
    OutOfGas { limit: u64, used: u64 },
    #[error("database error: {0}")]
    Db(String),
    #[error("height {0} is not available (pruned or not yet committed)")]
    HeightUnavailable(u64),
    #[error("{0}")]
    Unsupported(String),
    #[error("corrupt store: {0}")]
    Corrupt(String),
}

impl From<rocksdb::Error> for StoreError {
    fn from(e: rocksdb::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

/// Encoding a tree node or key (borsh writes through `std::io::Write`).
impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::OutOfGas { .. } => AppError::out_of_gas(e.to_string()),
            StoreError::HeightUnavailable(_) | StoreError::Unsupported(_) => {
                AppError::invalid_request(e.to_string())
            }
            other => AppError::internal(other.to_string()),
        }
    }
}
