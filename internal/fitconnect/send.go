package fitconnect

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Attachment is one file sent with a submission.
type Attachment struct {
	// ID is a UUID v4 chosen by the caller and kept across retries, so a
	// resumed Send announces and uploads the same attachment.
	ID        string
	Filename  string
	MediaType string
	Purpose   string // form (the application as PDF), attachment, report
	// Size is the plaintext's exact length: the encrypted upload's length
	// follows from it, so it streams without being held in memory.
	Size int64
	// Open returns the plaintext; it is read once per upload.
	Open func() (io.ReadCloser, error)
}

// Submission is what Send delivers.
type Submission struct {
	DestinationID string
	LeiKa         string // 14 digits
	ServiceName   string
	Data          []byte // the XML
	SchemaURI     string // e.g. urn:xoev-de:d-nrw:standard:xsozialbasis_2.1.0
	Attachments   []Attachment
}

// SendState records which steps of a Send are done. The caller persists it
// (it is JSON-ready) after every save callback and passes it back to Send
// after a crash or a temporary error.
type SendState struct {
	SubmissionID string          `json:"submissionId,omitempty"`
	CaseID       string          `json:"caseId,omitempty"`
	Uploaded     map[string]bool `json:"uploaded,omitempty"`
	Submitted    bool            `json:"submitted,omitempty"`
	// DataHash and MetadataHash are the SHA-512 (hex) of the plaintexts of
	// the last data and metadata sent.
	DataHash     string `json:"dataHash,omitempty"`
	MetadataHash string `json:"metadataHash,omitempty"`
	// AttachmentHashes are the SHA-512 (hex) of each uploaded attachment's
	// plaintext as it was read for the upload, so the metadata of a resumed
	// Send describes what was uploaded without reading the file again.
	AttachmentHashes map[string]string `json:"attachmentHashes,omitempty"`
}

// Metadata schema and event types.
const (
	MetadataSchema = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json"

	EventCreateSubmission = "https://schema.fitko.de/fit-connect/events/create-submission"
	EventSubmitSubmission = "https://schema.fitko.de/fit-connect/events/submit-submission"
	EventAcceptSubmission = "https://schema.fitko.de/fit-connect/events/accept-submission"
	EventRejectSubmission = "https://schema.fitko.de/fit-connect/events/reject-submission"
)

const dataMimeType = "application/xml"

// Send delivers s in three recorded steps: create the submission with its
// announced attachments, upload each attachment as a compact JWE, then
// submit the encrypted metadata and data. After each step st is updated and
// save is called (nil: not saved); a save error stops Send. Calling Send
// again with the saved state continues where it stopped: it never creates a
// second submission once SubmissionID is recorded and never uploads a
// recorded attachment again. The one unavoidable gap: a crash after the
// service created the submission but before save returned leaves no
// SubmissionID, and the next Send creates another (the first expires
// unsubmitted at the service).
//
// Errors of save and of reading an attachment are returned as temporary
// *Error values that wrap them.
//
// Before every run Send fetches and checks the destination and its key
// (Destination) and that it accepts s.LeiKa with s.SchemaURI
// (ErrServiceNotAccepted). A submit that is refused with a 4xx is looked up
// in the event log: if the service already recorded it (an earlier answer
// was lost), Send counts it as done. A state with Submitted set returns nil
// at once.
func (c *Client) Send(ctx context.Context, s Submission, st *SendState, save func(*SendState) error) error {
	if st == nil {
		return errors.New("fitconnect: Send needs a SendState")
	}
	if st.Submitted {
		return nil
	}
	if err := s.validate(); err != nil {
		return err
	}
	if save == nil {
		save = func(*SendState) error { return nil }
	}
	if st.Uploaded == nil {
		st.Uploaded = map[string]bool{}
	}
	if st.AttachmentHashes == nil {
		st.AttachmentHashes = map[string]string{}
	}
	dest, err := c.Destination(ctx, s.DestinationID)
	if err != nil {
		return err
	}
	if !dest.Accepts(s.LeiKa, s.SchemaURI) {
		return fmt.Errorf("%w: destination %s, LeiKa %s, schema %s", ErrServiceNotAccepted, s.DestinationID, s.LeiKa, s.SchemaURI)
	}

	if st.SubmissionID == "" {
		if err := c.create(ctx, s, st); err != nil {
			return err
		}
		if err := save(st); err != nil {
			return saveError("create", err)
		}
	}
	sub := c.api + "/submissions/" + url.PathEscape(st.SubmissionID)

	for _, a := range s.Attachments {
		if st.Uploaded[a.ID] && st.AttachmentHashes[a.ID] != "" {
			continue
		}
		sum, err := c.upload(ctx, sub, dest, a)
		if err != nil {
			return err
		}
		st.Uploaded[a.ID] = true
		st.AttachmentHashes[a.ID] = sum
		if err := save(st); err != nil {
			return saveError("attachment "+a.ID, err)
		}
	}

	dataHash := sha512Hex(s.Data)
	meta, err := Metadata(s, dataHash, st.AttachmentHashes)
	if err != nil {
		return err
	}
	encMeta, err := Encrypt(dest.Key, meta, "application/json")
	if err != nil {
		return err
	}
	encData, err := Encrypt(dest.Key, s.Data, dataMimeType)
	if err != nil {
		return err
	}
	st.DataHash, st.MetadataHash = dataHash, sha512Hex(meta)
	err = c.do(ctx, request{
		op: "submit submission " + st.SubmissionID, method: http.MethodPut, url: sub, auth: true,
		json: map[string]string{"encryptedMetadata": encMeta, "encryptedData": encData},
	}, nil)
	var e *Error
	if errors.As(err, &e) && e.StatusCode >= 400 && e.StatusCode < 500 && !e.Temporary {
		if done, evErr := c.submittedBefore(ctx, st); evErr == nil && done {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	st.Submitted = true
	if err := save(st); err != nil {
		return saveError("submit", err)
	}
	return nil
}

// saveError and the errors of Attachment.Open and reading count as
// temporary: the service side is consistent, so a later Send can go on.
// They wrap the caller's error for errors.Is/As.
func saveError(step string, err error) error {
	return &Error{Op: "save state after " + step, Temporary: true, Err: err}
}

// create announces the submission (POST /submissions).
func (c *Client) create(ctx context.Context, s Submission, st *SendState) error {
	type service struct {
		Name       string `json:"name"`
		Identifier string `json:"identifier"`
	}
	body := struct {
		DestinationID        string   `json:"destinationId"`
		AnnouncedAttachments []string `json:"announcedAttachments,omitempty"`
		ServiceType          *service `json:"serviceType,omitempty"`   // v1
		PublicService        *service `json:"publicService,omitempty"` // v2
	}{DestinationID: s.DestinationID}
	for _, a := range s.Attachments {
		body.AnnouncedAttachments = append(body.AnnouncedAttachments, a.ID)
	}
	svc := &service{Name: s.ServiceName, Identifier: leikaURN + s.LeiKa}
	if c.cfg.APIVersion == "v1" {
		body.ServiceType = svc
	} else {
		body.PublicService = svc
	}
	var res struct {
		SubmissionID string `json:"submissionId"`
		CaseID       string `json:"caseId"`
	}
	if err := c.do(ctx, request{op: "create submission", method: http.MethodPost, url: c.api + "/submissions", auth: true, json: body}, &res); err != nil {
		return err
	}
	if !uuidRE.MatchString(res.SubmissionID) || !uuidRE.MatchString(res.CaseID) {
		return &Error{Op: "create submission", Err: fmt.Errorf("answer has submissionId %q, caseId %q", res.SubmissionID, res.CaseID)}
	}
	st.SubmissionID, st.CaseID = res.SubmissionID, res.CaseID
	return nil
}

// submittedBefore reports whether the case's event log holds a verified
// submit event for st's submission.
func (c *Client) submittedBefore(ctx context.Context, st *SendState) (bool, error) {
	evs, err := c.Events(ctx, st.CaseID)
	if err != nil {
		return false, err
	}
	for _, ev := range evs {
		if ev.Type == EventSubmitSubmission && strings.EqualFold(ev.SubmissionID, st.SubmissionID) {
			return true, nil
		}
	}
	return false, nil
}

// upload sends one attachment as a StreamJWE read straight from the file
// (again from its start if the request is repeated) and returns the SHA-512
// of what was sent.
func (c *Client) upload(ctx context.Context, sub string, dest *Destination, a Attachment) (string, error) {
	stream, err := NewStreamJWE(dest.Key, a.Size, a.MediaType)
	if err != nil {
		return "", &Error{Op: "encrypt attachment " + a.ID, Err: err}
	}
	var last *JWEReader
	err = c.do(ctx, request{
		op: "upload attachment " + a.ID, method: http.MethodPut,
		url: sub + "/attachments/" + url.PathEscape(a.ID), auth: true,
		body: func() (io.Reader, int64, string, error) {
			rc, err := a.Open()
			if err != nil {
				return nil, 0, "", &Error{Op: "open attachment " + a.ID, Temporary: true, Err: err}
			}
			r, err := stream.Reader(rc)
			if err != nil {
				rc.Close()
				return nil, 0, "", err
			}
			last = r
			return r, stream.Len(), "application/jose", nil
		},
		timeout: c.timeout + time.Duration(stream.Len()/(512<<10))*time.Second,
	}, nil)
	if err != nil {
		return "", err
	}
	if last == nil || last.Hash() == "" {
		// The service answered before it had read the whole body.
		return "", &Error{Op: "upload attachment " + a.ID, Temporary: true, Err: errors.New("answered before the upload was complete")}
	}
	return last.Hash(), nil
}

var (
	uuidV4RE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	mediaTypeRE = regexp.MustCompile(`^[-\w.]+/[-\w.+]+$`)
	hashRE      = regexp.MustCompile(`^[0-9a-f]{128}$`)
)

func (s Submission) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("fitconnect: submission: "+format, a...)
	}
	switch {
	case !uuidRE.MatchString(s.DestinationID):
		return bad("destination ID %q is not a UUID", s.DestinationID)
	case !leikaRE.MatchString(s.LeiKa):
		return bad("LeiKa key %q: want 14 digits starting with 99", s.LeiKa)
	case strings.TrimSpace(s.ServiceName) == "":
		return bad("no service name")
	case len(s.Data) == 0:
		return bad("no data")
	case s.SchemaURI == "" || len(s.SchemaURI) > 200:
		return bad("schema URI %q: want 1 to 200 characters", s.SchemaURI)
	}
	seen := map[string]bool{}
	for _, a := range s.Attachments {
		switch {
		case !uuidV4RE.MatchString(a.ID):
			return bad("attachment ID %q is not a lower-case UUID v4", a.ID)
		case seen[a.ID]:
			return bad("attachment ID %s twice", a.ID)
		case a.Filename == "" || len(a.Filename) > 255 || strings.ContainsFunc(a.Filename, unicode.IsControl):
			return bad("attachment %s: file name %q", a.ID, a.Filename)
		case !mediaTypeRE.MatchString(a.MediaType):
			return bad("attachment %s: media type %q", a.ID, a.MediaType)
		case a.Purpose != "form" && a.Purpose != "attachment" && a.Purpose != "report":
			return bad("attachment %s: purpose %q: want form, attachment or report", a.ID, a.Purpose)
		case a.Open == nil:
			return bad("attachment %s: no Open", a.ID)
		}
		seen[a.ID] = true
	}
	return nil
}

type hashJSON struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

// Metadata builds the metadata (schema 2.1.0) of s: the data's schema and
// the SHA-512 (hex) of its plaintext, and every attachment with file name,
// media type, purpose and the SHA-512 of its plaintext from
// attachmentHashes (keyed by attachment ID; each must be present).
func Metadata(s Submission, dataHash string, attachmentHashes map[string]string) ([]byte, error) {
	if !hashRE.MatchString(dataHash) {
		return nil, fmt.Errorf("fitconnect: metadata: data hash %q is not SHA-512 hex", dataHash)
	}
	type attachment struct {
		AttachmentID string   `json:"attachmentId"`
		Filename     string   `json:"filename"`
		MimeType     string   `json:"mimeType"`
		Purpose      string   `json:"purpose"`
		Hash         hashJSON `json:"hash"`
	}
	var m struct {
		Schema           string `json:"$schema"`
		ContentStructure struct {
			Data struct {
				SubmissionSchema SubmissionSchema `json:"submissionSchema"`
				Hash             hashJSON         `json:"hash"`
			} `json:"data"`
			Attachments []attachment `json:"attachments"`
		} `json:"contentStructure"`
	}
	m.Schema = MetadataSchema
	m.ContentStructure.Data.SubmissionSchema = SubmissionSchema{SchemaURI: s.SchemaURI, MimeType: dataMimeType}
	m.ContentStructure.Data.Hash = hashJSON{Type: "sha512", Content: dataHash}
	m.ContentStructure.Attachments = []attachment{}
	for _, a := range s.Attachments {
		h := attachmentHashes[a.ID]
		if !hashRE.MatchString(h) {
			return nil, fmt.Errorf("fitconnect: metadata: attachment %s has no SHA-512 hash", a.ID)
		}
		m.ContentStructure.Attachments = append(m.ContentStructure.Attachments, attachment{
			AttachmentID: a.ID, Filename: a.Filename, MimeType: a.MediaType, Purpose: a.Purpose,
			Hash: hashJSON{Type: "sha512", Content: h},
		})
	}
	return json.Marshal(m)
}

func sha512Hex(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}
