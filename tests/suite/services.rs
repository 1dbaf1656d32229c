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

#[allow(dead_code)]
pub fn nats_url() -> String {
    url("LAGO_TEST_NATS_URL", "nats://127.0.0.1:4222")
}

#[allow(dead_code)]
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

/// A NATS stream name no other run uses; [`drop_nats`] removes what an inbox made of it.
#[allow(dead_code)]
pub fn nats_stream() -> String {
    format!("LAGO_TEST_{}", run_id())
}

/// Deletes the streams and bucket an inbox made for `stream`.
#[allow(dead_code)]
pub async fn drop_nats(stream: &str) {
    let url = nats_url();
    let client =
        async_nats::connect(&url).await.unwrap_or_else(|err| panic!("cannot reach NATS at {url}: {err}"));
    let jetstream = async_nats::jetstream::new(client);
    for name in [stream.to_owned(), format!("{stream}_DEAD"), format!("{stream}_DONE")] {
        let _ = jetstream.delete_stream(&name).await;
    }
}

/// A RabbitMQ queue name no other run uses; [`drop_rabbitmq`] removes what an inbox made
/// of it.
#[allow(dead_code)]
pub fn rabbitmq_queue() -> String {
    format!("lago-test-{}", run_id())
}

/// Deletes the queues and exchange an inbox made for `queue`.
#[allow(dead_code)]
pub async fn drop_rabbitmq(queue: &str) {
    use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
    let url = amqp_url();
    let connection = lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
        .await
        .unwrap_or_else(|err| panic!("cannot reach RabbitMQ at {url}: {err}"));
    let channel = connection.create_channel().await.unwrap();
    let mut queues = vec![queue.to_owned(), format!("{queue}.dead")];
    for rung in [
        100, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000,
        21_600_000, 43_200_000, 86_400_000,
    ] {
        queues.push(format!("{queue}.retry.{rung}"));
    }
    for name in queues {
        let _ = channel.queue_delete(name.as_str().into(), QueueDeleteOptions::default()).await;
    }
    let _ = channel
        .exchange_delete(format!("{queue}.dead").as_str().into(), ExchangeDeleteOptions::default())
        .await;
    let _ = connection.close(200, "done".into()).await;
}
