//! `history --spec FILE --fixtures DIR`: payloads rebuilt as given releases sent them,
//! one file per release, for tests that parse what old releases send.
//!
//! The keys come from the reading of the release's serializers; the values from the
//! spec's examples. A key the example of the message lacks takes the value another
//! example gives the same field, else a value of the field's type (null when the field
//! may be null). A key the spec has no field for is null. So a rebuilt payload has every
//! key the release can send and only those, and each value has the spec's type.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use lago_webhooks_codegen::resolved::{FieldIr, Ir, ObjectId, Primitive, TypeRef};
use serde_json::{Map, Value, json};

use super::ReleaseReading;
use super::tree::Shape;

/// The values the spec's examples give each field, first one first.
struct Samples(HashMap<(ObjectId, usize), Value>);

impl Samples {
    fn of(ir: &Ir) -> Samples {
        let mut samples = Samples(HashMap::new());
        for message in &ir.messages {
            let Some(example) = message.example.as_deref() else { continue };
            let Ok(envelope) = serde_json::from_str::<Value>(example) else { continue };
            if let Some(payload) = envelope.get(&message.payload_key) {
                samples.object(ir, message.payload, payload);
            }
        }
        samples
    }

    fn object(&mut self, ir: &Ir, id: ObjectId, value: &Value) {
        let Value::Object(map) = value else { return };
        for (index, field) in ir.object(id).fields.iter().enumerate() {
            let Some(inner) = map.get(&field.json_name) else { continue };
            // A non-null sample serves better than null: a null field may well be sent.
            let slot = self.0.entry((id, index)).or_insert(Value::Null);
            if slot.is_null() {
                *slot = inner.clone();
            }
            self.typed(ir, &field.ty, inner);
        }
    }

    fn typed(&mut self, ir: &Ir, ty: &TypeRef, value: &Value) {
        match (ty, value) {
            (TypeRef::Object(id), _) => self.object(ir, *id, value),
            (TypeRef::Array(inner), Value::Array(items)) => {
                items.iter().for_each(|item| self.typed(ir, inner, item));
            }
            _ => {}
        }
    }
}

/// Builds payloads from a spec and readings.
struct Builder<'a> {
    ir: &'a Ir,
    samples: Samples,
}

impl Builder<'_> {
    /// The object `id` with exactly the keys of `shape`, values from `example` first.
    fn object(&self, id: ObjectId, shape: &BTreeMap<String, Shape>, example: Option<&Value>) -> Value {
        let object = self.ir.object(id);
        let mut out = Map::new();
        for (key, inner) in shape {
            let Some(index) = object.fields.iter().position(|field| &field.json_name == key) else {
                out.insert(key.clone(), Value::Null);
                continue;
            };
            let field = &object.fields[index];
            let given = example
                .and_then(|example| example.get(key))
                .or_else(|| self.samples.0.get(&(id, index)))
                .filter(|value| !value.is_null() || field.nullable);
            out.insert(key.clone(), self.value(field, &field.ty, inner, given));
        }
        Value::Object(out)
    }

    /// A value of `ty` with the keys of `shape` where it has objects.
    fn value(&self, field: &FieldIr, ty: &TypeRef, shape: &Shape, given: Option<&Value>) -> Value {
        match (ty, shape, given) {
            (_, _, Some(Value::Null)) => Value::Null,
            (TypeRef::Object(id), Shape::Object(keys), given) => self.object(*id, keys, given),
            (TypeRef::Array(inner), Shape::Array(item), Some(Value::Array(items))) => {
                Value::Array(items.iter().map(|value| self.value(field, inner, item, Some(value))).collect())
            }
            (TypeRef::Array(inner), Shape::Array(item), None) if inner.holds_objects() => {
                Value::Array(vec![self.value(field, inner, item, None)])
            }
            (_, _, Some(value)) => value.clone(),
            (_, _, None) if field.nullable => Value::Null,
            (_, _, None) => self.made_up(ty),
        }
    }

    /// A value of `ty` no example gives.
    fn made_up(&self, ty: &TypeRef) -> Value {
        match ty {
            TypeRef::Primitive(primitive) => match primitive {
                Primitive::Integer => json!(0),
                Primitive::Number => json!(0.5),
                Primitive::Boolean => json!(false),
                Primitive::Decimal => json!("0.0"),
                Primitive::Date => json!("2024-03-11"),
                Primitive::DateTime => json!("2024-03-11T09:30:00Z"),
                Primitive::Currency => json!("EUR"),
                Primitive::Url => json!("https://billing.example.com/file"),
                Primitive::Id => json!("00000000-0000-4000-8000-000000000000"),
                Primitive::Json => json!({}),
                Primitive::EncodedJson => json!("{}"),
                Primitive::String => json!("text"),
            },
            TypeRef::Enum(id) => {
                self.ir.enumeration(*id).values.first().map_or(Value::Null, |value| json!(value.value))
            }
            TypeRef::Union(id) => {
                self.ir.union(*id).variants.first().map_or(Value::Null, |variant| self.made_up(&variant.ty))
            }
            TypeRef::Object(_) => json!({}),
            TypeRef::Array(_) => json!([]),
        }
    }
}

/// Writes `DIR/<tag>.json` for each reading: its release, commit and, by webhook type,
/// the envelope as that release sent it, for each message of the spec with an example.
/// Returns how many payloads each file holds.
pub fn write(ir: &Ir, readings: &[ReleaseReading], dir: &Path) -> Result<Vec<(String, usize)>, String> {
    let builder = Builder { ir, samples: Samples::of(ir) };
    std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let mut written = Vec::new();
    for reading in readings {
        let mut payloads = Map::new();
        for (webhook_type, message) in &reading.reading.messages {
            let Some(spec) = ir.messages.iter().find(|m| &m.webhook_type == webhook_type) else { continue };
            let Some(example) = spec.example.as_deref() else { continue };
            let Ok(envelope) = serde_json::from_str::<Value>(example) else { continue };
            let Shape::Object(keys) = &message.keys else { continue };
            let payload = builder.object(spec.payload, keys, envelope.get(&spec.payload_key));
            let mut rebuilt = Map::new();
            // The envelope as Lago writes it: the three keys, then the payload.
            rebuilt.insert("webhook_type".to_owned(), json!(webhook_type));
            rebuilt.insert("object_type".to_owned(), json!(message.object_type));
            rebuilt.insert(
                "organization_id".to_owned(),
                envelope.get("organization_id").cloned().unwrap_or(Value::Null),
            );
            rebuilt.insert(message.payload_key.clone(), payload);
            payloads.insert(webhook_type.clone(), Value::Object(rebuilt));
        }
        let count = payloads.len();
        let file = json!({
            "release": reading.release.tag,
            "commit": reading.release.commit,
            "built_by": "lago-webhooks history --spec spec/lago-webhooks.json --fixtures DIR",
            "payloads": payloads,
        });
        let path = dir.join(format!("{}.json", reading.release.tag));
        let text = serde_json::to_string_pretty(&file).map_err(|err| err.to_string())? + "\n";
        std::fs::write(&path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        written.push((reading.release.tag.clone(), count));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use lago_webhooks_codegen::SpecSource;

    use super::*;

    #[test]
    fn a_rebuilt_payload_has_the_release_keys_with_the_examples_values() {
        let spec = json!({
            "format_version": 1, "title": "t",
            "messages": [
                {"webhook_type": "invoice.created", "object_type": "invoice", "payload_key": "invoice",
                 "payload": "Invoice", "title": "I", "description": "d",
                 "example": {"webhook_type": "invoice.created", "object_type": "invoice", "organization_id": "o",
                             "invoice": {"lago_id": "i1", "total": 7, "fees": [{"kind": "charge"}]}}},
                {"webhook_type": "fee.created", "object_type": "fee", "payload_key": "fee",
                 "payload": "Fee", "title": "F", "description": "d",
                 "example": {"webhook_type": "fee.created", "object_type": "fee", "organization_id": "o",
                             "fee": {"kind": "subscription", "amount": 12}}}
            ],
            "objects": [
                {"name": "Invoice", "description": "d", "fields": [
                    {"name": "lago_id", "type": "id", "description": "d"},
                    {"name": "total", "type": "integer", "description": "d"},
                    {"name": "paid_at", "type": "datetime", "optional": true, "description": "d"},
                    {"name": "voided_at", "type": "datetime", "optional": true, "nullable": true, "description": "d"},
                    {"name": "fees", "type": "Fee[]", "optional": true, "description": "d"}
                ]},
                {"name": "Fee", "description": "d", "fields": [
                    {"name": "kind", "type": "string", "description": "d"},
                    {"name": "amount", "type": "integer", "description": "d"}
                ]}
            ]
        });
        let source = SpecSource::new("t.json", spec.to_string());
        let ir = lago_webhooks_codegen::resolve(&source, None).unwrap();
        let builder = Builder { ir: &ir, samples: Samples::of(&ir) };
        let keys = Shape::from_json(&json!({
            "lago_id": null, "paid_at": null, "voided_at": null, "gone": null,
            "fees": [{"kind": null, "amount": null}]
        }));
        let Shape::Object(keys) = keys else { unreachable!() };
        let example = json!({"lago_id": "i1", "total": 7, "fees": [{"kind": "charge"}]});
        let built = builder.object(ir.messages[0].payload, &keys, Some(&example));
        // `total` is not sent by this release; `gone` is unknown to the spec; the fee's
        // amount comes from the other example; `paid_at` is made up, `voided_at` null.
        assert_eq!(
            built,
            json!({
                "lago_id": "i1",
                "paid_at": "2024-03-11T09:30:00Z",
                "voided_at": null,
                "gone": null,
                "fees": [{"kind": "charge", "amount": 12}]
            })
        );
    }
}
