// The borrowed flavour of shapes the bundled spec lacks: objects with no text (no
// lifetime), an object without fields, an object that holds itself, a spec without
// messages, and a runtime path relative to the invoking module.
use lago_webhooks as runtime;

mod shapes {
    use super::runtime;

    lago_webhooks::lago_webhooks!(spec = "borrowed-shapes.json", crate = runtime, borrowed = true);
}

mod nothing {
    lago_webhooks::lago_webhooks!(spec = "no-messages.json", borrowed = true);
}

use lago_webhooks::Validate;

fn main() {
    let body = br#"{"webhook_type": "node.linked", "object_type": "node", "node": {
        "name": "leaf", "parent": {"name": "root", "parent": null},
        "children": [{"name": "kid", "parent": null, "tally": {"count": 2, "code": 7, "extra": {}}}]}}"#;
    let event = shapes::borrowed::WebhookEvent::from_slice(body).unwrap();
    let shapes::borrowed::WebhookEvent::NodeLinked { node, .. } = &event else { panic!("{event:?}") };
    assert!(node.name.is_borrowed());
    assert_eq!(node.parent.as_ref().map(|p| p.name.as_str()), Some("root"));
    let tally: &shapes::borrowed::Tally = node.children.as_ref().unwrap()[0].tally.as_ref().unwrap();
    assert_eq!((tally.count, tally.code.as_ref().and_then(|c| c.as_number())), (2, Some(7)));
    assert!(event.validate().is_ok());
    assert_eq!(event.clone().into_owned(), shapes::WebhookEvent::from_slice(body).unwrap());

    let unknown = br#"{"webhook_type": "anything", "object_type": "x", "x": {}}"#;
    let event = nothing::borrowed::WebhookEvent::from_slice(unknown).unwrap();
    assert_eq!((event.webhook_type(), event.known_type()), ("anything", None));
    assert_eq!(event.into_owned(), nothing::WebhookEvent::from_slice(unknown).unwrap());
}
