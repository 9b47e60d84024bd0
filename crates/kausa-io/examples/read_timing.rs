//! Times reading a table: `cargo run --release -p kausa-io --example read_timing FILE THREADS`.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().expect("a file"));
    let threads: usize = args.next().map_or(1, |t| t.parse().expect("a number"));
    let opts = kausa_io::ReadOptions { par: kausa_core::Par::threads(threads), ..Default::default() };
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let table = kausa_io::read_table(&path, &opts).expect("readable");
        println!("{} x {} in {:.3} s", table.data.n_rows(), table.data.n_cols(), t.elapsed().as_secs_f64());
    }
}
