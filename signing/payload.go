package signing

// DecodePayload undoes what signing.dumps does to a serialized value
// before signing it: the URL-safe base64 and, for a payload that starts
// with '.', the zlib compression, bounded to limit bytes once inflated
// (DefaultMaxDecompressedSize when limit <= 0). It checks no signature:
// give it the payload of a value that verified, or use it to show what an
// unverified value claims to hold.
func DecodePayload(payload string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxDecompressedSize
	}
	compressed := len(payload) > 0 && payload[0] == '.'
	if compressed {
		payload = payload[1:]
	}
	data, err := B64Decode(payload)
	if err != nil {
		return nil, err
	}
	if compressed {
		return inflate(data, limit)
	}
	return data, nil
}
