"""Validates lago-webhooks' JSON Schema export with the `jsonschema` package.

    python validate.py SCHEMA_DIR SPEC_FILE

Every schema in SCHEMA_DIR must be a valid draft 2020-12 schema; the example of every
message of SPEC_FILE must validate against the schema whose `webhook_type` is its own,
formats checked; and examples broken on purpose must be refused: a required key
removed, a required key of the wrong JSON type, an identifier that is no UUID, a value
no enumeration lists. Prints a summary line; exits with 1 on any failure.
"""

import copy
import json
import pathlib
import sys

from jsonschema import Draft202012Validator


def definition(schema, node):
    """`node`, or the definition its `$ref` names, through one `anyOf` with null."""
    for alternative in node.get("anyOf", []):
        if alternative.get("type") != "null":
            node = alternative
            break
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return schema["$defs"][ref[len("#/$defs/"):]]
    return node


# A value of each JSON kind, to put where the schema takes other kinds.
WRONG = [("object", {"not": "a scalar"}), ("string", "not an object"), ("array", []), ("boolean", True)]


def kinds(schema, node):
    """The JSON kinds `node` takes (`number` also meaning integers), all of them when it
    says nothing of them."""
    every = {"object", "string", "array", "boolean", "number", "integer", "null"}
    if "$ref" in node:
        return kinds(schema, definition(schema, node))
    if "anyOf" in node:
        return set().union(*(kinds(schema, alternative) for alternative in node["anyOf"]))
    if "enum" in node or "const" in node:
        return {"string"}
    kind = node.get("type")
    if kind is None:
        return every
    return set(kind) if isinstance(kind, list) else {kind}


def mutants(schema, example):
    """(what was broken, the broken example) pairs, each of which must be refused."""
    key = schema["properties"]["webhook_type"]["const"]
    payload_key = next(k for k in schema["required"] if k != "webhook_type")
    payload_schema = definition(schema, schema["properties"][payload_key])
    payload = example.get(payload_key)
    if not isinstance(payload, dict):
        return
    fields = payload_schema.get("properties", {})
    required = [name for name in payload_schema.get("required", []) if name in payload]
    if required:
        broken = copy.deepcopy(example)
        del broken[payload_key][required[0]]
        yield f"{key}: without {required[0]}", broken
    for name in required:
        allowed = kinds(schema, fields[name])
        wrong = next((v for k, v in WRONG if k not in allowed), None)
        if wrong is None:
            continue  # any JSON value
        broken = copy.deepcopy(example)
        broken[payload_key][name] = wrong
        yield f"{key}: {name} of the wrong type", broken
        break
    for name, value in payload.items():
        if isinstance(value, str) and fields.get(name, {}).get("format") == "uuid":
            broken = copy.deepcopy(example)
            broken[payload_key][name] = "not-a-uuid"
            yield f"{key}: {name} not a UUID", broken
            break
    for name, value in payload.items():
        if isinstance(value, str) and "enum" in definition(schema, fields.get(name, {})):
            broken = copy.deepcopy(example)
            broken[payload_key][name] = "a-value-no-enumeration-lists"
            yield f"{key}: {name} not listed", broken
            break


def main():
    schema_dir, spec_file = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    schemas = {}
    failures = []
    for path in sorted(schema_dir.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as error:  # noqa: BLE001 - any problem is reported the same way
            failures.append(f"{path.name} is not a valid schema: {error}")
            continue
        schemas[schema["properties"]["webhook_type"]["const"]] = schema
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    valid = refused = 0
    for message in spec["messages"]:
        webhook_type = message["webhook_type"]
        if "example" not in message:
            continue
        schema = schemas.get(webhook_type)
        if schema is None:
            failures.append(f"{webhook_type}: no schema in {schema_dir}")
            continue
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(message["example"]), key=lambda e: list(e.path))
        if errors:
            for error in errors[:5]:
                place = "/" + "/".join(str(p) for p in error.absolute_path)
                failures.append(f"{webhook_type}: the example fails at {place}: {error.message}")
        else:
            valid += 1
        for what, broken in mutants(schema, message["example"]):
            if validator.is_valid(broken):
                failures.append(f"{what}: accepted, should be refused")
            else:
                refused += 1
    for failure in failures:
        print(failure)
    print(f"{len(schemas)} schemas; {valid} examples valid; {refused} broken examples refused; "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
