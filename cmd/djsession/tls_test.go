package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/redis/go-redis/v9"
)

// testCA makes a throwaway CA and a server certificate it signs for
// 127.0.0.1 and the name host, and returns their PEM files.
func testCA(t testing.TB, host string) (caFile, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "djsession test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{host}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", der), write("server.key", "EC PRIVATE KEY", keyDER)
}

// Issue 13 item 10: rediss:// with redis-py's URL options, against a
// real TLS redis-server started here with a throwaway CA.
func TestRedisTLS(t *testing.T) {
	testenv.Topologies(t)
	bin := testenv.Binary(t, "redis-server")
	ca, cert, key := testCA(t, "redis.test")
	port := testenv.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	testenv.Start(t, "redis-tls", addr, bin, "--port", "0", "--tls-port", strconv.Itoa(port),
		"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no",
		"--save", "", "--appendonly", "no")

	// a session written as Django's cache engine writes it
	d := &pyjson.Object{}
	d.Set("_auth_user_id", "31")
	val, err := pickle.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	const sk = "tlssession0123456789abcdefghijkl"
	rc := redis.NewClient(&redis.Options{Addr: addr, TLSConfig: mustTLS(t, ca)})
	defer rc.Close()
	if err := rc.Set(t.Context(), ":1:"+cachestore.CachePrefix+sk, val, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}

	ls := func(url string) cliResult {
		return runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", url, "--format", "csv", "--columns", "key,status,user")
	}
	base := "rediss://" + addr + "/0"
	for _, ok := range []string{
		base + "?ssl_ca_certs=" + ca,                                                                       // chain and IP checked
		"rediss://localhost:" + strconv.Itoa(port) + "/0?ssl_cert_reqs=none",                               // nothing checked
		"rediss://localhost:" + strconv.Itoa(port) + "/0?ssl_ca_certs=" + ca + "&ssl_check_hostname=false", // chain only
		base + "?ssl_cert_reqs=required&ssl_ca_certs=" + ca + "&ssl_certfile=" + cert + "&ssl_keyfile=" + key,
	} {
		res := ls(ok)
		if res.code != 0 || !strings.Contains(res.out, sk+",ok,31") {
			t.Errorf("%s: exit %d %q %q", ok, res.code, res.out, res.err)
		}
	}
	for _, bad := range []string{
		base, // the system roots do not know the CA
		"rediss://localhost:" + strconv.Itoa(port) + "/0?ssl_ca_certs=" + ca, // name localhost not in the certificate
		"redis://" + addr + "/0", // plaintext to a TLS port
	} {
		if res := ls(bad); res.code != exitError || strings.Count(res.err, "\n") != 1 {
			t.Errorf("%s: exit %d %q %q, want a one-line connection failure", bad, res.code, res.out, res.err)
		}
	}
}

func mustTLS(t *testing.T, ca string) *tls.Config {
	c, err := tlsConfig(tlsVerifyIdentity, "127.0.0.1", tlsFiles{ca: ca})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
