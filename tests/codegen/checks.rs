//! Loading, checking and generating specs: every problem is reported, located.

use lago_webhooks_codegen::{Origin, Settings, SpecErrors, SpecSource, generate};
use serde_json::{Value, json};

/// A small valid spec to break in each test.
fn spec() -> Value {
    json!({
        "format_version": 1,
        "title": "Test spec",
        "messages": [
            {"webhook_type": "invoice.created", "object_type": "invoice", "payload_key": "invoice",
             "payload": "Invoice", "title": "Invoice created", "description": "An invoice was finalized.",
             "example": {"webhook_type": "invoice.created", "object_type": "invoice", "invoice": {"lago_id": "i1"}}},
            {"webhook_type": "fee.created", "object_type": "fee", "payload_key": "fee",
             "payload": "Fee", "title": "Fee created", "description": "A fee was created."}
        ],
        "objects": [
            {"name": "Invoice", "description": "An invoice.", "fields": [
                {"name": "lago_id", "type": "id", "description": "Its id."},
                {"name": "status", "type": "InvoiceStatus", "optional": true, "description": "Its status."},
                {"name": "fees", "type": "Fee[]", "optional": true, "description": "Its fees."}
            ]},
            {"name": "Fee", "description": "A fee.", "fields": [
                {"name": "type", "type": "string", "description": "Its kind."}
            ]},
            {"name": "Unused", "description": "Reached by no message.", "fields": []}
        ],
        "enums": [
            {"name": "InvoiceStatus", "description": "Invoice status.", "values": [
                {"value": "draft", "description": "Not final."},
                {"value": "finalized", "description": "Final."}
            ]}
        ]
    })
}

fn source(value: &Value) -> SpecSource {
    SpecSource::new("test-spec.json", serde_json::to_string_pretty(value).unwrap())
}

fn errors(value: &Value) -> SpecErrors {
    generate(&source(value), &Settings::default()).expect_err("spec has errors")
}

/// The message of each error `value` has.
fn messages(value: &Value) -> Vec<String> {
    errors(value).iter().map(|e| e.message.clone()).collect()
}

/// Asserts that the first error `value` has is at `pointer`, and that the errors' text
/// says `says`.
#[track_caller]
fn assert_first_error(value: &Value, pointer: &str, says: &str) {
    let errors = errors(value);
    assert_eq!(locations(&errors)[0].0, pointer);
    assert!(errors.to_string().contains(says), "{errors}");
}

/// Asserts that the generated `code` holds `wanted`, showing the code when it does not.
#[track_caller]
fn assert_holds(code: &str, wanted: &str) {
    assert!(code.contains(wanted), "missing `{wanted}` in {code}");
}

/// Pointer, line and column of each error.
fn locations(errors: &SpecErrors) -> Vec<(String, Option<usize>, Option<usize>)> {
    errors
        .iter()
        .map(|e| match &e.origin {
            Origin::Spec(loc) => (loc.pointer.clone(), loc.line, loc.column),
            Origin::Include(i) => (format!("include[{i}]"), None, None),
            Origin::Derive(i) => (format!("derives[{i}]"), None, None),
        })
        .collect()
}

#[test]
fn a_valid_spec_generates_every_item() {
    let code = generate(&source(&spec()), &Settings::default()).unwrap().to_string();
    for item in [
        "pub struct Invoice",
        "pub struct Fee {",
        "pub struct Unused",
        "pub enum InvoiceStatus",
        "pub enum WebhookType",
        "pub enum WebhookEvent",
        "pub trait WebhookHandler",
        "pub trait AsyncWebhookHandler",
        "fn on_invoice_created",
    ] {
        assert_holds(&code, item);
    }
    // `type` is not a Rust identifier: renamed, with the JSON name kept for serde.
    assert_holds(&code, "pub type_ :");
    assert!(code.contains("rename = \"type\""));
}

#[test]
fn the_bundled_spec_generates_without_errors() {
    let text = include_str!("../../spec/lago-webhooks.json");
    let code = generate(&SpecSource::new("lago-webhooks.json", text), &Settings::default()).unwrap();
    assert_eq!(
        code.to_string().matches("fn on_").count(),
        2 * 76 + 2,
        "76 messages, sync and async, plus on_unknown"
    );
}

#[test]
fn invalid_json_names_file_line_and_column() {
    let source = SpecSource::new("broken.json", "{\n  \"format_version\": 1,\n  \"title\": \n}");
    let errors = generate(&source, &Settings::default()).unwrap_err();
    assert_eq!(locations(&errors), [(String::new(), Some(4), Some(1))]);
    let text = errors.to_string();
    assert!(text.starts_with("spec is not valid JSON: expected value\n  --> broken.json:4:1"), "{text}");
    assert!(text.contains("4 | }"), "{text}");
}

#[test]
fn an_unknown_format_version_is_refused() {
    let mut value = spec();
    value["format_version"] = json!(2);
    let errors = errors(&value);
    let Origin::Spec(location) = &errors.iter().next().unwrap().origin else { panic!() };
    assert_eq!(location.pointer, "/format_version");
    assert_eq!(location.source_line.as_deref(), Some("  \"format_version\": 2,"));
    assert_eq!(location.column, Some(21));
    assert!(errors.to_string().contains("unknown spec format version 2"));
}

#[test]
fn a_missing_key_names_its_pointer() {
    let mut value = spec();
    value["messages"][1].as_object_mut().unwrap().remove("payload");
    assert_first_error(&value, "/messages/1", "missing field `payload`");
}

#[test]
fn a_misspelt_key_is_refused() {
    let mut value = spec();
    value["objects"][0]["fields"][1]["optinal"] = json!(true);
    assert_first_error(&value, "/objects/0/fields/1/optinal", "unknown field `optinal`");
}

#[test]
fn independent_problems_are_all_reported_at_once() {
    let mut value = spec();
    value["objects"][0]["fields"][0]["type"] = json!("intger");
    value["messages"][1]["webhook_type"] = json!("invoice.created");
    value["enums"][0]["values"][1]["value"] = json!("Draft");
    let errors = errors(&value);
    let messages: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
    assert_eq!(
        messages,
        [
            "unknown type `intger`; did you mean `integer`?",
            "values `draft` and `Draft` of `InvoiceStatus` both become the variant `Draft`",
            "webhook type `invoice.created` is defined twice",
        ]
    );
    let pointers: Vec<String> = locations(&errors).into_iter().map(|l| l.0).collect();
    assert_eq!(pointers, ["/objects/0/fields/0/type", "/enums/0/values/1/value", "/messages/1/webhook_type"]);
    assert!(locations(&errors).iter().all(|(_, line, column)| line.is_some() && column.is_some()));
}

#[test]
fn names_that_collide_in_rust_are_refused() {
    let mut value = spec();
    value["objects"][2]["name"] = json!("fee");
    value["objects"][1]["fields"] = json!([
        {"name": "lagoId", "type": "id", "description": "a"},
        {"name": "lago_id", "type": "id", "description": "b"}
    ]);
    assert_eq!(
        messages(&value),
        [
            "types `Fee` and `fee` both become the Rust type `Fee`",
            "fields `lagoId` and `lago_id` of `Fee` both become `lago_id`",
        ]
    );
}

#[test]
fn reserved_and_builtin_names_are_refused() {
    let mut value = spec();
    value["objects"][2]["name"] = json!("webhook_event");
    value["enums"][0]["name"] = json!("string");
    let messages = messages(&value);
    assert_eq!(messages[0], "type name `webhook_event` is reserved for the generated `WebhookEvent`");
    assert_eq!(messages[1], "type name `string` is a built-in type; choose another name");
}

#[test]
fn a_payload_must_name_an_object() {
    let mut value = spec();
    value["messages"][1]["payload"] = json!("InvoiceStatus");
    assert_eq!(messages(&value), ["payload of `fee.created` must name an object, not `InvoiceStatus`"]);
}

#[test]
fn nested_objects_are_boxed_so_an_object_may_contain_itself() {
    let mut value = spec();
    value["objects"][2]["fields"] =
        json!([{"name": "parent", "type": "Unused", "optional": true, "description": "x"}]);
    let code = generate(&source(&value), &Settings::default()).unwrap().to_string();
    assert_holds(&code, "pub parent : :: core :: option :: Option < :: std :: boxed :: Box < Unused > >");
}

#[test]
fn an_example_must_belong_to_its_message() {
    let mut value = spec();
    value["messages"][0]["example"] = json!({"webhook_type": "fee.created", "object_type": "fee", "fee": {}});
    assert_eq!(
        messages(&value),
        [
            "example of `invoice.created` has `fee.created` as its webhook_type",
            "example of `invoice.created` has no `invoice` payload key",
        ]
    );
}

#[test]
fn include_keeps_only_what_its_messages_reach() {
    let settings = Settings::default().with_include(vec!["fee.created".into()]);
    let code = generate(&source(&spec()), &settings).unwrap().to_string();
    assert!(code.contains("pub struct Fee {"));
    for absent in ["pub struct Invoice", "pub struct Unused", "pub enum InvoiceStatus", "on_invoice_created"]
    {
        assert!(!code.contains(absent), "`{absent}` should not be generated");
    }
}

#[test]
fn include_suggests_the_closest_webhook_type() {
    let settings = Settings::default().with_include(vec!["fee.created".into(), "invoice.creatd".into()]);
    let errors = generate(&source(&spec()), &settings).unwrap_err();
    assert_eq!(locations(&errors), [("include[1]".to_owned(), None, None)]);
    assert_eq!(
        errors.to_string(),
        "`include` names `invoice.creatd`, which the spec does not define; did you mean `invoice.created`?"
    );
}

#[test]
fn a_missing_file_names_the_path_tried() {
    let errors = SpecSource::read(std::path::Path::new("/nonexistent/lago.json")).unwrap_err();
    assert!(errors.to_string().starts_with("cannot read spec file `/nonexistent/lago.json`"), "{errors}");
}

#[test]
fn the_runtime_path_and_derives_are_used_as_given() {
    let settings = Settings::default()
        .with_runtime("crate::rt".parse().unwrap())
        .with_derive("Eq".parse().unwrap())
        .with_derive("::core::hash::Hash".parse().unwrap())
        .with_derive("::serde::Serialize".parse().unwrap());
    let code = generate(&source(&spec()), &settings).unwrap().to_string();
    assert_holds(&code, "crate :: rt :: __private :: serde :: Deserialize");
    assert!(!code.contains("lago_webhooks"), "only the given runtime path is named");
    // Serialize is derived on structs and implemented by hand on enums: never repeated.
    assert!(!code.contains(", :: serde :: Serialize"), "{code}");
    // The event enum holds runtime types and keeps its own derives.
    assert!(
        code.contains(
            ":: core :: cmp :: PartialEq)] # [non_exhaustive] # [allow (dead_code)] pub enum WebhookEvent"
        ),
        "{code}"
    );
    // Structs get both extra derives; enums derive Eq and Hash already and do not repeat them.
    assert!(
        code.contains("rt :: __private :: serde :: Deserialize , Eq , :: core :: hash :: Hash)"),
        "{code}"
    );
    assert!(
        code.contains(
            ":: core :: cmp :: Eq , :: core :: hash :: Hash)] # [allow (dead_code)] pub enum InvoiceStatus"
        ),
        "{code}"
    );
}

#[test]
fn shape_problems_in_different_items_are_all_reported() {
    let mut value = spec();
    value["messages"][1].as_object_mut().unwrap().remove("title");
    value["objects"][0]["fields"][1]["nullable"] = json!("yes");
    value["enums"][0]["values"][0]["value"] = json!(3);
    let errors = errors(&value);
    let pointers: Vec<String> = locations(&errors).into_iter().map(|l| l.0).collect();
    assert_eq!(
        pointers,
        ["/messages/1", "/objects/0/fields/1/nullable", "/enums/0/values/0/value"],
        "{errors}"
    );
}

#[test]
fn partial_generation_keeps_every_sound_item() {
    let mut value = spec();
    value["objects"][0]["fields"][0]["type"] = json!("Nope");
    let (code, errors) = lago_webhooks_codegen::generate_partial(&source(&value), &Settings::default());
    assert_eq!(errors.len(), 1);
    let code = code.to_string();
    for item in ["pub struct Invoice", "pub struct Fee {", "pub enum InvoiceStatus", "fn on_invoice_created"]
    {
        assert_holds(&code, item);
    }
    assert!(!code.contains("pub lago_id"), "the broken field is left out");
    assert_eq!(
        errors.to_string().lines().next(),
        Some("`Nope` is not defined: no object, enumeration or union has that name")
    );
}

#[test]
fn unknown_built_in_types_list_the_vocabulary() {
    let mut value = spec();
    value["objects"][1]["fields"][0]["type"] = json!("text");
    let message = errors(&value).iter().next().unwrap().message.clone();
    assert_eq!(
        message,
        "unknown type `text`; the built-in types are string, integer, number, boolean, decimal, date, datetime, currency, url, id, json, encoded_json"
    );
}

#[test]
fn an_unreadable_definition_is_reported_once_not_at_each_use() {
    let mut value = spec();
    value["enums"][0]["description"] = json!(null);
    let errors = errors(&value);
    assert_eq!(locations(&errors).len(), 1, "{errors}");
    assert_eq!(locations(&errors)[0].0, "/enums/0/description");
}

#[test]
fn the_skeleton_defines_every_fixed_name() {
    let code = lago_webhooks_codegen::skeleton(&Settings::default().with_tracked_file("/gone.json".into()))
        .to_string();
    for item in [
        "pub enum WebhookType",
        "pub enum WebhookEvent",
        "pub trait WebhookHandler",
        "pub trait AsyncWebhookHandler",
    ] {
        assert_holds(&code, item);
    }
    assert!(!code.contains("include_bytes"), "a file that cannot be read is not tracked");
}

#[test]
fn messages_that_cannot_be_generated_are_refused() {
    let mut value = spec();
    value["messages"][0]["webhook_type"] = json!("unknown");
    value["messages"][1]["payload_key"] = json!("webhook_type");
    assert_eq!(
        messages(&value),
        [
            "webhook type `unknown` would become the handler method `on_unknown`, which receives the webhook types the spec does not know",
            "payload_key `webhook_type` is an envelope key and cannot hold the payload",
        ]
    );
}

#[test]
fn deeply_nested_arrays_are_refused_without_recursing() {
    let mut value = spec();
    value["objects"][1]["fields"][0]["type"] = json!(format!("string{}", "[]".repeat(20_000)));
    let messages = messages(&value);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0], "`string[]…[]` nests arrays 20000 deep; at most 8 are supported");
}

#[test]
fn a_type_name_of_a_megabyte_is_quoted_short_and_compared_with_no_name() {
    let mut value = spec();
    let name = "Q".repeat(1 << 20);
    value["objects"][1]["fields"][0]["type"] = json!(name);
    let messages = messages(&value);
    assert_eq!(
        messages,
        [format!(
            "`{}… (1048576 characters)` is not defined: no object, enumeration or union has that name",
            "Q".repeat(60)
        )]
    );
}

#[test]
fn catch_all_variants_avoid_every_listed_value() {
    let mut value = spec();
    value["enums"][0]["values"] =
        json!(["unknown", "other", "unrecognized", "unknown_value", "unknown2"].map(|v| json!({"value": v})));
    let code = generate(&source(&value), &Settings::default()).unwrap().to_string();
    assert_holds(&code, "Unknown3 (:: std :: string :: String)");
}

#[test]
fn syntax_errors_count_columns_in_characters() {
    let source = SpecSource::new("accents.json", "{\"title\": \"é\" x}");
    let errors = generate(&source, &Settings::default()).unwrap_err();
    assert_eq!(locations(&errors), [(String::new(), Some(1), Some(15))]);
    let empty = generate(&SpecSource::new("empty.json", ""), &Settings::default()).unwrap_err();
    assert_eq!(locations(&empty), [(String::new(), Some(1), Some(1))]);
}

#[test]
fn constraints_that_do_not_fit_their_field_are_refused() {
    let mut value = spec();
    value["objects"][0]["fields"][0]["format"] = json!("phone");
    value["objects"][0]["fields"][1]["non_empty"] = json!(true);
    value["objects"][1]["fields"][0]["minimum"] = json!(0);
    value["objects"][1]["fields"][0]["format"] = json!("date");
    let errors = errors(&value);
    let found: Vec<(String, String)> = errors
        .iter()
        .map(|e| match &e.origin {
            Origin::Spec(loc) => (loc.pointer.clone(), e.message.clone()),
            Origin::Include(_) | Origin::Derive(_) => unreachable!(),
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "/objects/0/fields/0/format".to_owned(),
                "unknown format `phone`; the formats are uuid, email, url, date, datetime, currency, decimal, json, none".to_owned()
            ),
            ("/objects/0/fields/1/non_empty".to_owned(), "non_empty applies to strings, not to `InvoiceStatus`".to_owned()),
            ("/objects/1/fields/0/format".to_owned(), "format `date` does not apply to type `string`".to_owned()),
            ("/objects/1/fields/0/minimum".to_owned(), "minimum applies to integers, not to `string`".to_owned()),
        ]
    );
}

#[test]
fn rules_must_name_fields_of_the_right_type() {
    let mut value = spec();
    value["objects"][0]["rules"] = json!([
        {"rule": "same_currency", "root": ["lago_id"], "within": ["fees", "status"]},
        {"rule": "sum", "total": "lago_id", "parts": ["missing", ["status"]]},
        {"rule": "average", "of": []}
    ]);
    let pointers: Vec<String> = locations(&errors(&value)).into_iter().map(|l| l.0).collect();
    assert_eq!(
        pointers,
        [
            "/objects/0/rules/2/rule",
            "/objects/0/rules/0/root/0",
            "/objects/0/rules/0/within/1",
            "/objects/0/rules/1/total",
            "/objects/0/rules/1/parts/0/0",
            "/objects/0/rules/1/parts/1/0",
        ]
    );
}

#[test]
fn validation_can_be_left_out() {
    let with = generate(&source(&spec()), &Settings::default()).unwrap().to_string();
    let without =
        generate(&source(&spec()), &Settings::default().with_validation(false)).unwrap().to_string();
    assert!(with.contains("Validate for Invoice"));
    assert!(!without.contains("Validate"), "{without}");
}

#[test]
fn constraints_that_can_never_hold_or_never_fire_are_refused() {
    let mut value = spec();
    let fields = value["objects"][0]["fields"].as_array_mut().unwrap();
    fields
        .push(json!({"name": "bounded", "type": "integer", "minimum": 5, "maximum": 1, "description": "x"}));
    fields.push(json!({"name": "count", "type": "integer", "description": "y"}));
    value["objects"][0]["rules"] = json!([
        {"rule": "same_currency", "root": []},
        {"rule": "sum", "total": "count", "parts": []},
        {"rule": "sum", "total": "count", "parts": [[]]}
    ]);
    assert_eq!(
        messages(&value),
        [
            "maximum 1 is less than minimum 5",
            "`root` names no field",
            "`parts` names no field",
            "this part names no field"
        ]
    );
}

/// The test spec with a union `Code` (text or integer) on `Fee.code`.
fn spec_with_union(variants: Value) -> Value {
    let mut value = spec();
    value["unions"] = json!([{"name": "Code", "description": "A code.", "variants": variants}]);
    value["objects"][1]["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "code", "type": "Code", "nullable": true, "description": "Its code."}));
    value
}

#[test]
fn a_union_becomes_an_enum_read_by_json_kind() {
    let variants = json!([
        {"name": "Text", "type": "string", "description": "As text."},
        {"name": "Number", "type": "integer"},
        {"name": "Details", "type": "Invoice"}
    ]);
    let code = generate(&source(&spec_with_union(variants)), &Settings::default()).unwrap().to_string();
    for item in [
        "pub enum Code",
        "Text (:: std :: string :: String)",
        "Number (:: core :: primitive :: i64)",
        "Details (:: std :: boxed :: Box < Invoice >)",
        "pub fn as_text (& self) -> :: core :: option :: Option < & :: core :: primitive :: str >",
        "pub fn as_number (& self) -> :: core :: option :: Option < :: core :: primitive :: i64 >",
        "const EXPECTING : & 'static :: core :: primitive :: str = \"a string, an integer or an object\"",
        "fn from_map",
        "pub code : :: core :: option :: Option < Code >",
    ] {
        assert_holds(&code, item);
    }
    // `to_text` only for unions of scalars.
    assert!(!code.contains("fn to_text"));
    let scalars = json!([{"name": "Text", "type": "string"}, {"name": "Number", "type": "integer"}]);
    let code = generate(&source(&spec_with_union(scalars)), &Settings::default()).unwrap().to_string();
    assert_holds(
        &code,
        "pub fn to_text (& self) -> :: std :: borrow :: Cow < '_ , :: core :: primitive :: str >",
    );
}

#[test]
fn union_variants_must_differ_in_json_kind() {
    let variants = json!([
        {"name": "Text", "type": "string"},
        {"name": "Date", "type": "date"},
        {"name": "Amount", "type": "decimal"},
        {"name": "Text", "type": "integer"}
    ]);
    let errors = errors(&spec_with_union(variants));
    let found: Vec<(String, String)> =
        errors.iter().zip(locations(&errors)).map(|(e, l)| (l.0, e.message.clone())).collect();
    assert_eq!(
        found,
        [
            (
                "/unions/0/variants/1/type".to_owned(),
                "variants `Text` and `Date` of `Code` are both JSON strings; a union tells its variants apart by JSON kind"
                    .to_owned()
            ),
            (
                "/unions/0/variants/2/type".to_owned(),
                "variant `Amount` of `Code` has type `decimal`, which takes several kinds of JSON value; a union variant needs a type of one kind"
                    .to_owned()
            ),
            ("/unions/0/variants/3/name".to_owned(), "variants `Text` and `Text` of `Code` both become `Text`".to_owned()),
        ]
    );
}

#[test]
fn include_keeps_the_unions_its_messages_reach() {
    let variants = json!([{"name": "Text", "type": "string"}, {"name": "Number", "type": "integer"}]);
    let mut value = spec_with_union(variants);
    value["unions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "Orphan", "description": "Unused.", "variants": []}));
    let settings = Settings::default().with_include(vec!["fee.created".to_owned()]);
    let (code, errors) = lago_webhooks_codegen::generate_partial(&source(&value), &settings);
    assert_eq!(
        errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["union `Orphan` has no variant"]
    );
    let code = code.to_string();
    assert!(code.contains("pub enum Code"));
    assert!(!code.contains("pub enum Orphan"));
}

#[test]
fn lifecycle_add_on_and_example_reach_the_generated_code() {
    let mut value = spec();
    value["messages"][0]["lifecycle"] = json!("retired");
    value["messages"][1]["premium"] = json!("order_forms");
    let code = generate(&source(&value), &Settings::default()).unwrap().to_string();
    assert_holds(&code, "WebhookType :: InvoiceCreated => :: lago_webhooks :: Lifecycle :: Retired");
    assert_holds(&code, "WebhookType :: FeeCreated => :: core :: option :: Option :: Some (\"order_forms\")");
    assert!(code.contains("Retired: current Lago no longer sends it"));
    assert!(code.contains("Sent only by organizations with Lago's paid add-on `order_forms`."));
    // The example in Lago's key order; a message without one gets a bare envelope.
    assert_holds(
        &code,
        r#"WebhookType :: InvoiceCreated => "{\"webhook_type\":\"invoice.created\",\"object_type\":\"invoice\",\"invoice\":{\"lago_id\":\"i1\"}}""#,
    );
    assert_holds(
        &code,
        r#"WebhookType :: FeeCreated => "{\"webhook_type\":\"fee.created\",\"object_type\":\"fee\",\"fee\":{}}""#,
    );
    value["messages"][0]["lifecycle"] = json!("sunset");
    let errors = errors(&value);
    assert_eq!(locations(&errors)[0].0, "/messages/0/lifecycle", "{errors}");
}

#[test]
fn organization_id_cannot_hold_a_payload() {
    let mut value = spec();
    value["messages"][1]["payload_key"] = json!("organizationId");
    let errors = errors(&value);
    assert!(errors.to_string().contains("would name the payload field `organization_id`"), "{errors}");
    value["messages"][1]["payload_key"] = json!("organization_id");
    let errors = self::errors(&value);
    assert!(errors.to_string().contains("is an envelope key"), "{errors}");
}

#[test]
fn include_follows_unions_inside_unions() {
    // `Code` holds `Part[]`, a union defined after it: both are kept, and nothing else.
    let variants = json!([{"name": "Text", "type": "string"}, {"name": "Parts", "type": "Part[]"}]);
    let mut value = spec_with_union(variants);
    let unions = value["unions"].as_array_mut().unwrap();
    unions.push(json!({"name": "Orphan", "description": "Unused.", "variants": [{"name": "Flag", "type": "boolean"}]}));
    unions.push(json!({"name": "Part", "description": "A part.", "variants": [
        {"name": "Number", "type": "integer"}, {"name": "Status", "type": "InvoiceStatus"}
    ]}));
    let settings = Settings::default().with_include(vec!["fee.created".to_owned()]);
    let code = generate(&source(&value), &settings).unwrap().to_string();
    for item in
        ["pub enum Code", "Parts (:: std :: vec :: Vec < Part >)", "pub enum Part", "pub enum InvoiceStatus"]
    {
        assert_holds(&code, item);
    }
    assert!(!code.contains("pub enum Orphan"));
}

#[test]
fn an_empty_add_on_is_refused() {
    let mut value = spec();
    value["messages"][1]["premium"] = json!(" ");
    let errors = errors(&value);
    assert_eq!(locations(&errors)[0].0, "/messages/1/premium", "{errors}");
}

#[test]
fn union_variants_are_validated_like_fields_of_their_type() {
    let variants = json!([
        {"name": "Ids", "type": "id[]"},
        {"name": "Details", "type": "Invoice"},
        {"name": "Flag", "type": "boolean"}
    ]);
    let code = generate(&source(&spec_with_union(variants)), &Settings::default()).unwrap().to_string();
    // Each id of the array is checked as a UUID at its index; the object validates itself
    // and reports its currencies; the boolean has no arm.
    assert_holds(&code, "Code :: Ids (value) => { for (index , item) in value . iter () . enumerate ()");
    assert_holds(&code, ":: lago_webhooks :: validate :: Format :: Uuid");
    assert_holds(
        &code,
        "Code :: Details (value) => { :: lago_webhooks :: Validate :: validate_at (value , & path , out) ; }",
    );
    assert_holds(
        &code,
        "Code :: Details (value) => :: lago_webhooks :: __private :: Currencies :: visit_currencies (value , path , visit) ,",
    );
    let validate = &code[code.find("impl :: lago_webhooks :: Validate for Code").unwrap()..];
    let validate =
        &validate[..validate.find("impl :: lago_webhooks :: __private :: Currencies for Code").unwrap()];
    assert!(!validate.contains("Code :: Flag"), "{validate}");
    assert!(validate.contains("Code :: Ids"), "{validate}");
}

#[test]
fn releases_are_read_and_each_since_and_until_checked_against_them() {
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut value = spec();
        value["releases"] = json!({"floor": "1.0.0", "latest": "1.51.0"});
        edit(&mut value);
        value
    };
    let field = "/objects/1/fields/0";
    assert_first_error(
        &with(&|v| v["objects"][1]["fields"][0]["since"] = json!("1.9")),
        &format!("{field}/since"),
        "`1.9` is not a whole Lago release: expected `major.minor.patch`",
    );
    assert_first_error(
        &with(&|v| v["objects"][1]["fields"][0]["since"] = json!("1.60.0")),
        &format!("{field}/since"),
        "1.60.0 is newer than the latest release the spec knows; write `unreleased`",
    );
    assert_first_error(
        &with(&|v| {
            v["objects"][1]["fields"][0]["since"] = json!("1.9.0");
            v["objects"][1]["fields"][0]["until"] = json!("1.8.0");
        }),
        &format!("{field}/until"),
        "sent until 1.8.0, before it is sent since 1.9.0",
    );
    assert_first_error(
        &with(&|v| v["messages"][0]["until"] = json!("v1.2.0").to_string().into()),
        "/messages/0/until",
        "is not a Lago release",
    );
    assert_first_error(
        &with(&|v| v["releases"]["latest"] = json!("0.9.0")),
        "/releases/latest",
        "the latest release 0.9.0 is older than the floor 1.0.0",
    );
    let unreleased = with(&|v| v["messages"][0]["since"] = json!("unreleased"));
    assert!(generate(&source(&unreleased), &Settings::default()).is_ok());
}

#[test]
fn a_message_change_names_a_release_that_sends_the_message() {
    let with = |changes: Value| {
        let mut value = spec();
        value["releases"] = json!({"floor": "1.0.0", "latest": "1.51.0"});
        value["messages"][0]["since"] = json!("1.9.0");
        value["messages"][0]["changes"] = changes;
        value
    };
    let change = |release: &str| json!([{"release": release, "description": "Another serializer."}]);
    assert_first_error(
        &with(change("1.9.0")),
        "/messages/0/changes/0/release",
        "1.9.0 is not after the first release that sends",
    );
    assert_first_error(
        &with(change("1.52.0")),
        "/messages/0/changes/0/release",
        "1.52.0 is newer than the latest release the spec knows",
    );
    assert_first_error(&with(change("1.10")), "/messages/0/changes/0/release", "is not a whole Lago release");
    let twice = json!([
        {"release": "1.10.0", "description": "One."},
        {"release": "1.10.0", "description": "Two."}
    ]);
    assert_first_error(&with(twice), "/messages/0/changes/1/release", "1.10.0 is listed twice");
    assert_first_error(
        &with(json!([{"release": "1.10.0", "description": " "}])),
        "/messages/0/changes/0/description",
        "a change needs a description",
    );
    // A sound change is in the message's docs, marked when it is breaking.
    let sound = with(json!([{"release": "1.10.0", "description": "Another serializer.", "breaking": true}]));
    let code = generate(&source(&sound), &Settings::default()).unwrap().to_string();
    assert!(code.contains("Changed in Lago 1.10.0 (breaking): Another serializer."), "{code}");
}

/// The derive errors `settings` gives `value`, as (derive index, message).
fn derive_errors(value: &Value, settings: &Settings) -> Vec<(usize, String)> {
    let errors = generate(&source(value), settings).expect_err("a derive is refused");
    errors
        .iter()
        .map(|e| match e.origin {
            Origin::Derive(i) => (i, e.message.clone()),
            _ => panic!("not a derive's error: {e}"),
        })
        .collect()
}

#[test]
fn a_derive_a_field_cannot_have_is_refused_naming_the_field_by_its_place() {
    let mut value = spec();
    value["objects"][1]["fields"].as_array_mut().unwrap().push(json!(
        {"name": "taxes_rate", "type": "number", "optional": true, "description": "A rate."}
    ));
    let settings = Settings::default()
        .with_derive("::serde::Serialize".parse().unwrap())
        .with_derive("std::cmp::Eq".parse().unwrap())
        .with_derive("Hash".parse().unwrap());
    assert_eq!(
        derive_errors(&value, &settings),
        [
            (
                1,
                "invoice.created: /invoice/fees/*/taxes_rate (Fee.taxes_rate: Option<f64>) cannot derive Eq: \
                 f64 is not Eq; also in 1 other webhook type"
                    .to_owned()
            ),
            (
                2,
                "invoice.created: /invoice/fees/*/taxes_rate (Fee.taxes_rate: Option<f64>) cannot derive Hash: \
                 f64 is not Hash; also in 1 other webhook type"
                    .to_owned()
            ),
        ]
    );
    // The code of everything else is emitted without the refused derives.
    let (code, _) = lago_webhooks_codegen::generate_partial(&source(&value), &settings);
    let code = code.to_string();
    assert!(code.contains("pub struct Fee"), "{code}");
    assert!(!code.contains("std :: cmp :: Eq") && !code.contains(", Hash"), "{code}");
    // Without the float, both hold.
    assert!(generate(&source(&spec()), &settings).is_ok());
}

#[test]
fn derives_are_checked_against_the_runtime_types_enums_and_unions() {
    let with = |derives: &[&str]| {
        derives.iter().fold(Settings::default(), |settings, d| settings.with_derive(d.parse().unwrap()))
    };
    // No ordering on ids, no default for an id or an enumeration, no copy of a string.
    let ordered = derive_errors(&spec(), &with(&["PartialOrd"]));
    assert_eq!(ordered.len(), 1, "{ordered:?}");
    assert!(
        ordered[0].1.starts_with("invoice.created: /invoice/lago_id (Invoice.lago_id: Id)"),
        "{ordered:?}"
    );
    let defaults: Vec<String> =
        derive_errors(&spec(), &with(&["Default"])).into_iter().map(|e| e.1).collect();
    assert_eq!(defaults.len(), 2, "{defaults:?}");
    assert!(defaults[0].contains("Id is not Default"), "{defaults:?}");
    assert!(
        defaults[1]
            .starts_with("invoice.created: /invoice/status (enum InvoiceStatus) cannot derive Default"),
        "{defaults:?}"
    );
    let copies = derive_errors(&spec(), &with(&["::core::marker::Copy"]));
    assert!(copies.iter().any(|e| e.1.contains("(Invoice.fees: Option<Vec<Fee>>) cannot derive Copy: Vec")));
    assert!(
        copies.iter().any(|e| e.1.contains("(Fee.type_: String) cannot derive Copy: String")),
        "{copies:?}"
    );
    // Ord needs Eq and PartialOrd derived too.
    let ord = derive_errors(&spec(), &with(&["Ord"]));
    assert!(ord[0].1.contains("derive Ord needs Eq and PartialOrd"), "{ord:?}");
    // A type reached by no message is named without a place.
    let mut unused = spec();
    unused["objects"][2]["fields"] = json!([{"name": "rate", "type": "number", "description": "A rate."}]);
    assert_eq!(
        derive_errors(&unused, &with(&["Eq"]))[0].1,
        "(Unused.rate: f64) cannot derive Eq: f64 is not Eq"
    );
    // A union holding a number cannot be `Eq`; the place is where the union stands.
    let union = spec_with_union(json!([
        {"name": "Text", "type": "string"}, {"name": "Ratio", "type": "number"}
    ]));
    let errors = derive_errors(&union, &with(&["Eq"]));
    assert!(errors.iter().any(|e| e.1.contains("(Code::Ratio: f64) cannot derive Eq")), "{errors:?}");
    // Strings have an order, but the borrowed flavour's text has none.
    let mut strings = spec();
    strings["objects"][0]["fields"] =
        json!([{"name": "number", "type": "string", "description": "Its number."}]);
    strings["messages"][0]["example"] = json!(null);
    let settings = with(&["PartialOrd"]).with_include(vec!["invoice.created".to_owned()]);
    assert!(generate(&source(&strings), &settings).is_ok());
    let errors = derive_errors(&strings, &settings.with_borrowed(true));
    assert!(errors[0].1.contains("(Invoice.number: String) cannot derive PartialOrd"), "{errors:?}");
    // Paths of other crates are their own derives: not checked.
    assert!(generate(&source(&unused), &with(&["my_crate::Eq"])).is_ok());
}
