#!/bin/sh
# Issue 14, item 9: a classification hint names a cause only when the
# differing bytes themselves have that shape.  A corpus of near misses made
# at test time (tests/harden/make-hint-corpus.py: a string change next to a
# date, 180 new changelog entries, reordered domain names, a CRC32 in
# .gnu_debuglink, a 2,500-line rewrite) gets no embedded-timestamp hint;
# a build time in data and a year compiled into .text do.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

cd "$T"
python3 "$VOUCH_SRCDIR/tests/harden/make-hint-corpus.py" c
while read -r name want hint; do
	set +e
	"$VOUCH_BIN/vouch-compare" --json "c/A/$name" "c/B/$name" > "$name.json" 2>"$name.err"
	s=$?
	set -e
	[ "$s" -eq 1 ] || { fail "$name: exit $s, expected 1 (different)"; continue; }
	if python3 - "$name.json" "$hint" "$want" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
hints = {h for d in r["differences"] for h in d["hints"]}
ok = (sys.argv[2] in hints) == (sys.argv[3] == "yes")
if not ok:
    print("hints:", sorted(hints), [(d["path"], d["hints"]) for d in r["differences"]])
sys.exit(0 if ok else 1)
PY
	then ok; else fail "$name: '$hint' should be $([ "$want" = yes ] && echo given || echo absent)"; fi
done < c/expect
finish
