package standin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// On disk under Config.Dir: pki/ (the CA and server certificate),
// state.json (issued ids, messages' meta data and reports) and parts/
// (each part's bytes, named by their SHA-256). state.json is replaced
// atomically after every change; parts are written before it names them.

type persisted struct {
	Issued   map[string]issuedID `json:"issued"`
	Messages []persistedMessage  `json:"messages"`
}

type persistedMessage struct {
	MessageID        string          `json:"messageId"`
	Author           Identifier      `json:"author"`
	Reader           Identifier      `json:"reader"`
	Service          string          `json:"service"`
	BusinessScenario string          `json:"businessScenario,omitempty"`
	Parts            []persistedPart `json:"parts"`
	Received         time.Time       `json:"received"`
	Closed           bool            `json:"closed,omitempty"`
	Report           Report          `json:"report"`
	Hash             string          `json:"hash"`
}

type persistedPart struct {
	Name      string `json:"name"`
	MediaType string `json:"mediaType"`
	SHA256    string `json:"sha256"`
	Size      int    `json:"size"`
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// saveLocked writes the state when there is a Dir. Callers hold s.mu.
func (s *Server) saveLocked() error {
	if s.cfg.Dir == "" {
		return nil
	}
	partsDir := filepath.Join(s.cfg.Dir, "parts")
	if err := os.MkdirAll(partsDir, 0o700); err != nil {
		return err
	}
	st := persisted{Issued: s.issued}
	for _, id := range s.order {
		m := s.messages[id]
		pm := persistedMessage{MessageID: m.MessageID, Author: m.Author, Reader: m.Reader, Service: m.Service,
			BusinessScenario: m.BusinessScenario, Received: m.Received,
			Closed: m.Closed, Report: m.Report, Hash: m.Hash}
		if len(m.sums) != len(m.Parts) {
			m.sums = nil
			for _, p := range m.Parts {
				h := sum(p.Data)
				name := filepath.Join(partsDir, h)
				if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
					if err := writeFileAtomic(name, p.Data); err != nil {
						return err
					}
				} else if err != nil {
					return err
				}
				m.sums = append(m.sums, h)
			}
		}
		for i, p := range m.Parts {
			h := m.sums[i]
			pm.Parts = append(pm.Parts, persistedPart{Name: p.Name, MediaType: p.MediaType, SHA256: h, Size: len(p.Data)})
		}
		st.Messages = append(st.Messages, pm)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.cfg.Dir, "state.json"), b)
}

// load reads the state written by saveLocked, if any.
func (s *Server) load() error {
	b, err := os.ReadFile(filepath.Join(s.cfg.Dir, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st persisted
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Issued != nil {
		s.issued = st.Issued
	}
	for _, pm := range st.Messages {
		m := &stored{Hash: pm.Hash, Message: Message{MessageID: pm.MessageID, Author: pm.Author, Reader: pm.Reader,
			Service: pm.Service, BusinessScenario: pm.BusinessScenario, Received: pm.Received, Closed: pm.Closed,
			Report: pm.Report}}
		for _, pp := range pm.Parts {
			data, err := os.ReadFile(filepath.Join(s.cfg.Dir, "parts", pp.SHA256))
			if err != nil {
				return fmt.Errorf("message %s: %w", pm.MessageID, err)
			}
			if sum(data) != pp.SHA256 || len(data) != pp.Size {
				return fmt.Errorf("message %s: part %q is damaged", pm.MessageID, pp.Name)
			}
			m.Parts = append(m.Parts, Part{Name: pp.Name, MediaType: pp.MediaType, Data: data})
			m.sums = append(m.sums, pp.SHA256)
		}
		if _, dup := s.messages[m.MessageID]; dup {
			return fmt.Errorf("message %s twice", m.MessageID)
		}
		s.messages[m.MessageID] = m
		s.order = append(s.order, m.MessageID)
	}
	return nil
}
