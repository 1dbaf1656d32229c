//! The committed snapshot is the code the runtime holds: it parses every docs example
//! to the same JSON as the runtime's own types.

use crate::fixtures::DOCS;
use crate::snapshot;

#[test]
fn the_snapshot_behaves_as_the_runtime_types() {
    for fixture in DOCS {
        let ours = fixture.valid().parse::<snapshot::WebhookEvent>().unwrap();
        let runtime = fixture.valid().parse::<lago_webhooks::WebhookEvent>().unwrap();
        assert_eq!(ours.webhook_type(), runtime.webhook_type());
        assert_eq!(serde_json::to_value(&ours).unwrap(), serde_json::to_value(&runtime).unwrap());
    }
}
