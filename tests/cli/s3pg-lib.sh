# s3pg-lib.sh - sourced by the tests of the S3 + PostgreSQL log storage
# (issue 20), after lib.sh.  Starts the real components on $T and free
# loopback ports; stop_all (lib.sh) stops them with the test's other PIDS.
#
#   pg_start        PostgreSQL 15 from Debian (initdb + postgres as the
#                   unprivileged user nobody, since it refuses root), sets
#                   PG_PORT, PG_DIR and DB (a libpq URI without password)
#   pg_stop/pg_restart
#   s3_start        s3rver (npm, pinned below, installed once into the
#                   shared cache /var/cache/vouch-test/npm under flock),
#                   sets S3_PORT, S3_URL; AWS_* point at its fixed
#                   development credentials
#   free_port       prints a free TCP port of 127.0.0.1
#   go_check URL VKEY   tests/cli/tlog_check.go: Go's golang.org/x/mod/sumdb
#                   tlog + note verify the log read over plain HTTP

S3RVER_VERSION=3.7.1
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
NPM_CACHE=${VOUCH_NPM_CACHE:-/var/cache/vouch-test/npm}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# as_pg CMD...: run as nobody when root (postgres refuses to run as root)
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 is needed (.ci/packages: postgresql)" >&2; exit 1; }
	PG_DIR=$T/pg
	mkdir -p "$PG_DIR"
	chmod 755 "$T"
	[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$PG_DIR"
	as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U vouch -A trust --no-sync >"$T/initdb.log" 2>&1 ||
		{ cat "$T/initdb.log" >&2; exit 1; }
	PG_PORT=$(free_port)
	pg_run_server
	DB="postgresql://vouch@127.0.0.1:$PG_PORT/postgres"
}

pg_run_server() {
	as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
		-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
		{ cat "$PG_DIR/log" >&2; exit 1; }
	PG_STOP="$PGBIN/pg_ctl -D $PG_DIR/data -m immediate stop"
}

pg_stop() { as_pg $PG_STOP >/dev/null 2>&1 || true; }
pg_restart() { pg_stop; pg_run_server; }

s3_install() {
	S3RVER=$NPM_CACHE/s3rver-$S3RVER_VERSION/node_modules/.bin/s3rver
	[ -x "$S3RVER" ] && return 0
	command -v npm >/dev/null || { echo "npm is needed (.ci/packages)" >&2; exit 1; }
	mkdir -p "$NPM_CACHE"
	(
		flock 9
		[ -x "$S3RVER" ] || npm install --no-audit --no-fund --loglevel=error \
			--prefix "$NPM_CACHE/s3rver-$S3RVER_VERSION" "s3rver@$S3RVER_VERSION" >&2
	) 9>"$NPM_CACHE/.lock"
	[ -x "$S3RVER" ] || { echo "could not install s3rver@$S3RVER_VERSION" >&2; exit 1; }
}

s3_start() {
	s3_install
	S3_PORT=$(free_port)
	mkdir -p "$T/s3"
	"$S3RVER" -d "$T/s3" -a 127.0.0.1 -p "$S3_PORT" --silent --no-vhost-buckets \
		--configure-bucket vouch-test >"$T/s3.log" 2>&1 &
	S3_PID=$!
	PIDS="$PIDS $S3_PID"
	S3_URL=http://127.0.0.1:$S3_PORT
	i=0
	until curl -s -o /dev/null "$S3_URL/vouch-test/" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ $i -lt 100 ] || { cat "$T/s3.log" >&2; echo "s3rver did not start" >&2; exit 1; }
	# s3rver's fixed development credentials
	AWS_ACCESS_KEY_ID=S3RVER
	AWS_SECRET_ACCESS_KEY=S3RVER
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}

go_check() {
	GOCACHE=$T/gocache GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local \
		go run "$VOUCH_SRCDIR/tests/cli/tlog_check.go" "$@"
}
