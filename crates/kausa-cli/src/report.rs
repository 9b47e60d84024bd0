//! `kausa report MODEL`: a model card a manager, a works council and an auditor
//! can read: provenance, the graph as a picture, mechanisms, validation,
//! assumptions, limits, intended use and who is accountable. One self-contained
//! HTML file (inline CSS and SVG, no script, no external asset) or Markdown.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use kausa_io::ModelFile;
use kausa_scm::{EquationNoise, FitMetric, Link, Mechanism, NodeKind, Scm};

/// Arguments of `kausa report`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The model file (from `kausa fit`).
    model: PathBuf,
    /// Where to write the report: `.html` (default) or `.md` for Markdown.
    #[arg(long)]
    out: PathBuf,
    /// Data to validate the model on (its fit metrics and the graph's falsification test).
    #[arg(long)]
    data: Option<PathBuf>,
    /// What the model is meant for, in a sentence or two.
    #[arg(long)]
    intended_use: Option<String>,
    /// Who is accountable for the model and decisions based on it (name, role).
    #[arg(long)]
    owner: Option<String>,
    /// The period the training data cover (e.g. "2024-01 to 2025-06").
    #[arg(long)]
    period: Option<String>,
    /// Worker threads for the validation (default: all cores; the result never depends on it).
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    data_args: crate::data_args::DataArgs,
}

/// One block of the report, rendered to HTML or Markdown.
enum Block {
    Heading(String),
    Para(String),
    List(Vec<String>),
    Table(Vec<String>, Vec<Vec<String>>),
    Svg(String),
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn origin_of_edge(scm: &Scm, child: usize, graph_origin: &str) -> String {
    match scm.nodes()[child].mechanism {
        Mechanism::Equation { .. } => "domain equation (set by experts)".into(),
        _ => graph_origin.to_string(),
    }
}

/// Layered drawing of the DAG: layers by longest path from the roots, order in a
/// layer by the mean position of the parents; equation edges dashed.
fn svg(scm: &Scm) -> String {
    let nodes = scm.nodes();
    let p = nodes.len();
    let mut layer = vec![0usize; p];
    for &j in scm.order() {
        layer[j] = nodes[j].parents.iter().map(|&q| layer[q] + 1).max().unwrap_or(0);
    }
    let layers = layer.iter().max().map_or(0, |m| m + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for &j in scm.order() {
        rows[layer[j]].push(j);
    }
    let mut slot = vec![0.0f64; p];
    for row in rows.iter_mut() {
        let key = |j: usize| {
            let ps = &nodes[j].parents;
            if ps.is_empty() { j as f64 } else { ps.iter().map(|&q| slot[q]).sum::<f64>() / ps.len() as f64 }
        };
        row.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        for (i, &j) in row.iter().enumerate() {
            slot[j] = i as f64;
        }
    }
    let width_of = |j: usize| 16.0 + 7.2 * nodes[j].name.chars().count() as f64;
    let (gap_x, gap_y, h) = (28.0, 70.0, 30.0);
    let row_width =
        |row: &[usize]| row.iter().map(|&j| width_of(j)).sum::<f64>() + gap_x * (row.len().max(1) - 1) as f64;
    let total = rows.iter().map(|r| row_width(r)).fold(200.0f64, f64::max) + 40.0;
    let mut centre = vec![(0.0f64, 0.0f64); p];
    for (l, row) in rows.iter().enumerate() {
        let mut x = 20.0 + (total - 40.0 - row_width(row)) / 2.0;
        for &j in row {
            centre[j] = (x + width_of(j) / 2.0, 20.0 + l as f64 * gap_y + h / 2.0);
            x += width_of(j) + gap_x;
        }
    }
    let height = 40.0 + layers as f64 * gap_y - (gap_y - h);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {total:.0} {height:.0}\" role=\"img\" aria-label=\"causal graph\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444\"/></marker></defs>"
    );
    for (j, node) in nodes.iter().enumerate() {
        for &q in &node.parents {
            let (x1, y1) = (centre[q].0, centre[q].1 + h / 2.0);
            let (x2, y2) = (centre[j].0, centre[j].1 - h / 2.0);
            let dash =
                if matches!(node.mechanism, Mechanism::Equation { .. }) { " stroke-dasharray=\"5 3\"" } else { "" };
            let _ = write!(
                out,
                "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#444\" stroke-width=\"1.4\"{dash} marker-end=\"url(#arrow)\"/>"
            );
        }
    }
    for (j, node) in nodes.iter().enumerate() {
        let (w, (cx, cy)) = (width_of(j), centre[j]);
        let fill = match node.mechanism {
            Mechanism::Equation { .. } => "#e3ecfa",
            Mechanism::Empirical { .. } | Mechanism::Gaussian { .. } => "#f3f3f3",
            _ => "#fff8e1",
        };
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h}\" rx=\"6\" fill=\"{fill}\" stroke=\"#555\"/>\
             <text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\">{}</text>",
            cx - w / 2.0,
            cy - h / 2.0,
            cy + 4.0,
            esc(&node.name)
        );
    }
    out.push_str("</svg>");
    out
}

fn mechanism_text(m: &Mechanism) -> String {
    match m {
        Mechanism::Empirical { values } => format!("observed values ({} stored)", values.len()),
        Mechanism::Gaussian { mean, sd } => format!("normal, mean {mean:.4}, sd {sd:.4}"),
        Mechanism::Additive { link: Link::Log, .. } => format!("{} on the log scale (multiplicative noise)", m.name()),
        Mechanism::Additive { .. } => format!("{} + additive noise", m.name()),
        Mechanism::Classifier { .. } => format!("{} classifier", m.name()),
        Mechanism::Equation { expr, noise, .. } => format!(
            "equation {expr}{}",
            match noise {
                EquationNoise::None => " (exact)".to_string(),
                EquationNoise::Residuals { .. } => " + residual noise".to_string(),
                EquationNoise::Normal { sd } => format!(" + normal noise (sd {sd})"),
            }
        ),
    }
}

type Validation = (Vec<FitMetric>, kausa_scm::Falsification, Vec<kausa_scm::MechanismRefutation>);

fn blocks(file: &ModelFile, args: &Args, validation: Option<Validation>) -> Vec<Block> {
    let scm = &file.model;
    let prov = &file.provenance;
    let nodes = scm.nodes();
    let name = |j: usize| nodes[j].name.clone();
    let edges: usize = nodes.iter().map(|n| n.parents.len()).sum();
    let not_stated = "not stated (give it with --{})";
    let mut b = Vec::new();
    b.push(Block::Heading(format!(
        "Model card: {}",
        args.model.file_name().map_or("model".into(), |f| f.to_string_lossy().into_owned())
    )));
    b.push(Block::Para(format!(
        "A structural causal model of {} variables and {} causal links, fitted by kausa {} on {} rows of {}. It answers what-if questions (interventions), counterfactual questions about observed cases, and root-cause questions (anomalies, changes between periods) about these variables only.",
        nodes.len(), edges, prov.kausa_version, prov.data.rows, prov.data.file
    )));
    b.push(Block::Heading("Intended use and accountability".into()));
    b.push(Block::List(vec![
        format!("Intended use: {}", args.intended_use.clone().unwrap_or_else(|| not_stated.replace("{}", "intended-use"))),
        format!("Accountable: {}", args.owner.clone().unwrap_or_else(|| not_stated.replace("{}", "owner"))),
        "Human oversight: the model's answers are estimates under the assumptions below; decisions remain with the accountable people.".into(),
    ]));
    b.push(Block::Heading("Data provenance".into()));
    b.push(Block::Table(
        vec!["item".into(), "value".into()],
        vec![
            vec!["training data".into(), prov.data.file.clone()],
            vec!["rows".into(), prov.data.rows.to_string()],
            vec!["columns".into(), prov.data.columns.join(", ")],
            vec!["period covered".into(), args.period.clone().unwrap_or_else(|| not_stated.replace("{}", "period"))],
            vec!["data fingerprint (BLAKE3)".into(), prov.data.blake3.clone()],
            vec!["graph file".into(), prov.graph.clone()],
            vec![
                "graph origin".into(),
                if prov.graph_origin.is_empty() { "not recorded".into() } else { prov.graph_origin.clone() },
            ],
            vec![
                "graph fingerprint (BLAKE3)".into(),
                if prov.graph_blake3.is_empty() { "not recorded".into() } else { prov.graph_blake3.clone() },
            ],
            vec![
                "domain equations".into(),
                prov.equations.as_ref().map_or("none".into(), |(f, h)| format!("{f} (BLAKE3 {h})")),
            ],
            vec!["seed and generator".into(), format!("{} ({})", prov.seed, prov.rng)],
            vec!["kausa version".into(), prov.kausa_version.clone()],
        ],
    ));
    b.push(Block::Heading("Causal graph".into()));
    b.push(Block::Para("Each arrow says the variable at its tail is a direct cause of the one at its head. Grey boxes are root causes drawn from their observed values; yellow ones are learned from their causes; blue ones (dashed arrows) follow domain equations set by experts.".into()));
    b.push(Block::Svg(svg(scm)));
    let mut edge_rows = Vec::new();
    for (j, node) in nodes.iter().enumerate() {
        for &q in &node.parents {
            edge_rows.push(vec![format!("{} → {}", name(q), node.name), origin_of_edge(scm, j, &prov.graph_origin)]);
        }
    }
    b.push(Block::Table(vec!["causal link".into(), "origin".into()], edge_rows));
    b.push(Block::Heading("Mechanisms".into()));
    let fit_report = prov.fit_report.as_array().cloned().unwrap_or_default();
    let mech_rows = nodes
        .iter()
        .enumerate()
        .map(|(j, n)| {
            let r2 = fit_report.get(j).and_then(|r| r["r2"].as_f64()).map_or(String::new(), |v| format!("{v:.3}"));
            let kind = match &n.kind {
                NodeKind::Continuous => "continuous".to_string(),
                NodeKind::Categorical { levels } => format!("categorical ({})", levels.join(", ")),
            };
            let parents = n.parents.iter().map(|&q| name(q)).collect::<Vec<_>>().join(", ");
            vec![
                n.name.clone(),
                kind,
                if parents.is_empty() { "—".into() } else { parents },
                mechanism_text(&n.mechanism),
                r2,
            ]
        })
        .collect();
    b.push(Block::Table(
        vec!["variable".into(), "kind".into(), "direct causes".into(), "mechanism".into(), "training R²".into()],
        mech_rows,
    ));
    b.push(Block::Heading("Validation".into()));
    match (&validation, &args.data) {
        (Some((metrics, f, refutations)), Some(path)) => {
            b.push(Block::Para(format!("On {} (checked when this report was made):", path.display())));
            let rows = nodes
                .iter()
                .zip(metrics)
                .map(|(n, m)| {
                    let text = match m {
                        FitMetric::Distribution { ks, p_value } => format!("distance to the model's distribution {ks:.4} (p {p_value:.3})"),
                        FitMetric::Regression { r2, rmse } => format!("R² {r2:.3}, RMSE {rmse:.4}"),
                        FitMetric::Classification { accuracy, log_loss } => format!("accuracy {accuracy:.3}, log loss {log_loss:.4}"),
                    };
                    vec![n.name.clone(), text]
                })
                .collect();
            b.push(Block::Table(vec!["variable".into(), "fit".into()], rows));
            if !refutations.is_empty() {
                let rows = refutations
                    .iter()
                    .map(|r| {
                        let verdict = if r.p_value < 0.05 {
                            format!("REFUTED: its noise depends on {} ({})", name(r.worst.0), r.worst.1)
                        } else {
                            "not refuted".into()
                        };
                        vec![name(r.node), format!("{:.3}", r.p_value), verdict]
                    })
                    .collect();
                b.push(Block::Para("Mechanism refutation: an additive-noise mechanism assumes its noise is independent of its causes; curvature (residual against a squared cause) and spread (squared residual against a cause) tests, Bonferroni-adjusted:".into()));
                b.push(Block::Table(vec!["variable".into(), "p-value".into(), "verdict".into()], rows));
            }
            let verdict = if f.p_value > 0.05 {
                "FALSIFIED: the data's independences fit this graph no better than randomly relabelled graphs. Review the graph before relying on the model."
            } else {
                "not falsified: the data's independences fit this graph better than randomly relabelled graphs."
            };
            b.push(Block::Para(format!(
                "Graph falsification test (local Markov conditions, level 0.05): {} of {} implied independences violated; against {} permuted graphs p = {:.3}: {verdict}",
                f.violations, f.tests, f.permuted_shares.len(), f.p_value
            )));
        }
        _ => b.push(Block::Para("Not validated in this report: give data with --data (for example newer data than the training set) to add fit metrics and the graph falsification test. `kausa validate` prints the same checks.".into())),
    }
    b.push(Block::Heading("Assumptions".into()));
    let mut assumptions = vec![
        "Causal sufficiency: no unmeasured variable causes two or more of the modelled variables. A hidden common cause (an operator's habit, an unrecorded supplier change) biases what-if answers.".to_string(),
        "The graph is right: every direct cause is drawn, and no arrow points the wrong way. The falsification test can reject a graph, never prove it.".into(),
        "Acyclicity: no feedback loops within one observation.".into(),
        "Stability: the mechanisms hold in the period the model is used for as they did in the training data (`kausa attribute change` tests this between two periods).".into(),
        "Independent noise: each variable's unexplained part is independent of the others'.".into(),
    ];
    if prov.graph_origin.starts_with("learned") {
        assumptions.push("Faithfulness: the graph was learned from data, which assumes every independence in the data comes from the graph, not from causes that cancel out.".into());
    }
    b.push(Block::List(assumptions));
    b.push(Block::Heading("Known limits".into()));
    let mut limits = vec![format!(
        "Answers hold for the {} rows' range of conditions; far outside it, mechanisms extrapolate (linear ones linearly, tree-based ones flat).",
        prov.data.rows
    )];
    let roots: Vec<String> =
        nodes.iter().filter(|n| matches!(n.mechanism, Mechanism::Empirical { .. })).map(|n| n.name.clone()).collect();
    if !roots.is_empty() {
        limits.push(format!("Root variables ({}) are drawn from observed values only: unseen values of them appear only through interventions.", roots.join(", ")));
    }
    let classifiers: Vec<String> =
        nodes.iter().filter(|n| !n.mechanism.is_invertible()).map(|n| n.name.clone()).collect();
    if !classifiers.is_empty() {
        limits.push(format!("Categorical variables ({}) have classifier mechanisms: counterfactuals and anomaly attribution that pass through them are refused.", classifiers.join(", ")));
    }
    if prov.data.rows > 10_000 {
        limits.push("Distributions of more than 10,000 values are stored as 10,000 quantiles (at most 0.0001 apart in probability).".into());
    }
    limits.push(
        "Monte-Carlo answers carry simulation error; repeat with another --seed or read the reported intervals.".into(),
    );
    b.push(Block::List(limits));
    b.push(Block::Para(format!(
        "Generated by kausa {} from {} without any network access; this document loads nothing from outside itself. Every kausa command that used this model is recorded in the audit log (`kausa audit list`).",
        env!("CARGO_PKG_VERSION"),
        args.model.display()
    )));
    b
}

fn html(blocks: &[Block]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kausa report</title><style>\
         body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}\
         h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}\
         table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
         th{background:#f3f3f3}svg{max-width:100%;height:auto}</style></head><body>\n",
    );
    let mut first = true;
    for b in blocks {
        match b {
            Block::Heading(t) => {
                let tag = if first { "h1" } else { "h2" };
                first = false;
                let _ = writeln!(out, "<{tag}>{}</{tag}>", esc(t));
            }
            Block::Para(t) => {
                let _ = writeln!(out, "<p>{}</p>", esc(t));
            }
            Block::List(items) => {
                out.push_str("<ul>");
                for i in items {
                    let _ = write!(out, "<li>{}</li>", esc(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(head, rows) => {
                out.push_str("<table><tr>");
                for h in head {
                    let _ = write!(out, "<th>{}</th>", esc(h));
                }
                out.push_str("</tr>");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        let _ = write!(out, "<td>{}</td>", esc(c));
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</table>\n");
            }
            Block::Svg(s) => {
                let _ = writeln!(out, "<figure>{s}</figure>");
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut first = true;
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for b in blocks {
        match b {
            Block::Heading(t) => {
                let _ = writeln!(out, "{} {t}\n", if first { "#" } else { "##" });
                first = false;
            }
            Block::Para(t) => {
                let _ = writeln!(out, "{t}\n");
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "- {i}");
                }
                out.push('\n');
            }
            Block::Table(head, rows) => {
                let _ = writeln!(out, "| {} |", head.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | "));
                let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                for r in rows {
                    let _ = writeln!(out, "| {} |", r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
                }
                out.push('\n');
            }
            Block::Svg(_) => out.push_str("(The HTML report draws the graph; the table below lists its links.)\n\n"),
        }
    }
    out
}

pub(crate) fn run(args: Args) -> Result<()> {
    let par = crate::scm_cmd::par_of(args.threads)?;
    let file = kausa_io::read_model(&args.model)?;
    let ext = args.out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    if !matches!(ext.as_str(), "html" | "htm" | "md" | "markdown") {
        bail!("--out {}: write .html or .md", args.out.display());
    }
    let validation = match &args.data {
        Some(path) => {
            let columns = crate::scm_cmd::read_rows(path, &file.model, &args.data_args, par, true)?;
            let metrics = kausa_scm::fit_metrics(&file.model, &columns, 0);
            let test =
                crate::scm_cmd::ci_test(&file.model, &columns, par).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            let f =
                kausa_scm::falsify(&file.model, test.as_ref(), &kausa_scm::FalsifyParams { par, ..Default::default() })
                    .map_err(|e| anyhow!("{e}"))?;
            Some((metrics, f, kausa_scm::refute_mechanisms(&file.model, &columns)))
        }
        None => None,
    };
    let b = blocks(&file, &args, validation);
    let text = if matches!(ext.as_str(), "md" | "markdown") { markdown(&b) } else { html(&b) };
    std::fs::write(&args.out, text).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("Model card written to {}", args.out.display());
    Ok(())
}

/// Writes `blocks` as HTML or Markdown, chosen by the extension of `out`.
fn write_blocks(out: &std::path::Path, blocks: &[Block]) -> Result<()> {
    let ext = out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let text = match ext.as_str() {
        "md" | "markdown" => markdown(blocks),
        "html" | "htm" => html(blocks),
        _ => bail!("{}: write .html or .md", out.display()),
    };
    std::fs::write(out, text).with_context(|| format!("cannot write {}", out.display()))
}

/// The supply network as a picture: supplier sites on the left, the plants on
/// the right, a line per lane; sites and lanes the scenario's events hit in red.
/// One KPI across the variants: per variant a bar from P5 to P95, a tick at the median
/// and a dot at the mean, on a shared axis; the reference variant's mean as a dashed line.
fn kpi_chart_svg(title: &str, variants: &[serde_json::Value], kpi: &str, reference: &str) -> String {
    let f = |v: &serde_json::Value, field: &str| v["kpis"][kpi][field].as_f64().unwrap_or(f64::NAN);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in variants {
        for field in ["q05", "q95", "mean"] {
            let x = f(v, field);
            if x.is_finite() {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return String::new();
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = 0.05 * (hi - lo);
    let (lo, hi) = (lo - pad, hi + pad);
    let (left, width, row) = (150.0, 420.0, 22.0);
    let height = 40.0 + row * variants.len() as f64;
    let x = |v: f64| left + width * (v - lo) / (hi - lo);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{}\">",
        left + width + 20.0,
        esc(title)
    );
    let _ = write!(out, "<text x=\"4\" y=\"14\" font-size=\"12\" font-weight=\"bold\">{}</text>", esc(title));
    for (i, v) in variants.iter().enumerate() {
        let y = 30.0 + row * i as f64;
        let name = v["variant"].as_str().unwrap_or("");
        let _ = write!(out, "<text x=\"4\" y=\"{:.1}\" font-size=\"11\">{}</text>", y + 4.0, esc(name));
        let (a, b, m, mean) = (f(v, "q05"), f(v, "q95"), f(v, "q50"), f(v, "mean"));
        if a.is_finite() && b.is_finite() {
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\" fill=\"#90caf9\"/>",
                x(a),
                y - 5.0,
                (x(b) - x(a)).max(1.0)
            );
        }
        if m.is_finite() {
            let _ = write!(
                out,
                "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#0d47a1\" stroke-width=\"2\"/>",
                x(m),
                y - 6.0,
                y + 6.0
            );
        }
        if mean.is_finite() {
            let _ = write!(out, "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#c62828\"/>", x(mean));
        }
        if name == reference && mean.is_finite() {
            let _ = write!(
                out,
                "<line x1=\"{0:.1}\" y1=\"20\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#555\" stroke-dasharray=\"3,3\"/>",
                x(mean),
                height - 12.0
            );
        }
    }
    let _ = write!(
        out,
        "<text x=\"{left:.0}\" y=\"{:.1}\" font-size=\"10\">{lo:.2}</text><text x=\"{:.0}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{hi:.2}</text></svg>",
        height - 2.0,
        left + width,
        height - 2.0
    );
    out
}

fn network_svg(export: &kausa_supply::Export, hit: &[String]) -> String {
    let plants: Vec<&kausa_supply::Site> = export.sites.iter().filter(|s| s.site_type == "plant").collect();
    let suppliers: Vec<&kausa_supply::Site> = export.sites.iter().filter(|s| s.site_type == "supplier_site").collect();
    let (row, w, h) = (38.0, 190.0, 26.0);
    let height = 30.0 + row * suppliers.len().max(plants.len()).max(1) as f64;
    let width = 640.0;
    let y_of = |i: usize, n: usize| 20.0 + (height - 40.0) * (i as f64 + 0.5) / n.max(1) as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height:.0}\" viewBox=\"0 0 {width} {height:.0}\" role=\"img\" aria-label=\"supply network\">"
    );
    for lane in &export.lanes {
        let (Some(a), Some(b)) = (
            suppliers.iter().position(|s| s.site_id == lane.from_site_id),
            plants.iter().position(|s| s.site_id == lane.to_site_id),
        ) else {
            continue;
        };
        let country = &suppliers[a].country;
        let red = hit.iter().any(|c| {
            c == country
                || c == &lane.from_site_id
                || c == &lane.lane_id
                || lane.transit_countries.contains(c)
                || lane.via_port_ids.contains(c)
        });
        let colour = if red { "#c62828" } else { "#777" };
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"1.5\"/>",
            20.0 + w,
            y_of(a, suppliers.len()),
            width - 20.0 - w,
            y_of(b, plants.len())
        );
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"10\" fill=\"{colour}\">{} {}</text>",
            30.0 + w,
            y_of(a, suppliers.len()) - 4.0,
            esc(&lane.mode),
            esc(&lane.transit_countries.join("-"))
        );
    }
    for (i, s) in suppliers.iter().enumerate() {
        let red = hit.contains(&s.country);
        let _ = write!(
            out,
            "<rect x=\"20\" y=\"{:.1}\" width=\"{w}\" height=\"{h}\" rx=\"5\" fill=\"{}\" stroke=\"#555\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\">{} ({})</text>",
            y_of(i, suppliers.len()) - h / 2.0,
            if red { "#ffcdd2" } else { "#f3f3f3" },
            20.0 + w / 2.0,
            y_of(i, suppliers.len()) + 4.0,
            esc(&s.site_id),
            esc(&s.country)
        );
    }
    for (i, p) in plants.iter().enumerate() {
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w}\" height=\"{h}\" rx=\"5\" fill=\"#fff8e1\" stroke=\"#555\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\">{} ({})</text>",
            width - 20.0 - w,
            y_of(i, plants.len()) - h / 2.0,
            width - 20.0 - w / 2.0,
            y_of(i, plants.len()) + 4.0,
            esc(&p.site_id),
            esc(&p.country)
        );
    }
    out.push_str("</svg>");
    out
}

/// What a what-if report needs besides the results.
pub(crate) struct WhatifReport<'a> {
    pub(crate) out: &'a std::path::Path,
    pub(crate) export_dir: &'a std::path::Path,
    pub(crate) export: &'a kausa_supply::Export,
    pub(crate) scenario_path: &'a std::path::Path,
    pub(crate) scenario: &'a kausa_supply::sim::Scenario,
    pub(crate) variants: &'a [serde_json::Value],
    pub(crate) owner: Option<&'a str>,
    pub(crate) intended_use: Option<&'a str>,
}

/// A self-contained report of a what-if run.
pub(crate) fn whatif_report(r: &WhatifReport<'_>) -> Result<()> {
    let sc = r.scenario;
    let not_stated = |flag: &str| format!("not stated (give it with --{flag})");
    let mut b = vec![
        Block::Heading(format!("What-if report: {}", sc.id)),
        Block::Para(format!(
            "A simulation of the supply network in {} from {} for {} days, {} Monte-Carlo runs per variant (seed {}), comparing {} variants with the reference \"no_events\" (no events, no actions) under common random numbers: every variant sees the same demand and the same lead-time noise for the same orders, so differences come from the events and decisions alone.",
            r.export_dir.display(), sc.start, sc.horizon_days, sc.runs, sc.seed, sc.variants.len()
        )),
        Block::Heading("Intended use and accountability".into()),
        Block::List(vec![
            format!("Intended use: {}", r.intended_use.map_or_else(|| not_stated("intended-use"), String::from)),
            format!("Accountable: {}", r.owner.map_or_else(|| not_stated("owner"), String::from)),
            "Human oversight: these are simulated estimates under the assumptions below; decisions remain with the accountable people.".into(),
        ]),
        Block::Heading("Data provenance".into()),
    ];
    let mut files = Vec::new();
    for t in &r.export.present {
        let path = r.export_dir.join(format!("{t}.csv"));
        let hash = kausa_io::file_blake3(&path).unwrap_or_else(|_| "unreadable".into());
        files.push(vec![format!("{t}.csv"), hash]);
    }
    files.push(vec![r.scenario_path.display().to_string(), kausa_io::file_blake3(r.scenario_path).unwrap_or_default()]);
    let dates: Vec<kausa_supply::Date> = r
        .export
        .purchase_orders
        .iter()
        .map(|p| p.order_date)
        .chain(r.export.sales_orders.iter().map(|s| s.order_date))
        .collect();
    let period = match (dates.iter().min(), dates.iter().max()) {
        (Some(a), Some(z)) => format!("{a} to {z}"),
        _ => "no history".into(),
    };
    b.push(Block::Para(format!(
        "History covers {period} (order dates). Export date {}, ERP {}; {} purchase-order lines, {} receipts, {} sales-order lines. Files and their BLAKE3 fingerprints:",
        r.export.export_date.map_or("not stated".into(), |d| d.to_string()),
        r.export.erp.clone().unwrap_or_else(|| "not stated".into()),
        r.export.purchase_orders.len(), r.export.receipts.len(), r.export.sales_orders.len()
    )));
    b.push(Block::Table(vec!["file".into(), "BLAKE3".into()], files));
    b.push(Block::Heading("Scenario".into()));
    // Countries and supplier sites the events hit (a site id never equals a country code).
    let hit: Vec<String> = sc
        .events
        .iter()
        .flat_map(|e| e.countries().iter().chain(e.sites()).chain(e.routes().0).chain(e.routes().1).cloned())
        .collect();
    let mut items: Vec<String> = sc
        .events
        .iter()
        .map(|e| {
            let what = match &e.effect {
                kausa_supply::sim::Effect::Outage { countries, sites, lanes, ports, ramp_days } => format!(
                    "outage in {}: supplier sites there ship nothing, goods on lanes touching those countries, or on the lanes and through the ports named, wait; back to full capacity over {ramp_days} days",
                    countries.iter().chain(sites).chain(lanes).chain(ports).cloned().collect::<Vec<_>>().join(", ")
                ),
                kausa_supply::sim::Effect::PriceShock { countries, sites, parts, factor } => format!(
                    "purchase prices times {factor} for orders placed meanwhile ({})",
                    if countries.is_empty() && sites.is_empty() && parts.is_empty() {
                        "every purchase".to_string()
                    } else {
                        countries.iter().chain(sites).chain(parts).cloned().collect::<Vec<_>>().join(", ")
                    }
                ),
                kausa_supply::sim::Effect::TransitDelay { countries, days } => {
                    format!("goods on lanes touching {} take {days} days longer", countries.join(", "))
                }
                kausa_supply::sim::Effect::PlantOutage { plants } => format!(
                    "{} makes nothing",
                    if plants.is_empty() { "every own plant".to_string() } else { plants.join(", ") }
                ),
                kausa_supply::sim::Effect::EnergyPrice { markets, factor, pass_through, hedged_share } => format!(
                    "electricity price times {factor} in {} ({}; suppliers {})",
                    if markets.is_empty() { "every market".to_string() } else { markets.join(", ") },
                    match hedged_share {
                        Some(h) => format!("{:.0}% of the plants' use hedged", 100.0 * h),
                        None => "the plants' contracts hedge their share".to_string(),
                    },
                    if *pass_through { "pass it on by their learned elasticities, a learned lag later" } else { "keep their prices" }
                ),
                kausa_supply::sim::Effect::Demand { parts, factor } => format!(
                    "demand for {} times {factor}",
                    if parts.is_empty() { "every finished part".to_string() } else { parts.join(", ") }
                ),
            };
            let chance = if e.probability < 1.0 { format!(" (in {:.0}% of runs)", 100.0 * e.probability) } else { String::new() };
            let length = match e.duration {
                Some(kausa_supply::sim::DurationDist::Uniform { min, max }) => {
                    format!("{min}–{max} days (uniform, drawn per run)")
                }
                Some(kausa_supply::sim::DurationDist::Triangular { min, mode, max }) => {
                    format!("{min}–{max} days, most likely {mode} (drawn per run)")
                }
                None => format!("{} days", e.duration_days),
            };
            format!("Event {}: from {} for {length}{chance}, {what}.", e.id, e.start)
        })
        .collect();
    for a in &sc.actions {
        items.push(match a {
            kausa_supply::sim::Action::SwitchSupplier { id, part, from, to, share, effective, .. } => {
                format!("Action {id}: move {:.0}% of {part} from {from} to {to} from {effective}.", share * 100.0)
            }
            kausa_supply::sim::Action::Expedite { id, sites, transit_factor, from, to, cost_per_order } => format!(
                "Action {id}: orders placed with {} from {from} to {to} travel in {:.0}% of the planned transit time, at {cost_per_order} per order.",
                sites.join(", "),
                transit_factor * 100.0
            ),
            kausa_supply::sim::Action::AddShift { id, hours, from, to, cost_per_hour, plant, work_centers, .. } => {
                let scope = match (plant, work_centers.is_empty()) {
                    (_, false) => work_centers.join(", "),
                    (Some(p), true) => format!("every work centre of {p}"),
                    (None, true) => "every work centre".to_string(),
                };
                format!("Action {id}: {hours} extra hours for {scope} on the chosen weekdays from {from} to {to}, at {cost_per_hour} per work-centre hour.")
            }
            kausa_supply::sim::Action::PreBuild { id, parts, extra_days, from, to } => format!(
                "Action {id}: build {} ahead, {extra_days} more days of demand in stock, from {from} to {to}.",
                if parts.is_empty() { "every finished part".to_string() } else { parts.join(", ") }
            ),
            kausa_supply::sim::Action::Allocate { id, customers, from, to } => format!(
                "Action {id}: from {from} to {to}, finished stock goes first to {}, in that order.",
                customers.join(", ")
            ),
            kausa_supply::sim::Action::HedgeEnergy { id, plants, share, premium_eur_per_mwh, from, to } => format!(
                "Action {id}: buy {:.0}% more of the electricity of {} ahead, at the baseline price plus {premium_eur_per_mwh} EUR/MWh, from {from} to {to}.",
                100.0 * share,
                if plants.is_empty() { "every plant".to_string() } else { plants.join(", ") }
            ),
            kausa_supply::sim::Action::SafetyStock { id, parts, extra_days, from, to } => format!(
                "Action {id}: hold {extra_days} more days of use of {} for orders placed from {from} to {to}.",
                if parts.is_empty() { "every purchased part".to_string() } else { parts.join(", ") }
            ),
            kausa_supply::sim::Action::MoveCapacity { id, parts, from, to, share, effective, transfer_days, one_off_cost, cost_per_unit } => {
                format!(
                    "Action {id}: make {:.0}% of {} at {to} instead of {from} from {effective} ({transfer_days} days in transfer), at {one_off_cost} once and {cost_per_unit} per unit.",
                    share * 100.0,
                    if parts.is_empty() { "the parts that can move".to_string() } else { parts.join(", ") }
                )
            }
        });
    }
    for (name, acts) in &sc.variants {
        items.push(format!("Variant {name}: {}", if acts.is_empty() { "no action".into() } else { acts.join(", ") }));
    }
    b.push(Block::List(items));
    b.push(Block::Para("The supply network (red: sites and lanes the events hit):".into()));
    b.push(Block::Svg(network_svg(r.export, &hit)));
    b.push(Block::Heading("Results".into()));
    b.push(Block::Para(format!(
        "Means, medians (P50) and 5% and 95% quantiles (P5, P95) over the runs; differences paired with \"{}\" run by run.",
        sc.compare_to
    )));
    b.push(Block::Para(format!(
        "The charts: per variant a bar from P5 to P95, a dark tick at the median, a red dot at the mean; the dashed line is the mean of \"{}\".",
        sc.compare_to
    )));
    for (k, title) in [
        ("margin", "Margin (revenue of lines shipped less standard cost and extra cost)"),
        ("revenue_at_risk", "Revenue at risk"),
        ("fill_rate", "Fill rate"),
        ("extra_cost", "Extra cost"),
        ("ttr_days", "Time to recover (days)"),
    ] {
        b.push(Block::Svg(kpi_chart_svg(title, r.variants, k, &sc.compare_to)));
    }
    let mut rows = Vec::new();
    for v in r.variants {
        for k in kausa_supply::sim::KPI_NAMES {
            let e = &v["kpis"][k];
            let f = |x: &serde_json::Value| x.as_f64().unwrap_or(f64::NAN);
            rows.push(vec![
                v["variant"].as_str().unwrap_or("").to_string(),
                k.replace('_', " "),
                format!("{:.2}; {:.2} [{:.2}, {:.2}]", f(&e["mean"]), f(&e["q50"]), f(&e["q05"]), f(&e["q95"])),
                format!("{:+.2} [{:+.2}, {:+.2}]", f(&e["diff"]["mean"]), f(&e["diff"]["q05"]), f(&e["diff"]["q95"])),
                format!("{:.0}%", 100.0 * f(&e["p_better"])),
            ]);
        }
    }
    b.push(Block::Table(
        vec![
            "variant".into(),
            "KPI".into(),
            "mean; P50 [P5, P95]".into(),
            format!("vs {} [5%, 95%]", sc.compare_to),
            "runs better".into(),
        ],
        rows,
    ));
    let mut why = Vec::new();
    for v in r.variants {
        for c in v["late_causes"].as_array().into_iter().flatten() {
            why.push(vec![
                v["variant"].as_str().unwrap_or("").to_string(),
                c["cause"].as_str().unwrap_or("").to_string(),
                format!("{:.0}%", 100.0 * c["share"].as_f64().unwrap_or(0.0)),
            ]);
        }
    }
    if !why.is_empty() {
        b.push(Block::Para("Why lines were late: what held each late line's product back when the line fell due (the bottleneck's capacity, or the purchased part that ran short, with its suppliers and the events that hit them), as a share of all late lines over the runs:".into()));
        b.push(Block::Table(vec!["variant".into(), "late lines waited for".into(), "share".into()], why));
    }
    b.push(Block::Heading("Assumptions".into()));
    b.push(Block::List(vec![
        "Lead times follow the log-normal learned per supplier site from the export's purchase orders and receipts; demand the weekly mean and spread learned per finished part from its sales orders.".into(),
        "Each finished part's first routing step is its bottleneck; semi-finished parts are made without delay from their components.".into(),
        "Purchasing follows a base-stock rule every Monday (use over the lead time plus a week, 30% safety), split by quota; the firm's own MRP may order differently.".into(),
        "Each run starts from the export's snapshot: stock from the last snapshot, open purchase-order lines arriving after a learned lead time (not before the day after the export date), open sales-order lines as the backlog.".into(),
        "The past mechanisms hold during the horizon, except where the scenario's events and actions change them.".into(),
    ]));
    b.push(Block::Heading("Known limits".into()));
    b.push(Block::List(vec![
        "Modelled: outages by country, site and lane, insolvencies, transit delays, plant outages, demand and price shocks, electricity price shocks (the plants' unhedged use, supplier pass-through a learned lag later), chained events; supplier switches, extra shifts (at a given or learned productivity), expediting, production moves between plants, pre-building, safety stock, customer priorities and energy hedges. Partial deliveries follow each site's learned behaviour, lead times grow with each supplier's load, demand follows its learned season and trend. Not yet: breakdowns, energy curtailment; semi-finished parts are made on demand (their stocks are not used).".into(),
        "Lateness is explained per finished part by its last shortage when a line fell due (a work centre's capacity, or one purchased part with its supplier sites, lanes and the events that hit them), not per order line through every level of the bill of materials.".into(),
        "Monte-Carlo error: the quantiles come from the runs; rerun with more runs or another seed to check their stability.".into(),
    ]));
    b.push(Block::Para(format!(
        "Generated by kausa {} without any network access; this document loads nothing from outside itself. The run is recorded in the audit log (`kausa audit list`) and can be replayed there.",
        env!("CARGO_PKG_VERSION")
    )));
    write_blocks(r.out, &b)
}
