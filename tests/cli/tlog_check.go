// tlog_check.go - verify a tlog-tiles log read over plain HTTP with Go's
// reference implementation (golang.org/x/mod/sumdb/tlog and note, Debian:
// golang-golang-x-mod-dev), sharing no code with vouch:
//
//	go run tlog_check.go URL VKEY
//
// The checkpoint's signature must verify with VKEY; every hash tile the
// tree needs is checked against the checkpoint's root by tlog's
// TileHashReader; every entry of every bundle must hash to its leaf.
// Prints "ok SIZE ROOT" and exits 0, or the first problem and exits 1.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlog_check: "+f+"\n", a...)
	os.Exit(1)
}

func get(p string) []byte {
	r, err := http.Get(base + "/" + p)
	if err != nil {
		fail("%s: %v", p, err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil || r.StatusCode != 200 {
		fail("%s: status %d %v", p, r.StatusCode, err)
	}
	return b
}

// C2SP tlog-tiles paths: tlog's "tile/8/L/..." without the height, and
// "tile/entries/..." for the data tiles.
func path(t tlog.Tile) string {
	p := t.Path()
	if t.L == -1 {
		return strings.Replace(p, "tile/8/data/", "tile/entries/", 1)
	}
	return strings.Replace(p, "tile/8/", "tile/", 1)
}

type reader struct{}

func (reader) Height() int { return 8 }
func (reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(path(t))
	}
	return out, nil
}
func (reader) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	if len(os.Args) != 3 {
		fail("usage: tlog_check URL VKEY")
	}
	base = strings.TrimRight(os.Args[1], "/")
	v, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("verifier: %v", err)
	}
	n, err := note.Open(get("checkpoint"), note.VerifierList(v))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("checkpoint: bad body %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint: bad size %q", lines[1])
	}
	rb, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rb) != tlog.HashSize {
		fail("checkpoint: bad root %q", lines[2])
	}
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], rb)
	hr := tlog.TileHashReader(tree, reader{})
	if size > 0 {
		h, err := tlog.TreeHash(size, hr)
		if err != nil || h != tree.Hash {
			fail("tree hash: %v", err)
		}
	}
	for start := int64(0); start < size; start += 256 {
		w := size - start
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}
		b := get(path(t))
		idx := make([]int64, w)
		leaves := make([]tlog.Hash, w)
		for i := int64(0); i < w; i++ {
			if len(b) < 2 {
				fail("%s: short bundle", path(t))
			}
			l := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+l {
				fail("%s: short entry", path(t))
			}
			leaves[i] = tlog.RecordHash(b[2 : 2+l])
			b = b[2+l:]
			idx[i] = tlog.StoredHashIndex(0, start+i)
		}
		if len(b) != 0 {
			fail("%s: trailing bytes", path(t))
		}
		got, err := hr.ReadHashes(idx)
		if err != nil {
			fail("leaves of %s: %v", path(t), err)
		}
		for i := range got {
			if got[i] != leaves[i] {
				fail("entry %d does not match its tile", start+int64(i))
			}
		}
	}
	fmt.Printf("ok %d %s\n", size, lines[2])
}
