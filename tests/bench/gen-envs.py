#!/usr/bin/env python3
"""gen-envs.py FILE N [START]: N distinct in-toto envelopes, numbered from
START (default 0), one JSON line each, for the log benchmarks (vouch-logd
checks no signature without --submitters, so a placeholder signature will
do)."""
import base64, hashlib, json, sys
with open(sys.argv[1], "w") as f:
    start = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    for i in range(start, start + int(sys.argv[2])):
        st = {"_type": "https://in-toto.io/Statement/v1",
              "subject": [{"name": "a%d" % i,
                           "digest": {"sha256": hashlib.sha256(b"%d" % i).hexdigest()}}],
              "predicateType": "https://example.com/bench", "predicate": {"i": i}}
        p = base64.b64encode(json.dumps(st, separators=(",", ":")).encode()).decode()
        f.write(json.dumps({"payload": p, "payloadType": "application/vnd.in-toto+json",
                            "signatures": [{"keyid": "", "sig": "AAAA"}]},
                           separators=(",", ":")) + "\n")
