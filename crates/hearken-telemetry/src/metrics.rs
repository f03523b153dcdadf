//! Prometheus metrics: counters, gauges and histograms kept in one process-wide registry and
//! rendered in the text exposition format for `/metrics`.
//!
//! A mutex-guarded map is enough: the hottest caller records once per gRPC call or batch, far
//! below the rates where lock contention would show.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};

/// Upper bounds, in seconds, of the latency histograms' buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Debug)]
enum Value {
    Counter(f64),
    Gauge(f64),
    Histogram {
        counts: [u64; BUCKETS.len()],
        sum: f64,
        count: u64,
    },
}

#[derive(Debug)]
struct Family {
    help: &'static str,
    /// Rendered label set (`{a="b"}`) to value.
    series: BTreeMap<String, Value>,
}

static REGISTRY: Mutex<BTreeMap<&'static str, Family>> = Mutex::new(BTreeMap::new());

/// Applies `change` to the series `name{labels}`, created as `zero` on first use.
fn update(
    name: &'static str,
    help: &'static str,
    labels: &[(&str, &str)],
    zero: Value,
    change: impl FnOnce(&mut Value),
) {
    let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    let family = registry.entry(name).or_insert_with(|| Family {
        help,
        series: BTreeMap::new(),
    });
    change(family.series.entry(label_set(labels)).or_insert(zero));
}

/// Adds `by` to a counter.
pub fn count(name: &'static str, help: &'static str, labels: &[(&str, &str)], by: u64) {
    update(name, help, labels, Value::Counter(0.0), |value| {
        if let Value::Counter(total) = value {
            *total += by as f64;
        }
    });
}

/// Sets a gauge.
pub fn gauge(name: &'static str, help: &'static str, labels: &[(&str, &str)], to: f64) {
    update(name, help, labels, Value::Gauge(0.0), |value| {
        if let Value::Gauge(current) = value {
            *current = to;
        }
    });
}

/// Records one observation, in seconds, in a latency histogram.
pub fn observe(name: &'static str, help: &'static str, labels: &[(&str, &str)], seconds: f64) {
    let zero = Value::Histogram {
        counts: [0; BUCKETS.len()],
        sum: 0.0,
        count: 0,
    };
    update(name, help, labels, zero, |value| {
        if let Value::Histogram { counts, sum, count } = value {
            for (bucket, bound) in counts.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
            *sum += seconds;
            *count += 1;
        }
    });
}

/// Every metric in the Prometheus text format.
pub fn render() -> String {
    let registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = String::new();
    for (name, family) in registry.iter() {
        let kind = match family.series.values().next() {
            Some(Value::Counter(_)) => "counter",
            Some(Value::Gauge(_)) => "gauge",
            Some(Value::Histogram { .. }) => "histogram",
            None => continue,
        };
        let _ = writeln!(out, "# HELP {name} {}\n# TYPE {name} {kind}", family.help);
        for (labels, value) in &family.series {
            match value {
                Value::Counter(v) | Value::Gauge(v) => {
                    let _ = writeln!(out, "{name}{labels} {v}");
                }
                Value::Histogram { counts, sum, count } => {
                    for (bound, n) in BUCKETS.iter().zip(counts) {
                        let _ = writeln!(
                            out,
                            "{name}_bucket{} {n}",
                            with_le(labels, &bound.to_string())
                        );
                    }
                    let _ = writeln!(out, "{name}_bucket{} {count}", with_le(labels, "+Inf"));
                    let _ = writeln!(
                        out,
                        "{name}_sum{labels} {sum}\n{name}_count{labels} {count}"
                    );
                }
            }
        }
    }
    out
}

fn label_set(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

fn with_le(labels: &str, le: &str) -> String {
    match labels.strip_suffix('}') {
        Some(open) => format!("{open},le=\"{le}\"}}"),
        None => format!("{{le=\"{le}\"}}"),
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_histograms() {
        count("test_calls_total", "Calls.", &[("method", "/a\"b")], 2);
        count("test_calls_total", "Calls.", &[("method", "/a\"b")], 3);
        gauge("test_depth", "Depth.", &[], 7.0);
        gauge("test_depth", "Depth.", &[], 4.0);
        observe("test_seconds", "Latency.", &[("m", "x")], 0.003);
        observe("test_seconds", "Latency.", &[("m", "x")], 2.0);
        let text = render();
        assert!(text.contains("# TYPE test_calls_total counter\n"), "{text}");
        assert!(
            text.contains("test_calls_total{method=\"/a\\\"b\"} 5\n"),
            "{text}"
        );
        assert!(text.contains("test_depth 4\n"), "{text}");
        assert!(
            text.contains("test_seconds_bucket{m=\"x\",le=\"0.0025\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("test_seconds_bucket{m=\"x\",le=\"0.005\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("test_seconds_bucket{m=\"x\",le=\"+Inf\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("test_seconds_count{m=\"x\"} 2\n"), "{text}");
    }
}
