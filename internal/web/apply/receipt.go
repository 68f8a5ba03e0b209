package apply

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/pdf"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// Sending an application, its receipt, and the application as a PDF (at
// any time while filling it in, and after sending for the receipt's session).

// submit hands the finished application to delivery and shows the receipt.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request, fc *formContext) error {
	now := h.site.Now()
	m, _, problem, err := h.officeFor(r, fc)
	if err != nil {
		return err
	}
	if m == nil || problem != "" {
		return h.showChapter(w, r, fc, fc.def.Chapters[len(fc.def.Chapters)-1].ID, nil, http.StatusUnprocessableEntity)
	}
	files, err := h.uploadList(r, fc.in.ID)
	if err != nil {
		return err
	}
	// The file for the office names the place the application is for.
	fc.in.ARS = h.applicationARS(fc)
	sub := application.Submission{OfficeID: m.Office.ID, Lang: fc.lang, PostkorbConsent: r.PostFormValue("postkorb") == "ja"}
	for _, f := range files {
		if f.Pending {
			v := h.site.NewView(r, "")
			v.Errors = []web.FieldMessage{{Field: form.HTMLID(f.Slot), Message: v.T("upload.pending_block")}}
			return h.showChapterView(w, r, v, fc, fc.def.UploadChapter(), nil, http.StatusUnprocessableEntity)
		}
		sub.Uploads = append(sub.Uploads, f.ID)
	}
	sess := session.FromContext(r.Context())
	if id := citizenFrom(r); id != nil {
		sub.Owner, sub.Level, sub.PostkorbHandle = sess.Owner(), id.Level.Key(), id.PostkorbHandle
	}
	done, err := application.Submit(r.Context(), h.Delivery, fc.def, fc.in, sub, now)
	var inc *application.ErrIncomplete
	if errors.As(err, &inc) {
		// Something earlier no longer holds: back to that chapter with its messages.
		http.Redirect(w, r, fc.base+"/"+inc.Problems[0].Chapter, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	// The application now lives in the outbox only: it leaves the session
	// and the drafts. The receipt may be read in this session for a while.
	sess.Delete(formKey(fc.def.LeiKa))
	if h.confirmByMail(r, done, fc.svc.View(fc.lang).Title, m.Office.Name) {
		sess.Set(receiptMailKey(done.ID), "1")
	}
	sess.Set(receiptKey(done.ID), strconv.FormatInt(now.Add(ReceiptLifetime).Unix(), 10))
	sess.Set(lastReceiptKey(fc.def.LeiKa), done.ID)
	if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
		return err
	}
	if sub.Owner != "" && h.Drafts != nil {
		if err := h.Drafts.Delete(r.Context(), sub.Owner, done.ID); err != nil && !errors.Is(err, draft.ErrNotFound) {
			return err
		}
	}
	if h.OnSubmit != nil {
		h.OnSubmit(r.Context(), done.ID)
	}
	h.site.Log.Info("application submitted", "request_id", web.RequestID(r), "leika", done.LeiKa, "uploads", len(done.Uploads))
	http.Redirect(w, r, fc.base+"/eingang/"+done.ID, http.StatusSeeOther)
	return nil
}

// confirmByMail sends the confirmation to the e-mail address given in the
// form (kontakt.email), in the person's language: reference number,
// service, office and time, nothing else (mail.ApplicationReceipt). The
// application is safe in the outbox already, so a mail that cannot be
// queued is logged (without the address) and the receipt still shown.
func (h *Handler) confirmByMail(r *http.Request, sub *application.Submission, service, office string) bool {
	to := strings.TrimSpace(sub.Answers[confirmationAddressField])
	if h.Mail == nil || to == "" || strings.ContainsAny(to, " \t\r\n,;<>") || !strings.Contains(to, "@") {
		return false
	}
	data := mail.ApplicationReceipt{Reference: application.Reference(sub.ID), Service: service, Office: office,
		Time: i18n.ShownTime(sub.SubmittedAt)}
	if _, err := h.Mail.Send(r.Context(), web.Lang(r), "application_receipt", to, data); err != nil {
		h.site.Log.Warn("confirmation mail not queued", "request_id", web.RequestID(r), "reason", err.Error())
		return false
	}
	return true
}

// confirmationAddressField is the form's field for the person's e-mail
// address (HzL: kontakt.email).
const confirmationAddressField = "kontakt.email"

func receiptMailKey(id string) string { return "eingang-mail:" + id }

// ReceiptLifetime is how long the receipt and its downloads stay available
// in the session that sent the application (seed: "nur für kurze Zeit").
const ReceiptLifetime = time.Hour

func receiptKey(id string) string { return "eingang:" + id }

// lastReceiptKey names the application of a service this session sent last.
func lastReceiptKey(leika string) string { return "eingang-zuletzt:" + leika }

// receiptAllowed reports whether this session sent the application and the
// receipt has not expired.
func (h *Handler) receiptAllowed(r *http.Request, id string) bool {
	sess := session.FromContext(r.Context())
	if sess == nil {
		return false
	}
	until, err := strconv.ParseInt(sess.Get(receiptKey(id)), 10, 64)
	return err == nil && h.site.Now().Unix() < until
}

// receiptSubmission is the sent application of the receipt's address, if
// this session sent it and its time is not over.
func (h *Handler) receiptSubmission(r *http.Request) (*application.Submission, error) {
	id := r.PathValue("id")
	if !h.receiptAllowed(r, id) {
		return nil, errReceiptGone
	}
	sub, err := h.Submissions.FindSubmission(r.Context(), id)
	if errors.Is(err, application.ErrNotFound) {
		return nil, errReceiptGone
	}
	return sub, err
}

// formReceipt shows number, time and office of a sent application.
func (h *Handler) formReceipt(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.receiptSubmission(r)
	if err != nil {
		return err
	}
	svc, ok := h.Catalogue.ByLeiKa(sub.LeiKa)
	if !ok {
		return web.ErrNotFound
	}
	v := h.site.NewView(r, "")
	o, err := h.OfficeStore.FindOffice(r.Context(), sub.OfficeID)
	if err != nil {
		return err
	}
	// How delivery stands now: the page is no-store, so reloading it asks
	// again (no script needed).
	now := h.site.Now()
	d, err := h.deliveryReport(r, sub, now)
	if err != nil {
		return err
	}
	state := application.DeliveryState(d)
	statusKey := "form.receipt.status." + state
	if state == application.DeliveryPending {
		statusKey = "form.receipt.status.submitted"
	}
	v.Title = v.T("form.receipt.title")
	sess := session.FromContext(r.Context())
	v.Data = map[string]any{"Sub": sub, "Reference": application.Reference(sub.ID), "Service": svc.View(v.Lang.Code).Title, "Office": o, "Signed": citizenFrom(r) != nil,
		"State": state, "StatusKey": statusKey, "Checked": now, "Mailed": sess != nil && sess.Get(receiptMailKey(sub.ID)) != "",
		"PDF":    "/" + v.Lang.Code + "/antrag/" + sub.LeiKa + "/eingang/" + sub.ID + "/antrag.pdf",
		"Report": "/" + v.Lang.Code + "/antrag/" + sub.LeiKa + "/eingang/" + sub.ID + "/verarbeitungsbericht.pdf",
		"Until":  h.site.Now().Add(ReceiptLifetime), "Postkorb": h.PostkorbCopies && sub.PostkorbHandle != ""}
	v.NoFeedback = false
	return h.pages.Render(w, r, http.StatusOK, "form_receipt", v)
}

// formPDF is "Als PDF herunterladen": the application as it stands now.
func (h *Handler) formPDF(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.loadForm(r, false)
	if err == errFormExpired {
		return h.formGone(w, r)
	}
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	work := fc.in.Answers.Clone()
	officeName := ""
	if m, _, _, err := h.officeFor(r, fc); err == nil && m != nil {
		officeName = m.Office.Name
	}
	files, err := h.uploadList(r, fc.in.ID)
	if err != nil {
		return err
	}
	doc := application.Document(fc.def, work, v.Lang.Code, application.Texts(v.T, fc.svc.View(v.Lang.Code).Title, false),
		fc.in.ID, officeName, h.site.Now(), fileNames(files), fc.def.UploadChapter())
	return h.writePDF(w, "antrag-entwurf.pdf", doc)
}

// formReceiptPDF is the sent application as a PDF, for the receipt's session.
func (h *Handler) formReceiptPDF(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.receiptSubmission(r)
	if err != nil {
		return err
	}
	def, ok := h.Forms[sub.LeiKa]
	svc, ok2 := h.Catalogue.ByLeiKa(sub.LeiKa)
	if !ok || !ok2 || def.Version != sub.Version {
		return web.ErrNotFound
	}
	v := h.site.NewView(r, "")
	o, err := h.OfficeStore.FindOffice(r.Context(), sub.OfficeID)
	if err != nil {
		return err
	}
	files, err := h.uploadList(r, sub.ID)
	if err != nil {
		return err
	}
	doc := application.Document(def, sub.Answers, v.Lang.Code, application.Texts(v.T, svc.View(v.Lang.Code).Title, true),
		sub.ID, o.Name, sub.SubmittedAt, fileNames(files), def.UploadChapter())
	return h.writePDF(w, "antrag-"+application.Reference(sub.ID)+".pdf", doc)
}

func fileNames(files []listedFile) []application.FileName {
	out := make([]application.FileName, 0, len(files))
	for _, f := range files {
		out = append(out, application.FileName{Slot: f.Slot, Name: f.Name})
	}
	return out
}

// writePDF renders into a buffer first, so that a rendering error still
// becomes an error page and not half a file.
func (h *Handler) writePDF(w http.ResponseWriter, name string, doc pdf.Document) error {
	var buf bytes.Buffer
	if err := pdf.Render(&buf, doc); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err := w.Write(buf.Bytes())
	return err
}

// formReport is the processing report ("Verarbeitungsbericht"): number,
// time, office, transport and the delivery's state with the checksums of
// every part sent, for the receipt's session.
func (h *Handler) formReport(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.receiptSubmission(r)
	if err != nil {
		return err
	}
	svc, ok := h.Catalogue.ByLeiKa(sub.LeiKa)
	if !ok {
		return web.ErrNotFound
	}
	o, err := h.OfficeStore.FindOffice(r.Context(), sub.OfficeID)
	if err != nil {
		return err
	}
	d, err := h.deliveryReport(r, sub, h.site.Now())
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	doc := application.Report(sub, v.Lang.Code, v.T, svc.View(v.Lang.Code).Title, o.Name, d)
	return h.writePDF(w, "verarbeitungsbericht-"+sub.ID+".pdf", doc)
}

// deliveryReport is how the delivery of a sent application stands for the
// receipt and the processing report: nil while it has not started; Failed
// once it has failed long enough that the person should call the support
// (application.DeliveryFailedFor).
func (h *Handler) deliveryReport(r *http.Request, sub *application.Submission, now time.Time) (*application.ReportDelivery, error) {
	if h.Deliveries == nil {
		return nil, nil
	}
	rec, err := h.Deliveries.FindDelivery(r.Context(), sub.ID)
	if errors.Is(err, delivery.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d := rec.Report()
	d.Failed = application.DeliveryFailedFor(rec.Status, rec.LastError, rec.Attempts, sub.SubmittedAt, now)
	return d, nil
}
