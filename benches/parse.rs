//! Parsing speed: `WebhookEvent::from_slice` against serde_json straight into the
//! payload struct (no envelope) and against `serde_json::Value`; and the cost of
//! validating the parsed webhook.
//!
//! Run with `cargo bench --bench parse`; figures are in BENCHMARKS.md.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lago_webhooks::{Invoice, Validate, WebhookEvent, WebhookType};
use serde_json::Value;
use std::hint::black_box;

const INVOICE_CREATED: &str = include_str!("../tests/fixtures/docs/invoice.created.json");

/// A compact envelope with `webhook_type` first, as Lago sends it, and its payload alone.
///
/// (Serializing the whole envelope as a `Value` would sort its keys and put the
/// payload first, which is not what Lago sends.)
fn bodies(payload: &Value) -> (Vec<u8>, Vec<u8>) {
    let payload = serde_json::to_string(payload).unwrap();
    let envelope =
        format!(r#"{{"webhook_type":"invoice.created","object_type":"invoice","invoice":{payload}}}"#);
    (envelope.into_bytes(), payload.into_bytes())
}

/// The docs example.
fn docs_invoice() -> (Vec<u8>, Vec<u8>) {
    let envelope: Value = serde_json::from_str(INVOICE_CREATED).expect("fixture parses");
    bodies(&envelope["invoice"])
}

/// The docs example grown to 200 fees, each with its own id and amounts.
fn invoice_with_fees(count: usize) -> (Vec<u8>, Vec<u8>) {
    let mut envelope: Value = serde_json::from_str(INVOICE_CREATED).expect("fixture parses");
    let template = envelope["invoice"]["fees"][0].clone();
    let fees: Vec<Value> = (0..count)
        .map(|i| {
            let mut fee = template.clone();
            fee["lago_id"] = format!("b7ab2926-1de8-4428-9bcd-{i:012}").into();
            fee["amount_cents"] = (100 + i).into();
            fee["total_amount_cents"] = (120 + i).into();
            fee["units"] = format!("{}.{}", i, i % 10).into();
            fee
        })
        .collect();
    envelope["invoice"]["fees"] = fees.into();
    bodies(&envelope["invoice"])
}

fn compare(c: &mut Criterion, name: &str, (envelope, payload): (Vec<u8>, Vec<u8>)) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(envelope.len() as u64));
    group.bench_function(BenchmarkId::new("from_slice", envelope.len()), |b| {
        b.iter(|| WebhookEvent::from_slice(black_box(&envelope)).unwrap())
    });
    group.bench_function(BenchmarkId::new("payload_struct", payload.len()), |b| {
        b.iter(|| serde_json::from_slice::<Invoice>(black_box(&payload)).unwrap())
    });
    group.bench_function(BenchmarkId::new("value", envelope.len()), |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&envelope)).unwrap())
    });
    let event = WebhookEvent::from_slice(&envelope).unwrap();
    group.bench_function(BenchmarkId::new("validate", envelope.len()), |b| {
        b.iter(|| black_box(&event).validate().unwrap())
    });
    group.finish();
}

/// A signed-looking body with `members` members before `webhook_type`: hostile, and parsed
/// in time linear in its size.
fn wide_envelope(c: &mut Criterion) {
    let mut group = c.benchmark_group("wide_envelope");
    group.sample_size(10);
    for members in [10_000, 80_000] {
        let mut body = String::from("{");
        for i in 0..members {
            body.push_str(&format!("\"m{i}\":{i},"));
        }
        body.push_str(&WebhookType::FeeCreated.example()[1..]);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(BenchmarkId::new("from_slice", members), |b| {
            b.iter(|| WebhookEvent::from_slice(black_box(body.as_bytes())).unwrap())
        });
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    compare(c, "invoice.created", docs_invoice());
    compare(c, "invoice_200_fees", invoice_with_fees(200));
    wide_envelope(c);
}

criterion_group!(benches, parse);
criterion_main!(benches);
