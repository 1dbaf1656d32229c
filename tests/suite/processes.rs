//! Receivers and workers in processes of their own, to be killed as a deploy or a crash
//! kills them. A child is this test binary run again with one ignored test, `child`,
//! which reads its role and settings from the environment: no other binary to build.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use lago_webhooks::dedup::{PostgresDeduplicator, RedisDeduplicator};
use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::{Limits, serve};
use lago_webhooks::verify::Verifier;
use lago_webhooks::{AsyncWebhookHandler, Delivery, HandlerResult, WebhookEvent};

/// The HMAC key every child verifies with.
pub const HMAC_KEY: &str = "5d1e9c47-child-process-key";

/// What the parent tells a child.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The port to serve on; 0 for any.
    pub port: u16,
    /// `redis://...` or `postgres://...`: the deduplicator of a receiver.
    pub dedup_url: Option<String>,
    /// The Redis prefix or PostgreSQL table of the deduplicator.
    pub dedup_name: Option<String>,
    /// The file the handler appends each unique key it handled to, one per line.
    pub record: Option<PathBuf>,
    /// How long the handler works before recording.
    pub handler_delay: Duration,
}

impl Settings {
    fn environment(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("LAGO_TEST_PORT", self.port.to_string()),
            ("LAGO_TEST_HANDLER_MS", self.handler_delay.as_millis().to_string()),
        ];
        let optional = [
            ("LAGO_TEST_DEDUP_URL", self.dedup_url.clone()),
            ("LAGO_TEST_DEDUP_NAME", self.dedup_name.clone()),
            ("LAGO_TEST_RECORD", self.record.as_ref().map(|p| p.display().to_string())),
        ];
        env.extend(optional.into_iter().filter_map(|(name, value)| Some((name, value?))));
        env
    }

    fn from_environment() -> Settings {
        let var = |name: &str| std::env::var(name).ok();
        Settings {
            port: var("LAGO_TEST_PORT").and_then(|p| p.parse().ok()).unwrap_or(0),
            dedup_url: var("LAGO_TEST_DEDUP_URL"),
            dedup_name: var("LAGO_TEST_DEDUP_NAME"),
            record: var("LAGO_TEST_RECORD").map(PathBuf::from),
            handler_delay: Duration::from_millis(
                var("LAGO_TEST_HANDLER_MS").and_then(|ms| ms.parse().ok()).unwrap_or(0),
            ),
        }
    }
}

/// A child process, killed when dropped.
pub struct Child {
    process: std::process::Child,
    /// Where it serves.
    pub addr: SocketAddr,
}

impl Child {
    /// Starts a child in `role` and waits until it serves.
    pub fn start(role: &str, settings: &Settings) -> Child {
        let mut process = Command::new(std::env::current_exe().unwrap())
            .args(["processes::child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env("LAGO_TEST_CHILD", role)
            .envs(settings.environment())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = process.stdout.take().unwrap();
        let (ready, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest has begun the line with the test's name.
                if let Some((_, addr)) = line.split_once("READY ") {
                    let _ = ready.send(addr.parse::<SocketAddr>().unwrap());
                }
            }
        });
        let addr = ready_rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            let _ = process.kill();
            panic!("the {role} child did not start serving")
        });
        Child { process, addr }
    }

    /// Sends SIGTERM, as `docker stop` and Kubernetes do.
    pub fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.process.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Sends SIGKILL: the process dies at once, with whatever it was doing.
    pub fn kill(&mut self) {
        self.process.kill().unwrap();
    }

    /// Waits for the process to exit; whether it exited on its own, with success.
    pub fn wait(&mut self) -> bool {
        self.process.wait().unwrap().success()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The unique keys a record file holds, one per handling.
pub fn recorded(record: &Path) -> Vec<String> {
    match std::fs::read_to_string(record) {
        Ok(text) => text.lines().map(str::to_owned).collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => panic!("{}: {err}", record.display()),
    }
}

/// Appends `line` to `record` in one write, which the OS keeps whole between processes.
fn append(record: &Path, line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(record)?;
    file.write_all(format!("{line}\n").as_bytes())
}

/// Works for the configured delay, then records the delivery's unique key.
struct Recording {
    record: PathBuf,
    delay: Duration,
}

impl AsyncWebhookHandler for Recording {
    async fn handle(&self, _: WebhookEvent, delivery: &Delivery) -> HandlerResult {
        tokio::time::sleep(self.delay).await;
        append(&self.record, delivery.unique_key.as_deref().unwrap_or("-"))?;
        Ok(())
    }
}

/// A child's body: this binary run again by [`Child::start`]. Not a test of its own.
#[test]
#[ignore = "the body of a child process, started by the tests that need one"]
fn child() {
    let Ok(role) = std::env::var("LAGO_TEST_CHILD") else { return };
    let settings = Settings::from_environment();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        match role.as_str() {
            "receiver" => receiver(settings).await,
            other => panic!("no child role {other}"),
        }
    });
    // Past libtest's own report: the parent reads what the role printed.
    std::process::exit(0);
}

/// The receiver of `examples/receiver.rs`, handling directly with a shared deduplicator.
async fn receiver(settings: Settings) {
    let handler =
        Recording { record: settings.record.clone().expect("a record file"), delay: settings.handler_delay };
    let receiver =
        Receiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), handler).with_required_unique_key(true);
    let url = settings.dedup_url.clone().expect("a deduplicator");
    let name = settings.dedup_name.clone().expect("a prefix or table");
    let router = if url.starts_with("redis://") {
        // Done keys expire within minutes, so that runs leave nothing behind for long.
        let store =
            RedisDeduplicator::new(&url).unwrap().with_prefix(name).with_retention(Duration::from_secs(120));
        receiver.with_deduplicator(store).into_router("/webhooks")
    } else {
        let store = PostgresDeduplicator::connect_to_table(&url, &name).await.unwrap();
        receiver.with_deduplicator(store).into_router("/webhooks")
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await.unwrap();
    println!("READY {}", listener.local_addr().unwrap());
    serve(listener, router, Limits::default()).await.unwrap();
}
