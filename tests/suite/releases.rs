//! Payloads as old Lago releases sent them parse with the bundled types, which fit every
//! release from the spec's floor on, and with the spec pinned to their own release.
//!
//! `tests/fixtures/releases/<tag>.json` hold them: built by
//! `lago-webhooks history --lago-api DIR --spec spec/lago-webhooks.json --fixtures
//! tests/fixtures/releases --at <tags>`, with the keys lago-api's serializers send at each
//! tag and the values of the spec's examples. Rebuild them with that command after the
//! spec's examples change.

use std::path::Path;

use lago_webhooks::WebhookEvent;
use lago_webhooks::dynamic::{DynamicSpec, SpecSource};
use lago_webhooks_codegen::{LagoVersion, VersionRange, resolve_for};
use serde_json::Value;

/// The releases the fixtures cover.
const RELEASES: &[&str] =
    &["v1.0.0", "v1.5.0", "v1.8.2", "v1.9.0", "v1.10.0", "v1.20.0", "v1.30.0", "v1.40.0", "v1.51.0"];

const BUNDLED: &str = include_str!("../../spec/lago-webhooks.json");

fn fixture(tag: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/releases/{tag}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The spec read at run time, pinned to `release` alone.
fn pinned(release: LagoVersion) -> DynamicSpec {
    let source = SpecSource::new("lago-webhooks.json", BUNDLED);
    let range = VersionRange { from: release, to: Some(release) };
    DynamicSpec::from_resolved(resolve_for(&source, None, Some(range)).unwrap())
}

#[test]
fn payloads_of_each_release_parse_unpinned_and_pinned_to_it() {
    let mut failures = Vec::new();
    for tag in RELEASES {
        let file = fixture(tag);
        assert_eq!(file["release"], *tag);
        let release: LagoVersion = tag.parse().unwrap();
        let spec = pinned(release);
        let payloads = file["payloads"].as_object().unwrap();
        assert!(payloads.len() >= 12, "{tag}: {} payloads", payloads.len());
        for (webhook_type, envelope) in payloads {
            let body = serde_json::to_vec(envelope).unwrap();
            match std::str::from_utf8(&body).unwrap().parse::<WebhookEvent>() {
                Ok(event) if event.known_type().is_some() => {}
                Ok(_) => failures.push(format!("{tag} {webhook_type}: unknown to the bundled types")),
                Err(err) => failures.push(format!("{tag} {webhook_type} unpinned: {err}")),
            }
            match spec.parse(&body) {
                Ok(event) if event.message().is_some() => {}
                Ok(_) => failures.push(format!("{tag} {webhook_type}: not in the spec pinned to {release}")),
                Err(err) => failures.push(format!("{tag} {webhook_type} pinned to {release}: {err}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_payloads_differ_as_the_releases_did() {
    // The three failures of a single spec for all releases: a wallet transaction of
    // 1.8.2 has the payment flag and no source; a customer tax error of 1.9.0 names the
    // accounting provider, and one of 1.10.0 the tax provider.
    let transaction = &fixture("v1.8.2")["payloads"]["wallet_transaction.created"]["wallet_transaction"];
    assert!(
        transaction.get("source").is_none()
            && transaction.get("invoice_requires_successful_payment").is_some()
    );
    let transaction = &fixture("v1.9.0")["payloads"]["wallet_transaction.created"]["wallet_transaction"];
    assert!(transaction.get("source").is_some());
    let error = &fixture("v1.9.0")["payloads"]["customer.tax_provider_error"]["tax_provider_customer_error"];
    assert!(error.get("accounting_provider").is_some() && error.get("tax_provider").is_none());
    let error = &fixture("v1.10.0")["payloads"]["customer.tax_provider_error"]["tax_provider_customer_error"];
    assert!(error.get("tax_provider").is_some() && error.get("accounting_provider").is_none());
    // Pinned to 1.8.2, a wallet transaction has no source; pinned to 1.9.0 it has one.
    let has_source = |release: &str| {
        let spec = pinned(release.parse().unwrap());
        let ir = spec.resolved();
        ir.objects
            .iter()
            .any(|o| o.name == "WalletTransaction" && o.fields.iter().any(|f| f.json_name == "source"))
    };
    assert!(!has_source("1.8.2"));
    assert!(has_source("1.9.0"));
}

/// Phrases that date something by the calendar, which `since` and `until` now say.
const CALENDAR_DATING: &[&str] = &[
    "Added in",
    "Recent addition",
    "removed in",
    "sent until",
    "since early",
    "since late",
    "since mid",
    "No longer sent since",
];

#[test]
fn descriptions_date_only_what_their_since_and_until_say() {
    let spec: Value = serde_json::from_str(BUNDLED).unwrap();
    let webhook_types: Vec<&str> =
        spec["messages"].as_array().unwrap().iter().map(|m| m["webhook_type"].as_str().unwrap()).collect();
    let mut items: Vec<(String, &Value)> = Vec::new();
    for message in spec["messages"].as_array().unwrap() {
        items.push((format!("message {}", message["webhook_type"]), message));
    }
    for object in spec["objects"].as_array().unwrap() {
        items.push((format!("object {}", object["name"]), object));
        for field in object["fields"].as_array().unwrap() {
            items.push((format!("field {}.{}", object["name"], field["name"]), field));
        }
    }
    let mut problems = Vec::new();
    for (item, value) in items {
        let description = value["description"].as_str().unwrap_or_default();
        if let Some(phrase) = CALENDAR_DATING.iter().find(|phrase| description.contains(*phrase)) {
            problems.push(format!("{item}: `{phrase}` in {description:?}"));
        }
        let dated = [&value["since"], &value["until"]];
        for sentence in description.split(". ") {
            // A sentence about one message's payload may name the release that changed it.
            if webhook_types.iter().any(|name| sentence.contains(name)) {
                continue;
            }
            let releases = sentence
                .split(|c: char| c.is_whitespace() || ",;:()".contains(c))
                .map(|word| word.trim_end_matches('.'))
                .filter(|word| word.split('.').count() == 3 && word.parse::<LagoVersion>().is_ok());
            for release in releases {
                if !dated.iter().any(|date| date.as_str() == Some(release)) {
                    problems.push(format!("{item}: names {release}, not its since or until: {sentence:?}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
