//! Prints `lasso_lars_bic` coefficients for a CSV whose first column is y:
//! `cargo run -p kausa-stats --example lasso_bic FILE.csv` (a check against scikit-learn).
fn main() {
    let path = std::env::args().nth(1).expect("a CSV file");
    let text = std::fs::read_to_string(path).expect("readable");
    let rows: Vec<Vec<f64>> =
        text.lines().skip(1).map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect()).collect();
    let k = rows[0].len() - 1;
    let y: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    let cols: Vec<Vec<f64>> = (1..=k).map(|j| rows.iter().map(|r| r[j]).collect()).collect();
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let c = kausa_stats::regression::lasso_lars_bic(&refs, &y).expect("a fit");
    println!("{}", c.iter().map(|v| format!("{v:.17e}")).collect::<Vec<_>>().join(","));
}
