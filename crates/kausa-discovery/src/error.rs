use crate::KnowledgeError;

/// Errors of the discovery algorithms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A conditional-independence test failed.
    #[error(transparent)]
    Stats(#[from] kausa_stats::StatsError),
    /// The background knowledge is invalid.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// A parameter is out of range.
    #[error("invalid parameter: {0}")]
    Param(String),
    /// A bug in kausa.
    #[error("internal error (a kausa bug): {0}")]
    Internal(String),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
