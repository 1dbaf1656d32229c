//! The services of the test machine, each run isolated under names of its own: Redis
//! (`LAGO_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`), PostgreSQL
//! (`LAGO_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`), NATS
//! with JetStream (`LAGO_TEST_NATS_URL`, default `nats://127.0.0.1:4222`) and RabbitMQ
//! (`LAGO_TEST_AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672/%2f`). A test that
//! cannot reach one fails naming its URL.

use std::time::{SystemTime, UNIX_EPOCH};

fn url(variable: &str, default: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| default.to_owned())
}

pub fn redis_url() -> String {
    url("LAGO_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

pub fn postgres_url() -> String {
    url("LAGO_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
}

pub fn nats_url() -> String {
    url("LAGO_TEST_NATS_URL", "nats://127.0.0.1:4222")
}

pub fn amqp_url() -> String {
    url("LAGO_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")
}

/// A name no other run uses: letters, digits and `_`.
pub fn run_id() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{nanos}", std::process::id())
}

/// A Redis key prefix no other run uses; keys under it are given short retentions.
pub fn redis_prefix() -> String {
    format!("lago-webhooks-test:{}:", run_id())
}

/// A schema of its own in the test database, dropped by [`Schema::drop`].
pub struct Schema {
    pub name: String,
    client: tokio_postgres::Client,
}

impl Schema {
    pub async fn create() -> Schema {
        let url = postgres_url();
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|err| panic!("cannot reach PostgreSQL at {url}: {err}"));
        tokio::spawn(connection);
        let name = format!("lago_test_{}", run_id());
        client.batch_execute(&format!("CREATE SCHEMA {name}")).await.unwrap();
        Schema { name, client }
    }

    /// A client of the test database, for queries of the test's own.
    #[allow(dead_code)]
    pub fn client(&self) -> &tokio_postgres::Client {
        &self.client
    }

    pub async fn drop(self) {
        self.client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name)).await.unwrap();
    }
}

/// A NATS stream name no other run uses; [`Cleanup::nats`] removes what an inbox made of
/// it.
pub fn nats_stream() -> String {
    format!("LAGO_TEST_{}", run_id())
}

/// A RabbitMQ queue name no other run uses; [`Cleanup::rabbitmq`] removes what an inbox
/// made of it.
pub fn rabbitmq_queue() -> String {
    format!("lago-test-{}", run_id())
}

/// Removes what a test made on a service when dropped, even when the test panics: the
/// removal runs on a thread and runtime of its own, since a destructor cannot wait.
pub struct Cleanup(Option<Box<dyn FnOnce() + Send>>);

impl Cleanup {
    /// Runs `remove` when dropped.
    pub fn new<F: std::future::Future<Output = ()> + 'static>(
        remove: impl FnOnce() -> F + Send + 'static,
    ) -> Self {
        Cleanup(Some(Box::new(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(remove());
        })))
    }

    /// Removes the streams of the NATS inbox `stream`.
    pub fn nats(stream: &str) -> Self {
        Cleanup::inbox("NATS", nats_url(), stream)
    }

    /// Removes the queues of the RabbitMQ inbox `queue`.
    pub fn rabbitmq(queue: &str) -> Self {
        Cleanup::inbox("RabbitMQ", amqp_url(), queue)
    }

    /// Deletes what an inbox made for `name` on the `engine` at `url`, opened by its URL as
    /// programs open it.
    fn inbox(engine: &'static str, url: String, name: &str) -> Self {
        let options = lago_webhooks::inbox::Options::default().with_name(name);
        Cleanup::new(move || async move {
            let inbox = lago_webhooks::inbox::open(&url, &options)
                .await
                .unwrap_or_else(|err| panic!("cannot reach {engine} at {url}: {err}"));
            inbox.delete().await.unwrap();
        })
    }

    /// Drops the PostgreSQL schema `schema`.
    pub fn schema(schema: &str) -> Self {
        let schema = schema.to_owned();
        Cleanup::new(move || async move {
            let url = postgres_url();
            if let Ok((client, connection)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
                tokio::spawn(connection);
                let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
            }
        })
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(remove) = self.0.take() {
            let _ = std::thread::spawn(remove).join();
        }
    }
}
