//! Urgency: how soon someone should act on a mention, from 0 to 1.
//!
//! ```text
//! intent term  i = c · u(intent) + (1 − c) · 0.2     c = intent confidence, u from the taxonomy
//! negativity   n = max(0, −compound)                 VADER compound, so 0..1
//! reach        r = min(1, log10(1 + followers) / 6)   a million followers is full reach
//! urgency      = 1 − (1 − i) · (1 − 0.5·n) · (1 − 0.5·r)
//! ```
//!
//! A noisy-OR: each factor alone can raise urgency, none can lower it, and the result stays
//! in `0..=1`. A crisis (u = 0.95) is urgent whoever posts it; an angry complaint from an
//! account with 100k followers (i ≈ 0.6, n ≈ 0.8, r ≈ 0.83) scores about 0.87; a happy
//! thank-you from a small account stays near 0.1.

/// Urgency from the intent's taxonomy weight and confidence, VADER compound and followers.
pub fn urgency(intent_weight: f64, intent_confidence: f64, compound: f64, followers: u64) -> f64 {
    let c = intent_confidence.clamp(0.0, 1.0);
    let i = c * intent_weight.clamp(0.0, 1.0) + (1.0 - c) * 0.2;
    let n = (-compound).clamp(0.0, 1.0);
    let r = ((1.0 + followers as f64).log10() / 6.0).min(1.0);
    (1.0 - (1.0 - i) * (1.0 - 0.5 * n) * (1.0 - 0.5 * r)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::urgency;

    #[test]
    fn every_factor_raises_urgency() {
        let base = urgency(0.6, 0.9, 0.0, 0);
        assert!(urgency(0.95, 0.9, 0.0, 0) > base);
        assert!(urgency(0.6, 0.9, -0.8, 0) > base);
        assert!(urgency(0.6, 0.9, 0.0, 100_000) > base);
        assert!(
            urgency(0.6, 0.9, 0.8, 0) == base,
            "positive sentiment does not lower it"
        );
        let max = urgency(1.0, 1.0, -1.0, u64::MAX);
        assert!((0.0..=1.0).contains(&max));
        assert!(urgency(0.1, 1.0, 0.5, 10) < 0.2);
    }
}
