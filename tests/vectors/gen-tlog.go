// gen-tlog.go - compute tests/vectors/tlog.json with Go's reference
// implementation of transparency logs, golang.org/x/mod/sumdb/tlog and
// golang.org/x/mod/sumdb/note (Debian: golang-golang-x-mod-dev), so that
// vouch's Merkle, tile and signed-note code is checked against code it
// shares nothing with.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run gen-tlog.go > tlog.json
//
// The output is a pure function of the constants below: entry i is the
// ASCII text "entry-<i>\n" and the note key is RFC 8032's test key 1.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	maxSize   = 70000
	tileH     = 8
	logName   = "example.com/vouch-test-log"
	seedHex   = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	xmodLabel = "golang.org/x/mod/sumdb/tlog and sumdb/note (Go reference), x/mod v0.7.0"
)

var sizes = []int64{1, 2, 3, 7, 8, 255, 256, 257, 1000, 65535, 65536, 65537, 70000}
var consistencyPairs = [][2]int64{{1, 2}, {3, 7}, {7, 8}, {255, 256}, {256, 257},
	{1000, 65537}, {65536, 70000}, {1, 70000}}
var tileIndexes = []int64{0, 5, 999, 1000, 1234, 1234067, 9999999999}

type inclusion struct {
	Index    int64    `json:"index"`
	TreeSize int64    `json:"tree_size"`
	Root     string   `json:"root"`
	LeafHash string   `json:"leaf_hash"`
	Proof    []string `json:"proof"`
}

type consistency struct {
	Old     int64
	New     int64
	OldRoot string
	NewRoot string
	Proof   []string
}

type tileFile struct {
	Bytes  string `json:"bytes"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// The stored hashes of the whole log, in tlog's storage order.
var stored []tlog.Hash

func readHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(stored)) {
			return nil, fmt.Errorf("hash index %d out of range", x)
		}
		out[i] = stored[x]
	}
	return out, nil
}

var reader = tlog.HashReaderFunc(readHashes)

func entry(i int64) []byte { return []byte(fmt.Sprintf("entry-%d\n", i)) }

func hexes(p []tlog.Hash) []string {
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-tlog:", err)
		os.Exit(1)
	}
}

func root(n int64) tlog.Hash {
	h, err := tlog.TreeHash(n, reader)
	must(err)
	return h
}

// tilePath is C2SP tlog-tiles' path: x/mod's Tile.Path() with its
// "tile/<H>/" prefix (tiles of height 8 are the only ones C2SP has) cut.
func tilePath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", tileH))
}

func signedNote(checkpoint string) map[string]string {
	seed, err := hex.DecodeString(seedHex)
	must(err)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	// note's key hash: the first 4 bytes of SHA-256(name "\n" alg pub)
	sum := sha256.Sum256(append([]byte(logName+"\n\x01"), pub...))
	hash := strconv.FormatUint(uint64(sum[0])<<24|uint64(sum[1])<<16|uint64(sum[2])<<8|uint64(sum[3]), 16)
	hash = strings.Repeat("0", 8-len(hash)) + hash
	skey := "PRIVATE+KEY+" + logName + "+" + hash + "+" +
		base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	vkey := logName + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, pub...))
	signer, err := note.NewSigner(skey)
	must(err)
	msg, err := note.Sign(&note.Note{Text: checkpoint}, signer)
	must(err)
	// check what was made with the package's own verifier
	verifier, err := note.NewVerifier(vkey)
	must(err)
	_, err = note.Open(msg, note.VerifierList(verifier))
	must(err)
	return map[string]string{
		"checkpoint_text":   checkpoint,
		"ed25519_seed_hex":  seedHex,
		"key_name":          logName,
		"signed_checkpoint": string(msg),
		"verifier_key":      vkey,
	}
}

func main() {
	for i := int64(0); i < maxSize; i++ {
		hs, err := tlog.StoredHashes(i, entry(i), reader)
		must(err)
		stored = append(stored, hs...)
	}

	roots := map[string]string{}
	var incl []inclusion
	for _, n := range sizes {
		r := root(n)
		roots[strconv.FormatInt(n, 10)] = hex.EncodeToString(r[:])
		for _, i := range []int64{0, n / 2, n - 1} {
			p, err := tlog.ProveRecord(n, i, reader)
			must(err)
			leaf := tlog.RecordHash(entry(i))
			must(tlog.CheckRecord(p, n, r, i, leaf))
			incl = append(incl, inclusion{i, n, hex.EncodeToString(r[:]),
				hex.EncodeToString(leaf[:]), hexes(p)})
		}
	}

	var cons []consistency
	for _, pr := range consistencyPairs {
		p, err := tlog.ProveTree(pr[1], pr[0], reader)
		must(err)
		o, n := root(pr[0]), root(pr[1])
		must(tlog.CheckTree(p, pr[1], n, pr[0], o))
		cons = append(cons, consistency{pr[0], pr[1], hex.EncodeToString(o[:]),
			hex.EncodeToString(n[:]), hexes(p)})
	}

	paths := map[string]string{}
	for _, n := range tileIndexes {
		key := strconv.FormatInt(n, 10)
		paths[key] = tilePath(tlog.Tile{H: tileH, L: 0, N: n, W: 1 << tileH})
		paths[key+" level 2 width 17"] = tilePath(tlog.Tile{H: tileH, L: 2, N: n, W: 17})
	}

	// NewTiles lists every partial width a tile went through on the way
	// from 0 to maxSize; the tree of maxSize has only the widest of each.
	var final []tlog.Tile
	for _, t := range tlog.NewTiles(tileH, 0, maxSize) {
		if k := len(final) - 1; k >= 0 && final[k].L == t.L && final[k].N == t.N {
			final[k] = t
		} else {
			final = append(final, t)
		}
	}
	var tiles []tileFile
	for _, t := range final {
		data, err := tlog.ReadTileData(t, reader)
		must(err)
		sum := sha256.Sum256(data)
		tiles = append(tiles, tileFile{strconv.Itoa(len(data)), tilePath(t), hex.EncodeToString(sum[:])})
	}

	r := root(maxSize)
	checkpoint := fmt.Sprintf("%s\n%d\n%s\n", logName, maxSize, base64.StdEncoding.EncodeToString(r[:]))
	out := map[string]interface{}{
		"generator":            xmodLabel,
		"entries":              `entry i (0-based) is the ASCII bytes of "entry-<i>\n"; leaf hash = SHA-256(0x00 || entry)`,
		"tree_roots":           roots,
		"inclusion":            incl,
		"consistency":          cons,
		"tile_paths":           paths,
		"tiles_note":           "hash tiles of a tree of 70000 entries (height 8); sha256 is of the tile file bytes; paths in C2SP tlog-tiles form",
		"tiles_for_size_70000": tiles,
		"signed_note":          signedNote(checkpoint),
	}
	b, err := json.MarshalIndent(out, "", " ")
	must(err)
	os.Stdout.Write(append(b, '\n'))
}
