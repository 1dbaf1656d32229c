//! Stopping gracefully: one signal shared by the server and inbox workers, triggered by
//! SIGTERM or SIGINT (what `docker stop`, Kubernetes and Ctrl-C send) or by your code.
//!
//! ```no_run
//! # async fn run() {
//! use lago_webhooks::shutdown::Shutdown;
//!
//! let shutdown = Shutdown::on_signals();
//! let (server, workers) = (shutdown.clone(), shutdown.clone());
//! // serve_until(listener, router, limits, server.signalled()) and
//! // worker.run_until(workers.signalled()) both stop when SIGTERM or SIGINT comes.
//! # let _ = (server, workers);
//! shutdown.signalled().await;
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;

/// A shutdown signal: cheap to clone, each clone seeing the same trigger.
#[derive(Debug, Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A signal that only [`Shutdown::trigger`] triggers.
    pub fn new() -> Self {
        Shutdown { sender: Arc::new(watch::Sender::new(false)) }
    }

    /// A signal triggered by the first SIGTERM or SIGINT this process receives (on other
    /// systems than Unix, by Ctrl-C), or by [`Shutdown::trigger`]. Call it inside a tokio
    /// runtime: it spawns the task that waits for the signals.
    pub fn on_signals() -> Self {
        let shutdown = Shutdown::new();
        let trigger = shutdown.clone();
        tokio::spawn(async move {
            terminated().await;
            trigger.trigger();
        });
        shutdown
    }

    /// Triggers the shutdown: every [`Shutdown::signalled`] future completes.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// Whether the shutdown was triggered.
    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes once the shutdown is triggered (at once if it was).
    pub fn signalled(&self) -> impl Future<Output = ()> + Send + 'static {
        let sender = Arc::clone(&self.sender);
        let mut receiver = sender.subscribe();
        async move {
            // Holding the sender, the channel stays open while this future waits: it ends
            // only on the trigger.
            let _sender = sender;
            let _ = receiver.wait_for(|triggered| *triggered).await;
        }
    }
}

/// Completes at the first SIGTERM or SIGINT (Ctrl-C elsewhere than on Unix). A signal
/// that cannot be listened to is waited for no longer than the other.
pub async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            (Ok(mut one), Err(_)) | (Err(_), Ok(mut one)) => {
                one.recv().await;
            }
            (Err(_), Err(_)) => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
