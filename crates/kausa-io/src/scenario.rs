//! Reading a what-if scenario (TOML, `format = "kausa-scenario/1"`; the schema is
//! `docs/scenario.schema.json`). Unknown keys, unsupported kinds and bad values
//! are errors that name the file and the event, action or variant.

use std::path::Path;

use kausa_supply::Date;
use kausa_supply::sim::{Action, DurationDist, Effect, Event, Scenario};
use toml::{Table, Value};

use crate::{Error, Result};

struct Ctx<'a> {
    path: &'a Path,
    what: String,
    /// The line where the table being read starts, when known.
    line: Option<u64>,
}

impl Ctx<'_> {
    fn err(&self, message: impl std::fmt::Display) -> Error {
        let message = format!("{}: {message}", self.what);
        match self.line {
            Some(line) => Error::Parse { path: self.path.into(), line, column: None, message },
            None => Error::invalid(self.path, message),
        }
    }

    fn keys(&self, t: &Table, allowed: &[&str]) -> Result<()> {
        match t.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.err(format!("unknown key {k:?} (expected one of {})", allowed.join(", ")))),
            None => Ok(()),
        }
    }

    fn get<'t>(&self, t: &'t Table, key: &str) -> Result<&'t Value> {
        t.get(key).ok_or_else(|| self.err(format!("{key} is missing")))
    }

    fn str(&self, t: &Table, key: &str) -> Result<String> {
        self.get(t, key)?.as_str().map(String::from).ok_or_else(|| self.err(format!("{key} must be text")))
    }

    /// Text if the key is there.
    fn opt_str(&self, t: &Table, key: &str) -> Result<Option<String>> {
        if t.contains_key(key) { self.str(t, key).map(Some) } else { Ok(None) }
    }

    fn num(&self, t: &Table, key: &str) -> Result<f64> {
        let v = self.get(t, key)?;
        v.as_float()
            .or(v.as_integer().map(|i| i as f64))
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.err(format!("{key} must be a number")))
    }

    fn opt_num(&self, t: &Table, key: &str, default: f64) -> Result<f64> {
        if t.contains_key(key) { self.num(t, key) } else { Ok(default) }
    }

    fn int(&self, t: &Table, key: &str) -> Result<i64> {
        self.get(t, key)?.as_integer().ok_or_else(|| self.err(format!("{key} must be a whole number")))
    }

    fn date(&self, t: &Table, key: &str) -> Result<Date> {
        let v = self.get(t, key)?;
        let text = match v {
            Value::Datetime(d) => d.to_string(),
            Value::String(s) => s.clone(),
            _ => return Err(self.err(format!("{key} must be a date (YYYY-MM-DD)"))),
        };
        Date::parse(&text).ok_or_else(|| self.err(format!("{key} = {text:?} is not a date (YYYY-MM-DD)")))
    }

    fn strings(&self, t: &Table, key: &str) -> Result<Vec<String>> {
        let Some(v) = t.get(key) else { return Ok(Vec::new()) };
        v.as_array()
            .and_then(|a| a.iter().map(|x| x.as_str().map(String::from)).collect::<Option<Vec<_>>>())
            .ok_or_else(|| self.err(format!("{key} must be a list of text")))
    }

    fn table<'t>(&self, t: &'t Table, key: &str) -> Result<Option<&'t Table>> {
        match t.get(key) {
            None => Ok(None),
            Some(Value::Table(x)) => Ok(Some(x)),
            Some(_) => Err(self.err(format!("{key} must be a table"))),
        }
    }
}

/// The longest duration a scenario may give: a century.
const MAX_DAYS: f64 = 36_500.0;

/// `value` at most [`MAX_DAYS`], or the error naming `key`: longer would overflow the
/// simulator's day arithmetic (a negative value is the simulator's to refuse, naming the event).
fn at_most_a_century(ctx: &Ctx<'_>, key: &str, value: f64) -> Result<f64> {
    if value > MAX_DAYS {
        return Err(ctx.err(format!("{key} must be at most {MAX_DAYS} days (a century), not {value}")));
    }
    Ok(value)
}

/// `value` in `0..=max` as whole days (the fraction dropped), or the error naming `key`.
fn days(ctx: &Ctx<'_>, key: &str, value: f64, max: f64) -> Result<i32> {
    if (0.0..=max).contains(&value) {
        Ok(value as i32)
    } else {
        Err(ctx.err(format!("{key} must lie in 0..={max} days, not {value}")))
    }
}

fn array_of_tables<'t>(ctx: &Ctx<'_>, root: &'t Table, key: &str) -> Result<Vec<&'t Table>> {
    match root.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => {
            a.iter().map(|v| v.as_table().ok_or_else(|| ctx.err(format!("every [[{key}]] must be a table")))).collect()
        }
        Some(_) => Err(ctx.err(format!("{key} must be written as [[{key}]] tables"))),
    }
}

/// The 1-based lines of the table headers `header` (`[scenario]`, `[[event]]`) in
/// order; the n-th `[[event]]` table of the parsed file is the n-th header, since
/// TOML keeps array-of-tables in file order.
fn header_lines(text: &str, header: &str) -> Vec<u64> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.split('#').next().unwrap_or("").trim() == header)
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// Reads a scenario file.
pub fn read_scenario(path: &Path) -> Result<Scenario> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let root: Table = toml::from_str(&text).map_err(|e| Error::toml(path, &text, &e))?;
    let mut ctx = Ctx { path, what: "the file".into(), line: None };
    ctx.keys(&root, &["format", "scenario", "event", "action", "variant", "output"])?;
    if root.get("format").and_then(Value::as_str) != Some("kausa-scenario/1") {
        return Err(ctx.err("format must be \"kausa-scenario/1\""));
    }
    let head = ctx.table(&root, "scenario")?.ok_or_else(|| ctx.err("the [scenario] table is missing"))?;
    ctx.what = "[scenario]".into();
    ctx.line = header_lines(&text, "[scenario]").first().copied();
    ctx.keys(
        head,
        &[
            "id",
            "title",
            "start",
            "horizon_days",
            "runs",
            "seed",
            "quoted_days",
            "risk_days",
            "service_level",
            "parameter_uncertainty",
        ],
    )?;
    let horizon = ctx.int(head, "horizon_days")?;
    let runs = ctx.int(head, "runs")?;
    if !(1..=3650).contains(&horizon) || !(1..=1_000_000).contains(&runs) {
        return Err(ctx.err("horizon_days must lie in 1..=3650 and runs in 1..=1000000"));
    }
    let mut sc = Scenario {
        id: ctx.str(head, "id")?,
        start: ctx.date(head, "start")?,
        horizon_days: horizon as i32,
        runs: runs as usize,
        seed: head.get("seed").and_then(Value::as_integer).unwrap_or(0).max(0) as u64,
        events: Vec::new(),
        actions: Vec::new(),
        variants: Vec::new(),
        compare_to: String::new(),
        quoted_days: days(&ctx, "quoted_days", ctx.opt_num(head, "quoted_days", 14.0)?, 3650.0)?,
        risk_days: days(&ctx, "risk_days", ctx.opt_num(head, "risk_days", 14.0)?, 3650.0)?,
        service_level: ctx.opt_num(head, "service_level", 0.95)?,
        item_lines: Default::default(),
        parameter_uncertainty: match head.get("parameter_uncertainty") {
            None => true,
            Some(Value::Boolean(b)) => *b,
            Some(_) => return Err(ctx.err("parameter_uncertainty must be true or false")),
        },
    };
    if !(sc.service_level > 0.0 && sc.service_level <= 1.0) {
        return Err(ctx.err("service_level must lie in (0, 1]"));
    }
    let lines = header_lines(&text, "[[event]]");
    for (i, e) in array_of_tables(&ctx, &root, "event")?.into_iter().enumerate() {
        let id = e.get("id").and_then(Value::as_str).unwrap_or("?").to_string();
        ctx.what = format!("event {id:?}");
        ctx.line = lines.get(i).copied();
        if let Some(&line) = lines.get(i) {
            sc.item_lines.insert(("event".into(), id.clone()), line);
        }
        ctx.keys(
            e,
            &["id", "kind", "start", "duration_days", "probability", "trigger", "scope", "effect", "recovery"],
        )?;
        let kind = ctx.str(e, "kind")?;
        let probability = ctx.opt_num(e, "probability", 1.0)?;
        if !(0.0..=1.0).contains(&probability) {
            return Err(ctx.err("probability must lie between 0 and 1"));
        }
        let scope = ctx.table(e, "scope")?;
        let effect = ctx.table(e, "effect")?;
        let effect = match kind.as_str() {
            "strike" | "supplier_outage" | "supplier_insolvency" | "port_closure" | "lane_closure" => {
                let scope = scope.ok_or_else(|| ctx.err("[event.scope] is missing"))?;
                ctx.keys(scope, &["countries", "sites", "lanes", "ports"])?;
                let (countries, sites) = (ctx.strings(scope, "countries")?, ctx.strings(scope, "sites")?);
                let (lanes, ports) = (ctx.strings(scope, "lanes")?, ctx.strings(scope, "ports")?);
                if countries.is_empty() && sites.is_empty() && lanes.is_empty() && ports.is_empty() {
                    return Err(ctx.err("[event.scope] needs countries, sites, lanes or ports"));
                }
                if kind == "port_closure" && (ports.is_empty() || !(countries.is_empty() && sites.is_empty())) {
                    return Err(ctx.err("a port_closure names the ports (scope.ports)"));
                }
                if kind == "lane_closure" && (lanes.is_empty() || !(countries.is_empty() && sites.is_empty())) {
                    return Err(ctx.err("a lane_closure names the lanes (scope.lanes)"));
                }
                if kind == "supplier_insolvency" && (sites.is_empty() || !countries.is_empty()) {
                    return Err(ctx.err("a supplier_insolvency names the supplier sites (scope.sites), not countries"));
                }
                let ramp = match ctx.table(e, "recovery")? {
                    Some(r) => {
                        ctx.keys(r, &["ramp_days"])?;
                        ctx.opt_num(r, "ramp_days", 0.0)?
                    }
                    None => 0.0,
                };
                if let Some(effect) = effect {
                    ctx.keys(effect, &["capacity_factor", "lane_open", "in_transit"])?;
                    if ctx.opt_num(effect, "capacity_factor", 0.0)? != 0.0 {
                        return Err(ctx.err("only capacity_factor = 0 (a full outage) is supported yet"));
                    }
                }
                Effect::Outage { countries, sites, lanes, ports, ramp_days: days(&ctx, "ramp_days", ramp, 3650.0)? }
            }
            "price_shock" if scope.is_some_and(|s| s.contains_key("commodity")) => {
                let scope = scope.expect("checked");
                ctx.keys(scope, &["commodity", "markets"])?;
                let commodity = ctx.str(scope, "commodity")?;
                if commodity != "electricity" {
                    return Err(ctx.err(format!(
                        "commodity {commodity:?}: only electricity price shocks are modelled (gas and other commodities are not yet)"
                    )));
                }
                let effect = effect.ok_or_else(|| ctx.err("[event.effect] with price_factor is missing"))?;
                ctx.keys(effect, &["price_factor", "pass_through", "hedged_share"])?;
                let pass_through = match effect.get("pass_through") {
                    None => true,
                    Some(Value::String(s)) if s == "learned" => true,
                    Some(Value::String(s)) if s == "none" => false,
                    Some(_) => return Err(ctx.err("pass_through must be \"learned\" or \"none\"")),
                };
                let hedged_share = match effect.get("hedged_share") {
                    None => None,
                    Some(Value::String(s)) if s == "from_data" => None,
                    Some(_) => Some(ctx.num(effect, "hedged_share")?),
                };
                Effect::EnergyPrice {
                    markets: ctx.strings(scope, "markets")?,
                    factor: ctx.num(effect, "price_factor")?,
                    pass_through,
                    hedged_share,
                }
            }
            "price_shock" => {
                let (mut countries, mut sites, mut parts) = (Vec::new(), Vec::new(), Vec::new());
                if let Some(scope) = scope {
                    ctx.keys(scope, &["countries", "sites", "parts"])?;
                    (countries, sites, parts) =
                        (ctx.strings(scope, "countries")?, ctx.strings(scope, "sites")?, ctx.strings(scope, "parts")?);
                }
                let effect = effect.ok_or_else(|| ctx.err("[event.effect] with price_factor is missing"))?;
                ctx.keys(effect, &["price_factor"])?;
                Effect::PriceShock { countries, sites, parts, factor: ctx.num(effect, "price_factor")? }
            }
            "transit_delay" => {
                let scope = scope.ok_or_else(|| ctx.err("[event.scope] is missing"))?;
                ctx.keys(scope, &["countries"])?;
                let effect = effect.ok_or_else(|| ctx.err("[event.effect] with transit_days_add is missing"))?;
                ctx.keys(effect, &["transit_days_add"])?;
                Effect::TransitDelay {
                    countries: ctx.strings(scope, "countries")?,
                    days: at_most_a_century(&ctx, "transit_days_add", ctx.num(effect, "transit_days_add")?)?.round()
                        as i32,
                }
            }
            "plant_outage" => {
                let plants = match scope {
                    Some(scope) => {
                        ctx.keys(scope, &["site_ids"])?;
                        ctx.strings(scope, "site_ids")?
                    }
                    None => Vec::new(),
                };
                if effect.is_some() {
                    return Err(ctx.err("a plant_outage has no [event.effect]: the plant makes nothing while it lasts"));
                }
                Effect::PlantOutage { plants }
            }
            "demand_shock" => {
                let parts = match scope {
                    Some(scope) => {
                        ctx.keys(scope, &["parts"])?;
                        ctx.strings(scope, "parts")?
                    }
                    None => Vec::new(),
                };
                let effect = effect.ok_or_else(|| ctx.err("[event.effect] with demand_factor is missing"))?;
                ctx.keys(effect, &["demand_factor"])?;
                Effect::Demand { parts, factor: ctx.num(effect, "demand_factor")? }
            }
            other => {
                return Err(ctx.err(format!(
                    "event kind {other:?} is not supported yet (supported: strike, supplier_outage, supplier_insolvency, port_closure, lane_closure, transit_delay, plant_outage, demand_shock, price_shock)"
                )));
            }
        };
        // An insolvency lasts (unless said otherwise) beyond any horizon. An uncertain length
        // is a table: { min, max } (uniform) or { min, mode, max } (triangular).
        let (duration, dist) = match e.get("duration_days") {
            None if kind == "supplier_insolvency" => (3650, None),
            Some(Value::Table(t)) => {
                ctx.keys(t, &["min", "mode", "max"])?;
                let (min, max) = (ctx.num(t, "min")?, ctx.num(t, "max")?);
                let dist = match t.contains_key("mode") {
                    true => DurationDist::Triangular { min, mode: ctx.num(t, "mode")?, max },
                    false => DurationDist::Uniform { min, max },
                };
                if !dist.valid() {
                    return Err(ctx.err("duration_days: min must not be negative, nor above mode and max"));
                }
                let typical = match dist {
                    DurationDist::Triangular { mode, .. } => mode,
                    DurationDist::Uniform { min, max } => (min + max) / 2.0,
                };
                (typical.round() as i64, Some(dist))
            }
            _ => (ctx.int(e, "duration_days")?, None),
        };
        let longest = match dist {
            Some(DurationDist::Uniform { max, .. } | DurationDist::Triangular { max, .. }) => max,
            None => duration as f64,
        };
        at_most_a_century(&ctx, "duration_days", longest)?;
        sc.events.push(Event {
            start: ctx.date(e, "start")?,
            duration_days: duration as i32,
            duration: dist,
            trigger: ctx.opt_str(e, "trigger")?,
            probability,
            effect,
            id,
        });
    }
    let lines = header_lines(&text, "[[action]]");
    for (i, a) in array_of_tables(&ctx, &root, "action")?.into_iter().enumerate() {
        let id = a.get("id").and_then(Value::as_str).unwrap_or("?").to_string();
        ctx.what = format!("action {id:?}");
        ctx.line = lines.get(i).copied();
        if let Some(&line) = lines.get(i) {
            sc.item_lines.insert(("action".into(), id.clone()), line);
        }
        let kind = ctx.str(a, "kind")?;
        let action = match kind.as_str() {
            "switch_supplier" => {
                ctx.keys(a, &["id", "kind", "part", "from", "to", "share", "effective", "unit_price"])?;
                Action::SwitchSupplier {
                    part: ctx.str(a, "part")?,
                    from: ctx.str(a, "from")?,
                    to: ctx.str(a, "to")?,
                    share: ctx.opt_num(a, "share", 1.0)?,
                    effective: ctx.date(a, "effective")?,
                    unit_price: if a.contains_key("unit_price") { Some(ctx.num(a, "unit_price")?) } else { None },
                    id,
                }
            }
            "add_shift" => {
                ctx.keys(
                    a,
                    &[
                        "id",
                        "kind",
                        "site",
                        "resources",
                        "weekdays",
                        "hours",
                        "productivity",
                        "from",
                        "to",
                        "cost_per_hour",
                    ],
                )?;
                let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
                let weekdays = ctx
                    .strings(a, "weekdays")?
                    .iter()
                    .map(|d| names.iter().position(|n| *n == d.to_lowercase()).map(|i| i as u32))
                    .collect::<Option<Vec<u32>>>()
                    .ok_or_else(|| ctx.err("weekdays are mon, tue, wed, thu, fri, sat, sun"))?;
                Action::AddShift {
                    weekdays,
                    hours: ctx.num(a, "hours")?,
                    productivity: match a.get("productivity") {
                        Some(Value::String(s)) if s == "learned" => None,
                        _ => Some(ctx.opt_num(a, "productivity", 1.0)?),
                    },
                    from: ctx.date(a, "from")?,
                    to: ctx.date(a, "to")?,
                    cost_per_hour: ctx.opt_num(a, "cost_per_hour", 0.0)?,
                    plant: ctx.opt_str(a, "site")?,
                    work_centers: ctx.strings(a, "resources")?,
                    id,
                }
            }
            "allocate" => {
                ctx.keys(a, &["id", "kind", "customers", "from", "to"])?;
                Action::Allocate {
                    customers: ctx.strings(a, "customers")?,
                    from: ctx.date(a, "from")?,
                    to: ctx.date(a, "to")?,
                    id,
                }
            }
            "pre_build" | "safety_stock" => {
                ctx.keys(a, &["id", "kind", "parts", "extra_days", "from", "to"])?;
                let parts = ctx.strings(a, "parts")?;
                let (extra_days, from, to) = (ctx.num(a, "extra_days")?, ctx.date(a, "from")?, ctx.date(a, "to")?);
                if kind == "pre_build" {
                    Action::PreBuild { id, parts, extra_days, from, to }
                } else {
                    Action::SafetyStock { id, parts, extra_days, from, to }
                }
            }
            "move_capacity" => {
                ctx.keys(
                    a,
                    &[
                        "id",
                        "kind",
                        "parts",
                        "from_site",
                        "to_site",
                        "share",
                        "effective",
                        "transfer_days",
                        "one_off_cost",
                        "cost_per_unit",
                    ],
                )?;
                Action::MoveCapacity {
                    parts: ctx.strings(a, "parts")?,
                    from: ctx.str(a, "from_site")?,
                    to: ctx.str(a, "to_site")?,
                    share: ctx.num(a, "share")?,
                    effective: ctx.date(a, "effective")?,
                    transfer_days: ctx.opt_num(a, "transfer_days", 0.0)? as i32,
                    one_off_cost: ctx.opt_num(a, "one_off_cost", 0.0)?,
                    cost_per_unit: ctx.opt_num(a, "cost_per_unit", 0.0)?,
                    id,
                }
            }
            "expedite" => {
                ctx.keys(a, &["id", "kind", "sites", "transit_factor", "from", "to", "cost_per_order"])?;
                Action::Expedite {
                    sites: ctx.strings(a, "sites")?,
                    transit_factor: ctx.num(a, "transit_factor")?,
                    from: ctx.date(a, "from")?,
                    to: ctx.date(a, "to")?,
                    cost_per_order: ctx.opt_num(a, "cost_per_order", 0.0)?,
                    id,
                }
            }
            "hedge_energy" => {
                ctx.keys(a, &["id", "kind", "plants", "share", "premium_eur_per_mwh", "from", "to"])?;
                Action::HedgeEnergy {
                    plants: ctx.strings(a, "plants")?,
                    share: ctx.num(a, "share")?,
                    premium_eur_per_mwh: ctx.opt_num(a, "premium_eur_per_mwh", 0.0)?,
                    from: ctx.date(a, "from")?,
                    to: ctx.date(a, "to")?,
                    id,
                }
            }
            other => {
                return Err(ctx.err(format!(
                    "action kind {other:?} is not supported yet (supported: switch_supplier, add_shift, expedite, move_capacity, pre_build, safety_stock, allocate, hedge_energy)"
                )));
            }
        };
        if sc.actions.iter().any(|x| x.id() == action.id()) {
            return Err(ctx.err("this id is used twice"));
        }
        sc.actions.push(action);
    }
    let lines = header_lines(&text, "[[variant]]");
    for (i, v) in array_of_tables(&ctx, &root, "variant")?.into_iter().enumerate() {
        let id = v.get("id").and_then(Value::as_str).unwrap_or("?").to_string();
        ctx.what = format!("variant {id:?}");
        ctx.line = lines.get(i).copied();
        if let Some(&line) = lines.get(i) {
            sc.item_lines.insert(("variant".into(), id.clone()), line);
        }
        ctx.keys(v, &["id", "actions"])?;
        sc.variants.push((ctx.str(v, "id")?, ctx.strings(v, "actions")?));
    }
    if sc.variants.is_empty() {
        sc.variants.push(("do_nothing".into(), Vec::new()));
    }
    ctx.what = "[output]".into();
    ctx.line = header_lines(&text, "[output]").first().copied();
    sc.compare_to = match ctx.table(&root, "output")? {
        Some(o) => {
            ctx.keys(o, &["compare_to", "reference", "kpis"])?;
            if o.contains_key("compare_to") { ctx.str(o, "compare_to")? } else { sc.variants[0].0.clone() }
        }
        None => sc.variants[0].0.clone(),
    };
    Ok(sc)
}
