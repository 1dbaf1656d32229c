// Items at the call site named like the std types, generic parameters and primitive
// types the generated code uses do not change what it means: it names them by
// absolute path.
#![allow(non_camel_case_types, dead_code)]

type Result<T> = std::result::Result<T, ()>;
struct Option;
struct String;
struct Vec;
struct Box;
struct Some;
struct Ok;
struct i64;

lago_webhooks::lago_webhooks!(spec = "clashing-names.json");

fn main() {
    let body = r#"{"webhook_type": "d.made", "object_type": "d", "value": {"s": "two", "amount": 3}}"#;
    let WebhookEvent::DMade { value: made, .. } = str::parse::<WebhookEvent>(body).unwrap() else { panic!() };
    assert_eq!((made.s.clone(), made.amount), (S::Two, 3));
    assert_eq!(S::One.as_str(), "one");
}
