#!/bin/sh
# operator.sh - what an operator does before deploying a binary: check that
# the log is still consistent with what it saw before, then decide by the
# trust policy whether enough independent labs reproduced exactly this
# binary.
#
#   examples/operator.sh -P POLICY [-l LOG_URL -K LOG_VERIFIER -s STATE]
#                        [-b BUNDLE]... [-j] ARTIFACT...
#
#   -P POLICY   the operator's trust policy (see examples/policy.json)
#   -l, -K, -s  the log, its verifier key and a state file holding the last
#               checkpoint this operator verified: `vouch-log monitor --once`
#               proves the log's new checkpoint consistent with it (a log
#               that rewrote history is caught here) and the checkpoint
#               joins the policy's fork check
#   -b BUNDLE   offline evidence (air-gapped sites); without -b the
#               policy's logs are asked
#   -j          JSON output
#
# Exit 0: deploy (the policy is met for every artifact); 1: do not deploy;
# 2: trouble.
set -eu
policy='' url='' vkey='' state='' json=''
bundles=
while getopts P:l:K:s:b:j opt; do
	case $opt in
	P) policy=$OPTARG ;; l) url=$OPTARG ;; K) vkey=$OPTARG ;; s) state=$OPTARG ;;
	b) bundles="$bundles --bundle $OPTARG" ;; j) json=--json ;;
	*) echo "usage: see the header of $0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$policy" ] || [ $# -eq 0 ]; then echo "usage: see the header of $0" >&2; exit 2; fi

checkpoint=
if [ -n "$url" ] && [ -n "$state" ]; then
	# prints the log's new entries; exits 1 with both checkpoints on a fork
	vouch-log -l "$url" -K "$vkey" monitor --once --state "$state" > /dev/null
	checkpoint="--checkpoint $state"
fi
set +e
# shellcheck disable=SC2086 # word splitting of the option lists is intended
vouch-verify --policy "$policy" $bundles $checkpoint $json "$@"
rc=$?
set -e
case $rc in
0) echo "operator: deploy" >&2 ;;
1) echo "operator: DO NOT DEPLOY" >&2 ;;
esac
exit "$rc"
