package mcpool

// Murmur3Score is a server's rendezvous score for a key, for the tests.
func Murmur3Score(name, key string) uint32 {
	m := newMurmurPrefix(append(appendLowBytes(nil, name), '-'))
	return m.sum(appendLowBytes(nil, key))
}
