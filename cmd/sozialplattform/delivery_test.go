package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
	xtastandin "github.com/sozialplattform/sozialplattform/internal/xta/standin"
)

// sendHzL fills and sends a HzL application with one proof and returns the
// receipt's address.
func sendHzL(t *testing.T, b *browser, consent ...string) string {
	t.Helper()
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	if p := b.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_miete", "mietvertrag.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")); p.status != 303 {
		t.Fatalf("upload: %d", p.status)
	}
	for _, ch := range []string{"unterlagen", "nothilfe"} {
		if p := b.post(base+"/"+ch, chapterForm(token, "weiter", hzlAnswers[ch]...)); p.status != 303 {
			t.Fatalf("%s: %d", ch, p.status)
		}
	}
	p := b.post(base+"/absenden", chapterForm(token, "absenden", append(append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja"), consent...)...))
	if p.status != 303 {
		t.Fatalf("send: %d\n%s", p.status, errorSummary(p.body))
	}
	return p.header.Get("Location")
}

// TestDeliveryToTheLocalFITConnectService: a sent application goes, by the
// background job, as encrypted XML with its PDF and proof to the office's
// FIT-Connect destination (the embedded default's stand-in); the office
// decrypts exactly one submission; the processing report names the route
// and checksums; a second run of the job sends nothing again.
func TestDeliveryToTheLocalFITConnectService(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	id, rec := deliveredBy(t, in, receipt)
	if rec.Status != delivery.StatusConfirmed || rec.Transport != "fitconnect" || rec.Reference == "" || len(rec.Hashes) != 4 {
		t.Fatalf("delivery: %+v", rec)
	}
	got, err := in.FITConnectStandin().Collect(rec.Destination, in.FITConnectStandin().DestinationKey(rec.Destination))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("the office received %d submissions", len(got))
	}
	sub := got[0]
	if !bytes.Contains(sub.Data, []byte("Müller-Lüdenscheidt")) || !bytes.Contains(sub.Data, []byte("urn:de:fim:leika:leistung:99107012017000")) {
		t.Fatalf("the application file: %.400s", sub.Data)
	}
	names := map[string]bool{}
	for _, a := range sub.Attachments {
		names[a.Filename] = true
		if a.Filename == "mietvertrag.pdf" && !bytes.HasPrefix(a.Content, []byte("%PDF-1.4\n1 0 obj")) {
			t.Fatal("the proof arrived changed")
		}
	}
	if !names["mietvertrag.pdf"] || !names["antrag-"+id+".pdf"] {
		t.Fatalf("attachments %v", names)
	}
	if len(sub.Problems) > 0 {
		t.Fatalf("the office found problems: %v", sub.Problems)
	}
	// The office's page of the embedded default shows it decrypted.
	office := newBrowser(t, in.base)
	if p := office.get("/de/dev/stelle"); p.status != 200 || !strings.Contains(p.body, rec.Destination) {
		t.Fatalf("office page: %d", p.status)
	}
	page := office.get("/de/dev/stelle/" + rec.Destination)
	if page.status != 200 || !strings.Contains(page.body, rec.Reference) || !strings.Contains(page.body, "mietvertrag.pdf") {
		t.Fatalf("destination page: %d\n%s", page.status, page.body)
	}
	if p := office.get("/de/dev/stelle/" + rec.Destination + "/" + rec.Reference + "/data"); p.status != 200 || !strings.Contains(p.body, "Müller-Lüdenscheidt") {
		t.Fatalf("decrypted XML: %d", p.status)
	}
	// The job again (a retry, a second instance): nothing is sent twice.
	if err := in.Delivery.Deliver(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if n := len(in.FITConnectStandin().Submissions(rec.Destination)); n != 1 {
		t.Fatalf("%d submissions after a second run", n)
	}
	// The receipt's processing report is there for the sending session.
	if p := b.get(receipt + "/verarbeitungsbericht.pdf"); p.status != 200 || !strings.HasPrefix(p.body, "%PDF") {
		t.Fatalf("processing report: %d", p.status)
	}
	if strings.Contains(in.logs.String(), "Müller") {
		t.Fatal("personal data in the log")
	}
}

// TestDeliveryArrivesExactlyOnceDespiteFaults: the delivery service drops
// the connection, answers 500 and 503, and loses the answer to the final
// submit; every failed attempt is retried and the office gets the
// application exactly once, complete.
func TestDeliveryArrivesExactlyOnceDespiteFaults(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	fc := runningStandin(t, in)
	fc.FailNext("POST /token", 0, 1)                           // down: connection dropped
	fc.FailNext("POST /v2/submissions", 500, 1)                // an error creating it
	fc.FailNext("PUT /v2/submissions/*/attachments/*", 503, 1) // an error halfway through the uploads
	fc.FailNextAfter("PUT /v2/submissions/*", 500, 1)          // submitted, but the answer is lost
	attempts := 0
	for ; attempts < 10; attempts++ {
		if err := in.Delivery.Deliver(t.Context(), id); err == nil {
			break
		}
	}
	rec, err := in.DB.FindDelivery(t.Context(), id)
	if err != nil || rec.Status != delivery.StatusConfirmed {
		t.Fatalf("after %d attempts: %+v %v", attempts, rec, err)
	}
	if attempts < 4 {
		t.Fatalf("only %d failed attempts: the faults did not happen", attempts)
	}
	got, err := fc.Collect(rec.Destination, fc.DestinationKey(rec.Destination))
	if err != nil {
		t.Fatal(err)
	}
	submitted := 0
	for _, r := range got {
		if r.Status != "" && len(r.Attachments) == 2 && len(r.Data) > 0 {
			submitted++
		}
	}
	if submitted != 1 || len(fc.Submissions(rec.Destination)) != 1 {
		t.Fatalf("the office has %d complete submissions (%d in all), want exactly 1", submitted, len(fc.Submissions(rec.Destination)))
	}
	// The failed attempts told the operator why, without personal data.
	if strings.Contains(in.logs.String(), "Müller") {
		t.Fatal("personal data in the log")
	}
}

// TestOfficeCollectsWithTheCommandLine: the office's side of the stand-in
// decrypts a delivered application into a folder: XML, metadata, PDF, proof.
func TestOfficeCollectsWithTheCommandLine(t *testing.T) {
	cfg := testConfig(t)
	in := start(t, cfg)
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	if _, err := in.Queue.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec, err := in.DB.FindDelivery(t.Context(), id)
	if err != nil || rec.Status != delivery.StatusConfirmed {
		t.Fatalf("%+v %v", rec, err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := Run(t.Context(), []string{"fitconnect", "collect", "--data", cfg.DataDir, "--out", out}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	folder := filepath.Join(out, rec.Destination, rec.Reference)
	xml, err := os.ReadFile(filepath.Join(folder, "antrag.xml"))
	if err != nil || !bytes.Contains(xml, []byte("Müller-Lüdenscheidt")) {
		t.Fatalf("antrag.xml: %v\n%s", err, stdout.String())
	}
	entries, _ := os.ReadDir(folder)
	if len(entries) != 4 { // antrag.xml, metadata.json, the PDF, the proof
		t.Fatalf("%d files in %s: %s", len(entries), folder, stdout.String())
	}
}

// TestDeliveryOverXTA: an office reachable only by XTA gets the
// application from the embedded default's XTA server over mutual TLS: the
// application file, its PDF and the proof in one message, once; the
// processing report has the SHA-256 of each part.
func TestDeliveryOverXTA(t *testing.T) {
	in := start(t, testConfig(t))
	const address = "demo:xta:sozialamt-rhein-sieg"
	if _, err := in.DB.ExecContext(t.Context(), in.DB.Rebind(`UPDATE responsibilities SET fitconnect_dest = '', xta_address = ? WHERE office_id LIKE 'sozialamt-rhein-sieg%'`), address); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	id, rec := deliveredBy(t, in, receipt)
	if rec.Status != delivery.StatusConfirmed || rec.Transport != "xta" || rec.Destination != address || !strings.HasPrefix(rec.Reference, "urn:de:xta:messageid:") || len(rec.Hashes) != 3 {
		t.Fatalf("delivery: %+v", rec)
	}
	if err := in.Delivery.Deliver(t.Context(), id); err != nil { // again: nothing sent twice
		t.Fatal(err)
	}
	got := in.XTAStandin().Received(xtastandin.Identifier{Category: "dvdv", Value: address})
	if len(got) != 1 || len(got[0].Parts) != 3 || got[0].Service != "urn:de:fim:leika:leistung:"+hzl {
		t.Fatalf("the office received %d messages: %+v", len(got), got)
	}
	parts := got[0].Parts
	if !bytes.Contains(parts[0].Data, []byte("Müller-Lüdenscheidt")) || !bytes.HasPrefix(parts[1].Data, []byte("%PDF")) ||
		!bytes.HasPrefix(parts[2].Data, []byte("%PDF-1.4\n1 0 obj")) || parts[2].Name != "mietvertrag.pdf" {
		t.Fatalf("parts: %s, %s, %s", parts[0].Name, parts[1].Name, parts[2].Name)
	}
	if p := b.get(receipt + "/verarbeitungsbericht.pdf"); p.status != 200 || !strings.HasPrefix(p.body, "%PDF") {
		t.Fatalf("processing report: %d", p.status)
	}
}

// TestRoutingAPIFirst: the Routing API's answer wins over the office
// directory; a routing answer whose signature does not verify stops the
// delivery with the reason for the operator, and nothing is sent anywhere
// until the answer is sound again.
func TestRoutingAPIFirst(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	fc := runningStandin(t, in)
	routed, err := fc.NewDestination(standin.DestinationSpec{Name: "Sozialamt laut Routing-API", LeiKa: []string{hzl}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fc.AddRoute(standin.Route{LeiKa: hzl, ARS: "05382", DestinationID: routed.ID}); err != nil {
		t.Fatal(err)
	}
	fc.BreakRoutingSignature(true)
	if err := in.Delivery.Deliver(t.Context(), id); err == nil {
		t.Fatal("delivered on a routing answer with a bad signature")
	}
	rec, err := in.DB.FindDelivery(t.Context(), id)
	if err != nil || rec.Status != delivery.StatusPending || !strings.Contains(rec.LastError, "signature") {
		t.Fatalf("the operator does not see why: %+v %v", rec, err)
	}
	for _, d := range fc.Destinations() {
		if n := len(fc.Submissions(d.ID)); n != 0 {
			t.Fatalf("%d submissions at %s", n, d.Name)
		}
	}
	// The operator's overview says which application and why; an
	// organisation's administrator may not look.
	ops := newBrowser(t, in.base)
	signInStaff(t, in, ops, "de")
	p := ops.get("/de/intern/zustellungen")
	if p.status != 200 || !strings.Contains(p.body, id) || !strings.Contains(p.body, "routing API") || !strings.Contains(p.body, "signature") ||
		!strings.Contains(p.body, "Offen: 1") || strings.Contains(p.body, "Müller") {
		t.Fatalf("operator overview: %d\n%s", p.status, p.body)
	}
	other := newBrowser(t, in.base)
	signInStaffExisting(t, other, "de", "org@example.org", in)
	if p := other.get("/de/intern/zustellungen"); p.status != 403 {
		t.Fatalf("an organisation admin sees deliveries: %d", p.status)
	}
	fc.BreakRoutingSignature(false)
	if err := in.Delivery.Deliver(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if rec, _ = in.DB.FindDelivery(t.Context(), id); rec.Destination != routed.ID || rec.Status != delivery.StatusConfirmed {
		t.Fatalf("delivered to %s, the route names %s", rec.Destination, routed.ID)
	}
	if p := ops.get("/de/intern/zustellungen"); !strings.Contains(p.body, "Alle abgeschickten Anträge sind zugestellt") || !strings.Contains(p.body, "30 Tagen: 1") {
		t.Fatalf("overview after delivery:\n%s", p.body)
	}
}

// TestPostkorbCopy: a signed-in person with a BundID Postkorb gets the
// application and the processing report there once the office has it, as
// one submission to the Postkorb's destination; the office learns the
// Postkorb only with the person's consent.
func TestPostkorbCopy(t *testing.T) {
	in := start(t, testConfig(t))
	for _, consent := range []bool{false, true} {
		b := newBrowser(t, in.base)
		signInCitizen(t, b, "de", "niedrig", "erika")
		var extra []string
		if consent {
			extra = []string{"postkorb", "ja"}
		}
		receipt := sendHzL(t, b, extra...)
		if p := b.get(receipt); !strings.Contains(p.body, "in Ihren Postkorb") {
			t.Fatal("the receipt does not say the PDFs go to the Postkorb")
		}
		id, rec := deliveredBy(t, in, receipt)
		if rec.Status != delivery.StatusConfirmed || rec.PostkorbReference == "" {
			t.Fatalf("delivery: %+v", rec)
		}
		fc := in.FITConnectStandin()
		var copy *standin.Received
		all, err := fc.Collect(postkorbDemoDestination, fc.DestinationKey(postkorbDemoDestination))
		if err != nil {
			t.Fatal(err)
		}
		for i := range all {
			if all[i].SubmissionID == rec.PostkorbReference {
				copy = &all[i]
			}
		}
		if copy == nil || !bytes.Contains(copy.Data, []byte("<empfaenger>postkorb-erika-0001</empfaenger>")) || len(copy.Attachments) != 2 {
			t.Fatalf("the Postkorb copy: %+v", copy)
		}
		for _, a := range copy.Attachments {
			if !bytes.HasPrefix(a.Content, []byte("%PDF")) || !strings.HasSuffix(a.Filename, id+".pdf") {
				t.Fatalf("attachment %s", a.Filename)
			}
		}
		office, err := fc.Collect(rec.Destination, fc.DestinationKey(rec.Destination))
		if err != nil {
			t.Fatal(err)
		}
		var xml []byte
		for _, r := range office {
			if r.SubmissionID == rec.Reference {
				xml = r.Data
			}
		}
		if got := bytes.Contains(xml, []byte("postkorb-erika-0001")); got != consent {
			t.Fatalf("consent %v, the office's file names the Postkorb: %v", consent, got)
		}
	}
}

// TestFITConnectServeSubcommand: the local FIT-Connect service runs on its
// own and gives a client a token, as a platform pointed at it needs.
func TestFITConnectServeSubcommand(t *testing.T) {
	t.Setenv("SOZ_FITCONNECT_CLIENT_SECRET", "ein-langes-testgeheimnis")
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"fitconnect", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	base := regexp.MustCompile(`at (http://[^:]+:\d+)`).FindStringSubmatch(line)
	if base == nil {
		t.Fatalf("no address in %q", line)
	}
	resp, err := http.PostForm(base[1]+"/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"sozialplattform"}, "client_secret": {"ein-langes-testgeheimnis"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "access_token") {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestTamperedDeliveryServiceIsRefused: a destination key that does not
// chain to the configured root, and an event log signed by a key not in
// the service's JWKS, each stop the delivery with the reason for the
// operator; nothing counts as delivered until the service is sound.
func TestTamperedDeliveryServiceIsRefused(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	fc := runningStandin(t, in)
	for _, c := range []struct {
		name   string
		tamper func(bool)
		reason string
	}{
		{"key not chained to the root", fc.ServeKeyNotChainedToRoot, "not trusted"},
		{"event log signed by a stranger", fc.SignSETsWithWrongKey, "bad signature"},
	} {
		receipt := sendHzL(t, b)
		id := receipt[strings.LastIndex(receipt, "/")+1:]
		c.tamper(true)
		if err := in.Delivery.Deliver(t.Context(), id); err == nil {
			t.Fatalf("%s: delivered", c.name)
		}
		rec, err := in.DB.FindDelivery(t.Context(), id)
		if err != nil || rec.Status == delivery.StatusConfirmed || !strings.Contains(rec.LastError, c.reason) {
			t.Fatalf("%s: the operator does not see why: %+v %v", c.name, rec, err)
		}
		c.tamper(false)
		if err := in.Delivery.Deliver(t.Context(), id); err != nil {
			t.Fatalf("%s: once sound again: %v", c.name, err)
		}
	}
}

// runningStandin starts the embedded default's FIT-Connect stand-in (as
// the first delivery would) and returns it.
func runningStandin(t *testing.T, in *instance) *standin.Server {
	t.Helper()
	tr := in.Delivery.Transports["fitconnect"].(*standinTransport)
	if _, err := tr.standin.Client(t.Context()); err != nil {
		t.Fatal(err)
	}
	return in.FITConnectStandin()
}

// deliveredBy runs the background jobs after the application of receipt
// was sent and returns its number and delivery record.
func deliveredBy(t *testing.T, in *instance, receipt string) (string, *delivery.Record) {
	t.Helper()
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	if _, err := in.Queue.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec, err := in.DB.FindDelivery(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return id, rec
}
