// Every option of the macro, used from a downstream crate.
lago_webhooks::lago_webhooks!(
    spec = "tiny.json",
    include = ["invoice.created", "fee.created"],
    derives = [Eq, ::core::hash::Hash],
    crate = ::lago_webhooks,
    validate = false,
);

// With `validate = false` the macro implements no `Validate`: this impl would conflict.
impl lago_webhooks::Validate for Fee {
    fn validate_at(&self, _: &lago_webhooks::validate::Path<'_>, _: &mut lago_webhooks::Violations) {}
}

fn hashable<T: Eq + std::hash::Hash>(_: &T) {}

fn main() {
    let body = br#"{"webhook_type": "fee.created", "object_type": "fee", "fee": {
        "lago_id": "f1", "units": "2.0", "item": {"type": "charge", "code": "seats"}}}"#;
    let WebhookEvent::FeeCreated { fee, .. } = WebhookEvent::from_slice(body).unwrap() else { panic!() };
    hashable(&*fee);
    assert_eq!(fee.item.type_, FeeItemType::Charge);
    assert_eq!(WebhookType::ALL.len(), 2);
}
