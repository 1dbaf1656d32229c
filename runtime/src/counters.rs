//! Counters and histograms through the `metrics` facade, with the `metrics` feature;
//! nothing without it. Install any recorder (`metrics-exporter-prometheus`, say) to
//! collect them.
//!
//! - `lago_webhooks_deliveries_total{outcome}`: deliveries answered by a receiver, by
//!   [`Outcome::name`] (`handled`, `stored`, `already_stored`, `unavailable`, ...);
//! - `lago_webhooks_inbox_attempts_total{outcome}`: attempts made by inbox workers:
//!   `succeeded`, `failed`, `panicked`, `timed_out`, `unreadable` (the body does not
//!   parse or validate), `cut_short` (buried past the last attempt, those before cut
//!   short by crashes), `lease_lost`, `released` (given back at shutdown) and `unrecorded`
//!   (the store failed to record the outcome);
//! - `lago_webhooks_inbox_retries_total` and `lago_webhooks_inbox_dead_total`: deliveries
//!   scheduled for another attempt, and moved to the dead letter;
//! - `lago_webhooks_inbox_store_errors_total{operation}`: inbox operations the store
//!   failed (`take`, `complete`, `retry`, `bury`, `release`; a failed lease renewal is
//!   logged);
//! - `lago_webhooks_inbox_attempt_seconds`: how long each attempt took;
//! - `lago_webhooks_inbox_latency_seconds`: from receipt to the successful attempt.

use std::time::{Duration, SystemTime};

use crate::receiver::Outcome;

/// A receiver answered a delivery.
pub(crate) fn received(outcome: &Outcome) {
    #[cfg(feature = "metrics")]
    metrics::counter!("lago_webhooks_deliveries_total", "outcome" => outcome.name()).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = outcome;
}

/// A worker's attempt ended with `outcome` after `took`.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn attempted(outcome: &'static str, took: Duration) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("lago_webhooks_inbox_attempts_total", "outcome" => outcome).increment(1);
        metrics::histogram!("lago_webhooks_inbox_attempt_seconds").record(took.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (outcome, took);
}

/// A delivery received at `received_at` was handled.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn handled(received_at: SystemTime) {
    #[cfg(feature = "metrics")]
    if let Ok(latency) = received_at.elapsed() {
        metrics::histogram!("lago_webhooks_inbox_latency_seconds").record(latency.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = received_at;
}

/// A delivery was scheduled for another attempt.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn retried() {
    #[cfg(feature = "metrics")]
    metrics::counter!("lago_webhooks_inbox_retries_total").increment(1);
}

/// A delivery went to the dead letter.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn buried() {
    #[cfg(feature = "metrics")]
    metrics::counter!("lago_webhooks_inbox_dead_total").increment(1);
}

/// The store failed an inbox `operation`.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn store_error(operation: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("lago_webhooks_inbox_store_errors_total", "operation" => operation).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = operation;
}
