/* cli.c - the command-line conventions every tool shares. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vouch/file.h"

static const char *progname = "vouch";
static const char *usage = "";

void
cli_init(char **argv, const char *usage_text)
{
	const char *slash;

	if (argv[0] != NULL && *argv[0] != '\0') {
		slash = strrchr(argv[0], '/');
		progname = slash != NULL ? slash + 1 : argv[0];
		/* libtool wrappers run the real binary as lt-NAME */
		if (strncmp(progname, "lt-", 3) == 0)
			progname += 3;
		argv[0] = (char *)progname;
	}
	usage = usage_text != NULL ? usage_text : "";
}

const char *
cli_progname(void)
{
	return progname;
}

void
cli_put_safe(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void
vwarn(const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL)
		vsnprintf(msg, (size_t)n + 1, fmt, again);
	va_end(again);
	if (msg == NULL) {      /* out of memory: the first part will do */
		msg = small;
		n = (int)strlen(small);
	}
	fprintf(stderr, "%s: ", progname);
	if (n > 0)
		cli_put_safe(stderr, msg, strlen(msg));
	fputc('\n', stderr);
	if (msg != small)
		free(msg);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
cli_warn_err(const vouch_err *err)
{
	cli_warn("%s", vouch_err_msg(err));
}

void
cli_fail_err(const vouch_err *err)
{
	cli_warn_err(err);
	exit(CLI_EXIT_TROUBLE);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fputs(usage, stderr);
	exit(CLI_EXIT_TROUBLE);
}

void
cli_bad_option(void)
{
	fputs(usage, stderr);
	exit(CLI_EXIT_TROUBLE);
}

void
cli_help(void)
{
	fputs(usage, stdout);
	exit(cli_finish(CLI_EXIT_OK));
}

void
cli_version(void)
{
	printf("%s (vouch) %s\n", progname, PACKAGE_VERSION);
	exit(cli_finish(CLI_EXIT_OK));
}

int
cli_finish(int status)
{
	int bad = 0;

	if (fflush(stdout) != 0 || ferror(stdout))
		bad = errno != 0 ? errno : EIO;
	if (fclose(stdout) != 0 && bad == 0)
		bad = errno != 0 ? errno : EIO;
	if (bad != 0) {
		cli_warn("error writing to standard output: %s", strerror(bad));
		return CLI_EXIT_TROUBLE;
	}
	return status;
}

int
cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cli_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -1;
	}
	if (*end == 'i' && shift != 0)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || (shift != 0 && v > (~0ULL >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

int
cli_progress_wanted(int forced)
{
	return forced || isatty(STDERR_FILENO);
}

/* ---- servers ---- */

static void (*serve_stop)(void *);
static void *serve_arg;

static void
serve_on_signal(int sig)
{
	(void)sig;
	if (serve_stop != NULL)
		serve_stop(serve_arg);
}

int
cli_serve(const struct cli_server *s, vouch_err *err)
{
	struct sigaction sa;
	sigset_t set;
	char text[16];
	unsigned port;
	int rc, n;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = s->start(s->arg, err)) != VOUCH_OK)
		return rc;
	if (s->port_file != NULL) {
		if ((port = s->port(s->arg)) == 0)
			return vouch_err_set(err, VOUCH_EIO, "cannot tell the port listened on");
		n = snprintf(text, sizeof text, "%u\n", port);
		if ((rc = vouch_write_file_atomic(s->port_file, text, (size_t)n, 0644, err)) !=
		    VOUCH_OK)
			return rc;
	}
	serve_stop = s->stop;
	serve_arg = s->arg;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	return s->run(s->arg, err);
}
