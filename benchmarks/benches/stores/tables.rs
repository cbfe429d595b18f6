//! The tables of `BENCHMARKS.md`, printed at the end of a run from criterion's
//! estimates of the benchmarks that ran.

use std::path::PathBuf;

use narvik_benchmarks::{Server, IN_FLIGHT};
use serde::Deserialize;

use super::{group_name, Contender, Mode, Op, Ran};

/// Criterion's estimate, in nanoseconds per operation, of a benchmark of this run.
fn estimate(ran: &Ran, server: Server, mode: Mode, op: Op, contender: Contender) -> Option<f64> {
    #[derive(Deserialize)]
    struct Estimates {
        mean: Estimate,
        slope: Option<Estimate>,
    }
    #[derive(Deserialize)]
    struct Estimate {
        point_estimate: f64,
    }
    if !ran.contains((server, mode, op, contender)) {
        return None;
    }
    // Where criterion writes, found as criterion finds it.
    let home = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|dir| PathBuf::from(dir).join("criterion"))
        })
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"));
    let group = group_name(server, mode, op).replace('/', "_");
    let path = home
        .join(group)
        .join(contender.name())
        .join("new/estimates.json");
    let estimates: Estimates = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    Some(estimates.slope.unwrap_or(estimates.mean).point_estimate)
}

/// The tables of `BENCHMARKS.md`, from criterion's estimates of this run.
pub(crate) fn print_tables(ran: &Ran) {
    let servers: Vec<Server> = Server::ALL
        .into_iter()
        .filter(|&server| {
            Mode::ALL.into_iter().any(|mode| {
                Op::ALL
                    .into_iter()
                    .any(|op| ran.contains((server, mode, op, Contender::Narvik)))
            })
        })
        .collect();
    if servers.is_empty() {
        return;
    }
    for mode in Mode::ALL {
        print_table(ran, &servers, mode);
    }
}

/// The table of `mode`: sequential, the time per operation in µs; in flight, the
/// throughput in thousand operations per second. The last column divides
/// tower-sessions' figure by narvik's when lower is better, the other way round
/// when higher is.
fn print_table(ran: &Ran, servers: &[Server], mode: Mode) {
    let (heading, last_column, figure): (String, &str, fn(f64) -> f64) = match mode {
        Mode::Sequential => (
            "Sequential: time per operation, µs (lower is better)".to_owned(),
            "tower-sessions ÷ narvik",
            |nanos| nanos,
        ),
        Mode::InFlight => (
            format!("{IN_FLIGHT} in flight: thousand operations per second (higher is better)"),
            "narvik ÷ tower-sessions",
            |nanos| 1e9 / nanos,
        ),
    };
    println!("\n{heading}\n");
    println!(
        "| server | operation | narvik | tower-sessions | floor | narvik ÷ floor | {last_column} |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    // Microseconds from nanoseconds, thousands from operations per second.
    let thousandths = |figure: Option<f64>| {
        figure.map_or("-".to_owned(), |figure| format!("{:.1}", figure / 1e3))
    };
    for &server in servers {
        for op in Op::ALL {
            let [narvik, tower, floor] = [Contender::Narvik, Contender::Tower, Contender::Floor]
                .map(|contender| estimate(ran, server, mode, op, contender).map(figure));
            if narvik.is_none() && tower.is_none() {
                continue;
            }
            let against_tower = match mode {
                Mode::Sequential => ratio(tower, narvik),
                Mode::InFlight => ratio(narvik, tower),
            };
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                server.name(),
                op.name(),
                thousandths(narvik),
                thousandths(tower),
                thousandths(floor),
                ratio(narvik, floor),
                against_tower,
            );
        }
    }
}

/// `numerator ÷ denominator` as `1.23x`; `-` when either is missing.
fn ratio(numerator: Option<f64>, denominator: Option<f64>) -> String {
    match (numerator, denominator) {
        (Some(numerator), Some(denominator)) => format!("{:.2}x", numerator / denominator),
        _ => "-".to_owned(),
    }
}
