package mcpool

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// defaultPort is memcached's port, which every client assumes when a
// server names none.
const defaultPort = 11211

// node is one server of LOCATION as a backend's client reads it.
type node struct {
	addr   string // what Go dials: host:port, or a Unix socket path
	host   string // host as the client keeps it (libmemcached's hostname)
	port   int
	weight int
	name   string // pymemcache's node name, "host:port" or the socket path
}

// pyInt is Python's int() of a decimal string: surrounding white space
// and underscores between digits allowed.
func pyInt(s string) (int, error) {
	t := strings.TrimSpace(s)
	if strings.Contains(t, "_") && !strings.Contains(t, "__") && !strings.HasPrefix(t, "_") && !strings.HasSuffix(t, "_") {
		t = strings.ReplaceAll(t, "_", "")
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, fmt.Errorf("%w: port or weight %q", ErrServer, s)
	}
	return n, nil
}

func tcpNode(host string, port, weight int) node {
	return node{addr: net.JoinHostPort(host, strconv.Itoa(port)), host: host, port: port, weight: weight,
		name: host + ":" + strconv.Itoa(port)}
}

// parseServer reads one LOCATION entry the way backend's client does.
func parseServer(b Backend, s string) (node, error) {
	switch b {
	case PyMemcacheCache:
		// pymemcache's normalize_server_spec.
		if p, ok := strings.CutPrefix(s, "unix:"); ok {
			return node{addr: p, host: p, weight: 1, name: p}, nil
		}
		if strings.HasPrefix(s, "/") {
			return node{addr: s, host: s, weight: 1, name: s}, nil
		}
		host, port := s, defaultPort
		if strings.Contains(s, ":") && !strings.HasSuffix(s, "]") {
			i := strings.LastIndexByte(s, ':')
			p, err := pyInt(s[i+1:])
			if err != nil {
				return node{}, err
			}
			host, port = s[:i], p
		}
		if strings.HasPrefix(host, "[") {
			host = strings.Trim(host, "[]")
		}
		return tcpNode(host, port, 1), nil
	case PyLibMCCache:
		// Django strips "unix:", then pylibmc's translate_server_spec.
		s = strings.TrimPrefix(s, "unix:")
		if strings.HasPrefix(s, "/") {
			return node{addr: s, host: s, weight: 1, name: s}, nil
		}
		if strings.HasPrefix(s, "udp:") {
			return node{}, fmt.Errorf("%w: UDP servers are not supported: %q", ErrServer, s)
		}
		host, port, weight := s, strconv.Itoa(defaultPort), "1"
		switch {
		case strings.HasPrefix(s, "["):
			if !strings.Contains(s, "]") {
				return node{}, fmt.Errorf("%w: %q", ErrServer, s)
			}
			if strings.HasSuffix(s, "]") {
				host = s[1 : len(s)-1]
			} else {
				i := strings.LastIndex(s[1:], "]:")
				if i < 0 {
					return node{}, fmt.Errorf("%w: %q", ErrServer, s)
				}
				host, port = s[1:1+i], s[1+i+2:]
			}
		case strings.Contains(s, ":"):
			host, port, _ = strings.Cut(s, ":")
		}
		if p, w, ok := strings.Cut(port, ":"); ok {
			port, weight = p, w
		}
		pn, err := pyInt(port)
		if err != nil {
			return node{}, err
		}
		wn, err := pyInt(weight)
		if err != nil {
			return node{}, err
		}
		if pn < 0 || pn > math.MaxUint16 {
			return node{}, fmt.Errorf("%w: port %d", ErrServer, pn)
		}
		if wn < 1 || wn > math.MaxUint16 {
			return node{}, fmt.Errorf("%w: weight %d", ErrServer, wn)
		}
		return tcpNode(host, pn, wn), nil
	case MemcachedCache:
		// python-memcached's _Host.
		for _, re := range pmcSpecs {
			m := re.FindStringSubmatch(s)
			if m == nil {
				continue
			}
			if re == pmcSpecs[0] {
				return node{addr: m[1], host: m[1], weight: 1, name: m[1]}, nil
			}
			port := defaultPort
			if m[2] != "" {
				p, err := pyInt(m[2])
				if err != nil {
					return node{}, err
				}
				port = p
			}
			return tcpNode(m[1], port, 1), nil
		}
		return node{}, fmt.Errorf("%w: %q", ErrServer, s)
	}
	return node{}, ErrBackend
}

var pmcSpecs = []*regexp.Regexp{
	regexp.MustCompile(`^unix:(.*)$`),
	regexp.MustCompile(`^inet6:\[([^\[\]]+)\](?::([0-9]+))?$`),
	regexp.MustCompile(`^inet:([^:]+)(?::([0-9]+))?$`),
	regexp.MustCompile(`^([^:]+)(?::([0-9]+))?$`),
}

// distribution is libmemcached's server distribution (pylibmc's
// "distribution" behaviour).
type distribution int

// libmemcached distributions; the values are memcached_server_distribution_t.
// Random and virtual buckets cannot be reproduced and are refused.
const (
	// modula picks server hash % number of servers: libmemcached's
	// default ("modula").
	modula distribution = 0
	// consistent is a continuum of 100 points per server, each the key
	// hash of "host:port-i" (just "host-i" on port 11211), i from 0
	// ("consistent").
	consistent distribution = 1
	// consistentKetama is laid out as consistent ("consistent ketama",
	// pylibmc's {"ketama": True}).
	consistentKetama distribution = 2
	// consistentKetamaSpy is spymemcached's layout: points hashed from
	// "/host:port-i" ("consistent ketama spy").
	consistentKetamaSpy distribution = 4
	// consistentWeighted is ketama proper: 160 points per server scaled
	// by its weight, four from each MD5 of "host:port-i", and MD5 as the
	// key hash ("consistent weighted", pylibmc's {"ketama_weighted": True}).
	consistentWeighted distribution = 5
)

var distributionNames = map[string]distribution{
	"modula": modula, "consistent": consistent, "consistent ketama": consistentKetama,
	"consistent ketama spy": consistentKetamaSpy, "consistent weighted": consistentWeighted,
}

// continuum point.
type point struct {
	value uint32
	index uint32
}

// buildContinuum lays out libmemcached's continuum (update_continuum,
// without auto-ejection).
func buildContinuum(nodes []node, d distribution, h hashFunc, weighted bool) []point {
	const perServer, perServerKetama = 100, 160
	var total uint64
	if weighted {
		for _, n := range nodes {
			total += uint64(n.weight)
		}
	}
	live := float32(len(nodes))
	var pts []point
	for i, n := range nodes {
		perHost, perHash := uint32(perServer), uint32(1)
		if weighted {
			// float arithmetic as libmemcached's C does it.
			pct := float32(n.weight) / float32(total)
			perHost = uint32(math.Floor(float64(pct*perServerKetama/4*live+0.0000000001))) * 4
			perHash = 4
		}
		for j := uint32(0); j < perHost/perHash; j++ {
			var sortHost string
			switch {
			case d == consistentKetamaSpy:
				sortHost = "/" + n.host + ":" + strconv.Itoa(n.port) + "-" + strconv.Itoa(int(j))
			case n.port == defaultPort:
				sortHost = n.host + "-" + strconv.Itoa(int(j))
			default:
				sortHost = n.host + ":" + strconv.Itoa(n.port) + "-" + strconv.Itoa(int(j))
			}
			if weighted {
				sum := md5Sum(sortHost)
				for x := range perHash {
					v := uint32(sum[4*x]) | uint32(sum[4*x+1])<<8 | uint32(sum[4*x+2])<<16 | uint32(sum[4*x+3])<<24
					pts = append(pts, point{v, uint32(i)})
				}
			} else {
				pts = append(pts, point{h.sum([]byte(sortHost)), uint32(i)})
			}
		}
	}
	slices.SortFunc(pts, func(a, b point) int {
		if a.value != b.value {
			if a.value < b.value {
				return -1
			}
			return 1
		}
		return int(a.index) - int(b.index)
	})
	return pts
}

// lookup is libmemcached's dispatch_host on a continuum: the first point
// at or after hash, wrapping round.
func lookup(pts []point, hash uint32) int {
	i, _ := slices.BinarySearchFunc(pts, hash, func(p point, h uint32) int {
		if p.value < h {
			return -1
		}
		if p.value > h {
			return 1
		}
		return 0
	})
	// BinarySearchFunc finds the first point not below hash.
	if i == len(pts) {
		i = 0
	}
	return int(pts[i].index)
}
