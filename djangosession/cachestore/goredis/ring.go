package goredis

import (
	"bytes"
	"crypto/sha256"
	"regexp"
	"slices"
	"strconv"
)

// RingReplicas is the number of points each node has on django-redis's
// hash ring (HashRing's replicas argument, 128 by default and as
// ShardClient builds it).
const RingReplicas = 128

// Ring is django-redis's consistent-hash ring (django_redis.hash_ring),
// the one its ShardClient uses to choose the server of a key.
//
// Each node name (a LOCATION entry, as written) has RingReplicas points:
// the SHA-256 of "name:i" for i from 0 to 127. A key's point is the
// SHA-256 of the key's UTF-8 bytes; the key goes to the node owning the
// last point at or below it in byte order (django-redis compares hex
// digests as strings, which orders them as the digests' bytes), and to
// the node owning the highest point when the key's point is below them
// all. A Ring is immutable and safe for concurrent use.
type Ring struct {
	points []ringPoint // sorted by hash
	names  []string
}

type ringPoint struct {
	hash [sha256.Size]byte
	node int // index into names
}

// NewRing returns the ring django-redis builds from the node names, in
// LOCATION order. Repeated names are one node, as in django-redis, where
// the ring maps a name to its connection. NewRing of no names returns a
// ring whose Node is always -1.
func NewRing(names []string) *Ring {
	r := &Ring{}
	index := map[string]int{}
	for _, name := range names {
		if _, ok := index[name]; ok {
			continue
		}
		index[name] = len(r.names)
		r.names = append(r.names, name)
	}
	r.points = make([]ringPoint, 0, len(r.names)*RingReplicas)
	var buf []byte
	for n, name := range r.names {
		for i := range RingReplicas {
			buf = append(append(append(buf[:0], name...), ':'), strconv.Itoa(i)...)
			r.points = append(r.points, ringPoint{hash: sha256.Sum256(buf), node: n})
		}
	}
	// Equal points (from names whose "name:i" collide, which SHA-256 makes
	// impossible in practice) would resolve to the name added last in
	// django-redis; a stable sort keeps insertion order among equals and
	// lookup takes the last of them.
	slices.SortStableFunc(r.points, func(a, b ringPoint) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	return r
}

// Names returns the node names, without repeats, in LOCATION order.
func (r *Ring) Names() []string { return slices.Clone(r.names) }

// Node returns the index (into Names) of the node django-redis's
// ShardClient sends the cache key to, after taking the hash tag out of
// the key as ShardHashKey does.
func (r *Ring) Node(key string) int {
	return r.NodeOfHashKey(ShardHashKey(key))
}

// NodeOfHashKey is Node without the hash-tag rule: hk is hashed as it is.
func (r *Ring) NodeOfHashKey(hk string) int {
	if len(r.points) == 0 {
		return -1
	}
	h := sha256.Sum256([]byte(hk))
	// bisect_right: the first point above h; the one before it owns h.
	i, found := slices.BinarySearchFunc(r.points, h, func(p ringPoint, h [sha256.Size]byte) int {
		return bytes.Compare(p.hash[:], h[:])
	})
	if found {
		for i+1 < len(r.points) && r.points[i+1].hash == h {
			i++
		}
		i++
	}
	i--
	if i < 0 {
		// Python's index -1: the highest point.
		i = len(r.points) - 1
	}
	return r.points[i].node
}

// hashTag is ShardClient's _findhash, r".*\{(.*)\}.*" used with
// re.match: anchored at the start, "." not matching a newline, greedy,
// so the tag runs from the last "{" on the key's first line that has a
// "}" after it on that line to the last such "}". Go's regexp chooses the
// submatch a backtracking engine (Python's re) would.
var hashTag = regexp.MustCompile(`^.*\{(.*)\}`)

// ShardHashKey returns the string django-redis's ShardClient hashes to
// place key: the text between braces when the key has a hash tag
// ("{user42}" in "p:1:{user42}x"; possibly empty), else the key itself.
func ShardHashKey(key string) string {
	if m := hashTag.FindStringSubmatch(key); m != nil {
		return m[1]
	}
	return key
}
