package standin

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// Access tokens are JWTs signed (HS512) with a secret kept in the key
// directory, so a restarted stand-in on the same Dir still accepts the
// tokens it gave out.

type tokenClaims struct {
	Iss      string `json:"iss"`
	Sub      string `json:"sub"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Iat      int64  `json:"iat"`
	Exp      int64  `json:"exp"`
	Jti      string `json:"jti"`
}

// DefaultScope is granted when a token request names no scope.
const DefaultScope = "send:region:de"

func newUUID() string { return uuid.NewString() }

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if mt := mediaType(r); mt != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSmallBody)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable form: "+err.Error())
		return
	}
	f := r.PostForm
	id, secret := f.Get("client_id"), f.Get("client_secret")
	if id == "" && secret == "" {
		if _, _, ok := r.BasicAuth(); ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="fit-connect"`)
			oauthError(w, http.StatusUnauthorized, "invalid_client", "HTTP Basic is not accepted: send client_id and client_secret in the body (client_secret_post)")
			return
		}
	}
	switch g := f.Get("grant_type"); g {
	case "client_credentials":
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q: only client_credentials", g))
		return
	}
	want, ok := s.cfg.Clients[id]
	if !ok {
		want = "\x00never"
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 || !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	scope := f.Get("scope")
	if scope == "" {
		scope = DefaultScope
	}
	if len(scope) > 1024 || !validScope(scope) {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "scope must be space-separated printable tokens")
		return
	}
	now := s.now()
	claims := tokenClaims{Iss: s.base(r), Sub: id, ClientID: id, Scope: scope, Iat: now.Unix(),
		Exp: now.Add(s.cfg.TokenTTL).Unix(), Jti: newUUID()}
	payload, err := json.Marshal(claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS512, Key: s.tokenSecret}, (&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(s.cfg.TokenTTL / time.Second),
		"scope":        scope,
	})
}

func validScope(s string) bool {
	for _, tok := range strings.Split(s, " ") {
		if tok == "" {
			return false
		}
		for i := 0; i < len(tok); i++ {
			c := tok[i]
			if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
				return false
			}
		}
	}
	return true
}

var errNoToken = errors.New("no bearer token: get one from POST /token")

// checkToken returns the client a request's bearer token was issued to.
func (s *Server) checkToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", errNoToken
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", errors.New("the Authorization header must be \"Bearer <token>\"")
	}
	tok = strings.TrimSpace(tok)
	if len(tok) > 4096 {
		return "", errors.New("token too long")
	}
	obj, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.HS512})
	if err != nil {
		return "", errors.New("the token is not one of ours")
	}
	payload, err := obj.Verify(s.tokenSecret)
	if err != nil {
		return "", errors.New("the token's signature is wrong")
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.Sub == "" {
		return "", errors.New("the token is not one of ours")
	}
	if now := s.now().Unix(); now >= c.Exp {
		return "", errors.New("the token has expired")
	}
	if _, ok := s.cfg.Clients[c.Sub]; !ok {
		return "", errors.New("the token's client no longer exists")
	}
	return c.Sub, nil
}
