package fitconnect

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Destination is a checked destination: active, with a trusted encryption
// key.
type Destination struct {
	ID               string
	Status           string
	EncryptionKid    string
	Services         []DestinationService
	MetadataVersions []string
	// Key is the verified public encryption key (RSA ≥ 4096 bits,
	// RSA-OAEP-256, x5c chained to Config.Roots).
	Key *jose.JSONWebKey
}

// DestinationService is one service a destination accepts.
type DestinationService struct {
	Identifier        string             `json:"identifier"` // urn:de:fim:leika:leistung:<14 digits>
	SubmissionSchemas []SubmissionSchema `json:"submissionSchemas"`
	Regions           []string           `json:"regions"`
}

// SubmissionSchema names a schema of the data a destination accepts.
type SubmissionSchema struct {
	SchemaURI string `json:"schemaUri"`
	MimeType  string `json:"mimeType"`
}

// Accepts reports whether d takes the service leika with data of schemaURI.
// A service that lists no schemas takes any.
func (d *Destination) Accepts(leika, schemaURI string) bool {
	for _, s := range d.Services {
		if s.Identifier != leikaURN+leika && s.Identifier != leika {
			continue
		}
		if len(s.SubmissionSchemas) == 0 {
			return true
		}
		for _, sc := range s.SubmissionSchemas {
			if sc.SchemaURI == schemaURI {
				return true
			}
		}
	}
	return false
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// MinKeyBits is the smallest destination encryption key accepted.
const MinKeyBits = 4096

// Destination fetches destination id, checks that its status is "active"
// (else ErrDestinationInactive), fetches its encryption key (encryptionKid)
// and checks it: an RSA public key of at least MinKeyBits, alg RSA-OAEP-256,
// for encryption (use "enc" or key_ops "wrapKey"), whose x5c leaf carries
// the same public key and chains to Config.Roots at Config.Now. A key that
// fails any of that gives ErrKeyNotTrusted. Whether the destination takes a
// service is Destination.Accepts (Send checks it).
func (c *Client) Destination(ctx context.Context, id string) (*Destination, error) {
	if !uuidRE.MatchString(id) {
		return nil, fmt.Errorf("fitconnect: destination ID %q is not a UUID", id)
	}
	base := c.api + "/destinations/" + url.PathEscape(id)
	var raw struct {
		DestinationID    string               `json:"destinationId"`
		Status           string               `json:"status"`
		EncryptionKid    string               `json:"encryptionKid"`
		Services         []DestinationService `json:"services"`
		MetadataVersions []string             `json:"metadataVersions"`
	}
	if err := c.do(ctx, request{op: "get destination", method: http.MethodGet, url: base, auth: true}, &raw); err != nil {
		return nil, err
	}
	if raw.DestinationID != "" && !strings.EqualFold(raw.DestinationID, id) {
		return nil, fmt.Errorf("fitconnect: asked for destination %s, got %s", id, raw.DestinationID)
	}
	if raw.Status != "active" {
		return nil, fmt.Errorf("%w: destination %s is %q", ErrDestinationInactive, id, raw.Status)
	}
	if raw.EncryptionKid == "" {
		return nil, fmt.Errorf("%w: destination %s names no encryptionKid", ErrKeyNotTrusted, id)
	}
	var keyJSON json.RawMessage
	err := c.do(ctx, request{op: "get destination key", method: http.MethodGet,
		url: base + "/keys/" + url.PathEscape(raw.EncryptionKid), auth: true}, &keyJSON)
	if err != nil {
		return nil, err
	}
	key, err := c.checkEncryptionKey(keyJSON, raw.EncryptionKid)
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", id, err)
	}
	return &Destination{ID: id, Status: raw.Status, EncryptionKid: raw.EncryptionKid,
		Services: raw.Services, MetadataVersions: raw.MetadataVersions, Key: key}, nil
}

// checkEncryptionKey parses a destination's public JWK and checks it (see
// Destination). Every failure wraps ErrKeyNotTrusted.
func (c *Client) checkEncryptionKey(raw []byte, kid string) (*jose.JSONWebKey, error) {
	return c.checkDestinationKey(raw, kid, encRole)
}

// keyRole is what a destination key is for: its alg, use, key_ops and
// certificate key usage.
type keyRole struct {
	alg      string        // "RSA-OAEP-256", "PS512"
	use, op  string        // use "enc"/"sig", key_ops "wrapKey"/"verify"
	otherOps []string      // further key_ops tolerated besides op
	usage    x509.KeyUsage // required in the leaf, if it names any
	what     string        // for messages
}

var (
	encRole = keyRole{alg: string(jose.RSA_OAEP_256), use: "enc", op: "wrapKey",
		otherOps: []string{"encrypt"}, usage: x509.KeyUsageKeyEncipherment, what: "key encipherment"}
	sigRole = keyRole{alg: string(jose.PS512), use: "sig", op: "verify",
		usage: x509.KeyUsageDigitalSignature, what: "digital signatures"}
)

// checkDestinationKey parses a destination's public JWK kid and checks it
// for role: an RSA public key of at least MinKeyBits with exponent 65537,
// role's alg and use (or key_ops), whose x5c leaf carries the same public
// key, allows role's key usage and chains to Config.Roots at Config.Now.
// Every failure wraps ErrKeyNotTrusted.
func (c *Client) checkDestinationKey(raw []byte, kid string, role keyRole) (*jose.JSONWebKey, error) {
	var key jose.JSONWebKey
	if err := key.UnmarshalJSON(raw); err != nil {
		// go-jose also refuses an x5c leaf whose key differs from the JWK's.
		return nil, fmt.Errorf("%w: %v", ErrKeyNotTrusted, err)
	}
	var extra struct {
		KeyOps []string `json:"key_ops"`
	}
	_ = json.Unmarshal(raw, &extra)
	fail := func(format string, a ...any) (*jose.JSONWebKey, error) {
		return nil, fmt.Errorf("%w: key %q: %s", ErrKeyNotTrusted, kid, fmt.Sprintf(format, a...))
	}
	if key.KeyID != kid {
		return fail("the key carries kid %q", key.KeyID)
	}
	pub, ok := key.Key.(*rsa.PublicKey)
	if !ok {
		return fail("not an RSA public key (%T)", key.Key)
	}
	if bits := pub.N.BitLen(); bits < MinKeyBits {
		return fail("%d bits, at least %d required", bits, MinKeyBits)
	}
	if pub.E != 65537 {
		return fail("public exponent %d, want 65537", pub.E)
	}
	if key.Algorithm != role.alg {
		return fail("alg %q, want %s", key.Algorithm, role.alg)
	}
	// FIT-Connect keys say e.g. "key_ops":["wrapKey"]; plain JWKs say "use":"enc".
	switch {
	case key.Use != "" && key.Use != role.use:
		return fail("use %q, want %s", key.Use, role.use)
	case len(extra.KeyOps) > 0 && (!slices.Contains(extra.KeyOps, role.op) ||
		slices.ContainsFunc(extra.KeyOps, func(op string) bool { return op != role.op && !slices.Contains(role.otherOps, op) })):
		return fail("key_ops %q, want [%s]", extra.KeyOps, role.op)
	case key.Use == "" && len(extra.KeyOps) == 0:
		return fail("neither use %s nor key_ops %s", role.use, role.op)
	}
	if len(key.Certificates) == 0 {
		return fail("no x5c certificate chain")
	}
	leaf := key.Certificates[0]
	if lp, ok := leaf.PublicKey.(*rsa.PublicKey); !ok || !lp.Equal(pub) {
		return fail("the x5c leaf certificate carries another public key")
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&role.usage == 0 {
		return fail("the certificate does not allow %s", role.what)
	}
	inter := x509.NewCertPool()
	for _, crt := range key.Certificates[1:] {
		inter.AddCert(crt)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots:         c.cfg.Roots,
		Intermediates: inter,
		CurrentTime:   c.cfg.Now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return fail("x5c chain: %v", err)
	}
	pubKey := key.Public()
	return &pubKey, nil
}
