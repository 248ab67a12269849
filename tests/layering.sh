#!/bin/sh
# The library's layers point one way (README, "Layout"):
#
#   campaign -> policy -> {tlog, compare, sandbox, hash} -> {attest, archive} -> core
#
# A file in lib/<layer>/ may include headers of its own layer and of layers
# strictly below it, never of a layer above or beside it.  Public headers
# live in lib/vouch/; the table below gives each its layer, and a header
# missing from the table fails the check, so a new one must be placed.
# lib/vouch/vouch.h includes everything and is for programs only.
#
#   tests/layering.sh [LIBDIR]    (default: $VOUCH_SRCDIR/lib)
#
# Without LIBDIR the check also proves that it can fail: it runs itself on
# a copy of lib/ with a core file that includes a tlog header, and on one
# with a stray file outside the layer folders, and expects both refused.
set -u

rank() { # layer -> rank; empty for an unknown layer
	case $1 in
	core) echo 0 ;;
	attest | archive) echo 1 ;;
	hash | tlog | compare | sandbox) echo 2 ;;
	policy) echo 3 ;;
	campaign) echo 4 ;;
	programs) echo 9 ;;
	esac
}

header_layer() { # public header name (no .h) -> layer
	case $1 in
	error | buf | codec | file | json | digest | key | rfc3339) echo core ;;
	uri | envelope | statement | provenance | vsa | canonjson | link | verify) echo attest ;;
	reader | walk | tree | unpack | zipcheck) echo archive ;;
	subject | hashrun) echo hash ;;
	merkle | tile | note | checkpoint | tlogproof | logstore | logentry | logclient | logd | \
	cosig | witness | mirror | \
		logmonitor) echo tlog ;;
	compare | elf) echo compare ;;
	recipe | sandbox | rebuild | vary | clock | srcfiles | buildinfo) echo sandbox ;;
	policy | evbundle | varyrun | policyrun) echo policy ;;
	campaign | campsummary | statuspage | intoto) echo campaign ;;
	vouch) echo programs ;;
	esac
}

check() { # libdir: prints each violation, returns 1 if there is one
	lib=$1
	bad=0
	for f in "$lib"/*.c "$lib"/*.h; do
		[ -f "$f" ] || continue
		echo "layering: '${f#"$lib"/}' is outside the layer folders of lib/"
		bad=1
	done
	for f in "$lib"/*/*.c "$lib"/*/*.h; do
		[ -f "$f" ] || continue
		dir=$(basename "$(dirname "$f")")
		name=$(basename "$f")
		if [ "$dir" = vouch ]; then
			layer=$(header_layer "${name%.h}")
			if [ -z "$layer" ]; then
				echo "layering: public header 'vouch/$name' has no layer in tests/layering.sh"
				bad=1
				continue
			fi
		elif [ -n "$(rank "$dir")" ]; then
			layer=$dir
		else
			echo "layering: 'lib/$dir/' is not a known layer"
			bad=1
			continue
		fi
		own=$(rank "$layer")
		# every quoted include, as "line target"
		incs=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
		for inc in $incs; do
			[ "$inc" = config.h ] && continue
			case $inc in
			vouch/*.h) hname=${inc#vouch/} ;;
			*/*)
				echo "layering: '$dir/$name' includes \"$inc\" (only \"vouch/X.h\" or a file of its own folder)"
				bad=1
				continue
				;;
			*)
				if [ -f "$lib/$dir/$inc" ]; then
					# a file of the same folder; in lib/vouch a public header
					[ "$dir" = vouch ] || continue
					hname=$inc
				else
					echo "layering: '$dir/$name' includes \"$inc\", which is not in lib/$dir/"
					bad=1
					continue
				fi
				;;
			esac
			to=$(header_layer "${hname%.h}")
			if [ -z "$to" ]; then
				echo "layering: '$dir/$name' includes 'vouch/$hname', which has no layer"
				bad=1
				continue
			fi
			[ "$to" = "$layer" ] && continue
			if [ "$(rank "$to")" -ge "$own" ]; then
				echo "layering: '$dir/$name' ($layer) includes 'vouch/$hname' ($to)"
				bad=1
			fi
		done
	done
	return $bad
}

if [ $# -gt 0 ]; then
	check "$1"
	exit $?
fi

src=${VOUCH_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
check "$src/lib" || exit 1

# The check must be able to fail: a lower layer including a higher one,
# and a file left outside the folders, are both refused.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vouch-layering.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cp -R "$src/lib" "$tmp/up"
chmod -R u+w "$tmp" # distcheck's source tree is read-only
printf '#include "vouch/merkle.h"\n' >>"$tmp/up/core/buf.c"
out=$(check "$tmp/up")
if [ $? -eq 0 ] || [ "$out" != "layering: 'core/buf.c' (core) includes 'vouch/merkle.h' (tlog)" ]; then
	echo "layering: a core file including a tlog header was not refused: '$out'"
	exit 1
fi
cp -R "$src/lib" "$tmp/side"
chmod -R u+w "$tmp"
printf '#include "vouch/tree.h"\n' >>"$tmp/side/attest/dsse.c"
printf '#include "vouch/vouch.h"\n' >>"$tmp/side/policy/bundle.c"
: >"$tmp/side/stray.c"
out=$(check "$tmp/side")
if [ $? -eq 0 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 3 ] ||
	! printf '%s\n' "$out" | grep -qx "layering: 'stray.c' is outside the layer folders of lib/" ||
	! printf '%s\n' "$out" | grep -qx "layering: 'attest/dsse.c' (attest) includes 'vouch/tree.h' (archive)" ||
	! printf '%s\n' "$out" | grep -qx "layering: 'policy/bundle.c' (policy) includes 'vouch/vouch.h' (programs)"; then
	echo "layering: a sideways include, the umbrella header or a stray file was not refused: '$out'"
	exit 1
fi
exit 0
