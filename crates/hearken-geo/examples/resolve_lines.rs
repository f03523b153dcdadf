//! Resolves profile locations read from standard input, one per line, optionally followed by
//! a tab and a time zone; prints one tab-separated answer per line, then the start-up time and
//! throughput on standard error. Used for the throughput figure in the crate's report:
//! `cargo run --release -p hearken-geo --example resolve_lines < locations.txt`.

use std::io::{BufRead, Write};
use std::time::Instant;

use hearken_geo::{Gazetteer, LocationInput};

fn main() -> std::io::Result<()> {
    let lines: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
    let started = Instant::now();
    let gazetteer = Gazetteer::load();
    let load = started.elapsed();
    let inputs: Vec<(&str, Option<&str>)> = lines
        .iter()
        .map(|l| match l.split_once('\t') {
            Some((loc, tz)) => (loc, Some(tz).filter(|t| !t.is_empty())),
            None => (l.as_str(), None),
        })
        .collect();
    let started = Instant::now();
    let answers: Vec<_> = inputs
        .iter()
        .map(|&(loc, tz)| {
            gazetteer.resolve(&LocationInput {
                profile_location: Some(loc),
                time_zone: tz,
                ..LocationInput::default()
            })
        })
        .collect();
    let elapsed = started.elapsed();
    let mut out = std::io::stdout().lock();
    for ((loc, tz), a) in inputs.iter().zip(&answers) {
        writeln!(
            out,
            "{loc}\t{}\t{}\t{}\t{}\t{:?}\t{:.2}",
            tz.unwrap_or(""),
            a.country_code,
            a.region_code,
            a.city,
            a.evidence,
            a.confidence
        )?;
    }
    eprintln!(
        "start-up {:.1} ms; {} locations in {:.1} ms: {:.0} per second",
        load.as_secs_f64() * 1e3,
        inputs.len(),
        elapsed.as_secs_f64() * 1e3,
        inputs.len() as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
