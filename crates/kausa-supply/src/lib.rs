//! The supply network of a manufacturer, as its ERP exports it, and what can be
//! checked and learned from it (`../shared/SUPPLY-CHAIN.md` §6 is the design).
//!
//! ```text
//!  export folder ──kausa-io──▶ Export (typed rows, each with its file and line)
//!        Export ──check──▶ problems (unknown ids, BOM cycles, unsourced parts, negative stocks …)
//!                          and what cannot be learned from the files that are missing
//!        Export ──lead_times / demand──▶ learned mechanisms with bootstrap intervals
//!        Network + Scenario ──sim──▶ KPIs per run and variant (common random numbers)
//!        Network ──sim::exposure──▶ time to survive and lost margin per supplier site and country
//!  example::tiny(seed) ──▶ the CSV files of the example company "Beispiel-Antriebe"
//! ```
//!
//! No IO here: the reader lives in `kausa-io`, the generator returns file contents.
#![deny(missing_docs)]

mod check;
mod data;
pub mod energy;
pub mod example;
mod learn;
pub mod sim;

pub use check::{Problem, Severity, check, unlearnable};
pub use data::*;
pub use energy::Energy;
pub use learn::{
    Demand, HOLIDAY_WINDOW, LOAD_WINDOW, LeadTime, Loads, Productivity, Scrap, SiteLoad, demand, lead_times, loads,
    near_holiday, productivity, scrap,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_know_their_weekday() {
        for text in ["1970-01-01", "2000-02-29", "2024-12-31", "2025-03-10", "1999-12-31"] {
            assert_eq!(Date::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Date::parse("1970-01-01").unwrap().0, 0);
        // Four-digit years only: wider ones overflowed the day arithmetic (a panic in debug builds).
        assert!(Date::parse("9999-12-31").is_some());
        assert_eq!(Date::parse("2147483647-01-01"), None);
        assert_eq!(Date::parse("10000-01-01"), None);
        assert_eq!(Date::parse("2025-03-10").unwrap().weekday(), 0, "a Monday");
        for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024/01/01", "24-1", ""] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
    }

    fn bom(lines: &[(&str, &str)]) -> Export {
        let pos = |line| Pos { file: "bom.csv".into(), line };
        let mut e = Export::default();
        for (k, (parent, child)) in lines.iter().enumerate() {
            e.bom.push(BomLine {
                plant_id: "P".into(),
                parent_part_id: parent.to_string(),
                component_part_id: child.to_string(),
                qty_per: 1.0,
                pos: pos(k as u64 + 2),
            });
        }
        e
    }

    #[test]
    fn circular_bills_of_materials_are_found_once_with_their_path() {
        let cycles = |e: &Export| check(e).into_iter().filter(|p| p.code == "bom_cycle").collect::<Vec<_>>();
        // A diamond is fine.
        assert!(cycles(&bom(&[("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")])).is_empty());
        let found = cycles(&bom(&[("A", "B"), ("B", "C"), ("C", "A"), ("A", "D")]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.ends_with("A -> B -> C -> A"), "{}", found[0].message);
        assert_eq!(found[0].pos.line, 4, "the line that closes the cycle");
        assert_eq!(cycles(&bom(&[("X", "X")])).len(), 1);
    }
}
