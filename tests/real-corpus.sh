# real-corpus.sh - sourced: real Debian 12 packages for the compare tests
# and benches, fetched by name and version with apt-get download, pinned by
# SHA-256 and cached in $VOUCH_TEST_CACHE/debs (default /var/cache/vouch-test,
# shared between worktrees and runs; flock'ed).
#
# corpus_deb NAME VERSION SHA256  sets $deb to the cached file.  Exits 77
# (automake SKIP) with a message when the Debian archive is unreachable;
# exits 1 when it is reachable but the file is missing or does not match.

# name version sha256 (amd64).  libssl3: bookworm point release against
# bookworm-security; openjdk-17-jre-headless (44 MB each): the same two
# suites; hello: the package the build-ID variant is derived from.
REAL_LIBSSL_A="libssl3 3.0.20-1~deb12u2 89be24b41bff568ee6e7caf5680a3d808e80315ed92e407056ce0fa7a5bda025"
REAL_LIBSSL_B="libssl3 3.0.22-1~deb12u2 cb4784740daa9b3b0eaea2b444bbefa686794afbbf3d678d238c1fd9875f2efd"
REAL_HELLO="hello 2.10-3 2e6e2f1a0007dc43bc91c273fd36e91e40a4f1c2765a03eca68b70a42103878a"
REAL_JDK_A="openjdk-17-jre-headless 17.0.19+10-1~deb12u2 587784e0d7efa5256b2224c2f177850a2408485b19ab7e5cb206ceba6a6e9bd4"
REAL_JDK_B="openjdk-17-jre-headless 17.0.21.1+2-1~deb12u1 6bbc6940ce68e1faaefd6bb3495cfe018a96bde54e069697131b9b459b822293"

REAL_CACHE=${VOUCH_TEST_CACHE:-/var/cache/vouch-test}/debs

corpus_deb() {
	_name=$1 _ver=$2 _sha=$3
	deb="$REAL_CACHE/${_name}_$(printf '%s' "$_ver" | sed 's/:/%3a/g')_amd64.deb"
	if [ -s "$deb" ] && [ "$(sha256sum <"$deb" | cut -d' ' -f1)" = "$_sha" ]; then
		return 0
	fi
	mkdir -p "$REAL_CACHE" || { echo "cannot create $REAL_CACHE" >&2; exit 1; }
	_rc=0
	(
		flock 9
		if [ -s "$deb" ] && [ "$(sha256sum <"$deb" | cut -d' ' -f1)" = "$_sha" ]; then
			exit 0
		fi
		_dl=$(mktemp -d "$REAL_CACHE/dl.XXXXXX")
		trap 'rm -rf "$_dl"' EXIT
		if ! (cd "$_dl" && apt-get download "$_name=$_ver") >"$_dl/log" 2>&1; then
			if grep -Eqi 'could not resolve|temporary failure|failed to fetch|unable to connect|connection (failed|timed out|refused)|network is unreachable' "$_dl/log"; then
				echo "SKIP: the Debian archive is unreachable (apt-get download $_name=$_ver):" >&2
				sed 's/^/  /' "$_dl/log" | tail -n 3 >&2
				exit 77
			fi
			echo "apt-get download $_name=$_ver failed (not in the apt lists? run apt-get update;" \
				"the pinned version may have left the archive):" >&2
			sed 's/^/  /' "$_dl/log" | tail -n 3 >&2
			exit 1
		fi
		set -- "$_dl"/*.deb
		_got=$(sha256sum <"$1" | cut -d' ' -f1)
		if [ "$_got" != "$_sha" ]; then
			echo "$_name $_ver: SHA-256 $_got, pinned $_sha" >&2
			exit 1
		fi
		mv "$1" "$deb"
	) 9>"$REAL_CACHE/.lock" || _rc=$?
	[ "$_rc" -eq 0 ] || exit "$_rc"
}
