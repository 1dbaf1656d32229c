//! Parsing speed and allocations of `WebhookEvent::from_slice` (`owned`) and of its
//! zero-copy flavour `borrowed::WebhookEvent::from_slice` (`borrowed`) against what a
//! user has without this crate, on the same bytes: serde derives written by hand for the
//! same messages (`handwritten`, see `handwritten.rs`) and `serde_json::Value` (`value`);
//! and the cost of validating the parsed webhook (`validate`).
//!
//! The inputs are bundled examples as Lago sends them (compact, envelope keys first):
//! `invoice.created`, `fee.created`, `event.error`, and `invoice.created` grown to 200
//! fees. Before measuring, the bench checks that the hand-written model holds every key
//! of each input, and prints the allocations per parse of each path.
//!
//! Run with `cargo bench --bench parse`; figures are in BENCHMARKS.md.

mod handwritten;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lago_webhooks::{Validate, WebhookEvent, WebhookType, borrowed};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `System`, counting allocations while `COUNTING` is set.
///
/// Counting is off while criterion times, so the timed paths pay one relaxed load per
/// allocation, not a contended increment: the paths that allocate most would otherwise
/// be slowed most.
struct CountingAllocator;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

impl CountingAllocator {
    /// A reallocation counts as one allocation of its new size: growing a buffer in
    /// place or by a move costs a call into the allocator either way.
    fn record(size: usize) {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            BYTES.fetch_add(size as u64, Relaxed);
        }
    }
}

// SAFETY: every call goes to `System` with the caller's arguments, so `System`'s
// guarantees are this allocator's.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::record(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::record(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::record(new_size);
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs counted for the allocation table: parsing allocates the same on every run, so a
/// hundred only guard against a first-run effect left by the warm-up run.
const COUNTED_RUNS: u64 = 100;

/// Allocations and bytes requested per run of `run` (freeing is not counted).
fn allocations<R>(mut run: impl FnMut() -> R) -> (u64, u64) {
    drop(black_box(run()));
    ALLOCATIONS.store(0, Relaxed);
    BYTES.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    for _ in 0..COUNTED_RUNS {
        drop(black_box(run()));
    }
    COUNTING.store(false, Relaxed);
    (ALLOCATIONS.load(Relaxed) / COUNTED_RUNS, BYTES.load(Relaxed) / COUNTED_RUNS)
}

/// One input: a whole delivery body.
struct Input {
    name: &'static str,
    body: Vec<u8>,
}

/// The bundled example of `webhook_type`, as `WebhookType::example` writes it.
fn example(webhook_type: WebhookType) -> Input {
    let body = webhook_type.example().as_bytes().to_vec();
    Input { name: webhook_type.as_str(), body }
}

/// An envelope written as Lago and `WebhookType::example` write it: `webhook_type`,
/// `object_type` and `organization_id` first, then the payload.
///
/// (Serializing the whole envelope as a `Value` would sort its keys and put the
/// payload before `webhook_type`.)
fn envelope(message: &Value, payload_key: &str) -> Vec<u8> {
    let text = |key: &str| serde_json::to_string(&message[key]).unwrap();
    format!(
        r#"{{"webhook_type":{},"object_type":{},"organization_id":{},"{payload_key}":{}}}"#,
        text("webhook_type"),
        text("object_type"),
        text("organization_id"),
        text(payload_key),
    )
    .into_bytes()
}

/// The bundled `invoice.created` example with `count` fees: its charge fee repeated, an
/// invoice of many charges, each with its own id and amounts.
fn invoice_with_fees(count: usize) -> Input {
    let example = WebhookType::InvoiceCreated.example();
    let mut message: Value = serde_json::from_str(example).unwrap();
    assert_eq!(
        envelope(&message, "invoice"),
        example.as_bytes(),
        "the invoice is rebuilt as the bundled example is written",
    );
    let template = message["invoice"]["fees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|fee| fee["item"]["type"] == "charge")
        .expect("the example has a charge fee")
        .clone();
    let fees: Vec<Value> = (0..count)
        .map(|i| {
            let mut fee = template.clone();
            fee["lago_id"] = format!("1c2d3e4f-5a6b-4c7d-8e9f-{i:012}").into();
            // The fee's sum rule: total = amount + taxes, so the input validates clean.
            fee["amount_cents"] = (100 + i).into();
            fee["taxes_amount_cents"] = 20.into();
            fee["total_amount_cents"] = (120 + i).into();
            fee["units"] = format!("{}.{}", i, i % 10).into();
            fee
        })
        .collect();
    message["invoice"]["fees"] = fees.into();
    Input { name: "invoice_200_fees", body: envelope(&message, "invoice") }
}

/// Panics unless `input` parses into the model `H`, which then holds every key of the
/// input: its serialization equals the input once null-valued keys are removed on both
/// sides, and it has every key of the input, null-valued ones included.
fn check_model<H: DeserializeOwned + Serialize>(input: &Input) {
    let name = input.name;
    let model: H = serde_json::from_slice(&input.body)
        .unwrap_or_else(|error| panic!("{name}: the hand-written model does not parse it: {error}"));
    let typed = serde_json::to_value(&model).unwrap();
    let sent: Value = serde_json::from_slice(&input.body).unwrap();
    if let Some(at) = missing_key(&sent, &typed, "") {
        panic!("{name}: the hand-written model lacks {at}");
    }
    if let Some(at) = difference(&without_nulls(&sent), &without_nulls(&typed), "") {
        panic!("{name}: the hand-written model reads {at} differently");
    }
}

/// Panics unless `input` parses into its own webhook type and validates clean, as the
/// `validate` path assumes.
fn check_owned(input: &Input, webhook_type: &str) {
    let event = WebhookEvent::from_slice(&input.body)
        .unwrap_or_else(|error| panic!("{}: from_slice fails: {error}", input.name));
    assert_eq!(event.webhook_type(), webhook_type, "{}", input.name);
    assert!(
        !matches!(event, WebhookEvent::Unknown(_)),
        "{}: parsed as an unknown type, not its own payload",
        input.name
    );
    if let Err(violations) = event.validate() {
        panic!("{}: does not validate: {violations}", input.name);
    }
}

/// The JSON Pointer of the first key of `sent` that `typed` lacks.
fn missing_key(sent: &Value, typed: &Value, at: &str) -> Option<String> {
    match (sent, typed) {
        (Value::Object(sent), Value::Object(typed)) => sent.iter().find_map(|(key, value)| {
            let at = format!("{at}/{key}");
            match typed.get(key) {
                Some(typed) => missing_key(value, typed, &at),
                None => Some(at),
            }
        }),
        (Value::Array(sent), Value::Array(typed)) => sent
            .iter()
            .zip(typed)
            .enumerate()
            .find_map(|(i, (sent, typed))| missing_key(sent, typed, &format!("{at}/{i}"))),
        _ => None,
    }
}

/// The JSON Pointer of the first place where `a` and `b` differ.
fn difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => a.keys().chain(b.keys()).find_map(|key| {
            let at = format!("{at}/{key}");
            match (a.get(key), b.get(key)) {
                (Some(a), Some(b)) => difference(a, b, &at),
                _ => Some(at),
            }
        }),
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().find_map(|(i, (a, b))| difference(a, b, &format!("{at}/{i}")))
        }
        _ => (a != b).then(|| at.to_owned()),
    }
}

/// `value` without its null-valued keys, at any depth.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => map
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(k, v)| (k.clone(), without_nulls(v)))
            .collect(),
        Value::Array(items) => items.iter().map(without_nulls).collect(),
        other => other.clone(),
    }
}

/// One row of the allocation table per path.
fn print_allocations<H: DeserializeOwned>(input: &Input) {
    let body = input.body.as_slice();
    let event = WebhookEvent::from_slice(body).unwrap();
    let rows = [
        ("owned", allocations(|| WebhookEvent::from_slice(black_box(body)).unwrap())),
        ("borrowed", allocations(|| borrowed::WebhookEvent::from_slice(black_box(body)).unwrap())),
        ("handwritten", allocations(|| serde_json::from_slice::<H>(black_box(body)).unwrap())),
        ("value", allocations(|| serde_json::from_slice::<Value>(black_box(body)).unwrap())),
        ("validate", allocations(|| black_box(&event).validate().unwrap())),
    ];
    for (path, (count, bytes)) in rows {
        println!("| {} | {} | {path} | {count} | {bytes} |", input.name, body.len());
    }
}

fn compare<H: DeserializeOwned>(c: &mut Criterion, input: &Input) {
    let body = input.body.as_slice();
    let mut group = c.benchmark_group(input.name);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("owned", |b| b.iter(|| WebhookEvent::from_slice(black_box(body)).unwrap()));
    group.bench_function("borrowed", |b| {
        b.iter(|| borrowed::WebhookEvent::from_slice(black_box(body)).unwrap())
    });
    group.bench_function("handwritten", |b| b.iter(|| serde_json::from_slice::<H>(black_box(body)).unwrap()));
    group.bench_function("value", |b| b.iter(|| serde_json::from_slice::<Value>(black_box(body)).unwrap()));
    let event = WebhookEvent::from_slice(body).unwrap();
    group.bench_function("validate", |b| b.iter(|| black_box(&event).validate().unwrap()));
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

/// What the macro does on the whole bundled spec: read, check and emit, then the text the
/// compiler receives, without and with the borrowed flavour. (Inside a build, the macro's
/// own cost also depends on how the proc-macro is compiled: see BENCHMARKS.md.)
fn expand(c: &mut Criterion) {
    use lago_webhooks_codegen::{Settings, SpecSource, generate};

    let source = SpecSource::new("lago-webhooks.json", include_str!("../spec/lago-webhooks.json"));
    let mut group = c.benchmark_group("expand");
    group.sample_size(20);
    for (name, settings) in [
        ("bundled_spec", Settings::default()),
        ("bundled_spec_borrowed", Settings::default().with_borrowed(true)),
    ] {
        let size = generate(&source, &settings).unwrap().to_string().len();
        println!("{name}: {size} bytes of generated code (unformatted)");
        group.bench_function(name, |b| {
            b.iter(|| generate(black_box(&source), &settings).unwrap().to_string())
        });
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    use handwritten::{EventErrorEnvelope, FeeEnvelope, InvoiceEnvelope};

    let invoice = example(WebhookType::InvoiceCreated);
    let fee = example(WebhookType::FeeCreated);
    let event_error = example(WebhookType::EventError);
    let invoice_200_fees = invoice_with_fees(200);

    check_model::<InvoiceEnvelope>(&invoice);
    check_model::<FeeEnvelope>(&fee);
    check_model::<EventErrorEnvelope>(&event_error);
    check_model::<InvoiceEnvelope>(&invoice_200_fees);
    for input in [&invoice, &invoice_200_fees] {
        check_owned(input, "invoice.created");
    }
    check_owned(&fee, "fee.created");
    check_owned(&event_error, "event.error");

    println!("\nAllocations per parse ({COUNTED_RUNS} runs counted; a reallocation counts as one):\n");
    println!("| input | bytes | path | allocations | bytes allocated |");
    println!("| --- | --- | --- | --- | --- |");
    print_allocations::<InvoiceEnvelope>(&invoice);
    print_allocations::<FeeEnvelope>(&fee);
    print_allocations::<EventErrorEnvelope>(&event_error);
    print_allocations::<InvoiceEnvelope>(&invoice_200_fees);
    println!();

    compare::<InvoiceEnvelope>(c, &invoice);
    compare::<FeeEnvelope>(c, &fee);
    compare::<EventErrorEnvelope>(c, &event_error);
    compare::<InvoiceEnvelope>(c, &invoice_200_fees);
    wide_envelope(c);
}

criterion_group!(benches, parse, expand);
criterion_main!(benches);
