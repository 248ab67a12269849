#!/bin/sh
# lab.sh - what a transparency lab does with a vendor's release: rebuild the
# source in the sandbox, compare the result with the binary the vendor
# shipped, sign both outcomes (provenance and verdict, PASSED or FAILED) and
# publish them to the log.
#
#   examples/lab.sh -n NAME -k LAB.key -r RECIPE -s SOURCE.tar -a SHIPPED \
#                   -p OUTPUT -o WORKDIR [-e ENV] [-l LOG_URL -K LOG_VERIFIER]
#
#   -n NAME     the lab's name (used in its builder / verifier ids)
#   -k KEY      the lab's signing key
#   -r RECIPE   the build recipe;  -s SOURCE  the vendor's source release
#   -e ENV      build environment (rootfs tarball) for non-host recipes
#   -a SHIPPED  the binary the vendor shipped
#   -p OUTPUT   the rebuilt artifact to compare, inside the rebuild outputs
#               (e.g. bin/hello)
#   -o WORKDIR  where the lab keeps its work (must not exist)
#   -l, -K      the log and its verifier key; without them nothing is published
#
# Leaves in WORKDIR: rebuilt/ (outputs and build.log), provenance.json,
# report.txt, report.json, verdict.json, evidence.intoto.jsonl (both signed
# envelopes), and submitted.jsonl (the log's answers).  Exit 0 when the
# shipped binary was reproduced, 1 when it was not (the FAILED verdict is
# still signed and published: negative evidence is evidence), 2 on trouble.
set -eu
name='' key='' recipe='' source='' env='' shipped='' output='' work='' url='' vkey=''
while getopts n:k:r:s:e:a:p:o:l:K: opt; do
	case $opt in
	n) name=$OPTARG ;; k) key=$OPTARG ;; r) recipe=$OPTARG ;; s) source=$OPTARG ;;
	e) env=$OPTARG ;; a) shipped=$OPTARG ;; p) output=$OPTARG ;; o) work=$OPTARG ;;
	l) url=$OPTARG ;; K) vkey=$OPTARG ;;
	*) echo "usage: see the header of $0" >&2; exit 2 ;;
	esac
done
for v in name key recipe source shipped output work; do
	eval "[ -n \"\$$v\" ]" || { echo "lab.sh: -$v is missing (see the header)" >&2; exit 2; }
done
mkdir "$work"
id="https://labs.example/$name"

# 1. rebuild in the sandbox: outputs + SLSA provenance, signed
vouch-rebuild -r "$recipe" -s "$source" ${env:+-e "$env"} -o "$work/rebuilt" \
	-b "$id/builder" > "$work/provenance.json"
vouch-attest -k "$key" "$work/provenance.json" > "$work/provenance.intoto.jsonl"

# 2. compare rebuilt with shipped; the verdict names the signed provenance
set +e
vouch-compare --report "$work/report.json" "$work/rebuilt/$output" "$shipped" > "$work/report.txt"
vouch-compare --statement --provenance "$work/provenance.intoto.jsonl" \
	"$work/rebuilt/$output" "$shipped" > "$work/verdict.json"
same=$?
set -e
[ "$same" -le 1 ] || { echo "lab.sh: the comparison failed" >&2; exit 2; }

# 3. sign the verdict; the lab's bundle holds both envelopes
vouch-attest -k "$key" "$work/verdict.json" > "$work/verdict.intoto.jsonl"
cat "$work/provenance.intoto.jsonl" "$work/verdict.intoto.jsonl" > "$work/evidence.intoto.jsonl"

# 4. publish: the log answers with the index and an inclusion proof, which
#    vouch-log checks against the log's verifier key
if [ -n "$url" ]; then
	vouch-log -l "$url" ${vkey:+-K "$vkey"} submit "$work/evidence.intoto.jsonl" \
		> "$work/submitted.jsonl"
fi
exit "$same"
