package standin

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// NewDestination creates a destination with an encryption and a
// signature key pair (RSA, Config.KeyBits), both certified by the
// stand-in's intermediate CA. An existing ID gets its name, services and
// status updated and keeps its keys. Generating the keys of a new ID takes
// a few seconds at 4096 bits, unless the key directory or the process
// already has them.
func (s *Server) NewDestination(spec DestinationSpec) (Destination, error) {
	if spec.ID == "" {
		spec.ID = newUUID()
	}
	if !isUUID(spec.ID) {
		return Destination{}, fmt.Errorf("standin: destination id %q is not a UUID", spec.ID)
	}
	spec.ID = strings.ToLower(spec.ID)
	if err := checkSpec(spec); err != nil {
		return Destination{}, fmt.Errorf("standin: destination %s: %w", spec.ID, err)
	}
	s.destMu.Lock()
	defer s.destMu.Unlock()
	s.mu.Lock()
	rec, ok := s.destRecs[spec.ID]
	d := s.dests[spec.ID]
	s.mu.Unlock()
	if !ok {
		rec = destRecord{ID: spec.ID, Status: "active", CreatedAt: s.now().UTC()}
	}
	if spec.Name != "" {
		rec.Name = spec.Name
	}
	if spec.Status != "" {
		rec.Status = spec.Status
	}
	rec.LeiKa = mergeSorted(rec.LeiKa, spec.LeiKa)
	rec.Schemas = mergeSorted(rec.Schemas, spec.Schemas)
	if d == nil {
		keys, err := s.keys.prefetch([]string{destKeyName(spec.ID, "enc"), destKeyName(spec.ID, "sig")})
		if err != nil {
			return Destination{}, fmt.Errorf("standin: %w", err)
		}
		if d, err = s.buildDestination(rec, keys); err != nil {
			return Destination{}, fmt.Errorf("standin: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.saveDest(rec); err != nil {
		return Destination{}, fmt.Errorf("standin: %w", err)
	}
	s.destRecs[rec.ID] = rec
	s.dests[rec.ID] = d
	return exportDest(rec, d), nil
}

func exportDest(rec destRecord, d *destination) Destination {
	return Destination{
		ID: rec.ID, Name: rec.Name, Status: rec.Status, LeiKa: append([]string(nil), rec.LeiKa...),
		EncryptionKid: d.encKid, EncryptionKey: d.encKey, EncryptionChain: d.encChain,
		SignatureKid: d.sigKid, SignatureKey: d.sigKey, SignatureChain: d.sigChain,
	}
}

// Destination returns the destination id, with its private keys.
func (s *Server) Destination(id string) (Destination, bool) {
	id = strings.ToLower(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dests[id]
	if !ok {
		return Destination{}, false
	}
	return exportDest(s.destRecs[id], d), true
}

// Destinations lists all destinations, ordered by ID.
func (s *Server) Destinations() []Destination {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Destination, 0, len(s.dests))
	for id, d := range s.dests {
		out = append(out, exportDest(s.destRecs[id], d))
	}
	sortBy(out, func(d Destination) string { return d.ID })
	return out
}

// DestinationKey is the private encryption key of destination id (nil if
// there is none): the stand-in plays the receiving office too.
func (s *Server) DestinationKey(id string) *rsa.PrivateKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.dests[strings.ToLower(id)]; ok {
		return d.encKey
	}
	return nil
}

// SetDestinationStatus sets a destination's status: "active", "inactive"
// or "archived". Only active destinations accept new submissions.
func (s *Server) SetDestinationStatus(id, status string) error {
	if err := checkSpec(DestinationSpec{Status: status}); err != nil || status == "" {
		return fmt.Errorf("standin: status %q: active, inactive or archived", status)
	}
	id = strings.ToLower(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.destRecs[id]
	if !ok {
		return fmt.Errorf("standin: no destination %s", id)
	}
	rec.Status = status
	if err := s.saveDest(rec); err != nil {
		return err
	}
	s.destRecs[id] = rec
	return nil
}

// encJWK is the destination's public encryption key as served: chained
// to RootCA, or, with ServeKeyNotChainedToRoot, to another CA. The caller
// holds s.mu.
func (s *Server) encJWK(d *destination) (jose.JSONWebKey, error) {
	chain := d.encChain
	s.fmu.Lock()
	unchained := s.unchained
	s.fmu.Unlock()
	if unchained {
		if d.unchained == nil {
			root, rootKey, err := s.getOtherRoot()
			if err != nil {
				return jose.JSONWebKey{}, err
			}
			leaf, err := issue(certSpec{cn: "Zustellpunkt (not chained to the stand-in's root)",
				usage: x509.KeyUsageKeyEncipherment, validFor: 365 * 24 * time.Hour}, d.encKey, root, rootKey)
			if err != nil {
				return jose.JSONWebKey{}, err
			}
			d.unchained = []*x509.Certificate{leaf, root}
		}
		chain = d.unchained
	}
	return publicJWK(&d.encKey.PublicKey, d.encKid, "enc", string(jose.RSA_OAEP_256), chain), nil
}

func (s *Server) getOtherRoot() (*x509.Certificate, *rsa.PrivateKey, error) {
	s.otherRootOnce.Do(func() {
		k, err := s.keys.key("other-root-ca")
		if err != nil {
			s.otherRootErr = err
			return
		}
		s.otherRootKey = k
		s.otherRoot, s.otherRootErr = s.keys.cert(certSpec{name: "other-root-ca", cn: "Unrelated Test Root CA (not the stand-in's)",
			ca: true, pathLen: 1, usage: x509.KeyUsageCertSign, validFor: 20 * 365 * 24 * time.Hour}, k, nil, nil)
	})
	return s.otherRoot, s.otherRootKey, s.otherRootErr
}

type submissionSchema struct {
	SchemaURI string `json:"schemaUri"`
	MimeType  string `json:"mimeType"`
}

type serviceDoc struct {
	Identifier        string             `json:"identifier"`
	SubmissionSchemas []submissionSchema `json:"submissionSchemas"`
	Regions           []string           `json:"regions,omitempty"`
}

type jwks struct {
	Keys []jose.JSONWebKey `json:"keys"`
}

type destinationDoc struct {
	DestinationID    string       `json:"destinationId"`
	Status           string       `json:"status"`
	Name             string       `json:"destinationName,omitempty"`
	EncryptionKid    string       `json:"encryptionKid"`
	PublicKeys       jwks         `json:"publicKeys"`
	Services         []serviceDoc `json:"services"`
	MetadataVersions []string     `json:"metadataVersions"`
}

var xsozialSchemas = []submissionSchema{{SchemaURI: XSozialSchemaURI, MimeType: "application/xml"}}

// destinationDoc builds GET /v1/destinations/{id}. The caller holds s.mu.
func (s *Server) destinationDoc(id string) (*destinationDoc, error) {
	d, ok := s.dests[id]
	if !ok {
		return nil, errNotFound
	}
	rec := s.destRecs[id]
	jwk, err := s.encJWK(d)
	if err != nil {
		return nil, err
	}
	doc := &destinationDoc{
		DestinationID: id, Status: rec.Status, Name: rec.Name, EncryptionKid: d.encKid,
		PublicKeys: jwks{Keys: []jose.JSONWebKey{jwk}}, MetadataVersions: []string{MetadataVersion},
		Services: []serviceDoc{},
	}
	schemas := xsozialSchemas
	if len(rec.Schemas) > 0 {
		schemas = nil
		for _, uri := range rec.Schemas {
			schemas = append(schemas, submissionSchema{SchemaURI: uri, MimeType: "application/xml"})
		}
	}
	for _, l := range rec.LeiKa {
		sd := serviceDoc{Identifier: leikaPrefix + l, SubmissionSchemas: schemas}
		for _, r := range s.routes {
			if r.DestinationID == id && r.LeiKa == l {
				sd.Regions = append(sd.Regions, regionPrefix+r.ARS)
			}
		}
		doc.Services = append(doc.Services, sd)
	}
	return doc, nil
}

// regionPrefix makes an ARS a region identifier.
const regionPrefix = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:"

var errNotFound = errors.New("not found")

func (s *Server) handleDestination(w http.ResponseWriter, r *http.Request, _ caller) {
	id, ok := pathID(w, r, "destinationId")
	if !ok {
		return
	}
	s.mu.Lock()
	doc, err := s.destinationDoc(id)
	s.mu.Unlock()
	if errors.Is(err, errNotFound) {
		writeProblem(w, http.StatusNotFound, "destination-not-found", "no destination "+id)
		return
	}
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) handleDestinationKey(w http.ResponseWriter, r *http.Request, _ caller) {
	id, ok := pathID(w, r, "destinationId")
	if !ok {
		return
	}
	kid := r.PathValue("keyId")
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dests[id]
	if !ok {
		writeProblem(w, http.StatusNotFound, "destination-not-found", "no destination "+id)
		return
	}
	switch kid {
	case d.encKid:
		jwk, err := s.encJWK(d)
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, jwk)
	case d.sigKid:
		writeJSON(w, http.StatusOK, publicJWK(&d.sigKey.PublicKey, d.sigKid, "sig", string(jose.PS512), d.sigChain))
	default:
		writeProblem(w, http.StatusNotFound, "key-not-found", fmt.Sprintf("destination %s has no key %q", id, kid))
	}
}
