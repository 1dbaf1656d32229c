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

/// What the parent tells a child, passed as JSON in `LAGO_TEST_SETTINGS`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// The port to serve on; 0 for any.
    pub port: u16,
    /// `redis://...` or `postgres://...`: the deduplicator of a receiver.
    pub dedup_url: Option<String>,
    /// The Redis prefix or PostgreSQL table of the deduplicator.
    pub dedup_name: Option<String>,
    /// The file the handler appends each delivery it handled to: its unique key, attempt
    /// and the process's id, one line each.
    pub record: Option<PathBuf>,
    /// How long the handler works before deciding.
    pub handler_delay: Duration,
    /// A worker's inbox: its URL, name and lease.
    pub inbox_url: Option<String>,
    pub inbox_name: Option<String>,
    pub lease: Option<Duration>,
    /// The handler fails every delivery's first attempt.
    pub fail_first: bool,
    /// The handler panics instead at the first attempt of keys whose number is a multiple
    /// of this.
    pub panic_every: Option<u64>,
    /// The handler fails every attempt at this webhook type.
    pub always_fail: Option<String>,
    /// A worker's attempts per delivery.
    pub max_attempts: u32,
    /// A PostgreSQL table the handler also records in, through the inbox's transaction.
    pub transaction_table: Option<String>,
}

impl Settings {
    fn environment(&self) -> (&'static str, String) {
        ("LAGO_TEST_SETTINGS", serde_json::to_string(self).unwrap())
    }

    fn from_environment() -> Settings {
        serde_json::from_str(&std::env::var("LAGO_TEST_SETTINGS").unwrap()).unwrap()
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
            .envs([settings.environment()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // libtest has begun the line with the test's name.
        let ready = printed(&mut process, |line| {
            line.split_once("READY ").map(|(_, addr)| addr.parse::<SocketAddr>().unwrap())
        });
        let addr = ready.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            let _ = process.kill();
            panic!("the {role} child did not start serving")
        });
        Child { process, addr }
    }

    /// The process's id.
    pub fn pid(&self) -> u32 {
        self.process.id()
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

/// What `process` prints on its piped stdout, each line as `pick` keeps it. The lines are
/// read on a thread of their own until the process closes its stdout, so that it never
/// waits on a full pipe.
pub fn printed<T: Send + 'static>(
    process: &mut std::process::Child,
    pick: impl Fn(&str) -> Option<T> + Send + 'static,
) -> mpsc::Receiver<T> {
    let stdout = process.stdout.take().expect("a piped stdout");
    let (picked, printed) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(kept) = pick(&line) {
                let _ = picked.send(kept);
            }
        }
    });
    printed
}

/// One handling a record file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: String,
    pub attempt: u32,
    /// The process that handled it.
    pub pid: u32,
    /// Whether the handler succeeded (a worker's scripted handler also records the
    /// attempts it fails).
    pub succeeded: bool,
}

/// The attempts a record file holds.
pub fn recorded(record: &Path) -> Vec<Record> {
    let text = match std::fs::read_to_string(record) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(err) => panic!("{}: {err}", record.display()),
    };
    text.lines()
        .map(|line| {
            let mut parts = line.split(' ');
            let key = parts.next().unwrap_or_default().to_owned();
            let attempt = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let pid = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let succeeded = parts.next() != Some("failed");
            Record { key, attempt, pid, succeeded }
        })
        .collect()
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
        record(&self.record, delivery)
    }
}

/// Appends the successful handling of `delivery` to `file`.
fn record(file: &Path, delivery: &Delivery) -> HandlerResult {
    record_attempt(file, delivery, true)
}

/// Appends an attempt at `delivery` to `file`, and how it went.
fn record_attempt(file: &Path, delivery: &Delivery, succeeded: bool) -> HandlerResult {
    let key = delivery.unique_key.as_deref().unwrap_or("-");
    let outcome = if succeeded { "ok" } else { "failed" };
    append(file, &format!("{key} {} {} {outcome}", delivery.attempt, std::process::id()))?;
    Ok(())
}

/// Does what its settings say with each delivery, recording each success.
struct Scripted {
    settings: Settings,
    record: PathBuf,
}

impl AsyncWebhookHandler for Scripted {
    async fn handle(&self, event: WebhookEvent, delivery: &Delivery) -> HandlerResult {
        let settings = &self.settings;
        tokio::time::sleep(settings.handler_delay).await;
        let key = delivery.unique_key.as_deref().unwrap_or("-");
        let number: u64 = key.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(1);
        // Failed attempts are recorded too: which worker held which delivery.
        if delivery.attempt == 1 && settings.panic_every.is_some_and(|every| number.is_multiple_of(every)) {
            record_attempt(&self.record, delivery, false)?;
            panic!("the ledger exploded on {key}");
        }
        if delivery.attempt == 1 && settings.fail_first {
            record_attempt(&self.record, delivery, false)?;
            return Err(format!("the ledger is down for {key}").into());
        }
        if settings.always_fail.as_deref() == Some(event.webhook_type()) {
            record_attempt(&self.record, delivery, false)?;
            return Err(format!("the ledger refuses {}", event.webhook_type()).into());
        }
        if let Some(table) = &settings.transaction_table {
            let transaction = lago_webhooks::inbox::postgres::InboxTransaction::current().await?;
            let sql = format!("INSERT INTO {table} (unique_key, attempt, pid) VALUES ($1, $2, $3)");
            let attempt = i32::try_from(delivery.attempt)?;
            let pid = i64::from(std::process::id());
            transaction.execute(&sql, &[&key, &attempt, &pid]).await?;
        }
        record(&self.record, delivery)
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
            "worker" => worker(settings).await,
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

/// A worker of an inbox, whose handler does what the settings say.
async fn worker(settings: Settings) {
    use lago_webhooks::inbox::{Options, RetryPolicy, Worker, open};
    // Scripted panics are expected: their messages would only clutter the test's output.
    std::panic::set_hook(Box::new(|_| {}));
    let url = settings.inbox_url.clone().expect("an inbox");
    let mut options = Options::default();
    if let Some(name) = &settings.inbox_name {
        options = options.with_name(name.clone());
    }
    if let Some(lease) = settings.lease {
        options = options.with_lease(lease);
    }
    let inbox =
        open(&url, &options).await.unwrap_or_else(|err| panic!("cannot use the inbox at {url}: {err}"));
    let policy = RetryPolicy::default().with_max_attempts(settings.max_attempts).with_backoff(
        Duration::from_millis(100),
        2.0,
        Duration::from_secs(1),
    );
    let handler = Scripted { record: settings.record.clone().expect("a record file"), settings };
    let worker = Worker::new(inbox, handler).with_retry_policy(policy).with_concurrency(16);
    println!("READY 127.0.0.1:0");
    worker.run_until(lago_webhooks::shutdown::terminated()).await;
}
