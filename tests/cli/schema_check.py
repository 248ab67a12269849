#!/usr/bin/python3
"""Validate JSON documents against a schema under schemas/ (draft 2020-12).

usage: schema_check.py SCHEMA FILE [FILE...]

Each FILE holds one JSON document or JSON Lines.  With SCHEMA ending in
'+payload' (e.g. dsse-envelope.schema.json+payload), each document is an
envelope: it is validated, its payload decoded and validated against
statement-v1, and the predicate against the vouch provenance / VSA schema
when the predicateType is one of those.  Exit 1 on the first invalid one.
"""
import base64
import json
import os
import sys

from jsonschema import Draft202012Validator

PREDICATES = {
    "https://slsa.dev/provenance/v1": "vouch-provenance-v1.schema.json",
    "https://slsa.dev/verification_summary/v1": "vouch-vsa-v1.schema.json",
    "https://vouch.dev/attestation/vary/v1": "vouch-vary-v1.schema.json",
}


def validator(schemadir, name):
    with open(os.path.join(schemadir, name)) as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def documents(path):
    with open(path) as f:
        text = f.read()
    try:
        yield json.loads(text)
    except json.JSONDecodeError:
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)


def check_statement(schemadir, st, where):
    validator(schemadir, "statement-v1.schema.json").validate(st)
    pred = PREDICATES.get(st["predicateType"])
    if pred is not None:
        validator(schemadir, pred).validate(st.get("predicate", {}))
        print("%s: statement and %s predicate valid" % (where, st["predicateType"]))


def main():
    schemadir = os.path.join(os.environ["VOUCH_SRCDIR"], "schemas")
    name, files = sys.argv[1], sys.argv[2:]
    envelopes = name.endswith("+payload")
    name = name.replace("+payload", "")
    v = validator(schemadir, name)
    count = 0
    for path in files:
        for doc in documents(path):
            v.validate(doc)
            count += 1
            if name == "statement-v1.schema.json":
                check_statement(schemadir, doc, path)
            if envelopes:
                st = json.loads(base64.b64decode(doc["payload"], validate=True))
                check_statement(schemadir, st, path)
    print("%d documents valid against %s" % (count, name))
    if count == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
