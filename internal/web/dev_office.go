package web

import (
	"mime"
	"net/http"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
)

// The receiving office's side of the embedded default's FIT-Connect
// stand-in, as a small page (the counterpart of the seed's
// "Einzelplatz-Lösung", like `sozialplattform fitconnect collect`): every
// demo office's destination, its submissions decrypted with the
// destination's key, and their files to download. Development only, like
// the mail catcher.

// DevOffice is the stand-in as the page needs it.
type DevOffice interface {
	Destinations() []standin.Destination
	// Received decrypts what the destination received.
	Received(destinationID string) ([]standin.Received, error)
}

func (s *Server) devOffice() DevOffice {
	if s.DevFITConnect == nil {
		return nil
	}
	return s.DevFITConnect()
}

func (s *Server) devOfficeList(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("dev.office.title")
	var ds []standin.Destination
	if o := s.devOffice(); o != nil {
		ds = o.Destinations()
	}
	v.Data = ds
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "dev_office", v)
}

// devOfficeReceived decrypts what a destination received.
func (s *Server) devOfficeReceived(r *http.Request) (standin.Destination, []standin.Received, error) {
	o := s.devOffice()
	if o == nil {
		return standin.Destination{}, nil, errNotFound
	}
	id := r.PathValue("dest")
	for _, d := range o.Destinations() {
		if d.ID == id {
			got, err := o.Received(id)
			return d, got, err
		}
	}
	return standin.Destination{}, nil, errNotFound
}

func (s *Server) devOfficeDestination(w http.ResponseWriter, r *http.Request) error {
	d, got, err := s.devOfficeReceived(r)
	if err != nil {
		return err
	}
	v := s.newView(r, "")
	v.Title = d.Name
	v.Data = map[string]any{"Destination": d, "Received": got}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "dev_office_one", v)
}

// devOfficeFile serves one decrypted part: "data" (the XML), "metadata"
// or an attachment by its id.
func (s *Server) devOfficeFile(w http.ResponseWriter, r *http.Request) error {
	_, got, err := s.devOfficeReceived(r)
	if err != nil {
		return err
	}
	sub, part := r.PathValue("sub"), r.PathValue("part")
	for _, rc := range got {
		if rc.SubmissionID != sub {
			continue
		}
		name, ctype, body := "", "", []byte(nil)
		switch part {
		case "data":
			name, ctype, body = "antrag-"+sub+".xml", "application/xml", rc.Data
		case "metadata":
			name, ctype, body = "metadata-"+sub+".json", "application/json", rc.Metadata
		default:
			for _, a := range rc.Attachments {
				if a.AttachmentID == part {
					name, ctype, body = a.Filename, a.MimeType, a.Content
				}
			}
		}
		if name == "" {
			return errNotFound
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, err := w.Write(body)
		return err
	}
	return errNotFound
}
