#!/bin/sh
# The sandbox holds: a probe built and run inside tries to leave it in every
# way the issue lists, and the test checks both what the probe saw and, from
# the host, that nothing happened (no connection reached the listener, the
# host process lives, no marker leaked).
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

RB="$VOUCH_BIN/vouch-rebuild"
mkdir "$T/src"
cat >"$T/src/escape.c" <<'EOF'
/* escape.c - each attempt to leave the sandbox; prints "blocked NAME" or
 * "ESCAPED NAME" lines, and "ok NAME" for the positive controls. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

static FILE *rep;

static void
result(int escaped, const char *name, int e)
{
	fprintf(rep, "%s %s (%s)\n", escaped ? "ESCAPED" : "blocked", name,
	    escaped ? "succeeded" : strerror(e));
}

static void
control(int ok, const char *name)
{
	fprintf(rep, "%s %s\n", ok ? "ok" : "BROKEN", name);
}

static void
try_tcp(const char *addr, int port)
{
	struct sockaddr_in sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	result(r == 0, "tcp-connect", e);
	close(s);
}

static void
try_udp_dns(void)
{
	struct sockaddr_in sa;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(53);
	inet_pton(AF_INET, "8.8.8.8", &sa.sin_addr);
	r = sendto(s, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	result(r == 1, "udp-to-outside", e);
	close(s);
}

static void
try_resolve(const char *host)
{
	struct addrinfo *ai = NULL;
	int r = getaddrinfo(host, "80", NULL, &ai);

	fprintf(rep, "%s resolve (%s)\n", r == 0 ? "ESCAPED" : "blocked",
	    r == 0 ? "resolved" : gai_strerror(r));
	if (ai != NULL)
		freeaddrinfo(ai);
}

static void
try_read(const char *path)
{
	int fd = open(path, O_RDONLY), e = errno;
	char name[300];

	snprintf(name, sizeof(name), "read-%s", path);
	result(fd >= 0, name, e);
	if (fd >= 0)
		close(fd);
}

static void
try_write(const char *dir, int should)
{
	char path[300], name[300];
	int fd;

	snprintf(path, sizeof(path), "%s/vouch-escape-probe", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int e = errno;
	snprintf(name, sizeof(name), "write-%s", dir);
	if (should)
		control(fd >= 0, name);
	else
		result(fd >= 0, name, e);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

static void
try_write_existing(const char *path)
{
	int fd = open(path, O_WRONLY), e = errno;
	char name[300];

	snprintf(name, sizeof(name), "write-%s", path);
	if (fd >= 0) {
		/* opening is not yet writing: try it (harmless values) */
		ssize_t n = write(fd, "vouch\n", 6);
		e = errno;
		close(fd);
		result(n == 6, name, e);
		return;
	}
	result(0, name, e);
}

static void
try_procs(const char *marker)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0, seen = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char p[300], buf[4096];
		ssize_t len;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atol(e->d_name) == (long)getpid())
			continue;
		n++;
		snprintf(p, sizeof(p), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(p, O_RDONLY)) < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		for (ssize_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		if (len > 0) {
			buf[len] = '\0';
			if (strstr(buf, marker) != NULL)
				seen = 1;
		}
	}
	if (d != NULL)
		closedir(d);
	fprintf(rep, "%s see-host-process (%d processes visible)\n",
	    seen || n > 10 ? "ESCAPED" : "blocked", n);
}

static void
try_kill(long pid)
{
	int r = kill((pid_t)pid, SIGKILL), e = errno;

	result(r == 0, "signal-host-process", e);
}

static void
try_mount(void)
{
	int r = mount("none", "/tmp", "tmpfs", 0, NULL), e = errno;
	pid_t p;
	int st;

	result(r == 0, "mount", e);
	r = unshare(CLONE_NEWUSER);
	e = errno;
	result(r == 0, "new-user-namespace", e);
	p = fork();
	if (p == 0) {
		execl("/bin/sh", "sh", "-c", "exec unshare -rm mount -t tmpfs none /tmp "
		    ">/dev/null 2>&1", (char *)NULL);
		_exit(127);
	}
	waitpid(p, &st, 0);
	fprintf(rep, "%s unshare-mount (exit %d)\n",
	    WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ESCAPED" : "blocked",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void
try_module(void)
{
	static const char junk[64] = "\177ELF";
	int fd = open("/tmp/x.ko", O_RDWR | O_CREAT | O_TRUNC, 0644), r;

	int e;

	r = (int)syscall(SYS_init_module, junk, sizeof(junk), "");
	e = errno;
	result(r == 0, "init_module", e);
	if (fd >= 0) {
		(void)!write(fd, junk, sizeof(junk));
		r = (int)syscall(SYS_finit_module, fd, "", 0);
		e = errno;
		result(r == 0, "finit_module", e);
		close(fd);
	}
}

static void
try_identity(void)
{
	char buf[8192], host[256];
	FILE *f = fopen("/proc/self/status", "r");
	int capeff0 = 0, nnp = 0, filtered = 0;

	while (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
		if (strcmp(buf, "CapEff:\t0000000000000000\n") == 0)
			capeff0 = 1;
		if (strcmp(buf, "NoNewPrivs:\t1\n") == 0)
			nnp = 1;
		if (strcmp(buf, "Seccomp:\t2\n") == 0)
			filtered = 1;
	}
	if (f != NULL)
		fclose(f);
	control(getuid() == 1000 && geteuid() == 1000 && getgid() == 1000, "uid-1000");
	control(capeff0, "no-capabilities");
	control(nnp, "no-new-privs");
	fprintf(rep, "%s seccomp-filter\n", filtered ? "ok" : "none");
	gethostname(host, sizeof(host));
	control(strcmp(host, "vouch") == 0, "hostname");
	{
		int r = setuid(0), e = errno;
		result(r == 0, "setuid-0", e);
	}
}

int
main(int argc, char **argv)
{
	/* argv: PORT MARKER HOSTPID FILE... */
	if (argc < 4)
		return 2;
	rep = fopen("/out/report.txt", "w");
	if (rep == NULL)
		return 2;
	try_identity();
	try_tcp("127.0.0.1", atoi(argv[1]));
	try_udp_dns();
	try_resolve("deb.debian.org");
	for (int i = 4; i < argc; i++)
		try_read(argv[i]);
	try_write(".", 1);
	try_write("/tmp", 1);
	try_write("/out", 1);
	try_write("/", 0);
	try_write("/build", 0);
	try_write("/usr", 0);
	try_write("/etc", 0);
	try_write("/dev", 0);
	try_write("/proc", 0);
	try_write_existing("/proc/sys/kernel/hostname");
	try_write_existing("/proc/sys/vm/drop_caches");
	try_write_existing("/proc/sysrq-trigger");
	try_write_existing("/dev/tty1");
	try_procs(argv[2]);
	try_kill(atol(argv[3]));
	try_mount();
	try_module();
	fclose(rep);
	return 0;
}
EOF
cat >"$T/src/Makefile" <<'EOF'
escape: escape.c
	cc -O1 -o escape escape.c
EOF
tar -C "$T/src" -cf "$T/escape.tar" escape.c Makefile
SHA=$(sha256sum "$T/escape.tar" | cut -c1-64)

# Host side: a TCP listener on 127.0.0.1 that records every connection, a
# process to hide and signal, and secrets in /tmp and (as root) /root.
python3 - "$T/port" "$T/conns" >/dev/null 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(120)
while True:
    try:
        c, a = s.accept()
    except OSError:
        break
    open(sys.argv[2], "a").write("connection from %s\n" % (a,))
    c.close()
EOF
listener=$!
MARK="vouch-escape-marker-$$"
sh -c "sleep 120; : $MARK" &
victim=$!
trap 'kill $listener $victim 2>/dev/null; rm -rf "$T"; rm -f "$ROOTMARK"' EXIT
SECRET="secret-$$-$(date +%s)"
echo "$SECRET" >"$T/marker"
chmod 644 "$T/marker"
echo "$SECRET" >/tmp/vouch-escape-marker-$$
ROOTMARK=/tmp/vouch-escape-marker-$$
READS="\"/tmp/vouch-escape-marker-$$\", \"$T/marker\""
if [ "$(id -u)" -eq 0 ] && [ -d /root ]; then
	echo "$SECRET" >/root/.vouch-escape-marker-$$
	ROOTMARK="$ROOTMARK /root/.vouch-escape-marker-$$"
	READS="$READS, \"/root/.vouch-escape-marker-$$\""
fi
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port")
# the listener works from the host (so a blocked connection means something)
python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()"
sleep 0.2
expect_lines 1 "$T/conns" "the host can reach its own listener"

# The recipe's name carries the marker: the caller's command line (which
# names it) must not be readable inside either, e.g. as init's cmdline.
cat >"$T/recipe-$MARK.json" <<EOF
{"vouchRecipe": 1, "name": "escape", "version": "1",
 "source": {"path": "escape.tar", "digest": {"sha256": "$SHA"}},
 "environment": "host", "sourceDateEpoch": 0, "workdir": "/build/escape",
 "steps": [["make"], ["./escape", "$PORT", "$MARK", "$victim", $READS]],
 "outputs": ["report.txt"]}
EOF
expect_status 0 "$RB" -r "$T/recipe-$MARK.json" -o "$T/o"
R="$T/o/report.txt"
[ -f "$R" ] || { fail "no report"; cat "$T/err" >&2; finish; exit 1; }
sed 's/^/  probe: /' "$R"

# Inside: every attempt failed, every control worked.
if grep -E '^(ESCAPED|BROKEN)' "$R" >&2; then fail "the probe got out"; else ok; fi
for what in tcp-connect udp-to-outside resolve "read-/tmp/vouch-escape-marker-$$" \
	"read-$T/marker" write-/ write-/build write-/usr write-/etc write-/dev write-/proc \
	write-/proc/sys/kernel/hostname write-/proc/sysrq-trigger \
	see-host-process signal-host-process mount new-user-namespace unshare-mount \
	init_module finit_module setuid-0; do
	expect_grep "^blocked $what " "$R" "attempt '$what' was made and failed"
done
if [ "$(id -u)" -eq 0 ] && [ -d /root ]; then
	expect_grep "^blocked read-/root/.vouch-escape-marker-$$ " "$R" "reading /root failed"
fi
for what in uid-1000 no-capabilities no-new-privs hostname write-. write-/tmp write-/out; do
	expect_grep "^ok $what\$" "$R" "control '$what'"
done

case $(uname -m) in
x86_64 | aarch64) expect_grep "^ok seccomp-filter\$" "$R" "steps run under the seccomp filter" ;;
esac

# Outside: nothing happened.
expect_lines 1 "$T/conns" "no connection from the sandbox reached the listener"
kill -0 $victim 2>/dev/null && ok || fail "the host process was killed"
if grep -r -q "$SECRET" "$T/o"; then fail "a marker leaked into the outputs or log"; else ok; fi
for d in / /usr /etc /tmp; do
	[ -e "$d/vouch-escape-probe" ] && fail "probe file written to host $d" || ok
done
finish
