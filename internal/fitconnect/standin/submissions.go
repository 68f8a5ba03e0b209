package standin

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Submission states.
const (
	StatusIncomplete = "incomplete" // created, not yet submitted
	StatusSubmitted  = "submitted"  // metadata and data are there
	StatusAccepted   = "accepted"   // the office accepted it (Accept)
	StatusRejected   = "rejected"   // the office rejected it (Reject)
)

type serviceRef struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
}

type createRequest struct {
	DestinationID        string      `json:"destinationId"`
	AnnouncedAttachments []string    `json:"announcedAttachments"`
	ServiceType          *serviceRef `json:"serviceType"`   // v1
	PublicService        *serviceRef `json:"publicService"` // v2
	Region               string      `json:"region"`        // v2, optional
}

type createdDoc struct {
	DestinationID string `json:"destinationId"`
	SubmissionID  string `json:"submissionId"`
	CaseID        string `json:"caseId"`
}

var identifierRE = regexp.MustCompile(`^urn:de:fim:leika:leistung:([0-9]{14})$`)

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, c caller) {
	var req createRequest
	if !readJSON(w, r, maxSmallBody, &req) {
		return
	}
	bad := func(slug, format string, args ...any) {
		writeProblem(w, http.StatusUnprocessableEntity, slug, fmt.Sprintf(format, args...))
	}
	if !isUUID(req.DestinationID) {
		bad("invalid-destination-id", "destinationId %q is not a UUID", req.DestinationID)
		return
	}
	destID := strings.ToLower(req.DestinationID)
	svc, field, other := req.ServiceType, "serviceType", req.PublicService
	if c.version == "v2" {
		svc, field, other = req.PublicService, "publicService", req.ServiceType
	}
	if svc == nil {
		if other != nil {
			bad("missing-service", "%s is missing (the %s API names the service %s)", field, c.version, field)
		} else {
			bad("missing-service", "%s is missing", field)
		}
		return
	}
	m := identifierRE.FindStringSubmatch(svc.Identifier)
	if m == nil {
		bad("invalid-service", "%s.identifier %q is not urn:de:fim:leika:leistung:<14 digits>", field, svc.Identifier)
		return
	}
	if len(svc.Name) > 500 {
		bad("invalid-service", "%s.name is longer than 500 bytes", field)
		return
	}
	if c.version == "v1" && req.Region != "" {
		bad("unexpected-region", "region belongs to the v2 API")
		return
	}
	if len(req.Region) > 200 {
		bad("invalid-region", "region is longer than 200 bytes")
		return
	}
	if len(req.AnnouncedAttachments) > maxAnnounced {
		bad("too-many-attachments", "%d attachments announced; at most %d", len(req.AnnouncedAttachments), maxAnnounced)
		return
	}
	seen := map[string]bool{}
	announced := make([]string, 0, len(req.AnnouncedAttachments))
	for _, a := range req.AnnouncedAttachments {
		if !isUUID(a) {
			bad("invalid-attachment-id", "announced attachment %q is not a UUID", a)
			return
		}
		a = strings.ToLower(a)
		if seen[a] {
			bad("duplicate-attachment-id", "attachment %s is announced twice", a)
			return
		}
		seen[a] = true
		announced = append(announced, a)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.destRecs[destID]
	if !ok {
		bad("destination-not-found", "no destination %s", destID)
		return
	}
	if rec.Status != "active" {
		bad("destination-not-active", "destination %s is %s", destID, rec.Status)
		return
	}
	if !contains(rec.LeiKa, m[1]) {
		bad("service-not-offered", "destination %s does not accept %s", destID, svc.Identifier)
		return
	}
	now := s.now().UTC()
	sub := &subRecord{
		SubmissionID: newUUID(), CaseID: newUUID(), DestinationID: destID, ClientID: c.client,
		APIVersion: c.version, ServiceName: svc.Name, ServiceIdentifier: svc.Identifier, Region: req.Region,
		Announced: announced, Attachments: map[string]*blobRecord{}, Status: StatusIncomplete, CreatedAt: now,
	}
	set, err := s.serviceSET(r, sub, EventCreateSubmission, struct{}{})
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	sub.Events = append(sub.Events, set)
	if err := s.saveSub(sub); err != nil {
		s.logf("standin: saving submission: %v", err)
		writeProblem(w, http.StatusInternalServerError, "storage", "could not store the submission")
		return
	}
	s.subs[sub.SubmissionID] = sub
	s.cases[sub.CaseID] = sub.SubmissionID
	w.Header().Set("Location", "/"+c.version+"/submissions/"+sub.SubmissionID)
	writeJSON(w, http.StatusCreated, createdDoc{DestinationID: destID, SubmissionID: sub.SubmissionID, CaseID: sub.CaseID})
}

// ownSub finds the caller's submission (the caller holds s.mu).
func (s *Server) ownSub(id string, c caller) *subRecord {
	sub := s.subs[id]
	if sub == nil || sub.ClientID != c.client {
		return nil // another sender's submission is not found either
	}
	return sub
}

func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request, c caller) {
	sid, ok := pathID(w, r, "submissionId")
	if !ok {
		return
	}
	aid, ok := pathID(w, r, "attachmentId")
	if !ok {
		return
	}
	s.mu.Lock()
	sub := s.ownSub(sid, c)
	var d *destination
	announced := false
	if sub != nil {
		d = s.dests[sub.DestinationID]
		announced = contains(sub.Announced, aid)
	}
	s.mu.Unlock()
	if sub == nil || d == nil {
		writeProblem(w, http.StatusNotFound, "submission-not-found", "no submission "+sid)
		return
	}
	if !announced {
		writeProblem(w, http.StatusUnprocessableEntity, "attachment-not-announced",
			fmt.Sprintf("attachment %s was not announced when submission %s was created", aid, sid))
		return
	}
	if mt := mediaType(r); mt != "application/jose" {
		writeProblem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", fmt.Sprintf("Content-Type must be application/jose, is %q", mt))
		return
	}
	tmp, err := s.newBlobTemp()
	if err != nil {
		s.logf("standin: %v", err)
		writeProblem(w, http.StatusInternalServerError, "storage", "could not store the attachment")
		return
	}
	committed := false
	defer func() {
		if !committed {
			tmp.discard()
		}
	}()
	info, err := scanJWE(http.MaxBytesReader(w, r.Body, s.maxAttach), tmp)
	if err == nil {
		err = info.checkFor(d)
	}
	if err != nil {
		answerBodyError(w, err, s.maxAttach)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.Status != StatusIncomplete {
		if old := sub.Attachments[aid]; old != nil && old.SHA256 == info.sha256 {
			w.WriteHeader(http.StatusNoContent) // the same upload again
			return
		}
		writeProblem(w, http.StatusConflict, "already-submitted", "submission "+sid+" was submitted; its attachments cannot change")
		return
	}
	if err := s.commitBlob(tmp, attachmentKey(sid, aid)); err != nil {
		s.logf("standin: storing attachment: %v", err)
		writeProblem(w, http.StatusInternalServerError, "storage", "could not store the attachment")
		return
	}
	committed = true
	old := sub.Attachments[aid]
	sub.Attachments[aid] = &blobRecord{SHA256: info.sha256, Size: info.size, Tag: info.tag, UploadedAt: s.now().UTC()}
	if err := s.saveSub(sub); err != nil {
		if old == nil {
			delete(sub.Attachments, aid)
		} else {
			sub.Attachments[aid] = old
		}
		s.logf("standin: saving submission: %v", err)
		writeProblem(w, http.StatusInternalServerError, "storage", "could not store the attachment")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// answerBodyError answers for a body that could not be read or is no JWE.
func answerBodyError(w http.ResponseWriter, err error, limit int64) {
	var mbe *http.MaxBytesError
	var je *jweError
	switch {
	case errors.As(err, &mbe):
		writeProblem(w, http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("the body is larger than %d bytes", limit))
	case errors.As(err, &je):
		writeProblem(w, http.StatusUnprocessableEntity, "invalid-jwe", je.msg)
	default:
		writeProblem(w, http.StatusBadRequest, "unreadable-body", "the body could not be read: "+err.Error())
	}
}

type submitRequest struct {
	EncryptedMetadata string `json:"encryptedMetadata"`
	EncryptedData     string `json:"encryptedData"`
}

func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request, c caller) {
	sid, ok := pathID(w, r, "submissionId")
	if !ok {
		return
	}
	s.mu.Lock()
	sub := s.ownSub(sid, c)
	var d *destination
	if sub != nil {
		d = s.dests[sub.DestinationID]
	}
	s.mu.Unlock()
	if sub == nil || d == nil {
		writeProblem(w, http.StatusNotFound, "submission-not-found", "no submission "+sid)
		return
	}
	var req submitRequest
	if !readJSON(w, r, s.maxSubmit, &req) {
		return
	}
	if req.EncryptedMetadata == "" {
		writeProblem(w, http.StatusUnprocessableEntity, "missing-metadata", "encryptedMetadata is missing")
		return
	}
	meta, err := scanJWEString(req.EncryptedMetadata)
	if err == nil {
		err = meta.checkFor(d)
	}
	if err != nil {
		writeProblem(w, http.StatusUnprocessableEntity, "invalid-jwe", "encryptedMetadata: "+err.Error())
		return
	}
	var data *jweInfo
	if req.EncryptedData != "" {
		data, err = scanJWEString(req.EncryptedData)
		if err == nil {
			err = data.checkFor(d)
		}
		if err != nil {
			writeProblem(w, http.StatusUnprocessableEntity, "invalid-jwe", "encryptedData: "+err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	done := createdDoc{DestinationID: sub.DestinationID, SubmissionID: sid, CaseID: sub.CaseID}
	if sub.Status != StatusIncomplete {
		same := sub.Metadata != nil && sub.Metadata.SHA256 == meta.sha256
		if data == nil {
			same = same && sub.Data == nil
		} else {
			same = same && sub.Data != nil && sub.Data.SHA256 == data.sha256
		}
		if same {
			writeJSON(w, http.StatusAccepted, done) // the same submit again
			return
		}
		writeProblem(w, http.StatusConflict, "already-submitted", "submission "+sid+" was submitted with other content")
		return
	}
	var missing []string
	for _, a := range sub.Announced {
		if sub.Attachments[a] == nil {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		writeProblem(w, http.StatusUnprocessableEntity, "missing-attachments",
			fmt.Sprintf("announced attachments not uploaded yet: %s", strings.Join(missing, ", ")))
		return
	}
	now := s.now().UTC()
	if err := s.putBlob(metadataKey(sid), []byte(req.EncryptedMetadata)); err != nil {
		s.logf("standin: storing metadata: %v", err)
		writeProblem(w, http.StatusInternalServerError, "storage", "could not store the submission")
		return
	}
	if data != nil {
		if err := s.putBlob(dataKey(sid), []byte(req.EncryptedData)); err != nil {
			s.logf("standin: storing data: %v", err)
			writeProblem(w, http.StatusInternalServerError, "storage", "could not store the submission")
			return
		}
	}
	tags := authTags{Metadata: meta.tag}
	if data != nil {
		tags.Data = data.tag
	}
	if len(sub.Announced) > 0 {
		tags.Attachments = map[string]string{}
		for _, a := range sub.Announced {
			tags.Attachments[a] = sub.Attachments[a].Tag
		}
	}
	set, err := s.serviceSET(r, sub, EventSubmitSubmission, submitEvent{AuthenticationTags: tags})
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	next := *sub
	next.Status = StatusSubmitted
	next.SubmittedAt = now
	next.Metadata = &blobRecord{SHA256: meta.sha256, Size: meta.size, Tag: meta.tag, UploadedAt: now}
	if data != nil {
		next.Data = &blobRecord{SHA256: data.sha256, Size: data.size, Tag: data.tag, UploadedAt: now}
	}
	next.Events = append(append([]string(nil), sub.Events...), set)
	if err := s.saveSub(&next); err != nil {
		s.logf("standin: saving submission: %v", err)
		writeProblem(w, http.StatusInternalServerError, "storage", "could not store the submission")
		return
	}
	*sub = next
	writeJSON(w, http.StatusAccepted, done)
}

type statusDoc struct {
	SubmissionID         string      `json:"submissionId"`
	CaseID               string      `json:"caseId"`
	DestinationID        string      `json:"destinationId"`
	Status               string      `json:"status"`
	ServiceType          *serviceRef `json:"serviceType,omitempty"`
	PublicService        *serviceRef `json:"publicService,omitempty"`
	Region               string      `json:"region,omitempty"`
	AnnouncedAttachments []string    `json:"announcedAttachments"`
	UploadedAttachments  []string    `json:"uploadedAttachments"`
	CreatedAt            time.Time   `json:"createdAt"`
	SubmittedAt          *time.Time  `json:"submittedAt,omitempty"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request, c caller) {
	sid, ok := pathID(w, r, "submissionId")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.ownSub(sid, c)
	if sub == nil {
		writeProblem(w, http.StatusNotFound, "submission-not-found", "no submission "+sid)
		return
	}
	doc := statusDoc{
		SubmissionID: sid, CaseID: sub.CaseID, DestinationID: sub.DestinationID, Status: sub.Status,
		Region: sub.Region, AnnouncedAttachments: append([]string{}, sub.Announced...),
		UploadedAttachments: uploaded(sub), CreatedAt: sub.CreatedAt,
	}
	svc := &serviceRef{Name: sub.ServiceName, Identifier: sub.ServiceIdentifier}
	if c.version == "v2" {
		doc.PublicService = svc
	} else {
		doc.ServiceType = svc
	}
	if !sub.SubmittedAt.IsZero() {
		t := sub.SubmittedAt
		doc.SubmittedAt = &t
	}
	writeJSON(w, http.StatusOK, doc)
}

func uploaded(sub *subRecord) []string {
	out := []string{}
	for _, a := range sub.Announced {
		if sub.Attachments[a] != nil {
			out = append(out, a)
		}
	}
	return out
}

func contains(list []string, x string) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func sortBy[T any](xs []T, key func(T) string) {
	sort.Slice(xs, func(i, j int) bool { return key(xs[i]) < key(xs[j]) })
}
