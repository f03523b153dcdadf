//! Spike detection over a dense series of bucket counts: a bucket is a spike when its count
//! exceeds its baseline by more than `k` standard deviations.
//!
//! The baseline is the mean and standard deviation of the previous `baseline_buckets` buckets
//! (trailing). For hourly series with at least [`SEASONAL_WEEKS`] weeks of history before a
//! bucket, it is instead the same hour of the week in those previous weeks, so that Monday
//! mornings are compared with Monday mornings. The deviation is floored at the square root of
//! the mean (the spread of a Poisson count) and at 1, so that a flat or quiet series does not
//! flag a single extra mention.

const HOUR: i64 = 3_600_000_000;
const WEEK: i64 = 7 * 24 * HOUR;

/// Weeks of history needed before the seasonal baseline replaces the trailing one.
pub const SEASONAL_WEEKS: usize = 4;

/// How spikes are found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeParams {
    /// Standard deviations above the baseline.
    pub threshold: f64,
    /// Trailing buckets that make the baseline.
    pub baseline_buckets: usize,
    /// Buckets after a spike during which no other is flagged.
    pub cooldown_buckets: usize,
}

/// One flagged bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detected {
    pub bucket_start: i64,
    pub count: i64,
    /// The baseline mean.
    pub baseline: f64,
    /// How many (floored) standard deviations above the baseline.
    pub standard_deviations: f64,
}

/// A series of consecutive buckets of one width, zeros included.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub start: i64,
    pub width: i64,
    pub counts: Vec<i64>,
}

impl Series {
    /// A dense series over `[start, until)` from sparse `(bucket_start, count)` points; points
    /// outside the range are ignored. A bucket cut by `until` is kept: it is the current day or
    /// week of a range that ends now, the one a person most wants checked.
    pub fn dense(start: i64, until: i64, width: i64, points: &[(i64, i64)]) -> Self {
        debug_assert!(width > 0, "bucket width must be positive");
        let buckets = (until - start + width - 1).div_euclid(width).max(0);
        let len = usize::try_from(buckets).unwrap_or(0);
        let mut counts = vec![0; len];
        for (bucket_start, count) in points {
            let offset = (bucket_start - start).div_euclid(width);
            if let Ok(index) = usize::try_from(offset)
                && let Some(slot) = counts.get_mut(index)
            {
                *slot += count;
            }
        }
        Self {
            start,
            width,
            counts,
        }
    }

    fn bucket_start(&self, index: usize) -> i64 {
        self.start + self.width * index as i64
    }
}

/// The spikes among the buckets starting at or after `from`; earlier buckets only serve as
/// history.
pub fn detect(series: &Series, params: &SpikeParams, from: i64) -> Vec<Detected> {
    let first_activity = series.counts.iter().position(|count| *count > 0);
    let seasonal_stride = (series.width == HOUR).then_some((WEEK / HOUR) as usize);
    let mut spikes = Vec::new();
    let mut quiet_until = 0;
    for (index, count) in series.counts.iter().copied().enumerate() {
        if series.bucket_start(index) < from || index < quiet_until {
            continue;
        }
        let seasonal = seasonal_stride.and_then(|stride| {
            let history = index.checked_sub(first_activity?)?;
            (history >= stride * SEASONAL_WEEKS).then(|| {
                (1..=SEASONAL_WEEKS)
                    .map(|weeks| series.counts[index - weeks * stride])
                    .collect::<Vec<_>>()
            })
        });
        let baseline = match seasonal {
            Some(same_hours) => same_hours,
            None => {
                let start = index.saturating_sub(params.baseline_buckets);
                series.counts[start..index].to_vec()
            }
        };
        if baseline.is_empty() {
            continue;
        }
        let (mean, deviation) = mean_and_deviation(&baseline);
        let floored = deviation.max(mean.sqrt()).max(1.0);
        let standard_deviations = (count as f64 - mean) / floored;
        if standard_deviations > params.threshold {
            spikes.push(Detected {
                bucket_start: series.bucket_start(index),
                count,
                baseline: mean,
                standard_deviations,
            });
            quiet_until = index + 1 + params.cooldown_buckets;
        }
    }
    spikes
}

fn mean_and_deviation(values: &[i64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|v| *v as f64).sum::<f64>() / n;
    let variance = values
        .iter()
        .map(|v| (*v as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, variance.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: SpikeParams = SpikeParams {
        threshold: 3.0,
        baseline_buckets: 24,
        cooldown_buckets: 2,
    };

    /// A noisy but steady hourly series: 20, 22, 18, 21, 19, … repeating.
    fn steady(hours: usize) -> Vec<i64> {
        (0..hours).map(|h| [20, 22, 18, 21, 19][h % 5]).collect()
    }

    fn hourly(counts: Vec<i64>) -> Series {
        Series {
            start: 0,
            width: HOUR,
            counts,
        }
    }

    #[test]
    fn finds_a_planted_spike() {
        let mut counts = steady(72);
        counts[50] = 80;
        let spikes = detect(&hourly(counts), &PARAMS, 0);
        assert_eq!(spikes.len(), 1, "{spikes:?}");
        assert_eq!(spikes[0].bucket_start, 50 * HOUR);
        assert_eq!(spikes[0].count, 80);
        assert!((spikes[0].baseline - 20.0).abs() < 0.5);
        assert!(spikes[0].standard_deviations > 10.0);
    }

    #[test]
    fn a_flat_or_steady_series_has_none() {
        assert!(detect(&hourly(vec![7; 200]), &PARAMS, 0).is_empty());
        assert!(detect(&hourly(steady(200)), &PARAMS, 0).is_empty());
        assert!(detect(&hourly(vec![0; 50]), &PARAMS, 0).is_empty());
    }

    #[test]
    fn one_extra_mention_on_a_quiet_series_is_not_a_spike() {
        let mut counts = vec![0; 48];
        counts[40] = 2;
        assert!(detect(&hourly(counts), &PARAMS, 0).is_empty());
    }

    #[test]
    fn cooldown_suppresses_the_buckets_right_after() {
        let mut counts = steady(72);
        counts[50] = 80;
        counts[51] = 80;
        counts[60] = 90;
        let spikes: Vec<i64> = detect(&hourly(counts), &PARAMS, 0)
            .iter()
            .map(|s| s.bucket_start / HOUR)
            .collect();
        assert_eq!(spikes, [50, 60]);
    }

    #[test]
    fn only_buckets_from_the_start_are_reported() {
        let mut counts = steady(72);
        counts[30] = 80;
        counts[60] = 80;
        let spikes = detect(&hourly(counts), &PARAMS, 40 * HOUR);
        assert_eq!(spikes.len(), 1);
        assert_eq!(spikes[0].bucket_start, 60 * HOUR);
    }

    #[test]
    fn seasonal_baseline_expects_the_weekly_peak() {
        // Every Monday 09:00 is busy; with five weeks of history that is normal, while the
        // trailing baseline alone would flag it.
        let hours = 5 * 168 + 24;
        let mut counts = vec![10; hours];
        for week in 0..6 {
            if let Some(slot) = counts.get_mut(week * 168 + 9) {
                *slot = 60;
            }
        }
        let from = (4 * 168) as i64 * HOUR;
        assert!(detect(&hourly(counts.clone()), &PARAMS, from).is_empty());
        // A peak at an hour that is quiet every other week is still a spike.
        counts[5 * 168 + 15] = 60;
        let spikes = detect(&hourly(counts), &PARAMS, from);
        assert_eq!(spikes.len(), 1);
        assert_eq!(spikes[0].bucket_start, (5 * 168 + 15) as i64 * HOUR);
    }

    #[test]
    fn dense_fills_gaps_with_zeros() {
        let series = Series::dense(
            0,
            4 * HOUR,
            HOUR,
            &[(HOUR, 3), (3 * HOUR, 5), (9 * HOUR, 1)],
        );
        assert_eq!(series.counts, [0, 3, 0, 5]);
        let cut = Series::dense(0, 3 * HOUR + 1, HOUR, &[(3 * HOUR, 2)]);
        assert_eq!(
            cut.counts,
            [0, 0, 0, 2],
            "the bucket cut by the end is kept"
        );
    }
}
