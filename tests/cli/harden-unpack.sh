#!/bin/sh
# Issue 14, items 5 and 6: vouch-unpack killed by SIGTERM or SIGINT removes
# its temporary tree; one killed by SIGKILL leaves it, and the next run into
# the same parent removes it (only temporaries whose owner is gone); a
# failed write of the JSON summary (>/dev/full) is exit 2 with the target
# as it was.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	exec 8>&- 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
mkdir src && for i in 1 2 3 4 5 6 7 8; do printf 'file %s\n' "$i" > "src/f$i"; done
tar -cf small.tar src
# with SIGINT at its default, as a terminal's ^C would find it (a shell's
# background job starts with SIGINT ignored, and vouch-unpack keeps that)
default_int() {
	exec python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}

# temps DIR: vouch-unpack temporaries in DIR
temps() { find "$1" -maxdepth 1 -name '.vouch-unpack-*' | wc -l | tr -d ' '; }

# start_mid_run DIR: a vouch-unpack reading stdin from a FIFO that got only
# half an archive, so it is mid-run; $UPID, FIFO held open on fd 8
start_mid_run() {
	mkdir -p "$1"
	rm -f feed && mkfifo feed
	default_int "$B/vouch-unpack" - "$1/target" <feed >"$1.out" 2>"$1.err" &
	UPID=$!
	PIDS="$PIDS $UPID"
	exec 8>feed
	head -c 4096 small.tar >&8
	n=0
	while [ "$(temps "$1")" -eq 0 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	[ "$(temps "$1")" -eq 1 ] && ok || fail "$1: no temporary directory mid-run"
}
# wait_status PID: its exit status in $s
wait_status() { set +e; wait "$1"; s=$?; set -e; }

# -- SIGTERM and SIGINT: cleaned up, and the signal is the exit status
for pair in TERM:15 INT:2; do
	sig=${pair%:*} num=${pair#*:}
	start_mid_run "$sig"
	kill -s "$sig" "$UPID"
	wait_status "$UPID"
	exec 8>&-
	[ "$s" -eq $((128 + num)) ] && ok || fail "SIG$sig: exit status $s"
	[ "$(temps "$sig")" -eq 0 ] && ok || fail "SIG$sig: temporary directory left behind"
	[ ! -e "$sig/target" ] && ok || fail "SIG$sig: target created"
done

# -- SIGKILL leaves it; the next run into the same parent removes it
start_mid_run kill
kill -9 "$UPID"
wait_status "$UPID"
exec 8>&-
[ "$(temps kill)" -eq 1 ] && ok || fail "SIGKILL: expected one leftover"
# a temporary of a live run (this shell) must stay; a pid reused by another
# process (this shell, another start time) is gone
start=$(sed 's/.*) //' /proc/$$/stat | cut -d' ' -f20)
mkdir "kill/.vouch-unpack-$$.$start-AbCdEf" "kill/.vouch-unpack-$$.1-AbCdEf"
mkdir kill/.vouch-unpack-notours
expect_status 0 "$B/vouch-unpack" -q small.tar kill/next
[ -d kill/next/src ] && ok || fail "the next run did not extract"
ls -a kill | grep '^\.vouch-unpack' > left
printf '%s\n' ".vouch-unpack-$$.$start-AbCdEf" .vouch-unpack-notours > want
expect_same want left "stale temporaries removed, live and foreign ones kept"

# -- the summary cannot be written: exit 2 and no target
expect_status 2 sh -c 'exec "$1" small.tar fresh >/dev/full' sh "$B/vouch-unpack"
expect_grep "error writing to standard output" "$T/err" "write error reported"
[ ! -e fresh ] && ok || fail ">/dev/full: target created"
[ "$(temps .)" -eq 0 ] && ok || fail ">/dev/full: temporary left behind"
mkdir empty-target
expect_status 2 sh -c 'exec "$1" small.tar empty-target >/dev/full' sh "$B/vouch-unpack"
[ -d empty-target ] && [ -z "$(ls -A empty-target)" ] && ok ||
	fail ">/dev/full: the empty target was filled"
# -q writes nothing, so nothing can fail
expect_status 0 sh -c 'exec "$1" -q small.tar quiet >/dev/full' sh "$B/vouch-unpack"
[ -f quiet/src/f1 ] && ok || fail "-q >/dev/full: not extracted"
finish
