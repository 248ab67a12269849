# campaign_fixtures.sh - sourced by the campaign tests: makes in $F a
# campaign's inputs from examples/hello (the demo's program), a log, and
# writes $F/campaign.json.  campaign_fixtures MODE:
#   kinds  one item failing in each distinct way, plus reproduced and
#          equivalent ones (tests/cli/campaign.sh)
#   many N N items of the demo's hello, each its own shipped copy
#   slow   many, with item 'slow-N' builds that sleep (to be killed)
F=$T/fx
mkdir -p "$F/shipped"
ex=$VOUCH_SRCDIR/examples
tar -C "$ex/hello" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
	--format=ustar -cf "$F/hello-1.0.tar" hello.c Makefile
"$VOUCH_BIN/vouch-rebuild" -r "$ex/hello/recipe-host.json" -s "$F/hello-1.0.tar" -o "$F/vendor" >/dev/null
cp "$F/vendor/bin/hello" "$F/shipped/hello"
cp "$ex/labs/lab-a.test.key" "$F/lab.key"
cp "$ex/labs/lab-a.test.pub" "$F/lab.pub"
serve_new_log campaign.test/log

# recipe NAME PYTHON-EDIT: examples/hello/recipe-host.json changed by the
# python statement (r is the recipe) into $F/NAME.json
recipe() {
	python3 - "$ex/hello/recipe-host.json" "$F/$1.json" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["source"]["path"] = "hello-1.0.tar"
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"), indent=1)
PY
}
recipe hello 'pass'

campaign_json() { # ITEMS-JSON [EXTRA-TOP-LEVEL-JSON-MEMBERS]
	cat >"$F/campaign.json" <<EOF
{"vouchCampaign": 1, "name": "hello-release",
 "lab": {"name": "lab-a", "key": "lab.key"},
 "log": {"url": "$URL", "verifier": "$VKEY"},
 "output": "out", ${2:-}
 "items": $1}
EOF
}

hello_item() { # ID [SHIPPED] [RECIPE]
	printf '{"id": "%s", "recipe": "%s.json", "source": "hello-1.0.tar", "artifacts": [{"shipped": "%s", "output": "bin/hello"}]}' \
		"$1" "${3:-hello}" "${2:-shipped/hello}"
}
