#!/bin/sh
# publish-apt.sh - apt users get it for free: in a Debian 12 chroot with
# Debian's apt-transport-in-toto, `apt-get install` through the intoto://
# method installs a package only when k = 2 labs published, with
# vouch-publish --apt-intoto, a link naming exactly its bytes.
#
# The chroot is the Debian 12 environment of the other tests
# (/var/cache/vouch-test/debian12.tar) plus apt-transport-in-toto and
# gnupg, installed once into /var/cache/vouch-test/apt-intoto (flock'd) and
# used read-only below a tmpfs overlay in a private mount namespace, so runs
# in parallel do not see each other.  The test builds four tiny .debs, a
# local archive of them whose Release file a test GPG key signs, the
# campaign summaries of two labs, their rebuilder trees, and a layout
# (signed with another test GPG key) asking for 2 of the 2 labs; a loopback
# HTTP server serves the archive and both trees.
#   vgood   reproduced by both labs              -> installs
#   vfail   reproduced by A, FAILED at B         -> refused
#   vfew    reproduced by A only (B never built) -> refused
#   vwrong  both labs reproduced other bytes     -> refused
# Needs root (chroot, mounts) and, the first time, Debian's archive.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
real_world_test

P="$VOUCH_BIN/vouch-publish"
S="$VOUCH_SRCDIR/tests/cli"
PY=${VOUCH_PYTHON:-/usr/bin/python3}
trap 'gpgconf --homedir "$T/gpg" --kill all 2>/dev/null; stop_pids; rm -rf "$T"' EXIT
if [ "$(id -u)" -ne 0 ]; then
	fail "needs root (chroot, mount namespaces)"
	finish
	exit 1
fi
debian_env_or_fail

# ---- the chroot: Debian 12 + apt-transport-in-toto, built once ----
APTROOT=/var/cache/vouch-test/apt-intoto
(
	flock 9
	if [ ! -f "$APTROOT/ready" ]; then
		echo "installing apt-transport-in-toto into a Debian 12 chroot (once)"
		R=$APTROOT.new/root
		rm -rf "$APTROOT.new" && mkdir -p "$R"
		tar -xf "$ENV" -C "$R"
		cp /etc/resolv.conf "$R/etc/resolv.conf"
		unshare -m --propagation private sh -eu -c "
			mount -t proc proc '$R/proc'
			mount --rbind /dev '$R/dev'
			chroot '$R' apt-get -q update
			chroot '$R' env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
				--no-install-recommends install apt-transport-in-toto gnupg" >"$T/chroot-build.log" 2>&1 ||
			{ tail -n 20 "$T/chroot-build.log" >&2; exit 1; }
		rm -rf "$R/var/lib/apt/lists/"* "$R/var/cache/apt/archives/"*.deb "$R/etc/resolv.conf"
		rm -rf "$APTROOT" && mv "$APTROOT.new" "$APTROOT" && touch "$APTROOT/ready"
	fi
) 9>/var/cache/vouch-test/.apt-intoto.lock || true
if [ ! -f "$APTROOT/ready" ] || [ ! -x "$APTROOT/root/usr/lib/apt/methods/intoto" ]; then
	fail "no chroot with apt-transport-in-toto in $APTROOT"
	finish
	exit 1
fi

# ---- four tiny packages and a signed archive of them ----
M=$T/serve/mirror
mkdir -p "$M/pool/main" "$M/dists/bookworm/main/binary-amd64"
for p in vgood vfail vfew vwrong; do
	mkdir -p "$T/pkg/$p/DEBIAN" "$T/pkg/$p/usr/share/doc/$p"
	printf 'Package: %s\nVersion: 1.0-1\nArchitecture: all\nMaintainer: vouch <dev@vouch.invalid>\nDescription: vouch test package %s\n' \
		"$p" "$p" >"$T/pkg/$p/DEBIAN/control"
	echo "$p" >"$T/pkg/$p/usr/share/doc/$p/README"
	dpkg-deb --root-owner-group -Zgzip --build "$T/pkg/$p" "$M/pool/main/${p}_1.0-1_all.deb" >/dev/null
done
(cd "$M" && dpkg-scanpackages -m pool /dev/null 2>/dev/null) >"$M/dists/bookworm/main/binary-amd64/Packages"
(cd "$M/dists/bookworm" && apt-ftparchive -o APT::FTPArchive::Release::Suite=bookworm \
	-o APT::FTPArchive::Release::Codename=bookworm -o APT::FTPArchive::Release::Architectures=amd64 \
	-o APT::FTPArchive::Release::Components=main release . >"$T/Release" && mv "$T/Release" Release)
mkdir -m 700 "$T/gpg"
G() { gpg --batch --homedir "$T/gpg" --pinentry-mode loopback --passphrase '' "$@" 2>/dev/null; }
G --quick-gen-key 'vouch test archive' ed25519 sign 1d
G --quick-gen-key 'vouch test layout owner' ed25519 sign 1d
fpr() { G --with-colons --list-keys "$1" | awk -F: '/^fpr/ { print $10; exit }'; }
ARCHIVE=$(fpr 'vouch test archive')
OWNER=$(fpr 'vouch test layout owner')
[ -n "$ARCHIVE" ] && [ -n "$OWNER" ] && ok || fail "test GPG keys"
G -u "$ARCHIVE" --clearsign -o "$M/dists/bookworm/InRelease" "$M/dists/bookworm/Release"

# ---- two labs: campaign summaries, keys, rebuilder trees ----
A=$("$VOUCH_BIN/vouch-keygen" -o "$T/labA")
B=$("$VOUCH_BIN/vouch-keygen" -o "$T/labB")
sum() { sha256sum "$M/pool/main/${1}_1.0-1_all.deb" | cut -c1-64; }
summary() { # summary LAB KEYID ITEM=VERDICT[=SHA256]...
	lab=$1 keyid=$2
	shift 2
	"$PY" - "$lab" "$keyid" "$@" >"$T/$lab.json" <<'PY'
import json, sys
lab, keyid, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
counts = dict.fromkeys(["reproduced", "equivalent", "failed", "build-error", "timeout",
                        "missing-source", "bad-signature"], 0)
items = []
for spec in specs:
    name, verdict, sha = spec.split("=")
    counts[verdict] += 1
    items.append({"id": name, "name": name, "version": "1.0-1", "verdict": verdict,
                  "reason": verdict, "rules": [], "run": "r1",
                  "artifacts": [{"name": name + "_1.0-1_all.deb", "sha256": sha}],
                  "envelope": None, "report_html": None, "log_entry": None,
                  "history": [{"run": "r1", "verdict": verdict, "finished": "2026-12-07T00:00:00Z"}]})
print(json.dumps({"_type": "https://vouch.dev/campaign-summary/v1", "campaign": "apt-test",
                  "generated": "2026-12-07T00:00:00Z", "lab": {"name": lab, "keyid": keyid},
                  "log": {"url": "http://127.0.0.1/log"},
                  "runs": [{"id": "r1", "started": "2026-12-07T00:00:00Z",
                            "finished": "2026-12-07T00:00:00Z"}],
                  "counts": counts, "items": items}))
PY
}
other=$(echo other | sha256sum | cut -c1-64)
summary labA "$A" "vgood=reproduced=$(sum vgood)" "vfail=reproduced=$(sum vfail)" \
	"vfew=reproduced=$(sum vfew)" "vwrong=reproduced=$other"
summary labB "$B" "vgood=reproduced=$(sum vgood)" "vfail=failed=$(sum vfail)" \
	"vwrong=reproduced=$other"
for l in labA labB; do
	expect_status 0 "$PY" "$S/schema_check.py" campaign-summary.schema.json "$T/$l.json"
	expect_status 0 "$P" -q --apt-intoto "$T/serve/$l" -k "$T/$l.key" "$T/$l.json"
done
[ -f "$T/serve/labA/sources/vfew/1.0-1/metadata" ] && [ ! -e "$T/serve/labB/sources/vfail" ] &&
	ok || fail "the labs' trees"

# the layout: 2 of (labA, labB), signed by the owner's GPG key
expect_status 0 "$PY" "$S/apt_intoto_layout.py" "$T/root.layout" "$T/gpg" "$OWNER" 2 \
	"$T/labA.pub" "$T/labB.pub"
G --export "$ARCHIVE" >"$T/archive.gpg"
G --export "$OWNER" >"$T/owner.gpg"

# ---- serve the archive and the two rebuilders on a loopback port ----
"$PY" -u -m http.server --bind 127.0.0.1 --directory "$T/serve" 0 >"$T/http.out" 2>"$T/http.err" &
PIDS="$PIDS $!"
i=0
while ! grep -q 'port [0-9]' "$T/http.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(sed -n 's/.* port \([0-9][0-9]*\) .*/\1/p' "$T/http.out" | head -n 1)
[ -n "$PORT" ] || { cat "$T/http.err" >&2; fail "http.server did not start"; finish; exit 1; }
U=http://127.0.0.1:$PORT

# ---- apt inside the chroot ----
mkdir -p "$T/etc" "$T/cout" "$T/ov"
echo "deb [signed-by=/etc/apt/keyrings/vouch-test.gpg] intoto://127.0.0.1:$PORT/mirror bookworm main" \
	>"$T/etc/sources.list"
cat >"$T/etc/intoto" <<EOF
APT::Intoto {
  LogLevel {"20"};
  Rebuilders { "$U/labA"; "$U/labB"; };
  GPGHomedir {"/root/layout-gpg"};
  Layout {"/etc/intoto/root.layout"};
  Keyids { "$OWNER"; };
  NoFail {"false"};
};
APT::Sandbox::User "root";
EOF
cat >"$T/inside.sh" <<'EOF'
set -u
export DEBIAN_FRONTEND=noninteractive
mkdir -m 700 /root/layout-gpg
gpg --batch --homedir /root/layout-gpg --import /root/owner.gpg 2>/dev/null
apt-get -q update >/out/update.log 2>&1
echo "update $?"
for p in vgood vfail vfew vwrong; do
	apt-get -q -y install "$p" >"/out/install-$p.log" 2>&1
	echo "install $p $?"
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		echo "installed $p yes"
	else
		echo "installed $p no"
	fi
done
cp /tmp/intoto.log /out/intoto.log 2>/dev/null
gpgconf --homedir /root/layout-gpg --kill all 2>/dev/null
exit 0
EOF
unshare -m --propagation private sh -eu -c '
	T=$1 APTROOT=$2
	R=$T/root
	mkdir -p "$R"
	mount -t tmpfs tmpfs "$T/ov"
	mkdir "$T/ov/u" "$T/ov/w"
	mount -t overlay overlay -o "lowerdir=$APTROOT/root,upperdir=$T/ov/u,workdir=$T/ov/w" "$R"
	mount -t proc proc "$R/proc"
	mount --rbind /dev "$R/dev"
	mkdir -p "$R/out" "$R/etc/apt/keyrings"
	mount --bind "$T/cout" "$R/out"
	rm -f "$R/etc/apt/sources.list.d/"*
	cp "$T/etc/sources.list" "$R/etc/apt/sources.list"
	cp "$T/etc/intoto" "$R/etc/apt/apt.conf.d/intoto"
	cp "$T/archive.gpg" "$R/etc/apt/keyrings/vouch-test.gpg"
	cp "$T/root.layout" "$R/etc/intoto/root.layout"
	cp "$T/owner.gpg" "$T/inside.sh" "$R/root/"
	nice -n 10 timeout 300 chroot "$R" sh /root/inside.sh
' sh "$T" "$APTROOT" >"$T/result" 2>"$T/unshare.err" || { cat "$T/unshare.err" >&2; fail "the chroot run"; }

cat >"$T/want" <<'EOF'
update 0
install vgood 0
installed vgood yes
install vfail 100
installed vfail no
install vfew 100
installed vfew no
install vwrong 100
installed vwrong no
EOF
expect_same "$T/want" "$T/result" "apt installs only what 2 labs reproduced"
# the transport did verify: a pass for vgood, a refusal for each of the others
expect_grep "In-toto verification for '/var/cache/apt/archives/partial/vgood_1.0-1_all.deb' passed" \
	"$T/cout/intoto.log" "vgood verified by in-toto"
# vfail, vfew: one lab's link only; vwrong: both links, other bytes
for p in vfail vfew; do
	expect_grep "In-toto verification for '/var/cache/apt/archives/partial/${p}_1.0-1_all.deb' failed, reason was: Step 'rebuild' requires '2' link metadata file(s), found '1'" \
		"$T/cout/install-$p.log" "apt reports $p's refusal: one lab"
done
expect_grep "In-toto verification for '/var/cache/apt/archives/partial/vwrong_1.0-1_all.deb' failed, reason was: 'DISALLOW \*.deb' matched the following artifacts: \['vwrong_1.0-1_all.deb'\]" \
	"$T/cout/install-vwrong.log" "apt reports vwrong's refusal: not the bytes the labs rebuilt"
finish
