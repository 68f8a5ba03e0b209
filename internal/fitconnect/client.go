package fitconnect

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Config configures a Client. TokenURL, SubmissionURL, ClientID,
// ClientSecret and Roots are required; RoutingURL and a source of routing
// keys only for Route.
type Config struct {
	// TokenURL is the OAuth token endpoint, e.g.
	// https://auth-testing.fit-connect.fitko.dev/token.
	TokenURL string
	// SubmissionURL is the Submission API's root without the version, e.g.
	// https://submission-api-testing.fit-connect.fitko.dev (v1) or
	// https://test.fit-connect.fitko.dev/submission-api (v2); the client
	// appends "/v1" or "/v2". A URL that already ends in the version is
	// taken as it is.
	SubmissionURL string
	// RoutingURL is the Routing API's root including its version, e.g.
	// https://routing-api-testing.fit-connect.fitko.dev/v1; "/routes" is
	// appended.
	RoutingURL string
	// APIVersion is "v2" (default) or "v1" of the Submission API.
	APIVersion string

	ClientID, ClientSecret string
	// Scope is "send-submissions" (v2) or e.g. "send:region:de" (v1).
	Scope string

	// Roots are the trusted roots for destination keys' x5c chains (the
	// DOI-CA in production, a test CA in tests).
	Roots *x509.CertPool

	// RoutingKeys verify the routing service's destinationSignature. When it
	// is empty, RoutingKeysURL is fetched instead (a JWKS, cached for an hour).
	RoutingKeys    jose.JSONWebKeySet
	RoutingKeysURL string

	// EventKeysURL is the JWKS that signs the event log's SETs; default
	// "/.well-known/jwks.json" on the submission host.
	EventKeysURL string

	// HTTPClient sends every request (default: a client whose transport has
	// dial, TLS and response-header timeouts). Independently of it, every
	// request runs under RequestTimeout (default 30 s); attachment uploads
	// get one more second per 512 KiB of body.
	HTTPClient     *http.Client
	RequestTimeout time.Duration

	UserAgent string
	Now       func() time.Time
}

// Client talks to one FIT-Connect Submission API (and optionally a Routing
// API) as one sender. It is safe for concurrent use.
type Client struct {
	cfg          Config
	hc           *http.Client
	api          string // submission API root with version, no trailing slash
	submitHost   string // host[:port] of the submission API
	eventKeysURL string
	timeout      time.Duration

	tokenMu  sync.Mutex
	token    string
	tokenExp time.Time

	keysMu     sync.Mutex
	eventKeys  keyCache
	routeKeys  keyCache
	staticKeys bool // routing keys given in Config
	// destSigKeys are checked destination signature keys by
	// "<destination ID>/<kid>".
	destSigKeys map[string]destSigKey
}

type destSigKey struct {
	key     *rsa.PublicKey
	fetched time.Time
}

type keyCache struct {
	set     *jose.JSONWebKeySet
	fetched time.Time
}

// Response size limits: everything read from the services is bounded.
const (
	maxJSONBody  = 1 << 20 // destinations, keys, tokens, JWKS, answers
	maxListBody  = 8 << 20 // routes (up to 500 with texts) and event logs
	maxErrorBody = 8 << 10 // problem details kept for the error message
	keysTTL      = time.Hour
)

// New checks cfg and returns a client. It does no network I/O.
func New(cfg Config) (*Client, error) {
	if cfg.APIVersion == "" {
		cfg.APIVersion = "v2"
	}
	if cfg.APIVersion != "v1" && cfg.APIVersion != "v2" {
		return nil, fmt.Errorf("fitconnect: APIVersion %q: want v1 or v2", cfg.APIVersion)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("fitconnect: ClientID and ClientSecret are required")
	}
	if cfg.Roots == nil {
		return nil, errors.New("fitconnect: Roots (trusted roots for destination keys) are required")
	}
	if _, err := serviceURL("TokenURL", cfg.TokenURL); err != nil {
		return nil, err
	}
	sub, err := serviceURL("SubmissionURL", cfg.SubmissionURL)
	if err != nil {
		return nil, err
	}
	if cfg.RoutingURL != "" {
		if _, err := serviceURL("RoutingURL", cfg.RoutingURL); err != nil {
			return nil, err
		}
	}
	if cfg.RoutingKeysURL != "" {
		if _, err := serviceURL("RoutingKeysURL", cfg.RoutingKeysURL); err != nil {
			return nil, err
		}
	}
	c := &Client{cfg: cfg, hc: cfg.HTTPClient, timeout: cfg.RequestTimeout, submitHost: sub.Host}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.cfg.UserAgent == "" {
		c.cfg.UserAgent = "sozialplattform-fitconnect/1 (+https://github.com/sozialplattform/sozialplattform)"
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	api := strings.TrimRight(sub.String(), "/")
	switch {
	case strings.HasSuffix(api, "/"+cfg.APIVersion):
	case strings.HasSuffix(api, "/v1"), strings.HasSuffix(api, "/v2"):
		return nil, fmt.Errorf("fitconnect: SubmissionURL %q ends in another version than %s", cfg.SubmissionURL, cfg.APIVersion)
	default:
		api += "/" + cfg.APIVersion
	}
	c.api = api
	c.eventKeysURL = cfg.EventKeysURL
	if c.eventKeysURL == "" {
		c.eventKeysURL = (&url.URL{Scheme: sub.Scheme, Host: sub.Host, Path: "/.well-known/jwks.json"}).String()
	} else if _, err := serviceURL("EventKeysURL", c.eventKeysURL); err != nil {
		return nil, err
	}
	if len(cfg.RoutingKeys.Keys) > 0 {
		c.staticKeys = true
		set := cfg.RoutingKeys
		c.routeKeys.set = &set
	}
	return c, nil
}

// serviceURL accepts https URLs, and plain http only to a loopback host (the
// local stand-in and tests).
func serviceURL(name, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("fitconnect: %s is required", name)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("fitconnect: %s %q is not an absolute URL without credentials, query or fragment", name, raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("fitconnect: %s %q: plain http only to a loopback host", name, raw)
		}
	default:
		return nil, fmt.Errorf("fitconnect: %s %q: scheme must be https", name, raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 30 * time.Second
	// No Client.Timeout: it would cut large uploads; each request carries
	// its own deadline instead.
	return &http.Client{Transport: tr}
}

// Error is what every failed request returns. Temporary failures (network,
// timeouts, 5xx, 429) may succeed when retried later; the rest will not.
type Error struct {
	Op         string        // what was attempted, e.g. "create submission"
	StatusCode int           // HTTP status; 0 when no response arrived
	Temporary  bool          // worth retrying later
	RetryAfter time.Duration // from a 429/503 Retry-After header, if any
	Detail     string        // the service's problem title/detail, shortened
	Err        error         // underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fitconnect: ")
	b.WriteString(e.Op)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a failure that may go away when the
// same call is repeated later: network errors, timeouts, HTTP 5xx and 429.
// Everything else (4xx, failed signature or key checks, no route) is
// permanent.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// The errors that checks return, wrapped with details; test with errors.Is.
var (
	ErrNoRoute             = errors.New("fitconnect: no route for this service and region")
	ErrAmbiguousRoute      = errors.New("fitconnect: several destinations for this service and region")
	ErrKeyNotTrusted       = errors.New("fitconnect: destination key not trusted")
	ErrBadSignature        = errors.New("fitconnect: bad signature")
	ErrDestinationInactive = errors.New("fitconnect: destination is not active")
	ErrServiceNotAccepted  = errors.New("fitconnect: destination does not accept this service or schema")
)

// request is one HTTP exchange.
type request struct {
	op, method, url string
	query           url.Values
	form            url.Values                               // urlencoded body
	json            any                                      // JSON body
	body            func() (io.Reader, int64, string, error) // other body: reader, length, content type
	auth            bool
	maxBody         int64
	timeout         time.Duration
}

// do sends r and decodes a JSON answer into out (when not nil). With auth it
// sends the bearer token and, on a 401, fetches a new token and tries once
// more.
func (c *Client) do(ctx context.Context, r request, out any) error {
	for attempt := 0; ; attempt++ {
		var token string
		if r.auth {
			var err error
			if token, err = c.accessToken(ctx, attempt > 0); err != nil {
				return err
			}
		}
		status, err := c.once(ctx, r, token, out)
		if status == http.StatusUnauthorized && r.auth && attempt == 0 {
			continue
		}
		return err
	}
}

func (c *Client) once(ctx context.Context, r request, token string, out any) (int, error) {
	timeout := r.timeout
	if timeout <= 0 {
		timeout = c.timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	u := r.url
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var (
		body   io.Reader
		length int64
		ctype  string
	)
	switch {
	case r.form != nil:
		s := r.form.Encode()
		body, length, ctype = strings.NewReader(s), int64(len(s)), "application/x-www-form-urlencoded"
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			return 0, &Error{Op: r.op, Err: err}
		}
		body, length, ctype = bytes.NewReader(b), int64(len(b)), "application/json"
	case r.body != nil:
		var err error
		if body, length, ctype, err = r.body(); err != nil {
			var e *Error
			if errors.As(err, &e) {
				return 0, err
			}
			return 0, &Error{Op: r.op, Err: err}
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
		return 0, &Error{Op: r.op, Err: err}
	}
	if body != nil {
		req.ContentLength = length
		req.Header.Set("Content-Type", ctype)
		if r.body != nil {
			req.GetBody = func() (io.ReadCloser, error) {
				b, _, _, err := r.body()
				if rc, ok := b.(io.ReadCloser); ok {
					return rc, err
				}
				return io.NopCloser(b), err
			}
		}
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json, application/problem+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, &Error{Op: r.op, Temporary: true, Err: err}
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{Op: r.op, StatusCode: resp.StatusCode,
			Temporary: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout}
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				e.RetryAfter = time.Duration(n) * time.Second
			} else if t, err := http.ParseTime(s); err == nil {
				e.RetryAfter = max(0, t.Sub(c.cfg.Now()))
			}
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e.Detail = problemDetail(b)
		return resp.StatusCode, e
	}
	limit := r.maxBody
	if limit <= 0 {
		limit = maxJSONBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.StatusCode, &Error{Op: r.op, StatusCode: resp.StatusCode, Temporary: true, Err: err}
	}
	if int64(len(b)) > limit {
		return resp.StatusCode, &Error{Op: r.op, StatusCode: resp.StatusCode, Err: fmt.Errorf("answer longer than %d bytes", limit)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, &Error{Op: r.op, StatusCode: resp.StatusCode, Err: fmt.Errorf("answer is not the expected JSON: %w", err)}
		}
	}
	return resp.StatusCode, nil
}

// problemDetail shortens an RFC 7807 problem (or any text) for an error
// message.
func problemDetail(b []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Error  string `json:"error"`
		Desc   string `json:"error_description"`
	}
	var s string
	if json.Unmarshal(b, &p) == nil {
		parts := []string{}
		for _, v := range []string{p.Title, p.Detail, p.Error, p.Desc} {
			if v != "" {
				parts = append(parts, v)
			}
		}
		s = strings.Join(parts, ": ")
	} else {
		s = string(bytes.TrimSpace(b))
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// accessToken returns a cached token, or fetches one (client_credentials,
// client_secret_post) when there is none, it is about to expire, or renew
// is set (after a 401).
func (c *Client) accessToken(ctx context.Context, renew bool) (string, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	now := c.cfg.Now()
	if !renew && c.token != "" && now.Before(c.tokenExp) {
		return c.token, nil
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	if c.cfg.Scope != "" {
		form.Set("scope", c.cfg.Scope)
	}
	var tr struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := c.do(ctx, request{op: "get access token", method: http.MethodPost, url: c.cfg.TokenURL, form: form}, &tr); err != nil {
		return "", err
	}
	if tr.AccessToken == "" || (tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer")) {
		return "", &Error{Op: "get access token", Err: fmt.Errorf("no bearer token in the answer (token_type %q)", tr.TokenType)}
	}
	life := 5 * time.Minute
	if n, err := strconv.ParseFloat(strings.Trim(string(tr.ExpiresIn), `"`), 64); err == nil && n > 0 {
		life = time.Duration(n * float64(time.Second))
	}
	// Renew shortly before expiry: a minute early, or halfway for short lives.
	c.token, c.tokenExp = tr.AccessToken, now.Add(life-min(time.Minute, life/2))
	return c.token, nil
}
