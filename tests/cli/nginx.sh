# nginx.sh - sourced by tests/cli/lib.sh and by the log bench (tests/bench/tlog.sh).
# start_nginx DIR: nginx serving DIR's tlog-tiles read side (checkpoint,
# tile/) read-only on a free port of 127.0.0.1: sets NPORT and NGINX_PID and
# adds the pid to PIDS; uses $T for its files.  Tries five ports before it
# gives up (exit 1).  NGINX_WORKERS, NGINX_CONNECTIONS and NGINX_KEEPALIVE
# (requests per connection) tune it for a benchmark; the defaults suit tests.
start_nginx() {
	NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
	[ -x "$NGINX" ] || { echo "nginx is needed (.ci/packages)" >&2; exit 1; }
	mkdir -p "$T/nginx"
	chmod 711 "$T" # nginx workers may run as another user
	n=0
	while :; do
		NPORT=$(( (($$ + n * 7919) % 20000) + 30000 ))
		cat >"$T/nginx/nginx.conf" <<EOF
worker_processes ${NGINX_WORKERS:-1};
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections ${NGINX_CONNECTIONS:-64}; }
http {
	access_log off;
	keepalive_requests ${NGINX_KEEPALIVE:-1000};
	client_body_temp_path $T/nginx;
	proxy_temp_path $T/nginx;
	fastcgi_temp_path $T/nginx;
	uwsgi_temp_path $T/nginx;
	scgi_temp_path $T/nginx;
	server {
		listen 127.0.0.1:$NPORT;
		location = /checkpoint { root $1; default_type text/plain; }
		location /tile/ { root $1; default_type application/octet-stream; }
		location / { return 404; }
	}
}
EOF
		"$NGINX" -c "$T/nginx/nginx.conf" -g 'daemon off;' 2>"$T/nginx/stderr" &
		NGINX_PID=$!
		PIDS="$PIDS $NGINX_PID"
		i=0
		while [ $i -lt 50 ] && ! curl -s -o /dev/null "http://127.0.0.1:$NPORT/checkpoint"; do
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		curl -s -o /dev/null "http://127.0.0.1:$NPORT/checkpoint" && break
		kill "$NGINX_PID" 2>/dev/null || true
		wait "$NGINX_PID" 2>/dev/null || true
		n=$((n + 1))
		if [ $n -ge 5 ]; then
			cat "$T/nginx/stderr" >&2
			if command -v fail >/dev/null; then fail "nginx did not start"; else
				echo "nginx did not start" >&2; fi
			exit 1
		fi
	done
}
