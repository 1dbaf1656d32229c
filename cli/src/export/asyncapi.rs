//! An AsyncAPI 3.0.0 document of Lago's webhooks: one channel (the endpoint a user
//! registers in Lago), one `receive` operation, a message per webhook type with Lago's
//! signature headers and the envelope as payload, and the objects, enumerations and
//! unions under `components/schemas`, as the JSON Schema export defines them.
//!
//! Payloads use AsyncAPI's default schema format (a superset of JSON Schema draft 07):
//! every keyword the export writes means the same there.

use lago_webhooks_codegen::resolved::Ir;

use super::json_schema::{Reach, Refs, envelope, message_description, object, text};
use crate::ordered::Json;

/// The AsyncAPI version written.
pub const VERSION: &str = "3.0.0";

/// The channel's key: the user's endpoint.
const CHANNEL: &str = "webhookEndpoint";

/// The message trait that carries Lago's headers.
const HEADERS_TRAIT: &str = "lagoDelivery";

/// The headers every delivery carries, as `lago_webhooks::verify` reads them.
fn headers() -> Json {
    object(vec![
        ("type", text("object")),
        (
            "properties",
            object(vec![
                (
                    "X-Lago-Signature",
                    object(vec![
                        ("type", text("string")),
                        (
                            "description",
                            text(
                                "The signature of the raw body. With `hmac`: Base64 (standard, padded) \
                                 of the HMAC-SHA256 of the body keyed with the organization's HMAC key. \
                                 With `jwt`: an RS256 JWT whose `data` claim is the body and whose `iss` \
                                 is the Lago API URL, signed with the Lago instance's RSA key.",
                            ),
                        ),
                    ]),
                ),
                (
                    "X-Lago-Signature-Algorithm",
                    object(vec![
                        ("type", text("string")),
                        ("enum", Json::Array(vec![text("hmac"), text("jwt")])),
                        (
                            "description",
                            text(
                                "How the body is signed, as set on the webhook endpoint in Lago. \
                                 Without it, the signature is a JWT (Lago's default, and all it sent \
                                 before it offered HMAC).",
                            ),
                        ),
                    ]),
                ),
                (
                    "X-Lago-Unique-Key",
                    object(vec![
                        ("type", text("string")),
                        (
                            "description",
                            text(
                                "The delivery's id, the same on every retry of it: the key to handle \
                                 each webhook once, since Lago delivers at least once.",
                            ),
                        ),
                    ]),
                ),
            ]),
        ),
        ("required", Json::Array(vec![text("X-Lago-Signature")])),
    ])
}

/// The document for `ir`: `title` and `description` from the spec, `examples` the example
/// envelope of each message (by position in `ir.messages`), when there is one.
pub fn document(ir: &Ir, description: &str, examples: Vec<Option<Json>>) -> Json {
    let refs = Refs::new(ir, "#/components/schemas/");
    let mut channel_messages = Vec::new();
    let mut operation_messages = Vec::new();
    let mut messages = Vec::new();
    let mut reach = Reach::default();
    for (message, example) in ir.messages.iter().zip(examples.into_iter().chain(std::iter::repeat(None))) {
        // Keys are the variant names: UpperCamelCase identifiers, which AsyncAPI's key
        // pattern takes, where a webhook type might hold other characters.
        let key = &message.variant;
        channel_messages.push((
            key.clone(),
            object(vec![("$ref", Json::String(format!("#/components/messages/{key}")))]),
        ));
        operation_messages
            .push(object(vec![("$ref", Json::String(format!("#/channels/{CHANNEL}/messages/{key}")))]));
        let mut members = vec![
            ("name", text(&message.webhook_type)),
            ("title", text(&message.title)),
            ("description", Json::String(message_description(message))),
            ("contentType", text("application/json")),
            (
                "traits",
                Json::Array(vec![object(vec![(
                    "$ref",
                    Json::String(format!("#/components/messageTraits/{HEADERS_TRAIT}")),
                )])]),
            ),
            ("payload", Json::Object(envelope(refs, message))),
        ];
        if let Some(example) = example {
            members.push((
                "examples",
                Json::Array(vec![object(vec![
                    ("name", text("example")),
                    ("summary", Json::String(format!("A {} delivery.", message.webhook_type))),
                    ("payload", example),
                ])]),
            ));
        }
        messages.push((key.clone(), object(members)));
        reach.extend(Reach::from(ir, message.payload));
    }
    object(vec![
        ("asyncapi", text(VERSION)),
        (
            "info",
            object(vec![
                ("title", text(&ir.title)),
                ("version", text(env!("CARGO_PKG_VERSION"))),
                ("description", text(description)),
            ]),
        ),
        ("defaultContentType", text("application/json")),
        (
            "channels",
            object(vec![(
                CHANNEL,
                object(vec![
                    // The address is the user's: whatever URL they register in Lago.
                    ("address", Json::Null),
                    ("title", text("Your webhook endpoint")),
                    (
                        "description",
                        text(
                            "The HTTPS URL registered as a webhook endpoint in Lago. Lago POSTs each \
                             webhook to it as JSON, signed, and retries until it answers with a 2xx.",
                        ),
                    ),
                    ("messages", Json::Object(channel_messages)),
                ]),
            )]),
        ),
        (
            "operations",
            object(vec![(
                "receiveWebhook",
                object(vec![
                    ("action", text("receive")),
                    ("channel", object(vec![("$ref", Json::String(format!("#/channels/{CHANNEL}")))])),
                    ("title", text("Receive a webhook")),
                    (
                        "summary",
                        text(
                            "Verify the signature over the raw body, then read the webhook by its `webhook_type`.",
                        ),
                    ),
                    ("messages", Json::Array(operation_messages)),
                ]),
            )]),
        ),
        (
            "components",
            object(vec![
                ("schemas", Json::Object(reach.definitions(refs))),
                ("messages", Json::Object(messages)),
                ("messageTraits", object(vec![(HEADERS_TRAIT, object(vec![("headers", headers())]))])),
            ]),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use lago_webhooks_codegen::{SpecSource, resolve};
    use serde_json::json;

    use super::*;

    #[test]
    fn each_message_is_received_on_the_one_channel_with_its_payload_and_headers() {
        let source = SpecSource::new("bundled", crate::spec::BUNDLED);
        let ir = resolve(&source, None).unwrap();
        let document = document(&ir, "Test.", Vec::new()).to_value();
        assert_eq!(document["asyncapi"], json!("3.0.0"));
        let channel = &document["channels"][CHANNEL]["messages"];
        let operation = &document["operations"]["receiveWebhook"];
        assert_eq!(operation["action"], json!("receive"));
        assert_eq!(channel.as_object().unwrap().len(), ir.messages.len());
        assert_eq!(operation["messages"].as_array().unwrap().len(), ir.messages.len());
        let fee = &document["components"]["messages"]["FeeCreated"];
        assert_eq!(fee["name"], json!("fee.created"));
        assert_eq!(fee["payload"]["properties"]["fee"]["$ref"], json!("#/components/schemas/Fee"));
        assert_eq!(fee["payload"]["properties"]["webhook_type"]["const"], json!("fee.created"));
        // Every reference points at something the document defines.
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"").skip(1).filter_map(|rest| rest.split('"').next()) {
            let pointer = reference.trim_start_matches('#');
            assert!(document.pointer(pointer).is_some(), "{reference} points nowhere");
        }
        let headers = &document["components"]["messageTraits"][HEADERS_TRAIT]["headers"]["properties"];
        assert_eq!(headers["X-Lago-Signature-Algorithm"]["enum"], json!(["hmac", "jwt"]));
        assert!(headers.get("X-Lago-Unique-Key").is_some());
    }
}
