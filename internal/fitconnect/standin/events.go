package standin

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Security Event Tokens (RFC 8417) as FIT-Connect uses them.
const (
	SETPayloadSchema      = "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json"
	EventCreateSubmission = "https://schema.fitko.de/fit-connect/events/create-submission"
	EventSubmitSubmission = "https://schema.fitko.de/fit-connect/events/submit-submission"
	EventAcceptSubmission = "https://schema.fitko.de/fit-connect/events/accept-submission"
	EventRejectSubmission = "https://schema.fitko.de/fit-connect/events/reject-submission"
	setType               = "secevent+jwt"
)

type setClaims struct {
	Schema string         `json:"$schema"`
	Iss    string         `json:"iss"`
	Iat    int64          `json:"iat"`
	Jti    string         `json:"jti"`
	Sub    string         `json:"sub"`
	Txn    string         `json:"txn"`
	Events map[string]any `json:"events"`
}

type authTags struct {
	Metadata    string            `json:"metadata"`
	Data        string            `json:"data,omitempty"`
	Attachments map[string]string `json:"attachments,omitempty"`
}

type submitEvent struct {
	AuthenticationTags authTags `json:"authenticationTags"`
}

type rejectEvent struct {
	Problems           []Problem `json:"problems"`
	AuthenticationTags authTags  `json:"authenticationTags"`
}

// Problem is one reason of a reject-submission event.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// signJWS signs payload with key (PS512), putting kid and typ (if not
// empty) into the protected header.
func signJWS(key *rsa.PrivateKey, kid, typ string, payload []byte) (string, error) {
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS512, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

func (s *Server) newSET(iss string, sub *subRecord, event string, body any, key *rsa.PrivateKey, kid string) (string, error) {
	claims := setClaims{
		Schema: SETPayloadSchema, Iss: iss, Iat: s.now().Unix(), Jti: newUUID(),
		Sub: "submission:" + sub.SubmissionID, Txn: "case:" + sub.CaseID,
		Events: map[string]any{event: body},
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return signJWS(key, kid, setType, payload)
}

// serviceSET is an event of the delivery service itself.
func (s *Server) serviceSET(r *http.Request, sub *subRecord, event string, body any) (string, error) {
	return s.newSET(s.base(r), sub, event, body, s.setKey.priv, s.setKey.kid)
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, c caller) {
	caseID, ok := pathID(w, r, "caseId")
	if !ok {
		return
	}
	s.mu.Lock()
	var log []string
	sub := s.ownSub(s.cases[caseID], c)
	if sub != nil {
		log = append(log, sub.Events...)
	}
	s.mu.Unlock()
	if sub == nil {
		writeProblem(w, http.StatusNotFound, "case-not-found", "no case "+caseID)
		return
	}
	s.fmu.Lock()
	wrong := s.wrongSET
	s.fmu.Unlock()
	if wrong {
		k, err := s.getWrongSETKey()
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		for i, tok := range log {
			if log[i], err = resign(tok, k); err != nil {
				writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string][]string{"eventLog": log})
}

// resign signs a compact JWS's payload again with k, keeping its kid and
// typ: what a client must refuse.
func resign(tok string, k *rsa.PrivateKey) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", errors.New("stored event is no compact JWS")
	}
	hdrJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return "", err
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var hdr struct {
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(hdrJSON, &hdr); err != nil {
		return "", err
	}
	return signJWS(k, hdr.Kid, hdr.Typ, payload)
}

func (s *Server) getWrongSETKey() (*rsa.PrivateKey, error) {
	s.wrongSETOnce.Do(func() {
		k, err := s.keys.key("set-wrong")
		if err != nil {
			s.wrongSETErr = err
			return
		}
		s.wrongSETKey = newSigningKey(k)
	})
	if s.wrongSETErr != nil {
		return nil, s.wrongSETErr
	}
	return s.wrongSETKey.priv, nil
}

func (s *Server) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jwks{Keys: []jose.JSONWebKey{s.setKey.jwk()}})
}

// Accept records the receiving office's accept-submission event for a
// submitted submission, signed with the destination's signature key
// (verify it with GET /v1/destinations/{id}/keys/{kid}). Its issuer is
// the destination ID.
func (s *Server) Accept(submissionID string) error {
	return s.officeEvent(submissionID, EventAcceptSubmission, StatusAccepted, nil)
}

// Reject records the receiving office's reject-submission event with the
// given problems, signed like Accept's.
func (s *Server) Reject(submissionID string, problems ...Problem) error {
	if len(problems) == 0 {
		problems = []Problem{{Type: "https://schema.fitko.de/fit-connect/events/problems/technical-error", Title: "Rejected by the stand-in office"}}
	}
	return s.officeEvent(submissionID, EventRejectSubmission, StatusRejected, problems)
}

func (s *Server) officeEvent(submissionID, event, status string, problems []Problem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[strings.ToLower(submissionID)]
	if sub == nil {
		return fmt.Errorf("standin: no submission %s", submissionID)
	}
	if sub.Status != StatusSubmitted {
		return fmt.Errorf("standin: submission %s is %s, not submitted", submissionID, sub.Status)
	}
	d := s.dests[sub.DestinationID]
	tags := authTags{}
	if sub.Metadata != nil {
		tags.Metadata = sub.Metadata.Tag
	}
	if sub.Data != nil {
		tags.Data = sub.Data.Tag
	}
	if len(sub.Announced) > 0 {
		tags.Attachments = map[string]string{}
		for _, a := range sub.Announced {
			tags.Attachments[a] = sub.Attachments[a].Tag
		}
	}
	var body any = submitEvent{AuthenticationTags: tags}
	if problems != nil {
		body = rejectEvent{Problems: problems, AuthenticationTags: tags}
	}
	set, err := s.newSET(sub.DestinationID, sub, event, body, d.sigKey, d.sigKid)
	if err != nil {
		return err
	}
	next := *sub
	next.Status = status
	next.Events = append(append([]string(nil), sub.Events...), set)
	if err := s.saveSub(&next); err != nil {
		return err
	}
	*sub = next
	return nil
}
