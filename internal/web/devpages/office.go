package devpages

import (
	"mime"
	"net/http"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
	"github.com/sozialplattform/sozialplattform/internal/web"
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

func (h *Handler) devOffice() DevOffice {
	if h.Office == nil {
		return nil
	}
	return h.Office()
}

func (h *Handler) devOfficeList(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("dev.office.title")
	var ds []standin.Destination
	if o := h.devOffice(); o != nil {
		ds = o.Destinations()
	}
	v.Data = ds
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "dev_office", v)
}

// devOfficeReceived decrypts what a destination received.
func (h *Handler) devOfficeReceived(r *http.Request) (standin.Destination, []standin.Received, error) {
	o := h.devOffice()
	if o == nil {
		return standin.Destination{}, nil, web.ErrNotFound
	}
	id := r.PathValue("dest")
	for _, d := range o.Destinations() {
		if d.ID == id {
			got, err := o.Received(id)
			return d, got, err
		}
	}
	return standin.Destination{}, nil, web.ErrNotFound
}

func (h *Handler) devOfficeDestination(w http.ResponseWriter, r *http.Request) error {
	d, got, err := h.devOfficeReceived(r)
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = d.Name
	v.Data = map[string]any{"Destination": d, "Received": got}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "dev_office_one", v)
}

// devOfficeFile serves one decrypted part: "data" (the XML), "metadata"
// or an attachment by its id.
func (h *Handler) devOfficeFile(w http.ResponseWriter, r *http.Request) error {
	_, got, err := h.devOfficeReceived(r)
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
			return web.ErrNotFound
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, err := w.Write(body)
		return err
	}
	return web.ErrNotFound
}
