// A version pin gives the types of those Lago releases: what all of them send is a plain
// type, what some of them lack an `Option`, what none of them sends is not generated.
// (Each struct literal lists every field: one more would not compile.)

mod latest {
    lago_webhooks::lago_webhooks!(spec = "versions.json", lago_version = "1.51");
}

mod old {
    lago_webhooks::lago_webhooks!(spec = "versions.json", lago_version = "1.8");
}

mod first_with_source {
    lago_webhooks::lago_webhooks!(spec = "versions.json", lago_version = "1.9");
}

mod unpinned {
    lago_webhooks::lago_webhooks!(spec = "versions.json");
}

mod from_1_30 {
    lago_webhooks::lago_webhooks!(spec = "versions.json", lago_version = "1.30..");
}

fn main() {
    // 1.51 sends `source` and the flag always, and no longer the legacy note.
    let _ = latest::WalletTransaction {
        lago_id: "t".into(),
        source: latest::WalletTransactionSource::Threshold,
        invoice_requires_successful_payment: true,
    };
    // 1.8 sends neither `source` nor the flag (1.8.2 brought it: some 1.8 releases lack
    // it, so it is absent from 1.8 as a whole only in part), and the note always.
    let _ = old::WalletTransaction {
        lago_id: "t".into(),
        invoice_requires_successful_payment: None,
        legacy_note: "n".into(),
    };
    // Unpinned: every release from the floor, so whatever some of them lack is optional.
    let _ = unpinned::WalletTransaction {
        lago_id: "t".into(),
        source: Some(unpinned::WalletTransactionSource::Manual),
        invoice_requires_successful_payment: Some(false),
        legacy_note: None,
    };
    // Unreleased messages: in the unpinned types and an open range, said so; not in 1.51.
    assert_eq!(unpinned::WebhookType::QuoteCreated.lifecycle(), lago_webhooks::Lifecycle::Unreleased);
    assert_eq!(from_1_30::WebhookType::ALL.len(), 2);
    assert_eq!(latest::WebhookType::ALL, &[latest::WebhookType::WalletTransactionCreated]);
    // A value none of 1.9 sends is no variant of its own: read as an unknown one.
    let unknown = first_with_source::WalletTransactionSource::Unknown("threshold".into());
    assert_eq!(unknown.as_str(), "threshold");

    // Wallet transactions as Lago 1.8.2 and 1.51.0 sent them (rebuilt from lago-api's
    // serializers by `lago-webhooks history --fixtures`) parse with the types pinned to them.
    let payload = |file: &str| -> String {
        let file: serde_json::Value = serde_json::from_str(file).unwrap();
        file["payloads"]["wallet_transaction.created"].to_string()
    };
    let old = payload(include_str!("../../../../tests/fixtures/releases/v1.8.2.json"));
    let event: bundled_1_8::WebhookEvent = old.parse().unwrap();
    assert_eq!(event.known_type(), Some(bundled_1_8::WebhookType::WalletTransactionCreated));
    let new = payload(include_str!("../../../../tests/fixtures/releases/v1.51.0.json"));
    let event: bundled_1_51::WebhookEvent = new.parse().unwrap();
    assert_eq!(event.known_type(), Some(bundled_1_51::WebhookType::WalletTransactionCreated));
}

// The bundled spec, pinned: Lago 1.51 always sends a wallet transaction's `source` and
// `invoice_requires_successful_payment`; 1.8 sends no `source` at all. (The path reaches
// the workspace's spec from this test's spec directory.)
mod bundled_1_51 {
    lago_webhooks::lago_webhooks!(
        spec = "../../../../spec/lago-webhooks.json",
        include = ["wallet_transaction.created"],
        lago_version = "1.51",
    );

    pub fn plain(transaction: &WalletTransaction) -> (&WalletTransactionSource, bool) {
        (&transaction.source, transaction.invoice_requires_successful_payment)
    }
}

mod bundled_1_8 {
    lago_webhooks::lago_webhooks!(
        spec = "../../../../spec/lago-webhooks.json",
        include = ["wallet_transaction.created"],
        lago_version = "1.8",
    );

    // Were `source` generated, its enumeration would be too, and this would define it
    // twice: no other field of a 1.8 wallet transaction refers to it.
    #[allow(dead_code)]
    pub struct WalletTransactionSource;
}

#[allow(dead_code)]
fn bundled(transaction: &bundled_1_51::WalletTransaction) {
    let _ = bundled_1_51::plain(transaction);
}
