#!/bin/sh
# Benchmark vouch-logd on loopback:
#  - sustained POST /add submissions/s with 256 concurrent clients (fsync on),
#    p50/p99 time to an acknowledged inclusion proof;
#  - tile GETs/s from vouch-logd vs nginx serving the same directory.
#   tests/bench/tlog.sh BUILD_DIR [SECONDS]
set -eu
build=$(cd "${1:?usage: tlog.sh BUILD_DIR [SECONDS]}" && pwd)
secs=${2:-8}
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
B=$build/tools
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cc -O2 -pthread -o "$T/load" "$src/tests/bench/tlog-load.c"
"$B/vouch-keygen" -o "$T/log" >/dev/null
"$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o bench.example/log --init >/dev/null
python3 "$src/tests/bench/gen-envs.py" "$T/envs" 120000

"$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o bench.example/log -l 127.0.0.1:0 \
	--port-file "$T/port" --max-connections 2048 \
	--max-connections-per-ip 0 --max-pending 65536 2>"$T/logd.err" &
LOGD=$!
PIDS="$PIDS $LOGD"
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port")

echo "== POST /add, 256 concurrent clients, ${secs}s, fsync on"
"$T/load" "$PORT" post 256 "$secs" "$T/envs" | tee "$T/post"
rate=$(awk '{ print $8 }' "$T/post")
p99=$(awk '{ print $12 }' "$T/post")
echo "submissions/s: $rate (goal 10000); p50 $(awk '{ print $10 }' "$T/post") ms, p99 $p99 ms (goal <= the 500 ms batch interval + 50 ms)"
echo "load: $(uptime | sed 's/.*load/load/') (the load generator runs on the same machine)"
echo "log size: $(sed -n 2p "$T/log.d/checkpoint")"

# tile paths the checkpoint covers (all files on disk are committed now)
(cd "$T/log.d" && find tile -type f | sort) >"$T/paths"
echo "== tile GETs ($(wc -l <"$T/paths") distinct tiles), 64 connections, 5s"
"$T/load" "$PORT" get 64 5 "$T/paths" | tee "$T/get-logd"

mkdir -p "$T/nginx"
chmod 711 "$T"
NPORT=$(( ($$ % 20000) + 30000 ))
cat >"$T/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 100000;
	client_body_temp_path $T/nginx;
	proxy_temp_path $T/nginx;
	fastcgi_temp_path $T/nginx;
	uwsgi_temp_path $T/nginx;
	scgi_temp_path $T/nginx;
	server {
		listen 127.0.0.1:$NPORT;
		location = /checkpoint { root $T/log.d; default_type text/plain; }
		location /tile/ { root $T/log.d; default_type application/octet-stream; }
	}
}
EOF
"$NGINX" -c "$T/nginx/nginx.conf" -g 'daemon off;' 2>"$T/nginx/stderr" &
PIDS="$PIDS $!"
i=0
while [ $i -lt 50 ] && ! curl -s -o /dev/null "http://127.0.0.1:$NPORT/checkpoint"; do
	sleep 0.1
	i=$((i + 1))
done
"$T/load" "$NPORT" get 64 5 "$T/paths" | tee "$T/get-nginx"
a=$(awk '{ print $8 }' "$T/get-logd")
b=$(awk '{ print $8 }' "$T/get-nginx")
echo "tile GETs/s: vouch-logd $a, nginx $b, ratio vouch-logd/nginx $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
