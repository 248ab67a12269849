# attest_keys.sh - sourced by attest.sh and verify.sh after lib.sh: writes
# the dsse.json test keys (A, B: Ed25519; E: ECDSA P-256) and the vector
# statement into $T, and sets PY to Debian's python3 (which has
# python3-cryptography, python3-jsonschema and in-toto).
: "${VOUCH_TESTVECTORS:?run the shell tests through make check}"
PY=${VOUCH_PYTHON:-/usr/bin/python3}
"$PY" - "$VOUCH_TESTVECTORS/dsse.json" "$T" <<'PYEOF'
import json, sys
v = json.load(open(sys.argv[1]))
d = sys.argv[2]
for k in "ABE":
    open(d + "/" + k + ".key", "w").write(v["keys"][k]["private_pem"])
    open(d + "/" + k + ".pub", "w").write(v["keys"][k]["public_pem"])
open(d + "/vector-statement.json", "w").write(v["statement_payload"])
for c in v["cases"]:
    if "envelope" in c:
        json.dump(c["envelope"], open(d + "/case-" + c["name"] + ".json", "w"), indent=1)
PYEOF
chmod 600 "$T"/*.key
