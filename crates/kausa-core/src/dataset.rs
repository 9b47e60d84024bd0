use std::collections::HashSet;

/// Whether a column is measured on a continuous scale or takes a few discrete levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Real-valued.
    Continuous,
    /// Categorical, coded `0..levels`.
    Discrete,
}

impl ColumnKind {
    /// `"continuous"` or `"discrete"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Continuous => "continuous",
            ColumnKind::Discrete => "discrete",
        }
    }
}

/// One named column of a [`Dataset`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Real values, all finite.
    Continuous {
        /// Column name.
        name: String,
        /// One value per row.
        values: Vec<f64>,
    },
    /// Category codes `0..levels.len()`, levels sorted (numerically when every level is a number).
    Discrete {
        /// Column name.
        name: String,
        /// One code per row.
        codes: Vec<u32>,
        /// The label of each code.
        levels: Vec<String>,
        /// The numeric value of each level, when every label is a number.
        numeric: Option<Vec<f64>>,
    },
}

impl Column {
    /// A discrete column from raw labels: levels are the sorted distinct labels
    /// (numerically sorted when all labels parse as numbers; `false`/`true`, in
    /// any case, count as 0 and 1, as pandas writes booleans).
    pub fn discrete_from_labels(name: impl Into<String>, labels: &[&str]) -> Column {
        let mut distinct: Vec<&str> = labels.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let number = |s: &str| -> Option<f64> {
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") {
                Some(1.0)
            } else if s.eq_ignore_ascii_case("false") {
                Some(0.0)
            } else {
                s.parse::<f64>().ok().filter(|v| v.is_finite())
            }
        };
        let numeric: Option<Vec<f64>> = distinct.iter().map(|s| number(s)).collect();
        let mut order: Vec<usize> = (0..distinct.len()).collect();
        if let Some(num) = &numeric {
            order.sort_by(|&a, &b| num[a].total_cmp(&num[b]));
        }
        let levels: Vec<String> = order.iter().map(|&i| distinct[i].to_string()).collect();
        let numeric = numeric.map(|num| order.iter().map(|&i| num[i]).collect::<Vec<f64>>());
        // code_of[i] is the level index of distinct[i].
        let mut code_of = vec![0u32; distinct.len()];
        for (code, &i) in order.iter().enumerate() {
            code_of[i] = code as u32;
        }
        let codes = labels
            .iter()
            .map(|l| code_of[distinct.binary_search(l).expect("label is among the distinct labels")])
            .collect();
        Column::Discrete { name: name.into(), codes, levels, numeric }
    }

    /// A discrete column from integer codes; levels are the distinct values, sorted.
    pub fn discrete_from_values(name: impl Into<String>, values: &[f64]) -> Column {
        // −0 and 0 are one level (adding 0 turns −0 into 0).
        let normalised: Vec<f64>;
        let values = if values.iter().any(|v| v.to_bits() == (-0.0f64).to_bits()) {
            normalised = values.iter().map(|v| v + 0.0).collect();
            &normalised[..]
        } else {
            values
        };
        // The sorted levels, gathered by insertion while they are few (category
        // codes), by sorting every value when there turn out to be many.
        let mut distinct: Vec<f64> = Vec::new();
        for v in values {
            if let Err(at) = distinct.binary_search_by(|d| d.total_cmp(v)) {
                if distinct.len() == 64 {
                    distinct = values.to_vec();
                    distinct.sort_by(f64::total_cmp);
                    distinct.dedup_by(|a, b| a.total_cmp(b).is_eq());
                    break;
                }
                distinct.insert(at, *v);
            }
        }
        let codes = values
            .iter()
            .map(|v| distinct.binary_search_by(|d| d.total_cmp(v)).expect("value is a level") as u32)
            .collect();
        Column::Discrete {
            name: name.into(),
            codes,
            levels: distinct.iter().map(|v| format!("{v}")).collect(),
            numeric: Some(distinct),
        }
    }

    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            Column::Continuous { name, .. } | Column::Discrete { name, .. } => name,
        }
    }

    /// The column's kind.
    pub fn kind(&self) -> ColumnKind {
        match self {
            Column::Continuous { .. } => ColumnKind::Continuous,
            Column::Discrete { .. } => ColumnKind::Discrete,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Continuous { values, .. } => values.len(),
            Column::Discrete { codes, .. } => codes.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct values observed (levels for a discrete column).
    pub fn cardinality(&self) -> usize {
        match self {
            Column::Continuous { values, .. } => {
                let mut v = values.clone();
                v.sort_by(f64::total_cmp);
                v.dedup();
                v.len()
            }
            Column::Discrete { levels, .. } => levels.len(),
        }
    }

    /// Whether every row holds the same value (cheaper than `cardinality() < 2`).
    pub fn is_constant(&self) -> bool {
        match self {
            Column::Continuous { values, .. } => values.iter().all(|v| *v == values[0]),
            Column::Discrete { codes, .. } => codes.iter().all(|c| *c == codes[0]),
        }
    }

    /// The column as numbers, borrowed when it is continuous.
    pub fn as_f64(&self) -> Option<std::borrow::Cow<'_, [f64]>> {
        match self {
            Column::Continuous { values, .. } => Some(std::borrow::Cow::Borrowed(values)),
            other => other.to_f64().map(std::borrow::Cow::Owned),
        }
    }

    /// The column as numbers, if it has them (a discrete column with numeric labels maps codes to values).
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        match self {
            Column::Continuous { values, .. } => Some(values.clone()),
            Column::Discrete { codes, numeric: Some(num), .. } => {
                Some(codes.iter().map(|&c| num[c as usize]).collect())
            }
            Column::Discrete { numeric: None, .. } => None,
        }
    }

    /// The rows at the indices in `keep`, in that order (an index may repeat, as in a bootstrap resample).
    fn select_rows(&self, keep: &[usize]) -> Column {
        match self {
            Column::Continuous { name, values } => {
                Column::Continuous { name: name.clone(), values: keep.iter().map(|&i| values[i]).collect() }
            }
            Column::Discrete { name, codes, levels, numeric } => Column::Discrete {
                name: name.clone(),
                codes: keep.iter().map(|&i| codes[i]).collect(),
                levels: levels.clone(),
                numeric: numeric.clone(),
            },
        }
    }
}

/// Why a set of columns is not a valid [`Dataset`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DatasetError {
    /// No columns at all.
    #[error("the data set has no columns")]
    NoColumns,
    /// No rows at all.
    #[error("the data set has no rows")]
    NoRows,
    /// Two columns share a name.
    #[error("duplicate column name {name:?} (columns {first} and {second})")]
    DuplicateName {
        /// The repeated name.
        name: String,
        /// 1-based index of the first occurrence.
        first: usize,
        /// 1-based index of the second occurrence.
        second: usize,
    },
    /// Columns of different lengths.
    #[error("column {name:?} has {len} rows, expected {expected}")]
    Ragged {
        /// Column name.
        name: String,
        /// Its length.
        len: usize,
        /// The length of the first column.
        expected: usize,
    },
    /// A NaN or infinite value.
    #[error("column {name:?} has a non-finite value ({value}) in data row {row}")]
    NonFinite {
        /// Column name.
        name: String,
        /// 1-based data row (not counting the header).
        row: usize,
        /// The value.
        value: f64,
    },
    /// A discrete code outside its level list.
    #[error("column {name:?}: code {code} in data row {row} has no level")]
    BadCode {
        /// Column name.
        name: String,
        /// 1-based data row.
        row: usize,
        /// The code.
        code: u32,
    },
}

/// A rectangular table of named, typed columns: the input of every kausa algorithm.
///
/// Invariants, checked by [`Dataset::new`]: at least one column and one row,
/// unique names, equal lengths, finite values, valid codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    columns: Vec<Column>,
    n_rows: usize,
}

impl Dataset {
    /// Checks the invariants and builds the data set.
    pub fn new(columns: Vec<Column>) -> Result<Dataset, DatasetError> {
        let first = columns.first().ok_or(DatasetError::NoColumns)?;
        let n_rows = first.len();
        let mut seen: HashSet<&str> = HashSet::new();
        for (j, c) in columns.iter().enumerate() {
            if !seen.insert(c.name()) {
                let first = columns.iter().position(|d| d.name() == c.name()).unwrap_or(0);
                return Err(DatasetError::DuplicateName {
                    name: c.name().to_string(),
                    first: first + 1,
                    second: j + 1,
                });
            }
            if c.len() != n_rows {
                return Err(DatasetError::Ragged { name: c.name().to_string(), len: c.len(), expected: n_rows });
            }
            match c {
                Column::Continuous { name, values } => {
                    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                        return Err(DatasetError::NonFinite { name: name.clone(), row: i + 1, value: values[i] });
                    }
                }
                Column::Discrete { name, codes, levels, .. } => {
                    if let Some(i) = codes.iter().position(|&c| c as usize >= levels.len()) {
                        return Err(DatasetError::BadCode { name: name.clone(), row: i + 1, code: codes[i] });
                    }
                }
            }
        }
        if n_rows == 0 {
            return Err(DatasetError::NoRows);
        }
        Ok(Dataset { columns, n_rows })
    }

    /// A data set of continuous columns given column-major.
    pub fn from_continuous(names: &[String], columns: Vec<Vec<f64>>) -> Result<Dataset, DatasetError> {
        Dataset::new(
            names.iter().zip(columns).map(|(n, v)| Column::Continuous { name: n.clone(), values: v }).collect(),
        )
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// All columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Column `j`.
    pub fn column(&self, j: usize) -> &Column {
        &self.columns[j]
    }

    /// Column names, in order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name().to_string()).collect()
    }

    /// The index of the column called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name() == name)
    }

    /// The data set made of the rows at the indices in `keep`, in that order (indices may repeat, as in a bootstrap resample).
    pub fn select_rows(&self, keep: &[usize]) -> Result<Dataset, DatasetError> {
        Dataset::new(self.columns.iter().map(|c| c.select_rows(keep)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cont(name: &str, v: &[f64]) -> Column {
        Column::Continuous { name: name.into(), values: v.to_vec() }
    }

    #[test]
    fn rejects_duplicates_ragged_and_nan() {
        let e = Dataset::new(vec![cont("a", &[1.0]), cont("a", &[2.0])]).unwrap_err();
        assert_eq!(e, DatasetError::DuplicateName { name: "a".into(), first: 1, second: 2 });
        let e = Dataset::new(vec![cont("a", &[1.0]), cont("b", &[2.0, 3.0])]).unwrap_err();
        assert!(matches!(e, DatasetError::Ragged { len: 2, expected: 1, .. }));
        let e = Dataset::new(vec![cont("a", &[1.0, f64::NAN])]).unwrap_err();
        assert!(matches!(e, DatasetError::NonFinite { row: 2, .. }));
        assert_eq!(Dataset::new(vec![]).unwrap_err(), DatasetError::NoColumns);
        assert_eq!(Dataset::new(vec![cont("a", &[])]).unwrap_err(), DatasetError::NoRows);
    }

    #[test]
    fn levels_from_values_are_sorted_and_distinct_however_many() {
        // Few levels (gathered by insertion) and many (past the switch to sorting):
        // codes index the sorted distinct values either way.
        for levels in [3usize, 64, 65, 500] {
            let values: Vec<f64> = (0..2000).map(|i| ((i * 7919) % levels) as f64 - 2.5).collect();
            let Column::Discrete { codes, numeric: Some(numeric), .. } = Column::discrete_from_values("v", &values)
            else {
                panic!("not a discrete column");
            };
            assert_eq!(numeric.len(), levels);
            assert!(numeric.windows(2).all(|w| w[0] < w[1]));
            assert!(codes.iter().zip(&values).all(|(&c, &v)| numeric[c as usize] == v));
        }
        // −0 and 0 are one level.
        let Column::Discrete { codes, levels, .. } = Column::discrete_from_values("z", &[0.0, -0.0, 1.0]) else {
            panic!("not a discrete column");
        };
        assert_eq!((codes, levels), (vec![0, 0, 1], vec!["0".to_string(), "1".to_string()]));
    }

    #[test]
    fn discrete_levels_sort_numerically() {
        let c = Column::discrete_from_labels("x", &["10", "2", "2", "1"]);
        match &c {
            Column::Discrete { codes, levels, numeric, .. } => {
                assert_eq!(levels, &["1", "2", "10"]);
                assert_eq!(codes, &[2, 1, 1, 0]);
                assert_eq!(numeric.as_deref(), Some(&[1.0, 2.0, 10.0][..]));
            }
            _ => unreachable!(),
        }
        assert_eq!(c.to_f64().unwrap(), vec![10.0, 2.0, 2.0, 1.0]);
        let t = Column::discrete_from_labels("y", &["b", "a"]);
        assert_eq!(t.to_f64(), None);
        assert_eq!(t.cardinality(), 2);
    }
}
