package standin

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// The routing service. The destinationSignature of each route is a
// compact JWS (PS512) by the stand-in's routing key, which is published
// on its own at GET /v1/routing-jwks.json: in FIT-Connect the routing
// data is signed by the editorial system, not by the delivery service,
// so a client keeps two trust anchors apart here too.

type routingPayload struct {
	Iss            string            `json:"iss"`
	Iat            int64             `json:"iat"`
	DestinationID  string            `json:"destinationId"`
	SubmissionHost string            `json:"submissionHost"`
	LeikaKey       string            `json:"leikaKey"`
	ARS            string            `json:"ars"`
	Services       []routingServices `json:"services"`
}

type routingServices struct {
	GebietIDs   []string `json:"gebietIDs"`
	LeistungIDs []string `json:"leistungIDs"`
}

type destinationParameters struct {
	EncryptionKid     string             `json:"encryptionKid"`
	MetadataVersions  []string           `json:"metadataVersions"`
	PublicKeys        jwks               `json:"publicKeys"`
	Status            string             `json:"status"`
	SubmissionSchemas []submissionSchema `json:"submissionSchemas"`
	SubmissionURL     string             `json:"submissionUrl"`
}

type routeDoc struct {
	DestinationID         string                `json:"destinationId"`
	DestinationSignature  string                `json:"destinationSignature"`
	DestinationName       string                `json:"destinationName"`
	DestinationParameters destinationParameters `json:"destinationParameters"`
}

type routesDoc struct {
	Count      int        `json:"count"`
	Offset     int        `json:"offset"`
	TotalCount int        `json:"totalCount"`
	Routes     []routeDoc `json:"routes"`
}

// AddRoute adds a route to the routing table at run time, to a destination
// that exists (NewDestination).
func (s *Server) AddRoute(r Route) error {
	if !leikaRE.MatchString(r.LeiKa) || !arsRE.MatchString(r.ARS) {
		return fmt.Errorf("standin: route: LeiKa %q or ARS %q malformed", r.LeiKa, r.ARS)
	}
	r.DestinationID = strings.ToLower(r.DestinationID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dests[r.DestinationID] == nil {
		return fmt.Errorf("standin: route: no destination %s", r.DestinationID)
	}
	s.routes = append(s.routes, r)
	return nil
}

// matchRoutes returns the routes for leika whose ARS is the longest
// prefix of ars; or, given an 8-digit AGS, whose ARS covers it. Callers hold s.mu.
func (s *Server) matchRoutes(leika, ars, ags string) []Route {
	best := -1
	var out []Route
	for _, r := range s.routes {
		if r.LeiKa != leika {
			continue
		}
		ok := false
		if ars != "" {
			ok = len(r.ARS) <= len(ars) && ars[:len(r.ARS)] == r.ARS
		} else {
			switch len(r.ARS) {
			case 2, 3, 5:
				ok = ags[:len(r.ARS)] == r.ARS
			case 12:
				ok = r.ARS[:5]+r.ARS[9:] == ags
			}
		}
		if !ok {
			continue
		}
		switch {
		case len(r.ARS) > best:
			best, out = len(r.ARS), []Route{r}
		case len(r.ARS) == best:
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) handleRoutes(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("User-Agent") == "" {
		writeProblem(w, http.StatusForbidden, "user-agent-required", "the routing API requires a User-Agent header")
		return
	}
	w.Header().Set("RateLimit-Limit", "1000")
	w.Header().Set("RateLimit-Remaining", "999")
	w.Header().Set("RateLimit-Reset", "60")
	q := r.URL.Query()
	bad := func(format string, args ...any) {
		writeProblem(w, http.StatusBadRequest, "invalid-query", fmt.Sprintf(format, args...))
	}
	leika := q.Get("leikaKey")
	if !leikaRE.MatchString(leika) {
		bad("leikaKey %q is not 14 digits", leika)
		return
	}
	n := 0
	for _, k := range []string{"ars", "ags", "areaId"} {
		if q.Has(k) {
			n++
		}
	}
	if n != 1 {
		bad("give exactly one of ars, ags and areaId")
		return
	}
	ars, ags := q.Get("ars"), q.Get("ags")
	switch {
	case q.Has("areaId"):
		bad("the stand-in knows no areas: ask by ars or ags")
		return
	case q.Has("ars") && !arsRE.MatchString(ars):
		bad("ars %q is not a regional key (2 to 12 digits)", ars)
		return
	case q.Has("ags") && !agsRE(ags):
		bad("ags %q is not 8 digits", ags)
		return
	}
	offset, limit := 0, 100
	if v := q.Get("offset"); v != "" {
		o, err := strconv.Atoi(v)
		if err != nil || o < 0 || o > 1_000_000 {
			bad("offset %q", v)
			return
		}
		offset = o
	}
	if v := q.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 1 || l > 500 {
			bad("limit %q: 1 to 500", v)
			return
		}
		limit = l
	}
	s.mu.Lock()
	matches := s.matchRoutes(leika, ars, ags)
	s.mu.Unlock()
	doc := routesDoc{Offset: offset, TotalCount: len(matches), Routes: []routeDoc{}}
	base := s.base(r)
	host := base
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		host = u.Host
	}
	s.fmu.Lock()
	broken := s.breakRoutingSig
	s.fmu.Unlock()
	for i := offset; i < len(matches) && i < offset+limit; i++ {
		rt := matches[i]
		s.mu.Lock()
		d := s.dests[rt.DestinationID]
		rec := s.destRecs[rt.DestinationID]
		var jwk jose.JSONWebKey
		var err error
		if d != nil {
			jwk, err = s.encJWK(d)
		}
		s.mu.Unlock()
		if d == nil || err != nil {
			writeProblem(w, http.StatusInternalServerError, "internal", fmt.Sprintf("route to %s: %v", rt.DestinationID, err))
			return
		}
		payload, err := json.Marshal(routingPayload{
			Iss: base, Iat: s.now().Unix(), DestinationID: rt.DestinationID, SubmissionHost: host,
			LeikaKey: rt.LeiKa, ARS: rt.ARS,
			Services: []routingServices{{GebietIDs: []string{regionPrefix + rt.ARS}, LeistungIDs: []string{leikaPrefix + rt.LeiKa}}},
		})
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		sig, err := signJWS(s.routingKey.priv, s.routingKey.kid, "", payload)
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		if broken {
			sig = tamperPayload(sig)
		}
		name := rt.Name
		if name == "" {
			name = rec.Name
		}
		doc.Routes = append(doc.Routes, routeDoc{
			DestinationID: rt.DestinationID, DestinationSignature: sig, DestinationName: name,
			DestinationParameters: destinationParameters{
				EncryptionKid: d.encKid, MetadataVersions: []string{MetadataVersion},
				PublicKeys: jwks{Keys: []jose.JSONWebKey{jwk}}, Status: rec.Status,
				SubmissionSchemas: xsozialSchemas, SubmissionURL: base,
			},
		})
	}
	doc.Count = len(doc.Routes)
	writeJSON(w, http.StatusOK, doc)
}

// tamperPayload swaps a JWS's payload for one that names another
// submission host, keeping the signature: it no longer verifies.
func tamperPayload(jws string) string {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return jws
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return jws
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return jws
	}
	m["submissionHost"] = "submission.attacker.invalid"
	changed, _ := json.Marshal(m)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(changed) + "." + parts[2]
}

func agsRE(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (s *Server) handleRoutingJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jwks{Keys: []jose.JSONWebKey{s.routingKey.jwk()}})
}
