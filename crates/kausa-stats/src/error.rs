/// Errors from statistics: invalid input, never a kausa bug unless `Internal`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// A column has zero variance.
    #[error("column {column} is constant: it carries no information and its correlation is undefined")]
    Constant {
        /// Column index.
        column: usize,
    },
    /// Some columns are exact linear combinations of others.
    #[error("columns {columns:?} are perfectly collinear (the correlation matrix is singular)")]
    Collinear {
        /// Column indices of a linearly dependent set; the last is a combination of the others.
        columns: Vec<usize>,
    },
    /// The conditioning block of a test is numerically singular.
    #[error("singular conditioning set {set:?} when testing {x} and {y}")]
    SingularConditioningSet {
        /// First variable.
        x: usize,
        /// Second variable.
        y: usize,
        /// The conditioning set.
        set: Vec<usize>,
    },
    /// Not enough observations for the test.
    #[error("{n} rows are too few for a test conditioning on {k} variables (needs at least {needed})")]
    TooFewRows {
        /// Rows available.
        n: usize,
        /// Conditioning set size.
        k: usize,
        /// Rows needed.
        needed: usize,
    },
    /// A column cannot be used by this test.
    #[error("column {column} cannot be used by the {test} test: {reason}")]
    WrongKind {
        /// Column index.
        column: usize,
        /// Test name.
        test: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A matrix that must be inverted is singular.
    #[error("the {what} is singular (collinear columns)")]
    Singular {
        /// Which matrix.
        what: String,
    },
    /// A logistic regression whose maximum likelihood lies at infinity.
    #[error("the classes are perfectly separated: the logistic regression has no finite maximum (no overlap)")]
    Separated,
    /// A bug in kausa.
    #[error("internal error (a kausa bug): {0}")]
    Internal(String),
}

/// Result alias of this crate.
pub type Result<T, E = StatsError> = std::result::Result<T, E>;
