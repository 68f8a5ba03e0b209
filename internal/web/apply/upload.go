package apply

import (
	"bufio"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
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
	Notice               bool // a proof says what became of an upload or removal
	slots                map[string]*uploadSlot
}

type uploadSlot struct {
	Slot, Label, ID string
	Hint            string // what counts as this proof
	Files           []uploadFile
	Error           string
	// Notice is the message key of what just became of a file of this
	// proof, shown at the proof (where the person lands after the
	// upload); Warning when the file waits for the virus scanner.
	Notice  string
	Warning bool
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
	u.notice(r, files)
	rem, err := h.Uploads.Remaining(r.Context(), fc.in.ID)
	if err != nil {
		return nil, err
	}
	u.Remaining = humanSize(v, rem)
	return u, nil
}

// notice puts the message after an upload or a removal at its proof. It
// says only what is true of the file: "auf Viren geprüft" only when a
// scanner checked it.
func (u *uploadView) notice(r *http.Request, files []listedFile) {
	q := r.URL.Query()
	if q.Get("entfernt") == "1" {
		if sl := u.slots[q.Get("fach")]; sl != nil {
			sl.Notice, u.Notice = "upload.removed", true
		}
		return
	}
	if q.Get("hochgeladen") != "1" && q.Get("gehalten") != "1" {
		return
	}
	for _, f := range files {
		sl := u.slots[f.Slot]
		if f.ID != q.Get("datei") || sl == nil {
			continue
		}
		switch {
		case f.Pending:
			sl.Notice, sl.Warning = "upload.held", true
		case f.Unscanned:
			sl.Notice = "upload.done_unscanned"
		default:
			sl.Notice = "upload.done"
		}
		u.Notice = true
	}
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

// formUpload takes the upload chapter's form, or one proof's file.
//
// The upload chapter's form is multipart and posts here, so that every
// chosen file is uploaded whichever button was pressed: "Hochladen",
// "Weiter", Enter in a field, "Zurück". A file chosen and then left behind
// by "Weiter" was dropped without a word (issue 14). The files are stored
// first; then the button does what it does on every chapter. The parts
// come in the order of the page: the token first, and before each file
// field the slot it is for.
func (h *Handler) formUpload(w http.ResponseWriter, r *http.Request) error {
	if h.Uploads == nil {
		return web.ErrNotFound
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// A script's live update of the chapter: no file, and the kit has
		// read the form and checked its token.
		return h.uploadChapterPost(w, r)
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
	st, _ := fc.def.Evaluate(chapter, fc.in.Answers.Clone(), h.site.Now())
	known := map[string]bool{}
	for _, it := range st.Items {
		if f, ok := fc.def.FieldByPath(it.Field); ok && f.Kind == "file" && it.Visible {
			known[it.Path] = true
		}
	}
	v := h.site.NewView(r, "")
	posted := url.Values{}
	room := int64(web.MaxBodyBytes) // for the fields beside the files
	var slot string
	var stored *upload.File
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			switch {
			case len(v.Errors) > 0:
				// A refused file broke the request off; its message says why.
			case errors.As(err, &mbe):
				v.Errors = append(v.Errors, web.FieldMessage{Field: form.HTMLID(slot), Message: v.T("upload.error.budget", "remaining", humanSize(v, 0))})
			default:
				return web.ErrBadRequest
			}
			break
		}
		if part.FormName() != "datei" {
			b, err := io.ReadAll(io.LimitReader(part, room+1))
			if err != nil || int64(len(b)) > room {
				return web.ErrTooLarge
			}
			room -= int64(len(b))
			posted.Add(part.FormName(), string(b))
			if part.FormName() == "slot" {
				if slot = string(b); !known[slot] {
					return web.ErrBadRequest
				}
			}
			continue
		}
		if slot == "" {
			return web.ErrBadRequest
		}
		if part.FileName() == "" {
			// A file field with nothing chosen.
			io.Copy(io.Discard, part)
			continue
		}
		f, msg, err := h.putUpload(r, v, fc, slot, part)
		if err != nil {
			return err
		}
		if msg != "" {
			v.Errors = append(v.Errors, web.FieldMessage{Field: form.HTMLID(slot), Message: msg})
			continue
		}
		stored = f
	}
	io.Copy(io.Discard, r.Body) // what a refused file left unread
	r.PostForm, r.Form = posted, posted
	r.SetPathValue("chapter", chapter)
	action := posted.Get("aktion")
	chapterForm := action != "" // the whole chapter form, not one proof's form
	if chapterForm {
		// What else the chapter asks is kept as on any chapter.
		h.readChapter(fc, chapter, r)
		if err := h.saveForm(w, r, fc); err != nil {
			return err
		}
	}
	if len(v.Errors) > 0 {
		return h.showChapterView(w, r, v, fc, chapter, nil, http.StatusUnprocessableEntity)
	}
	if !chapterForm || strings.HasPrefix(action, "hochladen:") {
		if stored == nil {
			if s := strings.TrimPrefix(action, "hochladen:"); known[s] {
				slot = s
			}
			v.Errors = []web.FieldMessage{{Field: form.HTMLID(slot), Message: v.T("upload.error.choose")}}
			return h.showChapterView(w, r, v, fc, chapter, nil, http.StatusUnprocessableEntity)
		}
		// Back at the proof, with what became of the file in view.
		q := "?hochgeladen=1"
		if stored.Status == upload.StatusPending {
			q = "?gehalten=1"
		}
		http.Redirect(w, r, fc.base+"/"+chapter+q+"&datei="+url.QueryEscape(stored.ID)+"#"+form.HTMLID(stored.Slot)+"-box", http.StatusSeeOther)
		return nil
	}
	return h.formChapterPost(w, r)
}

// uploadChapterPost is a post of the upload chapter's form without a file.
func (h *Handler) uploadChapterPost(w http.ResponseWriter, r *http.Request) error {
	def, ok := h.Forms[r.PathValue("leika")]
	if !ok || def.UploadChapter() == "" {
		return web.ErrNotFound
	}
	r.SetPathValue("chapter", def.UploadChapter())
	return h.formChapterPost(w, r)
}

// putUpload stores one file for one proof. A file that is refused gives a
// message for the person (and no error).
func (h *Handler) putUpload(r *http.Request, v *web.View, fc *formContext, slot string, part *multipart.Part) (*upload.File, string, error) {
	// The content decides the type; a name that claims another type (a PDF
	// called .png) is refused too, as the office would open it by its name.
	body := bufio.NewReaderSize(part, 4096)
	head, _ := body.Peek(512)
	t, ok := upload.Sniff(head)
	if !ok {
		io.Copy(io.Discard, body)
		return nil, v.T("upload.error.type"), nil
	}
	if !extensionFits(part.FileName(), t) {
		io.Copy(io.Discard, body)
		return nil, v.T("upload.error.mismatch"), nil
	}
	f, err := h.Uploads.Put(r.Context(), fc.in.ID, slot, part.FileName(), body)
	var budget *upload.BudgetError
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return f, "", nil
	case errors.Is(err, upload.ErrType):
		io.Copy(io.Discard, part)
		return nil, v.T("upload.error.type"), nil
	case errors.Is(err, upload.ErrInfected):
		h.site.Log.Warn("upload refused: malware", "request_id", web.RequestID(r))
		io.Copy(io.Discard, part)
		return nil, v.T("upload.error.infected"), nil
	case errors.Is(err, upload.ErrEmpty):
		return nil, v.T("upload.error.empty"), nil
	case errors.As(err, &budget):
		io.Copy(io.Discard, part)
		return nil, v.T("upload.error.budget", "remaining", humanSize(v, budget.Remaining)), nil
	case errors.As(err, &mbe):
		return nil, v.T("upload.error.budget", "remaining", humanSize(v, 0)), nil
	}
	return nil, "", err
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
	id := r.PostFormValue("datei")
	files, err := h.uploadList(r, fc.in.ID)
	if err != nil {
		return err
	}
	err = h.Uploads.Delete(r.Context(), fc.in.ID, id)
	if err != nil && !errors.Is(err, upload.ErrNotFound) {
		return err
	}
	// Back at the proof the file was for, with the message there.
	target := fc.base + "/" + fc.def.UploadChapter() + "?entfernt=1"
	for _, f := range files {
		if f.ID == id {
			target += "&fach=" + url.QueryEscape(f.Slot) + "#" + form.HTMLID(f.Slot) + "-box"
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
