use std::path::PathBuf;

/// Errors reading or writing files; each names the file and where in it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{}: the file is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A header and no data rows.
    #[error("{}: the file has a header but no data rows", path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// A malformed file, at a line and possibly a column.
    #[error("{}:{line}{}: {message}", path.display(), column.as_ref().map(|c| format!(": column {c}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column's name and position, when one is at fault.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A bad cell of a columnar file (Parquet), at a data row.
    #[error("{}: row {row}: column {column}: {message}", path.display())]
    Cell {
        /// The file.
        path: PathBuf,
        /// 1-based data row (the header, if any, not counted).
        row: usize,
        /// The column's name and position.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A problem with the whole file or a whole column.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn invalid(path: &std::path::Path, message: impl Into<String>) -> Error {
        Error::Invalid { path: path.to_path_buf(), message: message.into() }
    }

    /// A TOML file's syntax or type error, at the line its span starts on.
    pub(crate) fn toml(path: &std::path::Path, text: &str, e: &toml::de::Error) -> Error {
        let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() as u64 + 1);
        Error::Parse { path: path.to_path_buf(), line, column: None, message: e.message().to_string() }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
