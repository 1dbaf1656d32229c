//! The same bodies read into the same types by each JSON parser, through serde: the
//! measurement behind `from_slice` parsing with serde_json, on a body whose UTF-8 is
//! checked once (see BENCHMARKS.md, "A SIMD parser?").
//!
//! - `from_slice`: `WebhookEvent::from_slice` and `borrowed::WebhookEvent::from_slice`;
//! - `sonic_rs`: `sonic_rs::from_slice` into the same types (their `Deserialize` reads the
//!   envelope the same way);
//! - `simd_json`: `simd_json::serde::from_slice`, on a copy of the body (it parses in
//!   place), into the owned types;
//! - `utf8_std` and `utf8_simd`: checking the body's UTF-8 alone, with the standard
//!   library and with simdutf8.
//!
//! Run with `cargo bench` in this directory.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lago_webhooks::{WebhookEvent, WebhookType, borrowed};

fn parsers(c: &mut Criterion) {
    for kind in [WebhookType::InvoiceCreated, WebhookType::FeeCreated, WebhookType::EventError] {
        let body = kind.example().as_bytes();
        // Every path must give the same event before it is timed.
        let expected = WebhookEvent::from_slice(body).unwrap();
        assert_eq!(sonic_rs::from_slice::<WebhookEvent>(body).unwrap(), expected);
        assert_eq!(sonic_rs::from_slice::<borrowed::WebhookEvent>(body).unwrap().into_owned(), expected);
        let mut copy = body.to_vec();
        assert_eq!(simd_json::serde::from_slice::<WebhookEvent>(&mut copy).unwrap(), expected);

        let mut group = c.benchmark_group(kind.as_str());
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("owned/from_slice", |b| b.iter(|| WebhookEvent::from_slice(black_box(body)).unwrap()));
        group.bench_function("owned/sonic_rs", |b| {
            b.iter(|| sonic_rs::from_slice::<WebhookEvent>(black_box(body)).unwrap())
        });
        group.bench_function("owned/simd_json", |b| {
            b.iter(|| {
                copy.copy_from_slice(body);
                simd_json::serde::from_slice::<WebhookEvent>(black_box(&mut copy)).unwrap()
            })
        });
        group.bench_function("borrowed/from_slice", |b| {
            b.iter(|| borrowed::WebhookEvent::from_slice(black_box(body)).unwrap())
        });
        group.bench_function("borrowed/sonic_rs", |b| {
            b.iter(|| sonic_rs::from_slice::<borrowed::WebhookEvent>(black_box(body)).unwrap())
        });
        group.bench_function("utf8_std", |b| b.iter(|| std::str::from_utf8(black_box(body)).is_ok()));
        group.bench_function("utf8_simd", |b| b.iter(|| simdutf8::basic::from_utf8(black_box(body)).is_ok()));
        group.bench_function("value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(body)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, parsers);
criterion_main!(benches);
