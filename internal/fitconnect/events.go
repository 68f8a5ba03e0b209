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

// Event is one verified entry of a case's event log.
type Event struct {
	Type         string // event URI, e.g. EventSubmitSubmission
	SubmissionID string // from sub "submission:<id>"
	CaseID       string // from txn "case:<id>"
	IssuedAt     time.Time
	// AuthenticationTags of a submit event: "data", "metadata" and one per
	// attachment ID, each the last part of the JWE the service received.
	AuthenticationTags map[string]string
}

// Events reads the event log of case caseID and verifies every Security
// Event Token in it: typ secevent+jwt, alg PS512, txn naming this case,
// exactly one event, and signed by a key of the service's JWKS
// (Config.EventKeysURL) — or, when its iss is a destination ID (a UUID: the
// receiving office's accept-submission and reject-submission events), by
// that destination's signature key, checked like its encryption key (see
// Destination, but use sig, alg PS512). Any token that fails gives an error
// wrapping ErrBadSignature and no events.
func (c *Client) Events(ctx context.Context, caseID string) ([]Event, error) {
	if !uuidRE.MatchString(caseID) {
		return nil, fmt.Errorf("fitconnect: case ID %q is not a UUID", caseID)
	}
	var log struct {
		EventLog []string `json:"eventLog"`
	}
	err := c.do(ctx, request{op: "get event log", method: http.MethodGet,
		url: c.api + "/cases/" + url.PathEscape(caseID) + "/events", auth: true, maxBody: maxListBody}, &log)
	if err != nil {
		return nil, err
	}
	evs := make([]Event, 0, len(log.EventLog))
	for i, set := range log.EventLog {
		ev, err := c.parseSET(ctx, set, caseID)
		if err != nil {
			return nil, fmt.Errorf("event %d of case %s: %w", i, caseID, err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func (c *Client) parseSET(ctx context.Context, set, caseID string) (Event, error) {
	payload, _, err := verifyJWSWith(set, "secevent+jwt", func(h jose.Header, unverified []byte) (*rsa.PublicKey, error) {
		var claims struct {
			Iss string `json:"iss"`
		}
		if err := json.Unmarshal(unverified, &claims); err != nil {
			return nil, fmt.Errorf("%w: SET payload: %v", ErrBadSignature, err)
		}
		if uuidRE.MatchString(claims.Iss) {
			return c.destinationSigningKey(ctx, claims.Iss, h.KeyID)
		}
		return c.verificationKey(ctx, eventKeys, h.KeyID)
	})
	if err != nil {
		return Event{}, err
	}
	var p struct {
		Iss    string                     `json:"iss"`
		Iat    float64                    `json:"iat"`
		Jti    string                     `json:"jti"`
		Sub    string                     `json:"sub"`
		Txn    string                     `json:"txn"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return Event{}, fmt.Errorf("%w: SET payload: %v", ErrBadSignature, err)
	}
	txn, ok := strings.CutPrefix(p.Txn, "case:")
	if !ok || !strings.EqualFold(txn, caseID) {
		return Event{}, fmt.Errorf("%w: SET txn %q is not case:%s", ErrBadSignature, p.Txn, caseID)
	}
	if p.Iat <= 0 || p.Jti == "" || len(p.Events) != 1 {
		return Event{}, fmt.Errorf("%w: SET lacks iat or jti or has %d events", ErrBadSignature, len(p.Events))
	}
	ev := Event{CaseID: txn, IssuedAt: time.Unix(int64(p.Iat), 0).UTC()}
	ev.SubmissionID, _ = strings.CutPrefix(p.Sub, "submission:")
	if ev.SubmissionID == p.Sub {
		ev.SubmissionID = ""
	}
	for typ, raw := range p.Events {
		ev.Type = typ
		var body struct {
			AuthenticationTags *struct {
				Data        string            `json:"data"`
				Metadata    string            `json:"metadata"`
				Attachments map[string]string `json:"attachments"`
			} `json:"authenticationTags"`
		}
		if len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &body); err != nil {
				return Event{}, fmt.Errorf("%w: SET event %s: %v", ErrBadSignature, typ, err)
			}
		}
		if t := body.AuthenticationTags; t != nil {
			ev.AuthenticationTags = map[string]string{"data": t.Data, "metadata": t.Metadata}
			for id, tag := range t.Attachments {
				ev.AuthenticationTags[id] = tag
			}
		}
	}
	return ev, nil
}
