package mcpool

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// truthy is Python's bool() of a settings value.
func truthy(v any) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case int64:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		// From a URL query or an environment variable.
		switch strings.ToLower(v) {
		case "", "0", "false", "no", "off":
			return false, nil
		case "1", "true", "yes", "on":
			return true, nil
		}
	}
	return false, fmt.Errorf("%w: %v is not a boolean", ErrOption, v)
}

// number reads a numeric settings value.
func number(v any) (float64, error) {
	switch v := v.(type) {
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case float64:
		return v, nil
	case time.Duration:
		return v.Seconds(), nil
	case string:
		var f float64
		if _, err := fmt.Sscan(strings.TrimSpace(v), &f); err == nil {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w: %v is not a number", ErrOption, v)
}

func seconds(v any) (time.Duration, error) {
	f, err := number(v)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || math.Abs(f) > 1e9 {
		return 0, fmt.Errorf("%w: %v seconds", ErrOption, v)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// libmemcachedConfig is what pylibmc's behaviours make of libmemcached's
// server selection.
type libmemcachedConfig struct {
	dist      distribution
	hash      hashFunc
	weighted  bool
	sortHosts bool
}

// pylibmcBehaviors applies pylibmc behaviours in the order pylibmc sets
// them (its own table order, whatever the dict's): hash, ketama_hash,
// ketama, ketama_weighted, distribution, then the rest.
func pylibmcBehaviors(bs map[string]any) (libmemcachedConfig, error) {
	c := libmemcachedConfig{dist: modula, hash: hashDefault}
	setDist := func(d distribution) {
		switch d {
		case consistent, consistentKetama:
			c.weighted = false
		case consistentWeighted:
			c.weighted = true
		}
		c.dist = d
	}
	if v, ok := bs["hash"]; ok && v != nil {
		s, _ := v.(string)
		h, ok := hashNames[s]
		if !ok {
			return c, fmt.Errorf("%w: hash %v (supported: default, md5, crc, fnv1_64, fnv1a_64, fnv1_32, fnv1a_32, murmur, jenkins)", ErrOption, v)
		}
		c.hash = h
	}
	// ketama_hash sets libmemcached's distribution hash, which no
	// distribution reads: it does not move keys.
	if v, ok := bs["ketama"]; ok {
		on, err := truthy(v)
		if err != nil {
			return c, err
		}
		if on {
			setDist(consistentKetama)
		} else {
			setDist(modula)
		}
	}
	if v, ok := bs["ketama_weighted"]; ok {
		on, err := truthy(v)
		if err != nil {
			return c, err
		}
		if on {
			c.hash = hashMD5
			setDist(consistentWeighted)
		} else {
			// libmemcached turns plain ketama on instead.
			setDist(consistentKetama)
		}
	}
	if v, ok := bs["distribution"]; ok && v != nil {
		s, _ := v.(string)
		d, ok := distributionNames[s]
		if !ok {
			return c, fmt.Errorf("%w: distribution %v (supported: modula, consistent, consistent ketama, consistent ketama spy, consistent weighted)", ErrOption, v)
		}
		setDist(d)
	}
	for _, name := range []string{"remove_failed", "auto_eject"} {
		if on, err := truthy(bs[name]); err != nil || on {
			return c, fmt.Errorf("%w: behaviour %s (auto-ejection) is not supported", ErrOption, name)
		}
	}
	if on, err := truthy(bs["_hash_with_prefix_key"]); err != nil || on {
		return c, fmt.Errorf("%w: behaviour _hash_with_prefix_key is not supported", ErrOption)
	}
	on, err := truthy(bs["_sort_hosts"])
	if err != nil {
		return c, err
	}
	c.sortHosts = on
	return c, nil
}
