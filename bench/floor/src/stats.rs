//! Per-call latencies and their summary, in the JSON shape the PHP helper prints too.

use std::time::Duration;

use serde_json::{json, Value};

/// Latencies of one kind of call.
#[derive(Default)]
pub struct Samples {
    nanos: Vec<u64>,
    total: Duration,
}

impl Samples {
    pub fn push(&mut self, took: Duration) {
        self.nanos
            .push(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
        self.total += took;
    }

    pub fn len(&self) -> usize {
        self.nanos.len()
    }

    pub fn extend(&mut self, other: &Samples) {
        self.nanos.extend_from_slice(&other.nanos);
        self.total += other.total;
    }

    /// Nearest-rank percentile in milliseconds (0 when empty).
    fn percentile_ms(sorted: &[u64], p: f64) -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        // The smallest value with at least p % of the samples at or below it.
        let rank = (p / 100.0 * sorted.len() as f64).ceil().max(1.0) as usize;
        sorted[rank.min(sorted.len()) - 1] as f64 / 1e6
    }

    /// `{"calls", "seconds", "rate", "p50_ms", "p99_ms"}`; `seconds` is the wall time of the
    /// phase(s), so `rate` counts everything done between the calls too.
    pub fn summary(&self, wall: Duration) -> Value {
        let mut sorted = self.nanos.clone();
        sorted.sort_unstable();
        let seconds = wall.as_secs_f64();
        json!({
            "calls": sorted.len(),
            "seconds": seconds,
            "rate": if seconds > 0.0 { sorted.len() as f64 / seconds } else { 0.0 },
            "p50_ms": Self::percentile_ms(&sorted, 50.0),
            "p99_ms": Self::percentile_ms(&sorted, 99.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let sorted: Vec<u64> = (1..=100).map(|ms| ms * 1_000_000).collect();
        assert_eq!(Samples::percentile_ms(&sorted, 50.0), 50.0);
        assert_eq!(Samples::percentile_ms(&sorted, 99.0), 99.0);
        assert_eq!(Samples::percentile_ms(&sorted[..1], 99.0), 1.0);
        assert_eq!(Samples::percentile_ms(&[], 50.0), 0.0);
    }
}
