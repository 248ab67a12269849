#!/usr/bin/env python3
"""Measure how long an acknowledged log entry takes to be visible and
verified at every mirror.

  propagation.py watch LOG DIR...   append "DIR SIZE T_NS" to LOG whenever
                                    DIR/checkpoint changes size (polled every
                                    5 ms) until SIGTERM
  propagation.py report ACKS LOG    ACKS: lines "LOGNAME INDEX T_NS"; a mirror
                                    of log LOGNAME is a DIR ending in
                                    "mirror-LOGNAME".  Prints p50/p99/max of
                                    (visible at every mirror - acknowledged);
                                    exit 1 when an entry never became visible
"""
import os
import signal
import sys
import time


def size_of(d):
    try:
        with open(os.path.join(d, "checkpoint")) as f:
            return int(f.read().split("\n")[1])
    except (OSError, ValueError, IndexError):
        return -1


def watch(log, dirs):
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    last = {d: None for d in dirs}
    with open(log, "a") as out:
        while not stop:
            for d in dirs:
                s = size_of(d)
                if s != last[d]:
                    last[d] = s
                    out.write("%s %d %d\n" % (d, s, time.time_ns()))
                    out.flush()
            time.sleep(0.005)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def report(acks, log):
    seen = {}
    for line in open(log):
        d, s, t = line.split()
        seen.setdefault(d, []).append((int(s), int(t)))
    delays, missing = [], 0
    for line in open(acks):
        name, idx, t = line.split()
        idx, t = int(idx), int(t)
        mirrors = [d for d in seen if d.endswith("mirror-" + name)]
        worst = 0
        for d in mirrors:
            when = [tt for s, tt in seen[d] if s > idx]
            if not when:
                missing += 1
                worst = None
                break
            worst = max(worst, min(when) - t)
        if worst is not None and mirrors:
            delays.append(max(worst, 0) / 1e6)
    if delays:
        print("propagation over %d entries: p50 %.0f ms, p99 %.0f ms, max %.0f ms"
              % (len(delays), pct(delays, 50), pct(delays, 99), max(delays)))
    if missing or not delays:
        print("%d entries never became visible at every mirror" % missing)
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(report(sys.argv[2], sys.argv[3]))
