//! Resolves profile locations read from standard input, one per line, optionally followed by
//! a tab and a time zone; prints one tab-separated answer per line, then the start-up time and
//! throughput on standard error, each as wall time and as the thread's own CPU time (which a
//! busy machine hardly changes). Used for the figures in BENCHMARKS.md (bench/locate/run.sh):
//! `cargo run --release -p hearken-geo --example resolve_lines < locations.txt`.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use hearken_geo::{Gazetteer, LocationInput};

fn main() -> std::io::Result<()> {
    let lines: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
    let (started, cpu) = (Instant::now(), thread_cpu());
    let gazetteer = Gazetteer::load();
    let (load, load_cpu) = (started.elapsed(), thread_cpu() - cpu);
    let inputs: Vec<(&str, Option<&str>)> = lines
        .iter()
        .map(|l| match l.split_once('\t') {
            Some((loc, tz)) => (loc, Some(tz).filter(|t| !t.is_empty())),
            None => (l.as_str(), None),
        })
        .collect();
    let (started, cpu) = (Instant::now(), thread_cpu());
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
    let (elapsed, elapsed_cpu) = (started.elapsed(), thread_cpu() - cpu);
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
        "start-up {:.1} ms (CPU {:.1} ms); {} locations in {:.1} ms (CPU {:.1} ms): {:.0} per second, {:.0} per CPU second",
        load.as_secs_f64() * 1e3,
        load_cpu.as_secs_f64() * 1e3,
        inputs.len(),
        elapsed.as_secs_f64() * 1e3,
        elapsed_cpu.as_secs_f64() * 1e3,
        inputs.len() as f64 / elapsed.as_secs_f64(),
        inputs.len() as f64 / elapsed_cpu.as_secs_f64()
    );
    Ok(())
}

/// Time this thread has spent on a CPU, from Linux's scheduler statistics (nanoseconds, the
/// first field of /proc/thread-self/schedstat); zero where that file does not exist.
fn thread_cpu() -> Duration {
    let nanos = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}
