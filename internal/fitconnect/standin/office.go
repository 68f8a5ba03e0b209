package standin

import (
	"crypto/rsa"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// The receiving office: what a subscriber (the seed's
// "Einzelplatz-Lösung") does with what arrives, for tests and the local
// test page.

// Received is a submission as the office reads it after decryption.
type Received struct {
	SubmissionID  string
	CaseID        string
	DestinationID string
	Status        string
	// ServiceName and ServiceIdentifier are the serviceType (v1) or
	// publicService (v2) of the submission.
	ServiceName       string
	ServiceIdentifier string
	Region            string
	CreatedAt         time.Time
	SubmittedAt       time.Time
	// Metadata is the decrypted metadata JSON.
	Metadata json.RawMessage
	// SchemaURI and MimeType are the metadata's
	// contentStructure.data.submissionSchema.
	SchemaURI string
	MimeType  string
	// Data is the decrypted data (the XSozial XML); nil without data.
	Data        []byte
	Attachments []ReceivedAttachment
	// Problems lists what a careful office would complain about: a JWE
	// that does not decrypt, a hash that does not match, an attachment
	// missing from the metadata or the metadata naming one that was not
	// announced. Empty when all is well.
	Problems []string
}

// ReceivedAttachment is one decrypted attachment, described by the
// metadata's contentStructure.attachments entry of the same ID.
type ReceivedAttachment struct {
	AttachmentID string
	Filename     string
	MimeType     string
	Purpose      string
	Description  string
	Content      []byte
}

type hashDoc struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

type metadataDoc struct {
	Schema           string `json:"$schema"`
	ContentStructure *struct {
		Data *struct {
			SubmissionSchema submissionSchema `json:"submissionSchema"`
			Hash             hashDoc          `json:"hash"`
		} `json:"data"`
		Attachments []struct {
			AttachmentID string  `json:"attachmentId"`
			Filename     string  `json:"filename"`
			MimeType     string  `json:"mimeType"`
			Purpose      string  `json:"purpose"`
			Description  string  `json:"description"`
			Hash         hashDoc `json:"hash"`
		} `json:"attachments"`
	} `json:"contentStructure"`
}

func decryptJWE(compact string, priv *rsa.PrivateKey) ([]byte, error) {
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, err
	}
	return obj.Decrypt(priv)
}

func checkHash(h hashDoc, content []byte) string {
	if h.Type != "sha512" {
		return fmt.Sprintf("hash type %q, expected sha512", h.Type)
	}
	sum := sha512.Sum512(content)
	if !strings.EqualFold(h.Content, hex.EncodeToString(sum[:])) {
		return "hash does not match the decrypted content"
	}
	return ""
}

// Collect decrypts every submitted submission of a destination with priv
// (see DestinationKey), oldest first: metadata, data and the attachments
// with the file names the metadata gives them. Submissions not yet
// submitted are left out. A submission that does not decrypt or check out
// is still returned, with Problems.
func (s *Server) Collect(destinationID string, priv *rsa.PrivateKey) ([]Received, error) {
	if priv == nil {
		return nil, fmt.Errorf("standin: Collect needs the destination's private key")
	}
	destinationID = strings.ToLower(destinationID)
	s.mu.Lock()
	if _, ok := s.dests[destinationID]; !ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("standin: no destination %s", destinationID)
	}
	var subs []subRecord
	for _, sub := range s.subs {
		if sub.DestinationID == destinationID && sub.Status != StatusIncomplete {
			subs = append(subs, *sub)
		}
	}
	s.mu.Unlock()
	sort.Slice(subs, func(i, j int) bool {
		return olderFirst(subs[i].CreatedAt, subs[i].SubmissionID, subs[j].CreatedAt, subs[j].SubmissionID)
	})

	out := make([]Received, 0, len(subs))
	for _, sub := range subs {
		rc, err := s.receive(sub, priv)
		if err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	return out, nil
}

func (s *Server) receive(sub subRecord, priv *rsa.PrivateKey) (Received, error) {
	rc := Received{
		SubmissionID: sub.SubmissionID, CaseID: sub.CaseID, DestinationID: sub.DestinationID, Status: sub.Status,
		ServiceName: sub.ServiceName, ServiceIdentifier: sub.ServiceIdentifier, Region: sub.Region,
		CreatedAt: sub.CreatedAt, SubmittedAt: sub.SubmittedAt,
	}
	problem := func(format string, args ...any) { rc.Problems = append(rc.Problems, fmt.Sprintf(format, args...)) }
	raw, err := s.readBlob(metadataKey(sub.SubmissionID))
	if err != nil {
		return rc, fmt.Errorf("standin: submission %s: metadata: %w", sub.SubmissionID, err)
	}
	metaJSON, err := decryptJWE(string(raw), priv)
	if err != nil {
		problem("metadata does not decrypt: %v", err)
		return rc, nil
	}
	rc.Metadata = metaJSON
	var meta metadataDoc
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		problem("metadata is not JSON: %v", err)
		return rc, nil
	}
	if !strings.HasPrefix(meta.Schema, "https://schema.fitko.de/fit-connect/metadata/") {
		problem("metadata $schema %q is not a FIT-Connect metadata schema", meta.Schema)
	}
	if meta.ContentStructure == nil {
		problem("metadata has no contentStructure")
		return rc, nil
	}
	if sub.Data != nil {
		raw, err := s.readBlob(dataKey(sub.SubmissionID))
		if err != nil {
			return rc, fmt.Errorf("standin: submission %s: data: %w", sub.SubmissionID, err)
		}
		if rc.Data, err = decryptJWE(string(raw), priv); err != nil {
			problem("data does not decrypt: %v", err)
		}
	}
	switch ds := meta.ContentStructure.Data; {
	case ds == nil && sub.Data != nil:
		problem("data was sent but the metadata does not describe it")
	case ds != nil && sub.Data == nil:
		problem("the metadata describes data that was not sent")
	case ds != nil:
		rc.SchemaURI, rc.MimeType = ds.SubmissionSchema.SchemaURI, ds.SubmissionSchema.MimeType
		if rc.Data != nil {
			if p := checkHash(ds.Hash, rc.Data); p != "" {
				problem("data: %s", p)
			}
		}
	}
	described := map[string]bool{}
	for _, a := range meta.ContentStructure.Attachments {
		id := strings.ToLower(a.AttachmentID)
		if described[id] {
			problem("attachment %s is described twice", id)
			continue
		}
		described[id] = true
		if sub.Attachments[id] == nil {
			problem("the metadata describes attachment %s, which was not uploaded", id)
			continue
		}
		raw, err := s.readBlob(attachmentKey(sub.SubmissionID, id))
		if err != nil {
			return rc, fmt.Errorf("standin: submission %s: attachment %s: %w", sub.SubmissionID, id, err)
		}
		content, err := decryptJWE(string(raw), priv)
		if err != nil {
			problem("attachment %s does not decrypt: %v", id, err)
			continue
		}
		if p := checkHash(a.Hash, content); p != "" {
			problem("attachment %s: %s", id, p)
		}
		if a.Filename == "" {
			problem("attachment %s has no filename", id)
		}
		rc.Attachments = append(rc.Attachments, ReceivedAttachment{AttachmentID: id, Filename: a.Filename,
			MimeType: a.MimeType, Purpose: a.Purpose, Description: a.Description, Content: content})
	}
	for _, a := range sub.Announced {
		if !described[a] {
			problem("attachment %s was uploaded but the metadata does not describe it", a)
		}
	}
	return rc, nil
}

// SubmissionInfo is what the delivery service knows of a submission
// without decrypting anything.
type SubmissionInfo struct {
	SubmissionID         string    `json:"submissionId"`
	CaseID               string    `json:"caseId"`
	DestinationID        string    `json:"destinationId"`
	ClientID             string    `json:"clientId"`
	APIVersion           string    `json:"apiVersion"`
	Status               string    `json:"status"`
	ServiceName          string    `json:"serviceName"`
	ServiceIdentifier    string    `json:"serviceIdentifier"`
	Region               string    `json:"region,omitempty"`
	AnnouncedAttachments []string  `json:"announcedAttachments"`
	UploadedAttachments  []string  `json:"uploadedAttachments"`
	Bytes                int64     `json:"bytes"` // size of all stored JWEs
	Events               int       `json:"events"`
	CreatedAt            time.Time `json:"createdAt"`
	SubmittedAt          time.Time `json:"submittedAt,omitzero"`
}

// Submissions lists the submissions for a destination (all with ""),
// oldest first.
func (s *Server) Submissions(destinationID string) []SubmissionInfo {
	destinationID = strings.ToLower(destinationID)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []SubmissionInfo{}
	for _, sub := range s.subs {
		if destinationID != "" && sub.DestinationID != destinationID {
			continue
		}
		info := SubmissionInfo{
			SubmissionID: sub.SubmissionID, CaseID: sub.CaseID, DestinationID: sub.DestinationID,
			ClientID: sub.ClientID, APIVersion: sub.APIVersion, Status: sub.Status,
			ServiceName: sub.ServiceName, ServiceIdentifier: sub.ServiceIdentifier, Region: sub.Region,
			AnnouncedAttachments: append([]string{}, sub.Announced...), UploadedAttachments: uploaded(sub),
			Events: len(sub.Events), CreatedAt: sub.CreatedAt, SubmittedAt: sub.SubmittedAt,
		}
		for _, b := range sub.Attachments {
			info.Bytes += b.Size
		}
		if sub.Metadata != nil {
			info.Bytes += sub.Metadata.Size
		}
		if sub.Data != nil {
			info.Bytes += sub.Data.Size
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		return olderFirst(out[i].CreatedAt, out[i].SubmissionID, out[j].CreatedAt, out[j].SubmissionID)
	})
	return out
}

func olderFirst(t1 time.Time, id1 string, t2 time.Time, id2 string) bool {
	if !t1.Equal(t2) {
		return t1.Before(t2)
	}
	return id1 < id2
}

func (s *Server) handleCAPEM(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	_ = pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: s.root.Raw})
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left}code{font-size:.9em}</style>
</head><body>
<p><strong>FIT-Connect stand-in (TEST ONLY).</strong> Nothing here is decrypted.</p>
<h1>{{.Title}}</h1>
{{if .Destinations}}<table><thead><tr><th scope="col">Destination</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Leistungen</th></tr></thead><tbody>
{{range .Destinations}}<tr><td><a href="/test/destinations/{{.ID}}/submissions"><code>{{.ID}}</code></a></td><td>{{.Name}}</td><td>{{.Status}}</td><td>{{range .LeiKa}}<code>{{.}}</code> {{end}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Submissions}}<table><thead><tr><th scope="col">Submission</th><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Service</th><th scope="col">Attachments</th><th scope="col">Bytes</th><th scope="col">Events</th><th scope="col">Created</th><th scope="col">Submitted</th></tr></thead><tbody>
{{range .Submissions}}<tr><td><code>{{.SubmissionID}}</code></td><td><code>{{.CaseID}}</code></td><td>{{.Status}}</td><td>{{.ServiceName}} <code>{{.ServiceIdentifier}}</code></td><td>{{len .UploadedAttachments}}/{{len .AnnouncedAttachments}}</td><td>{{.Bytes}}</td><td>{{.Events}}</td><td>{{.CreatedAt.Format "2006-01-02 15:04:05"}}</td><td>{{if not .SubmittedAt.IsZero}}{{.SubmittedAt.Format "2006-01-02 15:04:05"}}{{end}}</td></tr>
{{end}}</tbody></table>{{else if .Empty}}<p>No submissions yet.</p>{{end}}
</body></html>
`))

type pageData struct {
	Title        string
	Destinations []Destination
	Submissions  []SubmissionInfo
	Empty        bool
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (s *Server) handleTestDestinations(w http.ResponseWriter, r *http.Request) {
	ds := s.Destinations()
	if wantsJSON(r) {
		type row struct {
			DestinationID string   `json:"destinationId"`
			Name          string   `json:"name"`
			Status        string   `json:"status"`
			LeiKa         []string `json:"leikaKeys"`
		}
		rows := []row{}
		for _, d := range ds {
			rows = append(rows, row{d.ID, d.Name, d.Status, d.LeiKa})
		}
		writeJSON(w, http.StatusOK, rows)
		return
	}
	writePage(w, pageData{Title: "Destinations", Destinations: ds})
}

func (s *Server) handleTestSubmissions(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "destinationId")
	if !ok {
		return
	}
	d, ok := s.Destination(id)
	if !ok {
		writeProblem(w, http.StatusNotFound, "destination-not-found", "no destination "+id)
		return
	}
	subs := s.Submissions(id)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, subs)
		return
	}
	title := "Submissions for " + id
	if d.Name != "" {
		title = "Submissions for " + d.Name
	}
	writePage(w, pageData{Title: title, Submissions: subs, Empty: len(subs) == 0})
}

func writePage(w http.ResponseWriter, data pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = pageTmpl.Execute(w, data)
}
