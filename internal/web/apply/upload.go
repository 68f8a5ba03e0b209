package apply

import (
	"bufio"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/upload"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// Uploads of proofs in the chapter "Unterlagen". The file is read as a
// stream from the multipart body straight into the upload service, which
// checks its type by content, scans it while it is stored and encrypts it:
// nothing of it touches the disk unencrypted or sits whole in memory. A form
// without JavaScript sends csrf_token, slot and then the file, in the order
// of the page; the handler insists on that order.

const uploadPathSuffix = "/unterlagen/hochladen"

type uploadView struct {
	Action, DeleteAction string
	Enabled              bool // an upload service is configured
	NoScanner            bool // files are not scanned (development only)
	Remaining            string
	Missing              bool // some proof has no file yet
	slots                map[string]*uploadSlot
}

type uploadSlot struct {
	Slot, Label, ID string
	Hint            string // what counts as this proof
	Files           []uploadFile
	Error           string
}

type uploadFile struct {
	ID, Name, Slot, Size string
	Pending, Unscanned   bool
}

func (u *uploadView) slot(slot, label string) *uploadSlot {
	sl := u.slots[slot]
	if sl == nil {
		sl = &uploadSlot{Slot: slot, ID: form.HTMLID(slot)}
		u.slots[slot] = sl
	}
	sl.Label = label
	if len(sl.Files) == 0 {
		u.Missing = true
	}
	return sl
}

// hasUploads reports whether a chapter shows upload boxes.
func hasUploads(def *form.Definition, st *form.ChapterState) bool {
	for _, it := range st.Items {
		if f, ok := def.FieldByPath(it.Field); ok && f.Kind == "file" && it.Visible {
			return true
		}
	}
	return false
}

func (h *Handler) uploadView(r *http.Request, fc *formContext, st *form.ChapterState, v *web.View, errs map[string]string) (*uploadView, error) {
	u := &uploadView{Action: fc.base + uploadPathSuffix, DeleteAction: fc.base + "/unterlagen/loeschen",
		Enabled: h.Uploads != nil, slots: map[string]*uploadSlot{}}
	if h.Uploads == nil {
		return u, nil
	}
	u.NoScanner = h.Uploads.Scanner == nil
	files, err := h.uploadList(r, fc.in.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		sl := u.slot(f.Slot, "")
		f.Size = humanSize(v, f.bytes)
		sl.Files = append(sl.Files, f.uploadFile)
	}
	for _, it := range st.Items {
		if f, ok := fc.def.FieldByPath(it.Field); ok && f.Kind == "file" {
			u.slot(it.Path, it.Label.In(v.Lang.Code)).Error = errs[form.HTMLID(it.Path)]
		}
	}
	u.Missing = false
	for _, it := range st.Items {
		if f, ok := fc.def.FieldByPath(it.Field); ok && f.Kind == "file" && it.Visible && len(u.slots[it.Path].Files) == 0 {
			u.Missing = true
		}
	}
	rem, err := h.Uploads.Remaining(r.Context(), fc.in.ID)
	if err != nil {
		return nil, err
	}
	u.Remaining = humanSize(v, rem)
	return u, nil
}

type listedFile struct {
	uploadFile
	bytes int64
}

// uploadList lists an application's files ("" when uploads are off).
func (h *Handler) uploadList(r *http.Request, application string) ([]listedFile, error) {
	if h.Uploads == nil {
		return nil, nil
	}
	fs, err := h.Uploads.List(r.Context(), application)
	if err != nil {
		return nil, err
	}
	out := make([]listedFile, 0, len(fs))
	for _, f := range fs {
		out = append(out, listedFile{uploadFile: uploadFile{ID: f.ID, Name: f.Name, Slot: f.Slot,
			Pending: f.Status == upload.StatusPending, Unscanned: f.Status == upload.StatusUnscanned}, bytes: f.Size})
	}
	return out, nil
}

// humanSize writes a byte count as people read it: "87,5 MB".
func humanSize(v *web.View, n int64) string {
	mb := float64(n) / (1 << 20)
	s := strconv.FormatFloat(mb, 'f', 1, 64)
	if v.Lang.Code != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	if n < 1<<20 {
		kb := (n + 1023) / 1024
		return v.T("upload.size.kb", "n", kb)
	}
	return v.T("upload.size.mb", "n", s)
}

// formUpload takes one file for one proof.
func (h *Handler) formUpload(w http.ResponseWriter, r *http.Request) error {
	if h.Uploads == nil {
		return web.ErrNotFound
	}
	fc, err := h.loadForm(r, false)
	if err != nil {
		return err
	}
	chapter := fc.def.UploadChapter()
	if chapter == "" || !fc.in.Reachable(fc.def, chapter, h.site.Now()) {
		return web.ErrNotFound
	}
	if r.ContentLength > upload.MaxTotal+web.MaxBodyBytes {
		// Refused before a byte was read (so not even the form token):
		// the chapter again, with the size at the first proof instead of
		// a failed security check. Nothing is stored or changed.
		return h.uploadTooLarge(w, r, fc, chapter)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return web.ErrBadRequest
	}
	token, err := smallPart(mr, "csrf_token")
	if err != nil || !web.CSRFValid(r, token) {
		h.site.Log.Warn("csrf check failed", "request_id", web.RequestID(r), "upload", true)
		return web.ErrCSRF
	}
	slot, err := smallPart(mr, "slot")
	if err != nil {
		return web.ErrBadRequest
	}
	st, _ := fc.def.Evaluate(chapter, fc.in.Answers.Clone(), h.site.Now())
	known := false
	for _, it := range st.Items {
		if f, ok := fc.def.FieldByPath(it.Field); ok && f.Kind == "file" && it.Visible && it.Path == slot {
			known = true
		}
	}
	if !known {
		return web.ErrBadRequest
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "datei" {
		return h.uploadFailed(w, r, fc, chapter, slot, "upload.error.choose", nil)
	}
	if part.FileName() == "" {
		return h.uploadFailed(w, r, fc, chapter, slot, "upload.error.choose", part)
	}
	// The content decides the type; a name that claims another type (a PDF
	// called .png) is refused too, as the office would open it by its name.
	body := bufio.NewReaderSize(part, 4096)
	head, _ := body.Peek(512)
	t, ok := upload.Sniff(head)
	if !ok {
		return h.uploadFailed(w, r, fc, chapter, slot, "upload.error.type", body)
	}
	if !extensionFits(part.FileName(), t) {
		return h.uploadFailed(w, r, fc, chapter, slot, "upload.error.mismatch", body)
	}
	f, err := h.Uploads.Put(r.Context(), fc.in.ID, slot, part.FileName(), body)
	var budget *upload.BudgetError
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
	case errors.Is(err, upload.ErrType):
		return h.uploadFailed(w, r, fc, chapter, slot, "upload.error.type", part)
	case errors.Is(err, upload.ErrInfected):
		h.site.Log.Warn("upload refused: malware", "request_id", web.RequestID(r))
		return h.uploadFailed(w, r, fc, chapter, slot, "upload.error.infected", part)
	case errors.Is(err, upload.ErrEmpty):
		return h.uploadFailed(w, r, fc, chapter, slot, "upload.error.empty", part)
	case errors.As(err, &budget):
		v := h.site.NewView(r, "")
		msg := v.T("upload.error.budget", "remaining", humanSize(v, budget.Remaining))
		return h.uploadFailedMsg(w, r, v, fc, chapter, slot, msg, part)
	case errors.As(err, &mbe):
		v := h.site.NewView(r, "")
		msg := v.T("upload.error.budget", "remaining", humanSize(v, 0))
		return h.uploadFailedMsg(w, r, v, fc, chapter, slot, msg, nil)
	default:
		return err
	}
	q := "?hochgeladen=1"
	if f.Status == upload.StatusPending {
		q = "?gehalten=1"
	}
	http.Redirect(w, r, fc.base+"/"+chapter+q+"#"+form.HTMLID(slot), http.StatusSeeOther)
	return nil
}

// extensionFits reports whether a file name's extension names the type its
// content has.
func extensionFits(name string, t upload.Type) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return t == upload.PNG
	case ".jpg", ".jpeg", ".jpe":
		return t == upload.JPEG
	case ".pdf":
		return t == upload.PDF
	case ".heic", ".heif":
		return t == upload.HEIC
	}
	return false
}

// smallPart reads the next part, which must be the named short field.
func smallPart(mr *multipart.Reader, name string) (string, error) {
	p, err := mr.NextPart()
	if err != nil {
		return "", err
	}
	if p.FormName() != name {
		return "", web.ErrBadRequest
	}
	b, err := io.ReadAll(io.LimitReader(p, 512))
	return strings.TrimSpace(string(b)), err
}

func (h *Handler) uploadFailed(w http.ResponseWriter, r *http.Request, fc *formContext, chapter, slot, key string, rest io.Reader) error {
	v := h.site.NewView(r, "")
	return h.uploadFailedMsg(w, r, v, fc, chapter, slot, v.T(key), rest)
}

// uploadFailedMsg shows the chapter with the message at the proof. The rest
// of the request is read first: a browser that is still sending would
// otherwise see a broken connection instead of the message.
func (h *Handler) uploadFailedMsg(w http.ResponseWriter, r *http.Request, v *web.View, fc *formContext, chapter, slot, msg string, rest io.Reader) error {
	if rest != nil {
		io.Copy(io.Discard, rest)
	}
	io.Copy(io.Discard, r.Body)
	v.Errors = []web.FieldMessage{{Field: form.HTMLID(slot), Message: msg}}
	return h.showChapterView(w, r, v, fc, chapter, nil, http.StatusUnprocessableEntity)
}

// uploadTooLarge shows the upload chapter with the budget's message at its
// first proof, for a file larger than the whole budget.
func (h *Handler) uploadTooLarge(w http.ResponseWriter, r *http.Request, fc *formContext, chapter string) error {
	v := h.site.NewView(r, "")
	rem, err := h.Uploads.Remaining(r.Context(), fc.in.ID)
	if err != nil {
		return err
	}
	st, _ := fc.def.Evaluate(chapter, fc.in.Answers.Clone(), h.site.Now())
	for _, it := range st.Items {
		if f, ok := fc.def.FieldByPath(it.Field); ok && f.Kind == "file" && it.Visible {
			v.Errors = []web.FieldMessage{{Field: form.HTMLID(it.Path), Message: v.T("upload.error.budget", "remaining", humanSize(v, rem))}}
			break
		}
	}
	w.Header().Set("Connection", "close") // the rest of the body is never read
	return h.showChapterView(w, r, v, fc, chapter, nil, http.StatusRequestEntityTooLarge)
}

// formUploadDelete removes one of the application's files.
func (h *Handler) formUploadDelete(w http.ResponseWriter, r *http.Request) error {
	if h.Uploads == nil {
		return web.ErrNotFound
	}
	fc, err := h.loadForm(r, false)
	if err != nil {
		return err
	}
	err = h.Uploads.Delete(r.Context(), fc.in.ID, r.PostFormValue("datei"))
	if err != nil && !errors.Is(err, upload.ErrNotFound) {
		return err
	}
	http.Redirect(w, r, fc.base+"/"+fc.def.UploadChapter()+"?entfernt=1", http.StatusSeeOther)
	return nil
}
