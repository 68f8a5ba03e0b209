package fitconnect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// URN prefixes used in FIT-Connect for a service (LeiKa/Leistungsschlüssel)
// and for an area by its regional key (ARS).
const (
	leikaURN = "urn:de:fim:leika:leistung:"
	arsURN   = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:"
)

var (
	leikaRE = regexp.MustCompile(`^99\d{12}$`)
	arsRE   = regexp.MustCompile(`^(\d{2}|\d{3}|\d{5}|\d{9}|\d{12})$`)
)

// Routing reports whether the client knows a Routing API.
func (c *Client) Routing() bool { return c.cfg.RoutingURL != "" }

// Route asks the Routing API which destination receives the service leika
// (14 digits) for the area ars (2, 3, 5, 9 or 12 digits) and returns its ID.
// Each route's destinationSignature must be a PS512 JWS by a routing key
// (Config.RoutingKeys or RoutingKeysURL) whose payload names the same
// destination, the service and an area that contains ars, and — when it
// names one — this client's submission host. Routes failing that are
// ignored; if none is left the error wraps ErrBadSignature, if there was
// none ErrNoRoute, and if valid routes name different destinations
// ErrAmbiguousRoute.
func (c *Client) Route(ctx context.Context, leika, ars string) (string, error) {
	if c.cfg.RoutingURL == "" {
		return "", errors.New("fitconnect: Route needs Config.RoutingURL")
	}
	if !leikaRE.MatchString(leika) {
		return "", fmt.Errorf("fitconnect: LeiKa key %q: want 14 digits starting with 99", leika)
	}
	if !arsRE.MatchString(ars) {
		return "", fmt.Errorf("fitconnect: ARS %q: want 2, 3, 5, 9 or 12 digits", ars)
	}
	var res struct {
		Routes []struct {
			DestinationID        string `json:"destinationId"`
			DestinationSignature string `json:"destinationSignature"`
		} `json:"routes"`
	}
	err := c.do(ctx, request{
		op: "find route", method: http.MethodGet,
		url:     strings.TrimRight(c.cfg.RoutingURL, "/") + "/routes",
		query:   url.Values{"leikaKey": {leika}, "ars": {ars}, "limit": {"500"}},
		maxBody: maxListBody,
	}, &res)
	if err != nil {
		return "", err
	}
	if len(res.Routes) == 0 {
		return "", fmt.Errorf("%w (LeiKa %s, ARS %s)", ErrNoRoute, leika, ars)
	}
	var (
		found   string
		lastErr error
	)
	for _, r := range res.Routes {
		if err := c.checkRoute(ctx, r.DestinationID, r.DestinationSignature, leika, ars); err != nil {
			if !errors.Is(err, ErrBadSignature) {
				return "", err // e.g. the routing keys could not be fetched
			}
			lastErr = err
			continue
		}
		if found != "" && found != r.DestinationID {
			return "", fmt.Errorf("%w (LeiKa %s, ARS %s: %s and %s)", ErrAmbiguousRoute, leika, ars, found, r.DestinationID)
		}
		found = r.DestinationID
	}
	if found == "" {
		return "", fmt.Errorf("destinationSignature of %d route(s): %w", len(res.Routes), lastErr)
	}
	return found, nil
}

// checkRoute verifies one route's destinationSignature.
func (c *Client) checkRoute(ctx context.Context, id, sig, leika, ars string) error {
	if !uuidRE.MatchString(id) {
		return fmt.Errorf("%w: destinationId %q is not a UUID", ErrBadSignature, id)
	}
	payload, _, err := c.verifyJWS(ctx, sig, routingKeys, "")
	if err != nil {
		return err
	}
	var p struct {
		DestinationID  string `json:"destinationId"`
		SubmissionHost string `json:"submissionHost"`
		Services       []struct {
			GebietIDs   []string `json:"gebietIDs"`
			LeistungIDs []string `json:"leistungIDs"`
		} `json:"services"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("%w: destinationSignature payload: %v", ErrBadSignature, err)
	}
	if !strings.EqualFold(p.DestinationID, id) {
		return fmt.Errorf("%w: destinationSignature is for destination %q, not %q", ErrBadSignature, p.DestinationID, id)
	}
	if p.SubmissionHost != "" && !strings.EqualFold(p.SubmissionHost, c.submitHost) {
		return fmt.Errorf("%w: destinationSignature names submission host %q, we use %q", ErrBadSignature, p.SubmissionHost, c.submitHost)
	}
	for _, s := range p.Services {
		if !slices.Contains(s.LeistungIDs, leikaURN+leika) {
			continue
		}
		for _, g := range s.GebietIDs {
			if key, ok := strings.CutPrefix(g, arsURN); ok && areaContains(key, ars) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: destinationSignature does not cover LeiKa %s in ARS %s", ErrBadSignature, leika, ars)
}

// areaContains reports whether the area with regional key outer contains the
// area inner. Keys are hierarchical (Land 2, Regierungsbezirk 3, Kreis 5,
// Gemeindeverband 9, Gemeinde 12 digits) and a key may be written padded
// with zeros to a longer level, so outer is cut to the shortest level whose
// rest is zeros and must then be a prefix of inner.
func areaContains(outer, inner string) bool {
	if !arsRE.MatchString(outer) || !arsRE.MatchString(inner) {
		return false
	}
	o := outer + strings.Repeat("0", 12-len(outer))
	i := inner + strings.Repeat("0", 12-len(inner))
	for _, l := range []int{2, 3, 5, 9, 12} {
		if strings.Trim(o[l:], "0") == "" {
			return strings.HasPrefix(i, o[:l])
		}
	}
	return false
}
