//! An example as a range of Lago releases shapes it: the keys of each object that the
//! spec, pinned to those releases, does not send are left out.

use lago_webhooks_codegen::resolved::{Ir, MessageIr, ObjectId, TypeRef};
use serde_json::Value;

/// The envelope `example` of `message` with only the keys `ir` (a pinned resolution of
/// the spec) has fields for, at every depth; the envelope keys stay.
pub fn example(ir: &Ir, message: &MessageIr, example: &str) -> Result<String, String> {
    let mut envelope: Value = serde_json::from_str(example)
        .map_err(|err| format!("the example of {} is not JSON: {err}", message.webhook_type))?;
    if let Some(payload) = envelope.get_mut(&message.payload_key) {
        object(ir, message.payload, payload);
    }
    serde_json::to_string(&envelope).map_err(|err| err.to_string())
}

fn object(ir: &Ir, id: ObjectId, value: &mut Value) {
    let Value::Object(map) = value else { return };
    let object = ir.object(id);
    map.retain(|key, _| object.fields.iter().any(|field| &field.json_name == key));
    for field in &object.fields {
        if let Some(inner) = map.get_mut(&field.json_name) {
            typed(ir, &field.ty, inner);
        }
    }
}

fn typed(ir: &Ir, ty: &TypeRef, value: &mut Value) {
    match (ty, value) {
        (TypeRef::Object(id), value) => object(ir, *id, value),
        (TypeRef::Array(inner), Value::Array(items)) => {
            items.iter_mut().for_each(|item| typed(ir, inner, item))
        }
        (TypeRef::Union(id), value @ Value::Object(_)) => {
            // The object alternative: unions tell alternatives apart by JSON kind, so
            // there is at most one.
            let alternative = ir.union(*id).variants.iter().find_map(|variant| match variant.ty {
                TypeRef::Object(object) => Some(object),
                _ => None,
            });
            if let Some(id) = alternative {
                object(ir, id, value);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use lago_webhooks_codegen::{SpecSource, VersionRange, resolve_for};

    use super::*;

    #[test]
    fn a_pinned_example_drops_what_the_release_does_not_send() {
        let source = SpecSource::new("bundled", crate::spec::BUNDLED);
        let shaped = |pin: &str| {
            let range: VersionRange = pin.parse().unwrap();
            let ir = resolve_for(&source, None, Some(range)).unwrap();
            let message =
                ir.messages.iter().find(|m| m.webhook_type == "wallet_transaction.created").unwrap();
            let text = example(&ir, message, message.example.as_deref().unwrap()).unwrap();
            serde_json::from_str::<Value>(&text).unwrap()
        };
        let old = shaped("1.8.0");
        let transaction = &old["wallet_transaction"];
        assert!(transaction.get("source").is_none(), "{transaction}");
        assert!(transaction.get("invoice_requires_successful_payment").is_none());
        assert!(transaction.get("lago_wallet_id").is_some());
        assert_eq!(old["webhook_type"], "wallet_transaction.created");
        let new = shaped("1.51.0");
        assert!(new["wallet_transaction"].get("source").is_some());
        assert!(new["wallet_transaction"].get("invoice_requires_successful_payment").is_some());
    }
}
