#!/bin/sh
# vouch-campaign with the Slurm executor: the test brings up a single-node
# Slurm on this machine (munged, slurmctld and slurmd, its own
# configuration, key, sockets and ports in the test's folder) and runs a
# campaign of 22 items of the demo's hello through it as a job array.  Two
# slow items have their array task cancelled (scancel) mid-build: the one
# with "retries": 0 is reported build-error with the Slurm state, the other
# is retried in a second array; neither is ever counted from the killed
# attempt.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
for t in munged slurmctld slurmd; do
	[ -x "/usr/sbin/$t" ] || { fail "/usr/sbin/$t is missing (slurm-wlm and munge are in .ci/packages)"; finish; }
done
for t in sbatch squeue scancel scontrol sinfo; do
	command -v "$t" >/dev/null || { fail "$t is missing (slurm-wlm is in .ci/packages)"; finish; }
done
. "$VOUCH_SRCDIR/tests/cli/campaign_fixtures.sh"

# ---- a private single-node cluster ----
# its daemons are stopped, and gone, before the folder is removed
DAEMONS=""
stop_cluster() {
	for p in $DAEMONS; do kill "$p" 2>/dev/null || true; done
	for p in $DAEMONS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null || true
	done
}
trap 'stop_cluster; stop_pids; rm -rf "$T"' EXIT
S=$T/slurm
mkdir -p "$S/state" "$S/spool" "$S/munge"
chmod 700 "$S/munge"
head -c 1024 /dev/urandom >"$S/munge/key"
chmod 600 "$S/munge/key"
/usr/sbin/munged --force --key-file="$S/munge/key" --socket="$S/munge/sock" \
	--pid-file="$S/munge/pid" --log-file="$S/munge/log" --seed-file="$S/munge/seed"
DAEMONS="$(cat "$S/munge/pid")"
# two free ports next to each other
port_pair() {
	python3 - <<'PY'
import socket
for _ in range(200):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        a.close(); b.close(); continue
    a.close(); b.close(); print(p); break
PY
}
p1=$(port_pair)
host=$(hostname -s)
cat >"$S/slurm.conf" <<EOF
ClusterName=vouch$$
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$p1
SlurmdPort=$((p1 + 1))
AuthType=auth/munge
AuthInfo=socket=$S/munge/sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/ctld.pid
SlurmdPidFile=$S/d.pid
SlurmctldLogFile=$S/ctld.log
SlurmdLogFile=$S/d.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=vouch Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
SLURM_CONF=$S/slurm.conf
export SLURM_CONF
/usr/sbin/slurmctld -f "$SLURM_CONF" -i
i=0
while [ ! -s "$S/ctld.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
DAEMONS="$(cat "$S/ctld.pid") $DAEMONS"
/usr/sbin/slurmd -f "$SLURM_CONF"
i=0
while [ ! -s "$S/d.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
DAEMONS="$(cat "$S/d.pid") $DAEMONS"
i=0
while ! sinfo -h -o %t 2>/dev/null | grep -qx idle && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sinfo -h -o %t | grep -qx idle && ok || { fail "the test cluster did not come up: $(tail -3 "$S/ctld.log" "$S/d.log")"; finish; }

# ---- the campaign: 20 hello items and two slow ones ----
recipe slowk 'r["steps"] = [["sh", "-c", "sleep 8"]] + r["steps"]'
items=""
for i in $(seq 1 20); do
	cp "$F/shipped/hello" "$F/shipped/hello$i"
	items="$items${items:+,}$(hello_item "h$i" "shipped/hello$i")"
done
items="$items,$(hello_item slow-noretry shipped/hello slowk | sed 's/}$/, "retries": 0}/')"
items="$items,$(hello_item slow-retry shipped/hello slowk)"
campaign_json "[$items]" '"executor": {"type": "slurm", "partition": "vouch"},'

"$VOUCH_BIN/vouch-campaign" run -q "$F/campaign.json" >"$T/run.out" 2>"$T/run.err" &
cpid=$!
# cancel each slow item's array task once its build has started
cancel_when_building() { # ID INDEX
	i=0
	while [ $i -lt 600 ]; do
		job=$(sed -n 's/.*"ev":"slurm-job".*"job":"\([0-9]*\)","attempt":1.*/\1/p' "$F/out/state/journal.jsonl" 2>/dev/null | head -n 1)
		if [ -n "$job" ] && ls "$F/out/items/$1/"*-a1/rebuild.err >/dev/null 2>&1; then
			sleep 1
			scancel "${job}_$2" && return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
cancel_when_building slow-noretry 20 && ok || fail "could not cancel slow-noretry's task"
cancel_when_building slow-retry 21 && ok || fail "could not cancel slow-retry's task"
set +e
wait "$cpid"
rc=$?
set -e
[ "$rc" -eq 1 ] && ok || fail "the campaign exited $rc, not 1: $(cat "$T/run.err")"
expect_grep '^run r1-[0-9TZ]*: 21 reproduced, 0 equivalent, 0 failed, 1 build-error, 0 timeout, 0 missing-source, 0 bad-signature (0 skipped, 1 attempts retried)' "$T/run.out" "22 items through Slurm, one killed and reported, one killed and retried"
python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" "$VOUCH_SRCDIR/schemas/campaign-summary.schema.json" \
	"$F/out/summary.json" >"$T/schema.out" 2>&1 && ok || fail "summary fails its schema: $(cat "$T/schema.out")"
python3 - "$F/out/summary.json" "$F/out/state/journal.jsonl" <<'PY' >"$T/check.out" 2>&1 && ok || fail "summary: $(cat "$T/check.out")"
import json, sys
s = json.load(open(sys.argv[1])); it = {i["id"]: i for i in s["items"]}
ev = [json.loads(l) for l in open(sys.argv[2])]
assert s["runs"][0]["executor"] == "slurm"
nr = it["slow-noretry"]
assert nr["verdict"] == "build-error" and "CANCELLED" in nr["reason"] and nr["log_entry"] is None, nr
r = it["slow-retry"]
assert r["verdict"] == "reproduced" and r["log_entry"] is not None, r
# the killed attempt 1 of slow-retry was journalled as lost, the result
# counted is attempt 2's
lost = [e for e in ev if e["ev"] == "lost"]
assert {(e["id"], e["attempt"]) for e in lost} == {("slow-noretry", 1), ("slow-retry", 1)}, lost
done = [e for e in ev if e["ev"] == "done" and e["id"] == "slow-retry"]
assert len(done) == 1 and done[0]["attempt"] == 2 and "-a2/" in done[0]["result"], done
jobs = [e for e in ev if e["ev"] == "slurm-job"]
assert len(jobs) == 2 and jobs[1]["attempt"] == 2, jobs
for k in range(1, 21):
    assert it["h%d" % k]["verdict"] == "reproduced", it["h%d" % k]
PY
# the array tasks ran the workers: their output files are in the shared folder
n=$(find "$F/out/state/slurm" -name '*_*.out' | wc -l)
[ "$n" -ge 22 ] && ok || fail "only $n array task outputs in the shared folder"
finish
