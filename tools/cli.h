/* cli.h - conventions shared by every vouch-* tool (not part of libvouch).
 *
 * The library never prints; these helpers are where the tools turn library
 * statuses into messages and exit codes: 0 success, 1 negative, 2 trouble.
 */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "vouch/error.h"

/* The exit statuses are the library's (vouch/error.h), which maps library
 * statuses to them with vouch_exit_code(). */
#define CLI_EXIT_OK VOUCH_EXIT_OK
#define CLI_EXIT_NEGATIVE VOUCH_EXIT_NEGATIVE
#define CLI_EXIT_TROUBLE VOUCH_EXIT_TROUBLE

/* Set the program name used in messages (the basename of argv[0]) and point
 * argv[0] at it, so that getopt's own messages ("prog: unrecognized option
 * '--x'", "prog: option requires an argument -- 'o'") name the tool as
 * every other message does. */
void cli_init(char **argv, const char *usage_text);
const char *cli_progname(void);

/* len bytes of s on f, control bytes as \xHH: text that came from outside
 * (file names, a build's output, a server's answer) cannot drive the
 * terminal. */
void cli_put_safe(FILE *f, const char *s, size_t len);

/* "prog: message" on stderr, control bytes as \xHH. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: <err message>" on stderr. */
void cli_warn_err(const vouch_err *err);

/* Trouble: "prog: <err message>" on stderr, exit 2. */
_Noreturn void cli_fail_err(const vouch_err *err);

/* Misuse: "prog: reason" then the usage on stderr, exit 2. */
_Noreturn void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* getopt returned '?' after saying what was wrong: the usage on stderr,
 * exit 2. */
_Noreturn void cli_bad_option(void);
/* --help: usage on stdout, exit 0 (after checking stdout). */
_Noreturn void cli_help(void);
/* --version: "prog (vouch) X.Y.Z" on stdout, exit 0. */
_Noreturn void cli_version(void);

/* Flush and close stdout; a write error turns status into 2 with a message.
 * Every tool returns through this. */
int cli_finish(int status);

/* Parse a byte size: decimal with optional K, M, G, T suffix (powers of
 * 1024).  Returns 0 on success. */
int cli_parse_size(const char *s, uint64_t *out);
/* Parse a non-negative decimal integer in [min, max]. */
int cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* True when progress lines should go to stderr: a terminal, or forced. */
int cli_progress_wanted(int forced);

/* Run a server until SIGINT or SIGTERM.  start runs with those signals
 * blocked (the server's threads inherit the mask); then the port goes to
 * port_file (when non-NULL), the signals call stop (async-signal-safe),
 * and run blocks until stopped. */
struct cli_server {
	int (*start)(void *arg, vouch_err *err);
	unsigned (*port)(void *arg);
	void (*stop)(void *arg);
	int (*run)(void *arg, vouch_err *err);
	void *arg;
	const char *port_file;
};
int cli_serve(const struct cli_server *s, vouch_err *err);

#endif
