//! Integration tests of the `kausa` binary, built as one test binary.

/// Shared helpers: the binary, temporary files, the shared data folder.
mod util;

/// The audit log: records, tampering, SIGKILL and concurrent writers.
mod audit;
/// Bad input: each case exits with code 2, names the file and place, writes no output.
mod bad_input;
/// The commands end to end: demo, discover options, formats, compare.
mod commands;
/// `kausa estimate`: DoWhy's estimates on its linear data set; errors.
mod estimate;
/// FCI: identical PAGs to causal-learn's reference outputs in causal-learn mode.
mod fci_reference;
/// GES: identical CPDAGs to causal-learn's `ges` on its reference outputs.
mod ges_reference;
/// Identical CPDAGs to pcalg (oracle) and causal-learn on the committed golden cases.
mod golden;
/// `kausa identify`: back door, front door, instruments, ID and hedges; bad queries.
mod identify;
/// DirectLiNGAM: the lingam package's order and coefficients on committed cases.
mod lingam_golden;
/// PC with a d-separation oracle returns the true CPDAG of the bnlearn networks.
mod oracle_networks;
/// `kausa sample`: BIF and linear models, back through discovery.
mod sample;
/// Structural causal models: `kausa fit` and its queries against DoWhy gcm; model files; errors.
mod scm;
/// Data never leave the machine: no network namespace needed, no internet socket opened.
mod sovereignty;
/// `kausa supply`: the example export, data-quality checks with file and line.
mod supply;
