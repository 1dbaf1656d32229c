//! Running a handler on one delivery, for the receiver and for inbox workers alike: a
//! panic caught, a deadline, and a lease kept alive while it runs.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
#[cfg(feature = "tokio")]
use std::time::Duration;

use crate::{HandlerError, HandlerResult};

/// How a handler's run ended.
pub(crate) enum Ended {
    /// It returned `Ok`.
    Succeeded,
    /// It returned this error.
    Failed(HandlerError),
    /// It panicked (the panic hook printed the message as usual).
    Panicked,
    /// It ran past its deadline and was stopped.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    TimedOut,
}

/// Runs `handling` to its end, catching a panic, and stopping it after `deadline` when
/// one is given (which needs a tokio timer; without the `tokio` feature there is none).
pub(crate) async fn run<F: Future<Output = HandlerResult>>(
    handling: F,
    #[cfg(feature = "tokio")] deadline: Option<Duration>,
) -> Ended {
    let handling = CatchUnwind(std::pin::pin!(handling));
    #[cfg(feature = "tokio")]
    let result = match deadline {
        Some(deadline) => match tokio::time::timeout(deadline, handling).await {
            Ok(result) => result,
            Err(_) => return Ended::TimedOut,
        },
        None => handling.await,
    };
    #[cfg(not(feature = "tokio"))]
    let result = handling.await;
    match result {
        Ok(Ok(())) => Ended::Succeeded,
        Ok(Err(err)) => Ended::Failed(err),
        Err(()) => Ended::Panicked,
    }
}

/// Drives `work` to its end while calling `renew` every `every`: a claim or lease is kept
/// for as long as the work runs, and lapses soon after its process dies. A renewal that
/// fails is reported to `lost` and tried again at the next tick: the store may be back.
#[cfg(feature = "tokio")]
pub(crate) async fn renewing<F, R, Fut, Er>(
    work: F,
    every: Duration,
    mut renew: R,
    mut lost: impl FnMut(String),
) -> F::Output
where
    F: Future,
    R: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, Er>>,
    Er: std::fmt::Display,
{
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            output = &mut work => return output,
            _ = ticks.tick() => {
                // The work goes on while the renewal runs; a renewal still unanswered at the
                // next tick is given up for a new one, so that one slow answer does not
                // hold the next renewals back past the lease.
                let renewal = tokio::time::timeout(every, renew());
                let renewed = tokio::select! {
                    biased;
                    output = &mut work => return output,
                    renewed = renewal => renewed,
                };
                match renewed {
                    Ok(Ok(true)) => {}
                    Ok(Ok(false)) => lost("another attempt holds it now".to_owned()),
                    Ok(Err(err)) => lost(err.to_string()),
                    Err(_) => lost(format!("the store did not answer within {every:?}")),
                }
            }
        }
    }
}

/// Turns a panic while polling the handler's future into `Err(())`, so that the delivery
/// is answered 500 or retried (the panic message is printed by the panic hook as usual).
struct CatchUnwind<'a, F>(Pin<&'a mut F>);

impl<F: Future> Future for CatchUnwind<'_, F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The future is dropped unpolled after a panic, so no broken state is observed.
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}
