package xta

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/xta/standin"
)

const service = "urn:sozialplattform:xta:service:antrag-hzl"

var (
	platform = Identifier{Category: "xoev", Value: "sozialplattform-nrw", Name: "Sozialplattform NRW"}
	office   = Identifier{Category: "dvdv", Value: "wgb010540880000", Name: "Jobcenter Rhein-Berg"}
)

func accounts() []standin.Account {
	return []standin.Account{
		{Name: "plattform", Identifier: standin.Identifier(platform)},
		{Name: "jobcenter", Identifier: standin.Identifier(office), Services: []string{service}},
	}
}

// env is a stand-in served over real mutual TLS.
type env struct {
	srv *standin.Server
	ts  *httptest.Server
}

func startEnv(t *testing.T, cfg standin.Config) *env {
	t.Helper()
	if cfg.Accounts == nil {
		cfg.Accounts = accounts()
	}
	cfg.Logf = t.Logf
	srv, err := standin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, srv)
}

func serve(t *testing.T, srv *standin.Server) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(srv)
	ts.TLS = srv.ServerTLS()
	ts.Config.ErrorLog = log.New(testWriter{t}, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return &env{srv: srv, ts: ts}
}

func (e *env) config(t *testing.T, certName string, author Identifier) Config {
	t.Helper()
	cert, err := e.srv.IssueClient(certName)
	if err != nil {
		t.Fatal(err)
	}
	m, s, b := standin.URLs(e.ts.URL)
	return Config{ManagementURL: m, SendURL: s, MsgBoxURL: b, Certificate: cert, Roots: e.srv.CAPool(),
		Author: author, Timeout: 5 * time.Second}
}

func (e *env) client(t *testing.T, certName string, author Identifier) *Client {
	t.Helper()
	c, err := New(e.config(t, certName, author))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func message() Message {
	return Message{
		Reader:           office,
		Service:          service,
		BusinessScenario: "Antrag",
		Parts: []Part{
			{Name: "antrag.xml", MediaType: "application/xml", Data: []byte(`<antrag xmlns="urn:sozialplattform:xsozial-antrag:1">Grüße &amp; mehr</antrag>`)},
			{Name: "antrag.pdf", MediaType: "application/pdf", Data: []byte("%PDF-1.7 test")},
		},
	}
}

func TestWholeSequence(t *testing.T) {
	e := startEnv(t, standin.Config{})
	c := e.client(t, "plattform", platform)
	ctx := context.Background()

	active, err := c.CheckAccountActive(ctx)
	if err != nil || !active {
		t.Fatalf("checkAccountActive = %v, %v", active, err)
	}
	ok, err := c.LookupService(ctx, office, service)
	if err != nil || !ok {
		t.Fatalf("lookupService = %v, %v", ok, err)
	}
	id, err := c.CreateMessageID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "urn:de:xta:messageid:xta-standin.test:") {
		t.Errorf("message id %q", id)
	}
	m := message()
	m.MessageID = id
	if err := c.SendMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	rep, err := c.GetTransportReport(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Succeeded() || rep.MessageID != id || rep.Time.IsZero() {
		t.Errorf("report %+v", rep)
	}
	for _, op := range []string{"checkAccountActive", "lookupService", "createMessageId", "sendMessage", "getTransportReport"} {
		if n := e.srv.Calls(op); n != 1 {
			t.Errorf("%s called %d times", op, n)
		}
	}

	got := e.srv.Received(standin.Identifier(office))
	if len(got) != 1 {
		t.Fatalf("office received %d messages", len(got))
	}
	checkSame(t, got[0], m)
	if got[0].Author != standin.Identifier(platform) {
		t.Errorf("author %+v", got[0].Author)
	}

	// The office fetches it over its own msgBox port.
	oc := e.client(t, "jobcenter", office)
	list, err := oc.GetStatusList(ctx, 10)
	if err != nil || len(list) != 1 || list[0].MessageID != id || !list[0].Author.Equal(platform) {
		t.Fatalf("status list %+v, %v", list, err)
	}
	fetched, err := oc.GetMessage(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if fetched.Service != service || fetched.BusinessScenario != "Antrag" || !fetched.Reader.Equal(office) || len(fetched.Parts) != 2 {
		t.Fatalf("fetched %+v", fetched)
	}
	for i, p := range fetched.Parts {
		if p.Name != m.Parts[i].Name || p.MediaType != m.Parts[i].MediaType || !bytes.Equal(p.Data, m.Parts[i].Data) {
			t.Errorf("part %d differs", i)
		}
	}
	if err := oc.Close(ctx, id); err != nil {
		t.Fatal(err)
	}
	if list, err := oc.GetStatusList(ctx, 10); err != nil || len(list) != 0 {
		t.Errorf("after close: %d, %v", len(list), err)
	}
	// We are not the reader: our box is empty, and the office's message is
	// not ours to fetch.
	if _, err := c.GetMessage(ctx, id); !errors.Is(err, ErrInvalidMessageID) {
		t.Errorf("author fetches the reader's message: %v", err)
	}
}

func checkSame(t *testing.T, got standin.Message, want Message) {
	t.Helper()
	if got.MessageID != want.MessageID || got.Service != want.Service || got.BusinessScenario != want.BusinessScenario ||
		got.Reader.Value != want.Reader.Value || len(got.Parts) != len(want.Parts) {
		t.Fatalf("received %+v", got)
	}
	for i, p := range got.Parts {
		w := want.Parts[i]
		if p.Name != w.Name || p.MediaType != w.MediaType || !bytes.Equal(p.Data, w.Data) {
			t.Errorf("part %d: %q %q %d bytes", i, p.Name, p.MediaType, len(p.Data))
		}
	}
}

func TestTLSRefusesWrongClients(t *testing.T) {
	e := startEnv(t, standin.Config{})
	ctx := context.Background()

	// A certificate with the right name from another CA.
	other, err := standin.New(standin.Config{Accounts: accounts()})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.IssueClient("plattform")
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.config(t, "plattform", platform)
	cfg.Certificate = foreign
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CheckAccountActive(ctx); err == nil || IsTemporary(err) {
		t.Errorf("foreign CA: %v (temporary %v)", err, IsTemporary(err))
	} else {
		t.Logf("foreign CA: %v", err)
	}

	// No client certificate at all (New insists on one, so a bare client).
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.srv.CAPool()}}}
	m, _, _ := standin.URLs(e.ts.URL)
	resp, err := hc.Post(m, ContentType, strings.NewReader("<x/>"))
	if err == nil {
		resp.Body.Close()
		t.Errorf("no client certificate: HTTP %d", resp.StatusCode)
	} else {
		t.Logf("no certificate: %v", err)
		if transient(err) {
			t.Errorf("a refused handshake counts as temporary: %v", err)
		}
	}

	// And we do not trust a server outside Roots.
	cfg = e.config(t, "plattform", platform)
	cfg.Roots = x509.NewCertPool()
	cfg.Roots.AddCert(other.CA())
	c, _ = New(cfg)
	if _, err := c.CheckAccountActive(ctx); err == nil || IsTemporary(err) {
		t.Errorf("untrusted server: %v", err)
	}

	if n := e.srv.Requests(); n != 0 {
		t.Errorf("%d requests got past TLS", n)
	}

	// A valid certificate without an account is refused by the server.
	c = e.client(t, "niemand", platform)
	if _, err := c.CheckAccountActive(ctx); !errors.Is(err, ErrPermissionDenied) || IsTemporary(err) {
		t.Errorf("certificate without account: %v", err)
	}
	// Our certificate, but another party's identifier as author.
	c = e.client(t, "plattform", office)
	if _, err := c.CreateMessageID(ctx); !errors.Is(err, ErrPermissionDenied) {
		t.Errorf("foreign author: %v", err)
	}
}

func TestUnknownReader(t *testing.T) {
	e := startEnv(t, standin.Config{})
	c := e.client(t, "plattform", platform)
	ctx := context.Background()
	stranger := Identifier{Category: "dvdv", Value: "wgb999999999999"}
	if ok, err := c.LookupService(ctx, stranger, service); err != nil || ok {
		t.Errorf("unknown reader: %v, %v", ok, err)
	}
	if ok, err := c.LookupService(ctx, office, "urn:other:service"); err != nil || ok {
		t.Errorf("service the office does not take: %v, %v", ok, err)
	}
	m := message()
	m.Reader = stranger
	st := &SendState{}
	if _, err := c.Send(ctx, m, st, nil); !errors.Is(err, ErrServiceUnavailable) || IsTemporary(err) {
		t.Errorf("Send to unknown reader: %v", err)
	}
	if st.MessageID != "" || e.srv.Calls("createMessageId") != 0 {
		t.Errorf("an id was made for an unknown reader: %+v", st)
	}
}

// disk stands for the delivery record: what was saved survives a crash.
type disk struct {
	saved   [][]byte
	crashAt int // the save call (1-based) after which the process "dies"
}

var errCrash = errors.New("simulated crash")

func (d *disk) save(st *SendState) error {
	b, _ := json.Marshal(st)
	d.saved = append(d.saved, b)
	if len(d.saved) == d.crashAt {
		return errCrash
	}
	return nil
}

func (d *disk) load(t *testing.T) *SendState {
	t.Helper()
	st := &SendState{}
	if len(d.saved) > 0 {
		if err := json.Unmarshal(d.saved[len(d.saved)-1], st); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestSendResumesAfterCrash(t *testing.T) {
	ctx := context.Background()
	t.Run("after createMessageId", func(t *testing.T) {
		e := startEnv(t, standin.Config{})
		c := e.client(t, "plattform", platform)
		d := &disk{crashAt: 1}
		if _, err := c.Send(ctx, message(), &SendState{}, d.save); !errors.Is(err, errCrash) {
			t.Fatalf("first attempt: %v", err)
		}
		st := d.load(t)
		if st.MessageID == "" || st.Sent {
			t.Fatalf("saved %+v", st)
		}
		rep, err := c.Send(ctx, message(), st, d.save)
		if err != nil || !rep.Succeeded() || rep.MessageID != st.MessageID {
			t.Fatalf("resumed: %+v, %v", rep, err)
		}
		// Once more, e.g. the job ran again before it recorded the result.
		if _, err := c.Send(ctx, message(), d.load(t), d.save); err != nil {
			t.Fatal(err)
		}
		exactlyOne(t, e, st.MessageID, 1, 1)
	})
	t.Run("answer to sendMessage lost", func(t *testing.T) {
		e := startEnv(t, standin.Config{})
		c := e.client(t, "plattform", platform)
		e.srv.DropAfterNext("sendMessage", 1)
		d := &disk{}
		_, err := c.Send(ctx, message(), &SendState{}, d.save)
		if !IsTemporary(err) {
			t.Fatalf("lost answer: %v (temporary %v)", err, IsTemporary(err))
		}
		st := d.load(t)
		if _, err := c.Send(ctx, message(), st, d.save); err != nil {
			t.Fatal(err)
		}
		exactlyOne(t, e, st.MessageID, 1, 2)
	})
	t.Run("crash before the sent state was saved", func(t *testing.T) {
		e := startEnv(t, standin.Config{})
		c := e.client(t, "plattform", platform)
		d := &disk{crashAt: 2}
		if _, err := c.Send(ctx, message(), &SendState{}, d.save); !errors.Is(err, errCrash) {
			t.Fatalf("first attempt: %v", err)
		}
		st := &SendState{}
		json.Unmarshal(d.saved[0], st) // the second save never reached the disk
		if _, err := c.Send(ctx, message(), st, d.save); err != nil {
			t.Fatal(err)
		}
		exactlyOne(t, e, st.MessageID, 1, 2)
	})
	t.Run("stand-in restarted on its directory", func(t *testing.T) {
		dir := t.TempDir()
		e := startEnv(t, standin.Config{Dir: dir})
		cfg := e.config(t, "plattform", platform)
		c, _ := New(cfg)
		e.srv.DropAfterNext("sendMessage", 1)
		d := &disk{}
		if _, err := c.Send(ctx, message(), &SendState{}, d.save); !IsTemporary(err) {
			t.Fatalf("lost answer: %v", err)
		}
		e.ts.Close()

		e2 := startEnv(t, standin.Config{Dir: dir})
		if !e2.srv.CA().Equal(e.srv.CA()) {
			t.Fatal("the restarted stand-in has another CA")
		}
		cfg.ManagementURL, cfg.SendURL, cfg.MsgBoxURL = standin.URLs(e2.ts.URL)
		c, _ = New(cfg) // the same client certificate
		st := d.load(t)
		rep, err := c.Send(ctx, message(), st, d.save)
		if err != nil || !rep.Succeeded() {
			t.Fatalf("after restart: %+v, %v", rep, err)
		}
		got := e2.srv.Received(standin.Identifier(office))
		if len(got) != 1 || got[0].MessageID != st.MessageID {
			t.Fatalf("after restart the office has %d messages", len(got))
		}
		want := message()
		want.MessageID = st.MessageID
		checkSame(t, got[0], want)
	})
	t.Run("other content under a saved id", func(t *testing.T) {
		e := startEnv(t, standin.Config{})
		c := e.client(t, "plattform", platform)
		d := &disk{}
		if _, err := c.Send(ctx, message(), &SendState{}, d.save); err != nil {
			t.Fatal(err)
		}
		st := d.load(t)
		st.Sent = false
		m := message()
		m.Parts[0].Data = []byte("<anders/>")
		if _, err := c.Send(ctx, m, st, d.save); !errors.Is(err, ErrInvalidMessageID) {
			t.Errorf("other content, same id: %v", err)
		}
		m.MessageID = "urn:de:xta:messageid:x:y"
		if _, err := c.Send(ctx, m, st, d.save); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("message id differs from the state: %v", err)
		}
	})
}

func exactlyOne(t *testing.T, e *env, id string, creates, sends int) {
	t.Helper()
	got := e.srv.Received(standin.Identifier(office))
	if len(got) != 1 || got[0].MessageID != id {
		t.Fatalf("office has %d messages (want exactly one, %s)", len(got), id)
	}
	want := message()
	want.MessageID = id
	checkSame(t, got[0], want)
	if n := e.srv.Calls("createMessageId"); n != creates {
		t.Errorf("createMessageId called %d times, want %d", n, creates)
	}
	if n := e.srv.Calls("sendMessage"); n != sends {
		t.Errorf("sendMessage called %d times, want %d", n, sends)
	}
}

func TestFaultsAndTemporary(t *testing.T) {
	e := startEnv(t, standin.Config{})
	c := e.client(t, "plattform", platform)
	ctx := context.Background()

	e.srv.FailNext("checkAccountActive", 1)
	_, err := c.CheckAccountActive(ctx)
	var f *Fault
	if !errors.As(err, &f) || !errors.Is(err, ErrTechnicalProblem) || !IsTemporary(err) || f.HTTPStatus != 500 ||
		f.Code != "Receiver" || f.ErrorCode != "injected" {
		t.Errorf("technical problem: %#v", err)
	}
	e.srv.FailNextWith("createMessageId", 1, FaultPermissionDenied, true)
	if _, err := c.CreateMessageID(ctx); !errors.Is(err, ErrPermissionDenied) || IsTemporary(err) {
		t.Errorf("permission denied: %v", err)
	}
	e.srv.FailNextWith("createMessageId", 1, "SomethingElse", false)
	if _, err := c.CreateMessageID(ctx); !IsTemporary(err) {
		t.Errorf("unknown Receiver fault: %v", err)
	}
	e.srv.FailNextWith("createMessageId", 1, "SomethingElse", true)
	if _, err := c.CreateMessageID(ctx); err == nil || IsTemporary(err) {
		t.Errorf("unknown Sender fault: %v", err)
	}
	if _, err := c.GetTransportReport(ctx, "urn:de:xta:messageid:unknown:1"); !errors.Is(err, ErrInvalidMessageID) || IsTemporary(err) {
		t.Errorf("unknown id: %v", err)
	}
	e.srv.DropNext("lookupService", 1)
	if _, err := c.LookupService(ctx, office, service); !IsTemporary(err) {
		t.Errorf("dropped connection: %v", err)
	}
	e.srv.RespondNext("checkAccountActive", 503, "text/html", []byte("<h1>Wartung</h1>"))
	if _, err := c.CheckAccountActive(ctx); !IsTemporary(err) {
		t.Errorf("503: %v", err)
	}
	e.srv.RespondNext("checkAccountActive", 200, "text/html", []byte("<h1>Login</h1>"))
	if _, err := c.CheckAccountActive(ctx); err == nil || IsTemporary(err) {
		t.Errorf("HTML instead of SOAP: %v", err)
	}
	e.srv.RespondNext("checkAccountActive", 200, ContentType, []byte("<env:Envelope xmlns:env=\""+NamespaceSOAP+"\"><env:Body><oops"))
	if _, err := c.CheckAccountActive(ctx); err == nil || IsTemporary(err) {
		t.Errorf("malformed XML: %v", err)
	}

	// Slow server: the request times out, which is temporary.
	cfg := e.config(t, "plattform", platform)
	cfg.Timeout = 100 * time.Millisecond
	slow, _ := New(cfg)
	e.srv.SetDelay("createMessageId", 400*time.Millisecond)
	if _, err := slow.CreateMessageID(ctx); !IsTemporary(err) {
		t.Errorf("timeout: %v", err)
	}
	m := message()
	m.MessageID = "urn:de:xta:messageid:x:1"
	e.srv.SetDelay("sendMessage", 400*time.Millisecond)
	if err := slow.SendMessage(ctx, m); !IsTemporary(err) || !strings.Contains(err.Error(), "no progress") {
		t.Errorf("idle timeout: %v", err)
	}
	e.srv.SetDelay("createMessageId", 0)
	e.srv.SetDelay("sendMessage", 0)

	// An inactive account.
	e.srv.SetActive("plattform", false)
	if active, err := c.CheckAccountActive(ctx); err != nil || active {
		t.Errorf("inactive: %v, %v", active, err)
	}
	if _, err := c.Send(ctx, message(), &SendState{}, nil); !errors.Is(err, ErrAccountInactive) || IsTemporary(err) {
		t.Errorf("Send while inactive: %v", err)
	}
	if _, err := c.LookupService(ctx, office, service); !errors.Is(err, ErrPermissionDenied) {
		t.Errorf("lookupService while inactive: %v", err)
	}
}

func TestHostileXMLRefused(t *testing.T) {
	e := startEnv(t, standin.Config{})
	c := e.client(t, "plattform", platform)
	ctx := context.Background()
	laughs := `<?xml version="1.0"?>
<!DOCTYPE env:Envelope [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<env:Envelope xmlns:env="` + NamespaceSOAP + `" xmlns:xta="` + NamespaceXTA + `"><env:Body>
<xta:checkAccountActiveResponse><xta:IsActive>true</xta:IsActive><x>&lol2;</x></xta:checkAccountActiveResponse>
</env:Body></env:Envelope>`
	e.srv.RespondNext("checkAccountActive", 200, ContentType, []byte(laughs))
	if _, err := c.CheckAccountActive(ctx); !errors.Is(err, ErrDoctype) || IsTemporary(err) {
		t.Errorf("DOCTYPE answer: %v", err)
	}
	// A DOCTYPE after a comment, without entities, is refused too.
	e.srv.RespondNext("checkAccountActive", 200, ContentType, []byte(`<!-- x --><!DOCTYPE a><a/>`))
	if _, err := c.CheckAccountActive(ctx); !errors.Is(err, ErrDoctype) {
		t.Errorf("plain DOCTYPE: %v", err)
	}
	// Another encoding is refused.
	e.srv.RespondNext("checkAccountActive", 200, ContentType, []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`))
	if _, err := c.CheckAccountActive(ctx); err == nil {
		t.Error("ISO-8859-1 accepted")
	}
	// An answer beyond the limit.
	big := bytes.Repeat([]byte(" "), 2<<20)
	e.srv.RespondNext("checkAccountActive", 200, ContentType, append([]byte(`<?xml version="1.0"?>`), big...))
	if _, err := c.CheckAccountActive(ctx); !errors.Is(err, ErrTooLarge) || IsTemporary(err) {
		t.Errorf("2 MiB answer: %v", err)
	}
	// A fault that relates to another request.
	e.srv.RespondNext("checkAccountActive", 200, ContentType, []byte(`<env:Envelope xmlns:env="`+NamespaceSOAP+
		`" xmlns:wsa="`+NamespaceWSA+`" xmlns:xta="`+NamespaceXTA+`"><env:Header><wsa:RelatesTo>urn:uuid:other</wsa:RelatesTo></env:Header>`+
		`<env:Body><xta:checkAccountActiveResponse><xta:IsActive>true</xta:IsActive></xta:checkAccountActiveResponse></env:Body></env:Envelope>`))
	if _, err := c.CheckAccountActive(ctx); err == nil || !strings.Contains(err.Error(), "relates to") {
		t.Errorf("answer to another request: %v", err)
	}

	// The stand-in refuses a DOCTYPE in a request as well.
	cert, _ := e.srv.IssueClient("plattform")
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.srv.CAPool(), Certificates: []tls.Certificate{cert}}}}
	m, _, _ := standin.URLs(e.ts.URL)
	resp, err := hc.Post(m, ContentType, strings.NewReader(laughs))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "DOCTYPE") {
		t.Errorf("stand-in and DOCTYPE: %d %s", resp.StatusCode, b)
	}
}

func TestDoctypeDecoder(t *testing.T) {
	for _, doc := range []string{
		`<!DOCTYPE x SYSTEM "file:///etc/passwd"><x>&xxe;</x>`,
		`<?xml version="1.0"?><!DOCTYPE x><x/>`,
	} {
		d := newDecoder(strings.NewReader(doc))
		var v struct{}
		if err := d.Decode(&v); !errors.Is(err, ErrDoctype) {
			t.Errorf("%q: %v", doc, err)
		}
	}
}

func TestTransportReport(t *testing.T) {
	ctx := context.Background()
	t.Run("success once received", func(t *testing.T) {
		e := startEnv(t, standin.Config{})
		c := e.client(t, "plattform", platform)
		rep, err := c.Send(ctx, message(), &SendState{}, nil)
		if err != nil || rep.Status != StatusSuccess {
			t.Fatalf("%+v, %v", rep, err)
		}
		if err := e.srv.SetReport(rep.MessageID, "Error", "Zustellung an den Intermediär gescheitert"); err != nil {
			t.Fatal(err)
		}
		rep, err = c.GetTransportReport(ctx, rep.MessageID)
		if err != nil || rep.Status != StatusError || rep.Details != "Zustellung an den Intermediär gescheitert" {
			t.Errorf("error report: %+v, %v", rep, err)
		}
	})
	t.Run("open until the office closes", func(t *testing.T) {
		e := startEnv(t, standin.Config{ReportOpenUntilClosed: true})
		c := e.client(t, "plattform", platform)
		st := &SendState{}
		rep, err := c.Send(ctx, message(), st, nil)
		if err != nil || rep.Status != StatusOpen || !st.Sent {
			t.Fatalf("%+v, %v, %+v", rep, err, st)
		}
		oc := e.client(t, "jobcenter", office)
		if _, err := oc.GetMessage(ctx, st.MessageID); err != nil {
			t.Fatal(err)
		}
		if err := oc.Close(ctx, st.MessageID); err != nil {
			t.Fatal(err)
		}
		// The job asks again with its saved state: only the report.
		rep, err = c.Send(ctx, message(), st, nil)
		if err != nil || !rep.Succeeded() {
			t.Fatalf("%+v, %v", rep, err)
		}
		if n := e.srv.Calls("sendMessage"); n != 1 {
			t.Errorf("sendMessage %d times", n)
		}
	})
}

// pattern yields n deterministic bytes without holding them.
type pattern struct{ n, off int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	for i := range b {
		x := p.off + int64(i)
		b[i] = byte(x*31 + x>>9)
	}
	p.off += int64(len(b))
	return len(b), nil
}

func (p *pattern) Close() error { return nil }

func TestTenMegabytePart(t *testing.T) {
	const size = 10 << 20
	e := startEnv(t, standin.Config{})
	c := e.client(t, "plattform", platform)
	ctx := context.Background()
	m := message()
	opened := 0
	m.Parts = append(m.Parts, Part{Name: "nachweis.bin", MediaType: "application/octet-stream", Size: size,
		Open: func() (io.ReadCloser, error) { opened++; return &pattern{n: size}, nil }})
	rep, err := c.Send(ctx, m, &SendState{}, nil)
	if err != nil || !rep.Succeeded() {
		t.Fatalf("%+v, %v", rep, err)
	}
	want, _ := io.ReadAll(&pattern{n: size})
	got := e.srv.Received(standin.Identifier(office))
	if len(got) != 1 || len(got[0].Parts) != 3 || !bytes.Equal(got[0].Parts[2].Data, want) {
		t.Fatalf("10 MB part did not arrive intact")
	}
	if opened != 1 {
		t.Errorf("part opened %d times", opened)
	}
	// And back out through the office's msgBox.
	oc := e.client(t, "jobcenter", office)
	fetched, err := oc.GetMessage(ctx, rep.MessageID)
	if err != nil || !bytes.Equal(fetched.Parts[2].Data, want) {
		t.Fatalf("getMessage: %v", err)
	}
	// A limit below the message's size is enforced.
	cfg := e.config(t, "jobcenter", office)
	cfg.MaxMessageBytes = 1 << 20
	small, _ := New(cfg)
	if _, err := small.GetMessage(ctx, rep.MessageID); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxMessageBytes: %v", err)
	}
}

// TestSendStreams measures what sending a 10 MB part allocates in the
// client: a server that only counts bytes, so the stand-in's copies do not
// count.
func TestSendStreams(t *testing.T) {
	const size = 10 << 20
	srv, err := standin.New(standin.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var received int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ContentType)
		io.WriteString(w, `<env:Envelope xmlns:env="`+NamespaceSOAP+`" xmlns:xta="`+NamespaceXTA+
			`"><env:Body><xta:sendMessageResponse/></env:Body></env:Envelope>`)
	}))
	ts.TLS = srv.ServerTLS()
	ts.Config.ErrorLog = log.New(testWriter{t}, "", 0)
	ts.StartTLS()
	defer ts.Close()
	cert, _ := srv.IssueClient("plattform")
	mu, su, _ := standin.URLs(ts.URL)
	c, err := New(Config{ManagementURL: mu, SendURL: su, Certificate: cert, Roots: srv.CAPool(), Author: platform})
	if err != nil {
		t.Fatal(err)
	}
	m := message()
	m.MessageID = "urn:de:xta:messageid:test:1"
	m.Parts = []Part{{Name: "gross.bin", MediaType: "application/octet-stream", Size: size,
		Open: func() (io.ReadCloser, error) { return &pattern{n: size}, nil }}}
	var before, after runtimeStats
	before.read()
	if err := c.SendMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	after.read()
	if received < size*4/3 {
		t.Fatalf("server got %d bytes", received)
	}
	if d := after.total - before.total; d > allocLimit {
		t.Errorf("sending 10 MB allocated %d bytes; it should stream", d)
	} else {
		t.Logf("sending 10 MB (%d bytes on the wire) allocated %d KiB", received, d>>10)
	}

	// A part that yields fewer bytes than it declared aborts the request.
	m.Parts[0].Open = func() (io.ReadCloser, error) { return &pattern{n: size - 1}, nil }
	if err := c.SendMessage(context.Background(), m); !errors.Is(err, ErrInvalidMessage) || IsTemporary(err) {
		t.Errorf("short part: %v", err)
	}
	m.Parts[0].Open = func() (io.ReadCloser, error) { return nil, errors.New("storage gone") }
	if err := c.SendMessage(context.Background(), m); err == nil || !strings.Contains(err.Error(), "storage gone") {
		t.Errorf("part that cannot be opened: %v", err)
	}
}

func TestShortPartNeverStored(t *testing.T) {
	e := startEnv(t, standin.Config{})
	c := e.client(t, "plattform", platform)
	m := message()
	m.Parts[1] = Part{Name: "kurz.bin", MediaType: "application/octet-stream", Size: 1000,
		Open: func() (io.ReadCloser, error) { return &pattern{n: 999}, nil }}
	st := &SendState{}
	if _, err := c.Send(context.Background(), m, st, nil); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("short part: %v", err)
	}
	if st.MessageID == "" || st.Sent {
		t.Errorf("state %+v", st)
	}
	if got := e.srv.Received(standin.Identifier(office)); len(got) != 0 {
		t.Errorf("a truncated message was stored")
	}
}

func TestMessageChecks(t *testing.T) {
	e := startEnv(t, standin.Config{})
	c := e.client(t, "plattform", platform)
	for name, edit := range map[string]func(*Message){
		"no parts":         func(m *Message) { m.Parts = nil },
		"no service":       func(m *Message) { m.Service = "" },
		"no reader":        func(m *Message) { m.Reader = Identifier{} },
		"path in name":     func(m *Message) { m.Parts[0].Name = "../etc/passwd" },
		"bad media type":   func(m *Message) { m.Parts[0].MediaType = "kein typ" },
		"data and open":    func(m *Message) { m.Parts[0].Open = func() (io.ReadCloser, error) { return nil, nil } },
		"wrong data size":  func(m *Message) { m.Parts[0].Size = 3 },
		"other author":     func(m *Message) { m.Author = office },
		"control in value": func(m *Message) { m.Reader.Value = "a\x00b" },
	} {
		m := message()
		edit(&m)
		if _, err := c.Send(context.Background(), m, &SendState{}, nil); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := e.srv.Requests(); n != 0 {
		t.Errorf("%d requests for invalid messages", n)
	}
	if _, err := New(Config{ManagementURL: "http://x", SendURL: "https://x", Author: platform}); err == nil {
		t.Error("http URL accepted")
	}
}

func TestDirectory(t *testing.T) {
	srv, _ := standin.New(standin.Config{})
	cert, _ := srv.IssueClient("jobcenter")
	pemCert := "-----BEGIN CERTIFICATE-----\n" + b64lines(cert.Certificate[0]) + "-----END CERTIFICATE-----\n"
	entries := []map[string]any{
		{"organisation": "wgb010540880000", "service": service,
			"reader":        map[string]string{"category": "dvdv", "name": "Jobcenter Rhein-Berg"},
			"managementURL": "https://xta.example/management", "sendURL": "https://xta.example/send", "certificate": pemCert},
		{"organisation": "wgb010540880000", "reader": map[string]string{"category": "dvdv", "value": "wgb010540880000-sonst"}},
	}
	data, _ := json.Marshal(entries)
	d, err := ParseDirectory(data)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := d.Lookup("wgb010540880000", service)
	if err != nil || !ep.Reader.Equal(office) || ep.Certificate == nil || ep.Certificate.Subject.CommonName != "jobcenter" {
		t.Errorf("lookup: %+v, %v", ep, err)
	}
	if ep, err := d.Lookup("wgb010540880000", "urn:other"); err != nil || ep.Reader.Value != "wgb010540880000-sonst" {
		t.Errorf("fallback: %+v, %v", ep, err)
	}
	if _, err := d.Lookup("wgb000", service); !errors.Is(err, ErrNotInDirectory) {
		t.Errorf("unknown organisation: %v", err)
	}
	for name, bad := range map[string]string{
		"duplicate":   `[{"organisation":"a"},{"organisation":"a"}]`,
		"http":        `[{"organisation":"a","sendURL":"http://x"}]`,
		"certificate": `[{"organisation":"a","certificate":"nope"}]`,
		"unknown key": `[{"organisation":"a","dvdv":true}]`,
		"no org":      `[{"service":"s"}]`,
	} {
		if _, err := ParseDirectory([]byte(bad)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

type runtimeStats struct{ total uint64 }

func (r *runtimeStats) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.total = ms.TotalAlloc
}

func b64lines(der []byte) string {
	s := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

// testWriter sends the server's log (TLS handshake errors) to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
