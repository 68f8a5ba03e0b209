package standin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Layout of Config.Dir:
//
//	destinations/<destinationId>.json
//	submissions/<submissionId>/submission.json
//	submissions/<submissionId>/metadata.jwe, data.jwe
//	submissions/<submissionId>/attachments/<attachmentId>.jwe
//	keys/                      (default Config.KeyDir)
//	tmp/                       (uploads in progress; emptied at start)
//
// Every file is written to tmp/ and renamed into place, blobs before the
// JSON that refers to them, so a stand-in killed at any moment leaves
// either the old or the new state.

// destRecord is what is stored of a destination (its keys live in the key
// directory).
type destRecord struct {
	ID        string    `json:"destinationId"`
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	LeiKa     []string  `json:"leikaKeys"`
	Schemas   []string  `json:"schemas,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// blobRecord describes one stored JWE.
type blobRecord struct {
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Tag        string    `json:"authenticationTag"`
	UploadedAt time.Time `json:"uploadedAt"`
}

// subRecord is what is stored of a submission.
type subRecord struct {
	SubmissionID      string                 `json:"submissionId"`
	CaseID            string                 `json:"caseId"`
	DestinationID     string                 `json:"destinationId"`
	ClientID          string                 `json:"clientId"`
	APIVersion        string                 `json:"apiVersion"`
	ServiceName       string                 `json:"serviceName"`
	ServiceIdentifier string                 `json:"serviceIdentifier"`
	Region            string                 `json:"region,omitempty"`
	Announced         []string               `json:"announcedAttachments"`
	Attachments       map[string]*blobRecord `json:"attachments"`
	Metadata          *blobRecord            `json:"metadata,omitempty"`
	Data              *blobRecord            `json:"data,omitempty"`
	Status            string                 `json:"status"`
	CreatedAt         time.Time              `json:"createdAt"`
	SubmittedAt       time.Time              `json:"submittedAt,omitzero"`
	Events            []string               `json:"eventLog"`
}

func (s *Server) persistent() bool { return s.cfg.Dir != "" }

func (s *Server) destPath(id string) string {
	return filepath.Join(s.cfg.Dir, "destinations", id+".json")
}

func (s *Server) subDir(id string) string {
	return filepath.Join(s.cfg.Dir, "submissions", id)
}

// saveDest and saveSub write a record; the caller holds s.mu.
func (s *Server) saveDest(rec destRecord) error {
	if !s.persistent() {
		return nil
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return s.writeAtomic(s.destPath(rec.ID), data)
}

func (s *Server) saveSub(rec *subRecord) error {
	if !s.persistent() {
		return nil
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return s.writeAtomic(filepath.Join(s.subDir(rec.SubmissionID), "submission.json"), data)
}

func (s *Server) load() error {
	for _, d := range []string{"destinations", "submissions", "tmp"} {
		if err := os.MkdirAll(filepath.Join(s.cfg.Dir, d), 0o700); err != nil {
			return err
		}
	}
	// Uploads that were under way when the last stand-in stopped.
	if tmps, err := os.ReadDir(filepath.Join(s.cfg.Dir, "tmp")); err == nil {
		for _, e := range tmps {
			_ = os.Remove(filepath.Join(s.cfg.Dir, "tmp", e.Name()))
		}
	}
	ents, err := os.ReadDir(filepath.Join(s.cfg.Dir, "destinations"))
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		if filepath.Ext(name) != ".json" {
			continue
		}
		var rec destRecord
		if err := readJSONFile(filepath.Join(s.cfg.Dir, "destinations", name), &rec); err != nil {
			return err
		}
		if !isUUID(rec.ID) || rec.ID+".json" != name {
			return fmt.Errorf("standin: %s: destination id %q does not match the file", name, rec.ID)
		}
		s.destRecs[rec.ID] = rec
	}
	ents, err = os.ReadDir(filepath.Join(s.cfg.Dir, "submissions"))
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.IsDir() || !isUUID(e.Name()) {
			continue
		}
		var rec subRecord
		err := readJSONFile(filepath.Join(s.subDir(e.Name()), "submission.json"), &rec)
		if errors.Is(err, fs.ErrNotExist) {
			continue // killed between creating the directory and the record
		}
		if err != nil {
			return err
		}
		if rec.SubmissionID != e.Name() || !isUUID(rec.CaseID) || !isUUID(rec.DestinationID) {
			return fmt.Errorf("standin: submission %s: inconsistent record", e.Name())
		}
		for _, a := range rec.Announced {
			if !isUUID(a) {
				return fmt.Errorf("standin: submission %s: bad attachment id %q", e.Name(), a)
			}
		}
		if rec.Attachments == nil {
			rec.Attachments = map[string]*blobRecord{}
		}
		s.subs[rec.SubmissionID] = &rec
		s.cases[rec.CaseID] = rec.SubmissionID
	}
	return nil
}

func readJSONFile(p string, v any) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("standin: %s: %w", p, err)
	}
	return nil
}

// writeAtomic writes data to p through a file in Dir/tmp.
func (s *Server) writeAtomic(p string, data []byte) error {
	f, err := s.tempFile()
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := finishFile(f); err != nil {
		os.Remove(f.Name())
		return err
	}
	return moveInto(f.Name(), p)
}

func (s *Server) tempFile() (*os.File, error) {
	return os.CreateTemp(filepath.Join(s.cfg.Dir, "tmp"), "part-*")
}

func finishFile(f *os.File) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func moveInto(tmp, p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeFileAtomic writes p through a temporary file next to it (used for
// the key directory, which need not be under Dir).
func writeFileAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := finishFile(f); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// createExclusive writes p only if it does not exist yet (fs.ErrExist
// otherwise), and never leaves a half-written p: the data goes to a
// temporary file that is hard-linked into place.
func createExclusive(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := finishFile(f); err != nil {
		return err
	}
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// A file system without hard links: fall back to O_EXCL.
		g, err2 := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err2 != nil {
			return err2
		}
		if _, err := g.Write(data); err != nil {
			g.Close()
			return err
		}
		return finishFile(g)
	}
	return nil
}

// blobTemp receives an upload before it is known to be acceptable: a file
// in Dir/tmp, or memory.
type blobTemp struct {
	f   *os.File
	buf bytes.Buffer
}

func (s *Server) newBlobTemp() (*blobTemp, error) {
	if !s.persistent() {
		return &blobTemp{}, nil
	}
	f, err := s.tempFile()
	if err != nil {
		return nil, err
	}
	return &blobTemp{f: f}, nil
}

func (b *blobTemp) Write(p []byte) (int, error) {
	if b.f != nil {
		return b.f.Write(p)
	}
	return b.buf.Write(p)
}

func (b *blobTemp) discard() {
	if b.f != nil {
		b.f.Close()
		os.Remove(b.f.Name())
	}
}

// commitBlob stores b under key ("<sid>/attachments/<aid>.jwe" …). The
// caller holds s.mu.
func (s *Server) commitBlob(b *blobTemp, key string) error {
	if b.f == nil {
		s.blobs[key] = b.buf.Bytes() // b is not used again
		return nil
	}
	if err := finishFile(b.f); err != nil {
		os.Remove(b.f.Name())
		return err
	}
	return moveInto(b.f.Name(), s.blobPath(key))
}

// putBlob stores a small blob. The caller holds s.mu.
func (s *Server) putBlob(key string, data []byte) error {
	if !s.persistent() {
		s.blobs[key] = bytes.Clone(data)
		return nil
	}
	return s.writeAtomic(s.blobPath(key), data)
}

func (s *Server) readBlob(key string) ([]byte, error) {
	if !s.persistent() {
		s.mu.Lock()
		b, ok := s.blobs[key]
		s.mu.Unlock()
		if !ok {
			return nil, fs.ErrNotExist
		}
		return b, nil
	}
	return os.ReadFile(s.blobPath(key))
}

func (s *Server) blobPath(key string) string {
	return filepath.Join(s.cfg.Dir, "submissions", filepath.FromSlash(key))
}

func attachmentKey(sid, aid string) string { return sid + "/attachments/" + aid + ".jwe" }
func metadataKey(sid string) string        { return sid + "/metadata.jwe" }
func dataKey(sid string) string            { return sid + "/data.jwe" }
