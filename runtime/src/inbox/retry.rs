//! When a failed attempt is tried again, and when a delivery is given up on.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// How a worker retries a delivery whose attempt failed, panicked or timed out:
/// exponential backoff with jitter, then the dead letter.
///
/// The defaults: 12 attempts; the first retry 10 s after the first failure, each wait
/// twice the one before, at most 1 h, each shortened by up to 20% at random so that
/// deliveries that failed together do not come back together. The 11 waits add up to
/// about 3.4 hours: a handler whose database is down for a few hours loses nothing.
///
/// ```
/// use std::time::Duration;
/// use lago_webhooks::inbox::RetryPolicy;
///
/// let policy = RetryPolicy::default().with_max_attempts(3).with_jitter(0.0);
/// assert_eq!(policy.delay(1), Some(Duration::from_secs(10)));
/// assert_eq!(policy.delay(2), Some(Duration::from_secs(20)));
/// assert_eq!(policy.delay(3), None, "the third attempt was the last");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many attempts a delivery gets before the dead letter (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failed attempt.
    pub first_delay: Duration,
    /// What each wait is multiplied by (at least 1).
    pub multiplier: f64,
    /// The longest wait.
    pub max_delay: Duration,
    /// Up to this fraction of each wait is taken off at random (0 to 1).
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 12,
            first_delay: Duration::from_secs(10),
            multiplier: 2.0,
            max_delay: Duration::from_secs(3600),
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// Gives each delivery `attempts` attempts (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Waits `first` after the first failure, `multiplier` times longer after each
    /// next (at least 1), at most `max`.
    pub fn with_backoff(mut self, first: Duration, multiplier: f64, max: Duration) -> Self {
        self.first_delay = first;
        self.multiplier = if multiplier.is_finite() { multiplier.max(1.0) } else { 1.0 };
        self.max_delay = max;
        self
    }

    /// Takes up to `fraction` (0 to 1) of each wait off at random.
    pub fn with_jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_finite() { fraction.clamp(0.0, 1.0) } else { 0.0 };
        self
    }

    /// The wait before the next attempt after the `attempt`-th failed, or `None` when it
    /// was the last (the delivery goes to the dead letter).
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let nominal = self.nominal_delay(attempt);
        // The fields are public: a jitter that is not a number takes nothing off.
        let jitter = if self.jitter.is_finite() { self.jitter.clamp(0.0, 1.0) } else { 0.0 };
        Some(nominal.mul_f64(1.0 - jitter * random_fraction()))
    }

    /// The wait after the `attempt`-th failure, before jitter.
    pub fn nominal_delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let multiplier = if self.multiplier.is_finite() { self.multiplier.max(1.0) } else { 1.0 };
        let factor = multiplier.powi(exponent);
        let seconds = self.first_delay.as_secs_f64() * factor;
        if seconds.is_finite() && seconds < self.max_delay.as_secs_f64() {
            Duration::from_secs_f64(seconds)
        } else {
            self.max_delay
        }
    }
}

/// A number in [0, 1) from the process's random hashing keys: jitter needs no better.
fn random_fraction() -> f64 {
    (RandomState::new().hash_one(0u8) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_longest_and_end_at_the_last_attempt() {
        let policy = RetryPolicy::default().with_jitter(0.0);
        let waits: Vec<u64> =
            (1..=12).filter_map(|attempt| policy.delay(attempt)).map(|d| d.as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(waits.iter().sum::<u64>(), 12_310);
        assert_eq!(policy.delay(12), None);
        assert_eq!(policy.nominal_delay(u32::MAX), Duration::from_secs(3600), "no overflow");
    }

    #[test]
    fn jitter_only_shortens_and_varies() {
        let policy = RetryPolicy::default();
        let waits: Vec<Duration> = (0..200).map(|_| policy.delay(1).unwrap()).collect();
        assert!(waits.iter().all(|d| *d <= Duration::from_secs(10) && *d >= Duration::from_secs(8)));
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 100, "{} distinct waits", distinct.len());
    }

    #[test]
    fn fields_set_by_hand_to_what_is_not_a_number_do_not_panic() {
        let mut policy =
            RetryPolicy { jitter: f64::NAN, multiplier: f64::INFINITY, ..RetryPolicy::default() };
        assert_eq!(policy.delay(3), Some(Duration::from_secs(10)), "no jitter, no growth");
        policy.jitter = -3.0;
        policy.multiplier = 2.0;
        assert_eq!(policy.delay(2), Some(Duration::from_secs(20)));
    }

    #[test]
    fn settings_are_kept_within_their_bounds() {
        let policy = RetryPolicy::default()
            .with_max_attempts(0)
            .with_backoff(Duration::from_millis(5), f64::NAN, Duration::from_secs(1))
            .with_jitter(7.0);
        assert_eq!(policy.max_attempts, 1);
        assert_eq!(policy.multiplier, 1.0);
        assert_eq!(policy.jitter, 1.0);
        assert_eq!(policy.delay(1), None, "one attempt: no retry");
    }
}
