#!/bin/sh
# exports.sh HEADER... - print, one a line, the functions the public headers
# declare: libvouch.so exports these and nothing else (Makefile.am passes
# the list to libtool's -export-symbols).  A function is an identifier
# vouch_* followed by "(" outside comments and preprocessor lines; a
# function-pointer typedef "(*vouch_x)(" is not one (")" follows the name).  tests/exports.sh
# checks the result against the compiler's own reading of the headers.
set -eu
cat "$@" | awk '
	# drop preprocessor lines, with their continuations
	cont { cont = /\\$/; next }
	/^[ \t]*#/ { cont = /\\$/; next }
	{ text = text $0 "\n" }
	END {
		# drop comments
		while ((i = index(text, "/*")) > 0) {
			rest = substr(text, i + 2)
			j = index(rest, "*/")
			if (j == 0) { text = substr(text, 1, i - 1); break }
			text = substr(text, 1, i - 1) " " substr(rest, j + 2)
		}
		while (match(text, /(^|[^A-Za-z0-9_])vouch_[A-Za-z0-9_]*[ \t\n]*\(/)) {
			m = substr(text, RSTART, RLENGTH)
			text = substr(text, RSTART + RLENGTH)
			sub(/[ \t\n]*\($/, "", m)
			sub(/^[^v]/, "", m)
			print m
		}
	}' | sort -u
