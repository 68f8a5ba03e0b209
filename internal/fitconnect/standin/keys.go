package standin

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Generating an RSA-4096 key takes about a second, with a long tail. Keys
// are therefore looked up in this order: the key directory (Config.KeyDir,
// default Dir/keys), a cache shared by every stand-in in the process, and
// only then generated. What is generated goes into both. So a restarted
// stand-in on the same Dir keeps its keys, and a test binary that starts
// twenty in-memory stand-ins generates each key once.

var procCache = struct {
	mu    sync.Mutex
	keys  map[string]*procKey
	certs map[string]*x509.Certificate
}{keys: map[string]*procKey{}, certs: map[string]*x509.Certificate{}}

type procKey struct {
	once sync.Once
	key  *rsa.PrivateKey
	err  error
}

func cachedKey(name string, bits int) (*rsa.PrivateKey, error) {
	procCache.mu.Lock()
	e := procCache.keys[fmt.Sprintf("%s/%d", name, bits)]
	if e == nil {
		e = &procKey{}
		procCache.keys[fmt.Sprintf("%s/%d", name, bits)] = e
	}
	procCache.mu.Unlock()
	e.once.Do(func() { e.key, e.err = rsa.GenerateKey(rand.Reader, bits) })
	return e.key, e.err
}

// keyStore reads and writes keys and certificates as PEM files under dir
// (when dir is not empty).
type keyStore struct {
	dir  string
	bits int
}

func (ks *keyStore) path(name, ext string) string {
	return filepath.Join(ks.dir, name+ext)
}

// key returns the RSA key called name, from disk, the process cache or
// freshly generated.
func (ks *keyStore) key(name string) (*rsa.PrivateKey, error) {
	if ks.dir != "" {
		k, err := readKeyFile(ks.path(name, ".key.pem"))
		if err == nil {
			return k, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	k, err := cachedKey(name, ks.bits)
	if err != nil {
		return nil, fmt.Errorf("generate key %s: %w", name, err)
	}
	if ks.dir == "" {
		return k, nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	// Another stand-in (or process) may store the same name at the same
	// moment: the first file wins and everybody uses that one.
	if err := createExclusive(ks.path(name, ".key.pem"), data); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return readKeyFile(ks.path(name, ".key.pem"))
	}
	return k, nil
}

// secret returns n random bytes kept under name.
func (ks *keyStore) secret(name string, n int) ([]byte, error) {
	if ks.dir == "" {
		// A secret per stand-in is enough in memory: it only signs access
		// tokens, which a stand-in without Dir forgets anyway.
		b := make([]byte, n)
		_, err := rand.Read(b)
		return b, err
	}
	p := ks.path(name, ".secret")
	if b, err := os.ReadFile(p); err == nil && len(b) == 2*n {
		return hex.DecodeString(string(b))
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := createExclusive(p, []byte(hex.EncodeToString(b))); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return hex.DecodeString(string(data))
	}
	return b, nil
}

// certSpec describes a certificate to issue for a key.
type certSpec struct {
	name     string // file and cache name
	cn       string
	ca       bool
	pathLen  int // for CAs: how many CAs may follow
	usage    x509.KeyUsage
	validFor time.Duration
}

// cert returns the certificate called spec.name for key, issued by
// issuer/issuerKey (self-signed when issuer is nil). A stored certificate
// is used only if it still belongs to key and issuer.
func (ks *keyStore) cert(spec certSpec, key *rsa.PrivateKey, issuer *x509.Certificate, issuerKey *rsa.PrivateKey) (*x509.Certificate, error) {
	fits := func(c *x509.Certificate) bool {
		if !publicKeyEqual(c.PublicKey, &key.PublicKey) || time.Now().After(c.NotAfter.Add(-24*time.Hour)) {
			return false
		}
		if issuer == nil {
			return c.CheckSignatureFrom(c) == nil
		}
		return bytes.Equal(c.RawIssuer, issuer.RawSubject) && c.CheckSignatureFrom(issuer) == nil
	}
	if ks.dir != "" {
		if c, err := readCertFile(ks.path(spec.name, ".crt.pem")); err == nil && fits(c) {
			return c, nil
		}
	}
	cacheKey := spec.name + "|" + keyFingerprint(&key.PublicKey)
	if issuerKey != nil {
		cacheKey += "|" + keyFingerprint(&issuerKey.PublicKey)
	}
	procCache.mu.Lock()
	c := procCache.certs[cacheKey]
	procCache.mu.Unlock()
	if c == nil || !fits(c) {
		var err error
		c, err = issue(spec, key, issuer, issuerKey)
		if err != nil {
			return nil, fmt.Errorf("issue certificate %s: %w", spec.name, err)
		}
		procCache.mu.Lock()
		procCache.certs[cacheKey] = c
		procCache.mu.Unlock()
	}
	if ks.dir != "" {
		if err := writeFileAtomic(ks.path(spec.name, ".crt.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func issue(spec certSpec, key *rsa.PrivateKey, issuer *x509.Certificate, issuerKey *rsa.PrivateKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   spec.cn,
			Organization: []string{"Sozialplattform FIT-Connect stand-in (TEST ONLY)"},
			Country:      []string{"DE"},
		},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(spec.validFor),
		KeyUsage:              spec.usage,
		BasicConstraintsValid: true,
		IsCA:                  spec.ca,
	}
	if spec.ca {
		tmpl.MaxPathLen = spec.pathLen
		tmpl.MaxPathLenZero = spec.pathLen == 0
	}
	parent, signer := tmpl, key
	if issuer != nil {
		parent, signer = issuer, issuerKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func readKeyFile(p string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PKCS#8 private key", p)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", p)
	}
	return rk, nil
}

func readCertFile(p string) (*x509.Certificate, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no certificate", p)
	}
	return x509.ParseCertificate(block.Bytes)
}

func publicKeyEqual(a crypto.PublicKey, b *rsa.PublicKey) bool {
	ra, ok := a.(*rsa.PublicKey)
	return ok && ra.Equal(b)
}

func keyFingerprint(pub *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:16])
}

// kidOf is the key's RFC 7638 thumbprint: stable for as long as the key
// is, so a restarted stand-in announces the same kid.
func kidOf(pub *rsa.PublicKey) string {
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil { // cannot happen for an RSA key
		return keyFingerprint(pub)
	}
	return b64(tp)
}

// publicJWK is the public half of key as a JWK with kid, use, alg and
// (if chain is not empty) x5c.
func publicJWK(pub *rsa.PublicKey, kid, use, alg string, chain []*x509.Certificate) jose.JSONWebKey {
	return jose.JSONWebKey{Key: pub, KeyID: kid, Use: use, Algorithm: alg, Certificates: chain}
}

// signingKey is one of the stand-in's own PS512 keys.
type signingKey struct {
	priv *rsa.PrivateKey
	kid  string
}

func newSigningKey(priv *rsa.PrivateKey) *signingKey {
	return &signingKey{priv: priv, kid: kidOf(&priv.PublicKey)}
}

func (k *signingKey) jwk() jose.JSONWebKey {
	return publicJWK(&k.priv.PublicKey, k.kid, "sig", string(jose.PS512), nil)
}

// prefetch loads or generates the named keys in parallel.
func (ks *keyStore) prefetch(names []string) (map[string]*rsa.PrivateKey, error) {
	out := make(map[string]*rsa.PrivateKey, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := ks.key(n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out[n] = k
		}()
	}
	wg.Wait()
	return out, firstErr
}
