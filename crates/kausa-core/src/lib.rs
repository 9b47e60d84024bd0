//! Vocabulary types shared by every kausa crate.
//!
//! This crate names the things the algorithms talk about and nothing more:
//! a [`Dataset`] (named, typed, column-major columns), the [`Par`] setting that
//! says how many threads a computation may use, the [`Progress`] sink long
//! computations report to, and the [`Rng`] every random computation draws from.
//!
//! It is deliberately *not* the place for file formats (see `kausa-io`),
//! statistics (`kausa-stats`) or graphs (`kausa-graph`).
//! Nothing here touches the outside world: no files, no clock, no environment.
#![deny(missing_docs)]

mod dataset;
mod hash;
mod par;
mod progress;
mod rng;

pub use dataset::{Column, ColumnKind, Dataset, DatasetError};
pub use hash::{WordHash, WordHasher};
pub use par::Par;
pub use progress::{Progress, Silent};
pub use rng::Rng;
