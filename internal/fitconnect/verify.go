package fitconnect

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// verifyJWS checks a compact JWS signed with PS512 by a key of the set that
// src describes and returns its payload and header. typ, when not empty, is
// the required "typ" header. Every failure wraps ErrBadSignature, except a
// key set that cannot be fetched (a temporary *Error).
func (c *Client) verifyJWS(ctx context.Context, compact string, src keySource, typ string) ([]byte, jose.Header, error) {
	return verifyJWSWith(compact, typ, func(h jose.Header, _ []byte) (*rsa.PublicKey, error) {
		return c.verificationKey(ctx, src, h.KeyID)
	})
}

// verifyJWSWith is verifyJWS with the verification key chosen by keyFor
// from the protected header and the not yet verified payload (the payload
// is verified against the key keyFor returns, so whatever keyFor read from
// it is authenticated by that key afterwards).
func verifyJWSWith(compact, typ string,
	keyFor func(h jose.Header, unverified []byte) (*rsa.PublicKey, error)) ([]byte, jose.Header, error) {
	jws, err := jose.ParseSignedCompact(strings.TrimSpace(compact), []jose.SignatureAlgorithm{jose.PS512})
	if err != nil {
		return nil, jose.Header{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, jose.Header{}, fmt.Errorf("%w: %d signatures", ErrBadSignature, len(jws.Signatures))
	}
	h := jws.Signatures[0].Protected
	if typ != "" {
		got, _ := h.ExtraHeaders[jose.HeaderType].(string)
		if !strings.EqualFold(got, typ) {
			return nil, h, fmt.Errorf("%w: typ %q, want %q", ErrBadSignature, got, typ)
		}
	}
	if h.KeyID == "" {
		return nil, h, fmt.Errorf("%w: no kid in the header", ErrBadSignature)
	}
	key, err := keyFor(h, jws.UnsafePayloadWithoutVerification())
	if err != nil {
		return nil, h, err
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, h, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return payload, h, nil
}

type keySource int

const (
	eventKeys keySource = iota
	routingKeys
)

// verificationKey finds kid in the event or routing JWKS. A set is fetched
// when it is not cached or older than keysTTL, and fetched again when kid is
// unknown (key rollover), at most once a minute.
func (c *Client) verificationKey(ctx context.Context, src keySource, kid string) (*rsa.PublicKey, error) {
	c.keysMu.Lock()
	defer c.keysMu.Unlock()
	cache, u, op := &c.eventKeys, c.eventKeysURL, "get event signing keys"
	if src == routingKeys {
		cache, u, op = &c.routeKeys, c.cfg.RoutingKeysURL, "get routing signing keys"
	}
	static := src == routingKeys && c.staticKeys
	if !static && u == "" {
		return nil, fmt.Errorf("%w: no routing keys configured (Config.RoutingKeys or RoutingKeysURL)", ErrBadSignature)
	}
	now := c.cfg.Now()
	for fetched := false; ; fetched = true {
		if cache.set != nil && (static || now.Sub(cache.fetched) < keysTTL || fetched) {
			if k, err := pickKey(cache.set, kid); err != nil || k != nil {
				return k, err
			}
			if static || fetched || now.Sub(cache.fetched) < time.Minute {
				return nil, fmt.Errorf("%w: unknown kid %q", ErrBadSignature, kid)
			}
		}
		var set jose.JSONWebKeySet
		if err := c.do(ctx, request{op: op, method: http.MethodGet, url: u}, &set); err != nil {
			return nil, err
		}
		cache.set, cache.fetched = &set, now
	}
}

// pickKey returns the signature key kid from set, nil when there is none, or
// an error when the key is unfit: not an RSA public key of at least 2048
// bits, or meant for another algorithm or use.
func pickKey(set *jose.JSONWebKeySet, kid string) (*rsa.PublicKey, error) {
	keys := set.Key(kid)
	if len(keys) == 0 {
		return nil, nil
	}
	if len(keys) > 1 {
		return nil, fmt.Errorf("%w: kid %q is not unique in the key set", ErrBadSignature, kid)
	}
	k := keys[0]
	pub, ok := k.Key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: key %q is not an RSA public key", ErrBadSignature, kid)
	}
	if pub.N.BitLen() < 2048 {
		return nil, fmt.Errorf("%w: key %q has %d bits", ErrBadSignature, kid, pub.N.BitLen())
	}
	if (k.Algorithm != "" && k.Algorithm != string(jose.PS512)) || (k.Use != "" && k.Use != "sig") {
		return nil, fmt.Errorf("%w: key %q is for alg %q use %q", ErrBadSignature, kid, k.Algorithm, k.Use)
	}
	return pub, nil
}

// destinationSigningKey returns the signature key kid of destination id
// (GET /destinations/{id}/keys/{kid} on the submission host), which signs
// the receiving office's events: an RSA public key of at least MinKeyBits,
// alg PS512, for signatures (use "sig" or key_ops "verify"), whose x5c leaf
// carries the same key and chains to Config.Roots, as the encryption key is
// checked. A checked key is cached for keysTTL. Every failure wraps
// ErrBadSignature (an unfit key also ErrKeyNotTrusted), except a key that
// cannot be fetched for the time being (a temporary *Error).
func (c *Client) destinationSigningKey(ctx context.Context, id, kid string) (*rsa.PublicKey, error) {
	if !uuidRE.MatchString(id) {
		return nil, fmt.Errorf("%w: destination ID %q is not a UUID", ErrBadSignature, id)
	}
	ck := strings.ToLower(id) + "/" + kid
	c.keysMu.Lock()
	defer c.keysMu.Unlock()
	now := c.cfg.Now()
	if e, ok := c.destSigKeys[ck]; ok && now.Sub(e.fetched) < keysTTL && now.Sub(e.fetched) >= 0 {
		return e.key, nil
	}
	var raw json.RawMessage
	err := c.do(ctx, request{op: "get destination signature key", method: http.MethodGet,
		url: c.api + "/destinations/" + url.PathEscape(id) + "/keys/" + url.PathEscape(kid), auth: true}, &raw)
	if err != nil {
		if IsTemporary(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: destination %s key %q: %w", ErrBadSignature, id, kid, err)
	}
	key, err := c.checkDestinationKey(raw, kid, sigRole)
	if err != nil {
		return nil, fmt.Errorf("%w: destination %s: %w", ErrBadSignature, id, err)
	}
	pub := key.Key.(*rsa.PublicKey)
	if c.destSigKeys == nil {
		c.destSigKeys = map[string]destSigKey{}
	}
	c.destSigKeys[ck] = destSigKey{key: pub, fetched: now}
	return pub, nil
}
