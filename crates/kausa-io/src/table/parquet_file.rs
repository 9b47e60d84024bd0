//! Apache Parquet files, through arrow-rs.
//!
//! Numeric and boolean columns become numbers, text and dictionary-encoded text
//! become labels; nulls and floating-point NaN are missing values. Other types
//! (time stamps, dates, nested data, binary) are refused by name, with the hint to
//! leave them out with `--ignore`.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{At, RawData, RawTable, ReadOptions, cell_error, check_named_columns, check_names, column_label};
use crate::{Error, Result};

/// How a Parquet column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    Numbers,
    Labels,
}

fn reading(data_type: &DataType) -> Option<Reading> {
    match data_type {
        DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => Some(Reading::Numbers),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(Reading::Labels),
        DataType::Dictionary(_, value) => reading(value),
        _ => None,
    }
}

/// Reads a Parquet file held in memory.
pub(super) fn read(path: &Path, bytes: Vec<u8>, opts: &ReadOptions) -> Result<RawTable> {
    // The Parquet and Arrow decoders panic on some damaged files (seen: an embedded
    // Arrow schema with a corrupt integer type, found by `fuzz_tests`); such a file
    // is an error like any other damaged one.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_checked(path, bytes, opts))).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the decoder failed".into());
        Err(Error::invalid(path, format!("cannot read Parquet: the file is damaged ({why})")))
    })
}

fn read_checked(path: &Path, bytes: Vec<u8>, opts: &ReadOptions) -> Result<RawTable> {
    let parquet_error = |e: parquet::errors::ParquetError| Error::invalid(path, format!("cannot read Parquet: {e}"));
    let arrow_error = |e: arrow_schema::ArrowError| Error::invalid(path, format!("cannot read Parquet: {e}"));
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).map_err(parquet_error)?;
    let schema = builder.schema().clone();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    if names.is_empty() {
        return Err(Error::Empty { path: path.into() });
    }
    check_names(path, &names, At::Row(0))?;
    check_named_columns(path, &names, opts)?;
    let kept: Vec<usize> = (0..names.len()).filter(|&j| opts.keeps(&names[j])).collect();
    let mut readings = Vec::with_capacity(kept.len());
    for &j in &kept {
        let field = schema.field(j);
        let Some(r) = reading(field.data_type()) else {
            return Err(Error::invalid(
                path,
                format!(
                    "column {} has type {}, which kausa cannot analyse (it reads numbers, booleans and text); \
                     leave it out with --ignore {}",
                    column_label(&names[j], j),
                    field.data_type(),
                    names[j]
                ),
            ));
        };
        readings.push(r);
    }
    let mask = ProjectionMask::roots(builder.parquet_schema(), kept.iter().copied());
    let reader = builder.with_projection(mask).with_batch_size(65_536).build().map_err(parquet_error)?;

    let mut numbers: Vec<Vec<f64>> = kept.iter().map(|_| Vec::new()).collect();
    let mut labels: Vec<Vec<String>> = kept.iter().map(|_| Vec::new()).collect();
    let mut missing = Vec::new(); // per row: whether some kept cell is missing
    let mut first_missing: Option<(At, usize, String)> = None;
    let mut rows = 0usize;
    for batch in reader {
        let batch = batch.map_err(arrow_error)?;
        let n = batch.num_rows();
        missing.resize(rows + n, false);
        for (c, column) in batch.columns().iter().enumerate() {
            let j = kept[c];
            let mut note_missing = |i: usize, shown: &str, missing: &mut Vec<bool>| {
                missing[rows + i] = true;
                let at = At::Row(rows + i + 1);
                if first_missing.as_ref().is_none_or(|(a, k, _)| (at, c) < (*a, *k)) {
                    first_missing = Some((at, c, shown.to_string()));
                }
            };
            match readings[c] {
                Reading::Numbers => {
                    let as_f64: ArrayRef = arrow_cast::cast(column, &DataType::Float64).map_err(arrow_error)?;
                    let values = as_f64.as_primitive::<Float64Type>();
                    let out = &mut numbers[c];
                    out.reserve(n);
                    for i in 0..n {
                        if values.is_null(i) {
                            note_missing(i, "null", &mut missing);
                            out.push(f64::NAN);
                            continue;
                        }
                        let v = values.value(i);
                        if v.is_nan() {
                            note_missing(i, "NaN", &mut missing);
                        } else if let Some(problem) = super::out_of_range(v, &format!("{v:e}")) {
                            return Err(cell_error(path, At::Row(rows + i + 1), column_label(&names[j], j), problem));
                        }
                        out.push(v);
                    }
                }
                Reading::Labels => {
                    let as_text: ArrayRef = arrow_cast::cast(column, &DataType::Utf8).map_err(arrow_error)?;
                    let values = as_text.as_string::<i32>();
                    let out = &mut labels[c];
                    out.reserve(n);
                    for i in 0..n {
                        if values.is_null(i) {
                            note_missing(i, "null", &mut missing);
                            out.push(String::new());
                        } else {
                            out.push(values.value(i).to_string());
                        }
                    }
                }
            }
        }
        rows += n;
    }
    let columns = readings
        .iter()
        .zip(numbers.into_iter().zip(labels))
        .map(|(r, (nums, labs))| match r {
            Reading::Numbers => RawData::Numbers(nums),
            Reading::Labels => RawData::Labels(labs),
        })
        .collect();
    Ok(RawTable {
        names: kept.iter().map(|&j| names[j].clone()).collect(),
        positions: kept,
        columns,
        rows,
        missing_rows: missing.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i).collect(),
        first_missing,
    })
}
