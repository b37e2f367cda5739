"""Validates files against PolicyOps' JSON Schemas with a real JSON Schema 2020-12 validator.

Usage: check_schema.py SCHEMA_DIR < manifest.json

The manifest is a list of {"kind": "policy" | "host" | "ups" | "settings" | "config", "path": FILE}.
SCHEMA_DIR holds KIND.schema.json for each kind. Prints one JSON object:
  {"results": {FILE: {"valid": bool, "parsed": bool, "errors": [str]}},
   "patterns": [{"schema": KIND, "pattern": str, "error": str | null}]}

`pattern` and `propertyNames` patterns are matched with ECMA-262 semantics and the `u` flag
(the `regress` package), as the schema says editors will; a UTF-8 byte-order mark is
skipped, as editors do (validate warns about it); every pattern of every schema is
also compiled that way, so one that only Python's `re` accepts is reported.
"""

import json
import sys

import jsonschema
import regress
from jsonschema import validators
from jsonschema.exceptions import ValidationError

_compiled = {}


def ecma(pattern):
    if pattern not in _compiled:
        _compiled[pattern] = regress.Regex(pattern, "u")
    return _compiled[pattern]


def pattern_keyword(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and ecma(pattern).find(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


ECMAValidator = validators.extend(jsonschema.Draft202012Validator, {"pattern": pattern_keyword})


def patterns(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from patterns(value)


def reject_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def main():
    folder = sys.argv[1]
    schemas = {}
    report = {"results": {}, "patterns": []}
    for kind in ("policy", "host", "ups", "settings", "config"):
        with open(f"{folder}/{kind}.schema.json", encoding="utf-8") as f:
            schemas[kind] = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schemas[kind])
        for p in sorted(set(patterns(schemas[kind]))):
            try:
                ecma(p)
                error = None
            except Exception as e:  # regress raises its own error type
                error = str(e)
            report["patterns"].append({"schema": kind, "pattern": p, "error": error})
    checkers = {kind: ECMAValidator(schema) for kind, schema in schemas.items()}
    for item in json.load(sys.stdin):
        path = item["path"]
        try:
            with open(path, "rb") as f:
                raw = f.read()
            document = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=reject_duplicates,
                                  parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except Exception as e:
            report["results"][path] = {"valid": False, "parsed": False, "errors": [f"not JSON: {e}"]}
            continue
        errors = sorted(e.message for e in checkers[item["kind"]].iter_errors(document))
        report["results"][path] = {"valid": not errors, "parsed": True, "errors": errors[:5]}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
