//! Reading an ERP export folder (SUPPLY-CHAIN.md §6): `manifest.toml` and one CSV
//! file per table, into typed rows that remember their file and line.
//!
//! ```toml
//! format = "kausa-export/1"
//! export_date = "2024-12-31"
//! decimal = ","            # "." (default) or ","; the delimiter (, or ;) is detected per file
//! [files]                  # optional: a table read from another file name
//! sites = "T001W_sites.csv"
//! ```

use std::collections::HashMap;
use std::path::Path;

use kausa_supply::{
    BomLine, Date, Delivery, EnergyContract, EnergyPrice, EnergyUse, Export, Holiday, Lane, OPTIONAL, Part, Pos,
    ProductionOrder, PurchaseOrder, REQUIRED, Receipt, Routing, SalesOrder, ShiftDay, Site, Sourcing, Stock, Supplier,
    SupplierSite, WorkCenter,
};

use crate::{Error, Result};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    export_date: Option<String>,
    #[serde(default)]
    erp: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    decimal: Option<String>,
    #[serde(default)]
    files: HashMap<String, String>,
}

/// One table's rows as text, with its column positions.
struct Table {
    file: String,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, Vec<String>)>,
    decimal_comma: bool,
    /// Parquet: rows are numbered, not lines.
    columnar: bool,
}

impl Table {
    fn read(path: &Path, file: &str, decimal_comma: bool) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if bytes.starts_with(b"PAR1") {
            return Table::read_parquet(path, file, bytes);
        }
        let text = String::from_utf8(bytes).map_err(|e| Error::invalid(path, format!("not UTF-8 text: {e}")))?;
        let header = text.lines().next().ok_or_else(|| Error::Empty { path: path.into() })?;
        let delimiter = if header.matches(';').count() > header.matches(',').count() { b';' } else { b',' };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let columns: HashMap<String, usize> = reader
            .headers()
            .map_err(|e| Error::Parse { path: path.into(), line: 1, column: None, message: e.to_string() })?
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                Error::Parse { path: path.into(), line, column: None, message: format!("{e}") }
            })?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record.iter().map(|f| f.trim().to_string()).collect()));
        }
        Ok(Table { file: file.to_string(), columns, rows, decimal_comma, columnar: false })
    }

    /// A Parquet table: every cell formatted as text (dates as `YYYY-MM-DD`, nulls empty),
    /// so the typed reading is the CSV one; a row's "line" is its number (from 1).
    fn read_parquet(path: &Path, file: &str, bytes: Vec<u8>) -> Result<Table> {
        use arrow_cast::display::{ArrayFormatter, FormatOptions};
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let parquet_error =
            |e: parquet::errors::ParquetError| Error::invalid(path, format!("cannot read Parquet: {e}"));
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).map_err(parquet_error)?;
        let columns: HashMap<String, usize> =
            builder.schema().fields().iter().enumerate().map(|(i, f)| (f.name().trim().to_string(), i)).collect();
        let reader = builder.with_batch_size(65_536).build().map_err(parquet_error)?;
        let options = FormatOptions::default().with_null("");
        let mut rows = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| Error::invalid(path, format!("cannot read Parquet: {e}")))?;
            let formatters = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::invalid(path, format!("cannot show a Parquet column as text: {e}")))?;
            for r in 0..batch.num_rows() {
                let fields = formatters.iter().map(|f| f.value(r).to_string().trim().to_string()).collect();
                rows.push((rows.len() as u64 + 1, fields));
            }
        }
        Ok(Table { file: file.to_string(), columns, rows, decimal_comma: false, columnar: true })
    }

    fn need(&self, path: &Path, names: &[&str]) -> Result<()> {
        for n in names {
            if !self.columns.contains_key(*n) {
                return Err(Error::Parse {
                    path: path.into(),
                    line: 1,
                    column: None,
                    message: format!("no column {n:?} in the header"),
                });
            }
        }
        Ok(())
    }
}

/// Typed access to one row, with errors at file, line and column.
struct Row<'a> {
    table: &'a Table,
    path: &'a Path,
    line: u64,
    fields: &'a [String],
}

impl Row<'_> {
    fn pos(&self) -> Pos {
        Pos { file: self.table.file.clone(), line: self.line }
    }

    fn bad(&self, col: &str, message: String) -> Error {
        let at = self.table.columns.get(col).map_or(0, |i| i + 1);
        if self.table.columnar {
            return Error::Cell {
                path: self.path.into(),
                row: self.line as usize,
                column: format!("{col:?} (column {at})"),
                message,
            };
        }
        Error::Parse {
            path: self.path.into(),
            line: self.line,
            column: Some(format!("{col:?} (column {at})")),
            message,
        }
    }

    fn raw(&self, col: &str) -> &str {
        self.table.columns.get(col).and_then(|&i| self.fields.get(i)).map_or("", String::as_str)
    }

    fn text(&self, col: &str) -> Result<String> {
        let v = self.raw(col);
        if v.is_empty() {
            return Err(self.bad(col, "is empty".into()));
        }
        Ok(v.to_string())
    }

    fn opt_text(&self, col: &str) -> Option<String> {
        Some(self.raw(col).to_string()).filter(|v| !v.is_empty())
    }

    fn opt_num(&self, col: &str) -> Result<Option<f64>> {
        let v = self.raw(col);
        if v.is_empty() {
            return Ok(None);
        }
        let normal = if self.table.decimal_comma { v.replace('.', "").replace(',', ".") } else { v.to_string() };
        match normal.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(self.bad(col, format!("{v:?} is not a number"))),
        }
    }

    fn num(&self, col: &str) -> Result<f64> {
        self.opt_num(col)?.ok_or_else(|| self.bad(col, "is empty".into()))
    }

    /// Minutes between two timestamp columns; `None` when either is empty or a plain
    /// date; an error when the end is before the start or a value is neither.
    fn run_minutes(&self, start: &str, end: &str) -> Result<Option<f64>> {
        let stamp = |col: &str| -> Result<Option<i64>> {
            let v = self.raw(col);
            if v.is_empty() || Date::parse(v).is_some() {
                return Ok(None);
            }
            Date::parse_minutes(v)
                .map(Some)
                .ok_or_else(|| self.bad(col, format!("{v:?} is not a date or timestamp (YYYY-MM-DDTHH:MM)")))
        };
        match (stamp(start)?, stamp(end)?) {
            (Some(a), Some(b)) if b < a => Err(self.bad(end, format!("{:?} is before {start}", self.raw(end)))),
            (Some(a), Some(b)) => Ok(Some((b - a) as f64)),
            _ => Ok(None),
        }
    }

    fn opt_date(&self, col: &str) -> Result<Option<Date>> {
        if self.raw(col).is_empty() { Ok(None) } else { self.date(col).map(Some) }
    }

    fn date(&self, col: &str) -> Result<Date> {
        let v = self.raw(col);
        Date::parse(v).ok_or_else(|| self.bad(col, format!("{v:?} is not a date (YYYY-MM-DD)")))
    }
}

fn rows<T>(
    table: Option<&(Table, std::path::PathBuf)>,
    need: &[&str],
    f: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let Some((t, path)) = table else { return Ok(Vec::new()) };
    t.need(path, need)?;
    t.rows.iter().map(|(line, fields)| f(&Row { table: t, path, line: *line, fields })).collect()
}

/// Reads the export in `dir`. A missing manifest, an unreadable file, a missing
/// column, text in a numeric column or a bad date is an error naming the file,
/// line and column; missing tables are not (`kausa_supply::check` reports them).
pub fn read_export(dir: &Path) -> Result<Export> {
    let manifest_path = dir.join("manifest.toml");
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
    let manifest: Manifest = toml::from_str(&text).map_err(|e| Error::toml(&manifest_path, &text, &e))?;
    if manifest.format != "kausa-export/1" {
        return Err(Error::invalid(
            &manifest_path,
            format!("format {:?}: this kausa reads \"kausa-export/1\"", manifest.format),
        ));
    }
    let decimal_comma = match manifest.decimal.as_deref() {
        None | Some(".") => false,
        Some(",") => true,
        Some(other) => {
            return Err(Error::invalid(&manifest_path, format!("decimal must be \".\" or \",\", not {other:?}")));
        }
    };
    let export_date = match &manifest.export_date {
        Some(d) => Some(
            Date::parse(d).ok_or_else(|| Error::invalid(&manifest_path, format!("export_date {d:?} is not a date")))?,
        ),
        None => None,
    };
    let known: Vec<&str> = REQUIRED.iter().copied().chain(OPTIONAL.iter().map(|o| o.0)).collect();
    if let Some(k) = manifest.files.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(Error::invalid(&manifest_path, format!("[files] names the unknown table {k:?}")));
    }
    // The tables present, by name; each is read when the export asks for its rows.
    let mut files: HashMap<&str, (String, std::path::PathBuf)> = HashMap::new();
    let mut present = Vec::new();
    let mut read_files = vec!["manifest.toml".to_string()];
    for table in &known {
        // Each table as <name>.csv, else <name>.parquet, unless [files] names the file.
        let file = manifest.files.get(*table).cloned().unwrap_or_else(|| {
            let parquet = format!("{table}.parquet");
            if !dir.join(format!("{table}.csv")).is_file() && dir.join(&parquet).is_file() {
                parquet
            } else {
                format!("{table}.csv")
            }
        });
        let path = dir.join(&file);
        if path.is_file() {
            present.push(table.to_string());
            read_files.push(file.clone());
            files.insert(table, (file, path));
        } else if manifest.files.contains_key(*table) {
            return Err(Error::invalid(
                &manifest_path,
                format!("[files] {table} = {file:?}, which is not in {}", dir.display()),
            ));
        }
    }
    let t = |name: &str| -> Result<Option<(Table, std::path::PathBuf)>> {
        match files.get(name) {
            Some((file, path)) => Ok(Some((Table::read(path, file, decimal_comma)?, path.clone()))),
            None => Ok(None),
        }
    };
    Ok(Export {
        export_date,
        erp: manifest.erp,
        currency: manifest.currency,
        sites: rows(t("sites")?.as_ref(), &["site_id", "site_type", "country"], |r| {
            Ok(Site {
                site_id: r.text("site_id")?,
                site_type: r.text("site_type")?,
                country: r.text("country")?,
                energy_market: r.opt_text("energy_market"),
                pos: r.pos(),
            })
        })?,
        suppliers: rows(t("suppliers")?.as_ref(), &["supplier_id", "country"], |r| {
            Ok(Supplier {
                supplier_id: r.text("supplier_id")?,
                name: r.opt_text("name").unwrap_or_default(),
                country: r.text("country")?,
                pos: r.pos(),
            })
        })?,
        supplier_sites: rows(t("supplier_sites")?.as_ref(), &["supplier_id", "site_id"], |r| {
            Ok(SupplierSite { supplier_id: r.text("supplier_id")?, site_id: r.text("site_id")?, pos: r.pos() })
        })?,
        parts: rows(t("parts")?.as_ref(), &["part_id", "part_type"], |r| {
            Ok(Part {
                part_id: r.text("part_id")?,
                part_type: r.text("part_type")?,
                std_cost: r.opt_num("std_cost")?,
                list_price: r.opt_num("list_price")?,
                commodity: r.opt_text("commodity_group").or_else(|| r.opt_text("commodity")),
                pos: r.pos(),
            })
        })?,
        bom: rows(t("bom")?.as_ref(), &["plant_id", "parent_part_id", "component_part_id", "qty_per"], |r| {
            Ok(BomLine {
                plant_id: r.text("plant_id")?,
                parent_part_id: r.text("parent_part_id")?,
                component_part_id: r.text("component_part_id")?,
                qty_per: r.num("qty_per")?,
                pos: r.pos(),
            })
        })?,
        routings: rows(t("routings")?.as_ref(), &["plant_id", "part_id", "work_center_id", "run_min_per_unit"], |r| {
            Ok(Routing {
                plant_id: r.text("plant_id")?,
                part_id: r.text("part_id")?,
                work_center_id: r.text("work_center_id")?,
                run_min_per_unit: r.num("run_min_per_unit")?,
                pos: r.pos(),
            })
        })?,
        work_centers: rows(
            t("work_centers")?.as_ref(),
            &["work_center_id", "plant_id", "std_shifts_per_day", "hours_per_shift"],
            |r| {
                Ok(WorkCenter {
                    work_center_id: r.text("work_center_id")?,
                    plant_id: r.text("plant_id")?,
                    std_shifts_per_day: r.num("std_shifts_per_day")?,
                    hours_per_shift: r.num("hours_per_shift")?,
                    pos: r.pos(),
                })
            },
        )?,
        sourcing: rows(
            t("sourcing")?.as_ref(),
            &["part_id", "plant_id", "supplier_site_id", "quota_share", "planned_lead_time_days"],
            |r| {
                Ok(Sourcing {
                    part_id: r.text("part_id")?,
                    plant_id: r.text("plant_id")?,
                    supplier_site_id: r.text("supplier_site_id")?,
                    quota_share: r.num("quota_share")?,
                    planned_lead_time_days: r.num("planned_lead_time_days")?,
                    lane_id: r.opt_text("lane_id"),
                    pos: r.pos(),
                })
            },
        )?,
        lanes: rows(
            t("lanes")?.as_ref(),
            &["lane_id", "from_site_id", "to_site_id", "mode", "planned_transit_days"],
            |r| {
                Ok(Lane {
                    lane_id: r.text("lane_id")?,
                    from_site_id: r.text("from_site_id")?,
                    to_site_id: r.text("to_site_id")?,
                    mode: r.text("mode")?,
                    transit_countries: r
                        .raw("transit_countries")
                        .split('|')
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect(),
                    via_port_ids: r
                        .raw("via_port_ids")
                        .split('|')
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect(),
                    planned_transit_days: r.num("planned_transit_days")?,
                    pos: r.pos(),
                })
            },
        )?,
        stocks: rows(t("inventory_snapshots")?.as_ref(), &["date", "site_id", "part_id", "on_hand"], |r| {
            Ok(Stock {
                date: r.date("date")?,
                site_id: r.text("site_id")?,
                part_id: r.text("part_id")?,
                on_hand: r.num("on_hand")?,
                pos: r.pos(),
            })
        })?,
        purchase_orders: rows(
            t("purchase_orders")?.as_ref(),
            &["po_id", "po_line", "part_id", "supplier_site_id", "plant_id", "order_date", "requested_date", "qty"],
            |r| {
                Ok(PurchaseOrder {
                    po_id: r.text("po_id")?,
                    po_line: r.text("po_line")?,
                    part_id: r.text("part_id")?,
                    supplier_site_id: r.text("supplier_site_id")?,
                    plant_id: r.text("plant_id")?,
                    order_date: r.date("order_date")?,
                    requested_date: r.date("requested_date")?,
                    first_confirmed_date: r.opt_date("first_confirmed_date")?,
                    qty: r.num("qty")?,
                    unit_price: r.opt_num("unit_price")?,
                    pos: r.pos(),
                })
            },
        )?,
        receipts: rows(t("po_receipts")?.as_ref(), &["po_id", "po_line", "receipt_date", "qty_received"], |r| {
            Ok(Receipt {
                po_id: r.text("po_id")?,
                po_line: r.text("po_line")?,
                ship_date: r.opt_date("ship_date")?,
                receipt_date: r.date("receipt_date")?,
                qty_received: r.num("qty_received")?,
                pos: r.pos(),
            })
        })?,
        production_orders: rows(
            t("production_orders")?.as_ref(),
            &["prod_order_id", "part_id", "plant_id", "work_center_id", "qty_good", "qty_scrap", "shift_type"],
            |r| {
                Ok(ProductionOrder {
                    prod_order_id: r.text("prod_order_id")?,
                    part_id: r.text("part_id")?,
                    plant_id: r.text("plant_id")?,
                    work_center_id: r.text("work_center_id")?,
                    qty_good: r.num("qty_good")?,
                    qty_scrap: r.num("qty_scrap")?,
                    shift_type: r.text("shift_type")?,
                    run_minutes: r.run_minutes("actual_start", "actual_end")?,
                    pos: r.pos(),
                })
            },
        )?,
        sales_orders: rows(
            t("sales_orders")?.as_ref(),
            &["so_id", "so_line", "ship_from_plant_id", "part_id", "order_date", "promised_date", "qty", "unit_price"],
            |r| {
                Ok(SalesOrder {
                    so_id: r.text("so_id")?,
                    so_line: r.text("so_line")?,
                    ship_from_plant_id: r.text("ship_from_plant_id")?,
                    customer_id: r.opt_text("customer_id").unwrap_or_default(),
                    part_id: r.text("part_id")?,
                    order_date: r.date("order_date")?,
                    promised_date: r.date("promised_date")?,
                    qty: r.num("qty")?,
                    unit_price: r.num("unit_price")?,
                    pos: r.pos(),
                })
            },
        )?,
        deliveries: rows(t("deliveries")?.as_ref(), &["so_id", "so_line", "ship_date", "qty_shipped"], |r| {
            Ok(Delivery {
                so_id: r.text("so_id")?,
                so_line: r.text("so_line")?,
                ship_date: r.date("ship_date")?,
                qty_shipped: r.num("qty_shipped")?,
                pos: r.pos(),
            })
        })?,
        shift_calendar: rows(
            t("shift_calendar")?.as_ref(),
            &["date", "plant_id", "work_center_id", "hours_planned"],
            |r| {
                Ok(ShiftDay {
                    date: r.date("date")?,
                    plant_id: r.text("plant_id")?,
                    work_center_id: r.text("work_center_id")?,
                    hours_planned: r.num("hours_planned")?,
                    overtime_hours: r.opt_num("overtime_hours")?.unwrap_or(0.0),
                    pos: r.pos(),
                })
            },
        )?,
        holidays: rows(t("holidays")?.as_ref(), &["country", "date"], |r| {
            Ok(Holiday {
                country: r.text("country")?,
                date: r.date("date")?,
                name: r.opt_text("name").unwrap_or_default(),
                pos: r.pos(),
            })
        })?,
        energy_prices: rows(t("energy_prices")?.as_ref(), &["date", "market", "price_eur_per_mwh"], |r| {
            Ok(EnergyPrice {
                date: r.date("date")?,
                market: r.text("market")?,
                carrier: r.opt_text("carrier").unwrap_or_else(|| "electricity".into()),
                price_eur_per_mwh: r.num("price_eur_per_mwh")?,
                pos: r.pos(),
            })
        })?,
        energy_use: rows(t("energy_use")?.as_ref(), &["date", "plant_id", "electricity_kwh"], |r| {
            Ok(EnergyUse {
                date: r.date("date")?,
                plant_id: r.text("plant_id")?,
                work_center_id: r.opt_text("work_center_id"),
                electricity_kwh: r.num("electricity_kwh")?,
                pos: r.pos(),
            })
        })?,
        energy_contracts: rows(
            t("energy_contracts")?.as_ref(),
            &["plant_id", "carrier", "valid_from", "valid_to", "hedged_share"],
            |r| {
                Ok(EnergyContract {
                    plant_id: r.text("plant_id")?,
                    carrier: r.text("carrier")?,
                    valid_from: r.date("valid_from")?,
                    valid_to: r.date("valid_to")?,
                    hedged_share: r.num("hedged_share")?,
                    fixed_price_eur_per_mwh: r.opt_num("fixed_price_eur_per_mwh")?,
                    pos: r.pos(),
                })
            },
        )?,
        present,
        files: read_files,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;

    use super::*;

    fn export_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kausa-io-supply-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in kausa_supply::example::tiny(1) {
            std::fs::write(dir.join(file), text).unwrap();
        }
        dir
    }

    /// Rewrites `table.csv` as `table.parquet`: dates as Date32, the named numeric columns
    /// as Float64, the rest as text.
    fn to_parquet(dir: &Path, table: &str, dates: &[&str], numbers: &[&str]) {
        let path = dir.join(format!("{table}.csv"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let columns: Vec<(&str, ArrayRef)> = header
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let cells = rows.iter().map(|r| r[i]);
                let array: ArrayRef = if dates.contains(name) {
                    Arc::new(Date32Array::from(cells.map(|c| Date::parse(c).unwrap().0).collect::<Vec<_>>()))
                } else if numbers.contains(name) {
                    Arc::new(Float64Array::from(cells.map(|c| c.parse::<f64>().unwrap()).collect::<Vec<_>>()))
                } else {
                    Arc::new(StringArray::from(cells.collect::<Vec<_>>()))
                };
                (*name, array)
            })
            .collect();
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let file = std::fs::File::create(dir.join(format!("{table}.parquet"))).unwrap();
        let mut w = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        std::fs::remove_file(path).unwrap();
    }

    /// Tables given as Parquet read as their CSV twins do, row for row; a row's position
    /// is its number, and a bad cell is named by file, row and column.
    #[test]
    fn parquet_tables_read_as_their_csv_twins() {
        let csv = read_export(&export_dir("csv")).unwrap();
        let dir = export_dir("parquet");
        to_parquet(&dir, "purchase_orders", &["order_date", "requested_date"], &["qty"]);
        to_parquet(&dir, "sales_orders", &["order_date", "requested_date", "promised_date"], &["qty", "unit_price"]);
        to_parquet(&dir, "parts", &[], &[]);
        let pq = read_export(&dir).unwrap();
        assert!(pq.present.contains(&"purchase_orders".to_string()));
        assert_eq!(pq.purchase_orders.len(), csv.purchase_orders.len());
        for (a, b) in pq.purchase_orders.iter().zip(&csv.purchase_orders) {
            assert_eq!(
                (&a.po_id, &a.part_id, a.order_date, a.requested_date, a.qty),
                (&b.po_id, &b.part_id, b.order_date, b.requested_date, b.qty)
            );
            assert_eq!(a.pos.file, "purchase_orders.parquet");
            assert_eq!(a.pos.line + 1, b.pos.line, "row n of the Parquet file is line n + 1 of the CSV");
        }
        for (a, b) in pq.sales_orders.iter().zip(&csv.sales_orders) {
            assert_eq!((a.promised_date, a.qty, a.unit_price), (b.promised_date, b.qty, b.unit_price));
        }
        assert_eq!(
            pq.parts.iter().map(|p| (&p.part_id, p.std_cost, p.list_price)).collect::<Vec<_>>(),
            csv.parts.iter().map(|p| (&p.part_id, p.std_cost, p.list_price)).collect::<Vec<_>>()
        );
        // Text in a numeric column of a Parquet table: file, row and column.
        let bad = export_dir("bad");
        let text = std::fs::read_to_string(bad.join("bom.csv")).unwrap().replacen(",1\n", ",one\n", 1);
        std::fs::write(bad.join("bom.csv"), text).unwrap();
        to_parquet(&bad, "bom", &[], &[]);
        let e = read_export(&bad).unwrap_err().to_string();
        assert!(e.contains("bom.parquet") && e.contains("row 1") && e.contains("qty_per"), "{e}");
    }
}
