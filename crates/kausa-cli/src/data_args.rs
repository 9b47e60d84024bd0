//! Command-line options for reading a data table, shared by every command that reads one.

use anyhow::{Result, bail};
use clap::ValueEnum;
use kausa_core::Par;
use kausa_io::{Missing, ReadOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MissingArg {
    /// Refuse the file at the first missing value.
    Error,
    /// Drop every row with a missing value.
    DropRows,
}

/// How to read the data file.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DataArgs {
    /// Field delimiter of a text file (default: detected from the header; "tab" and "space" are accepted).
    #[arg(long)]
    delimiter: Option<String>,
    /// Decimal separator: "." or "," (German exports).
    #[arg(long, default_value = ".")]
    decimal: String,
    /// Columns to treat as discrete (comma separated).
    #[arg(long, value_delimiter = ',')]
    discrete: Vec<String>,
    /// Columns to treat as continuous (comma separated).
    #[arg(long, value_delimiter = ',')]
    continuous: Vec<String>,
    /// Columns to leave out, such as identifiers or time stamps (comma separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// What to do with missing values.
    #[arg(long, value_enum, default_value = "error")]
    missing: MissingArg,
}

impl DataArgs {
    /// The reading options these arguments ask for.
    pub(crate) fn options(&self, par: Par) -> Result<ReadOptions> {
        let delimiter = match self.delimiter.as_deref() {
            None => None,
            Some("\\t" | "tab" | "\t") => Some(b'\t'),
            Some("space" | " ") => Some(b' '),
            Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
            Some(d) => bail!("--delimiter must be one character (or \"tab\", \"space\"), got {d:?}"),
        };
        let decimal_comma = match self.decimal.as_str() {
            "." => false,
            "," => true,
            d => bail!("--decimal must be \".\" or \",\", got {d:?}"),
        };
        if decimal_comma && delimiter == Some(b',') {
            bail!("--decimal , cannot be used with --delimiter ,");
        }
        Ok(ReadOptions {
            delimiter,
            decimal_comma,
            discrete: self.discrete.clone(),
            continuous: self.continuous.clone(),
            ignore: self.ignore.clone(),
            only: None,
            also: Vec::new(),
            allow_constant: false,
            missing: match self.missing {
                MissingArg::Error => Missing::Error,
                MissingArg::DropRows => Missing::DropRows,
            },
            max_discrete_levels: None,
            par,
        })
    }
}
