package standin

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The stand-in is only useful if it is strict: these requests are all
// wrong in one way and must be refused.
func TestRefusesMalformedRequests(t *testing.T) {
	srv, err := New(Config{Accounts: []Account{{Name: "plattform", Identifier: Identifier{Category: "xoev", Value: "p"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.TLS = srv.ServerTLS()
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	cert, err := srv.IssueClient("plattform")
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CAPool(), Certificates: []tls.Certificate{cert}}}}
	mgmt, send, _ := URLs(ts.URL)

	envelope := func(action, msgID, author, body string) string {
		return `<env:Envelope xmlns:env="` + nsSOAP + `" xmlns:wsa="` + nsWSA + `" xmlns:xta="` + nsXTA + `" xmlns:meta="` + nsMeta + `">` +
			`<env:Header><wsa:Action>` + action + `</wsa:Action>` + msgID + `<wsa:To>x</wsa:To>` +
			`<meta:Author><meta:Identifier category="xoev">` + author + `</meta:Identifier></meta:Author></env:Header>` +
			`<env:Body>` + body + `</env:Body></env:Envelope>`
	}
	id := `<wsa:MessageID>urn:uuid:1</wsa:MessageID>`
	act := nsXTA + "/ManagementPortType/checkAccountActiveRequest"
	ok := envelope(act, id, "p", `<xta:checkAccountActive/>`)
	post := func(url, ctype, body string) (int, string) {
		resp, err := hc.Post(url, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(mgmt, "application/soap+xml", ok); code != 200 || !strings.Contains(body, "<xta:IsActive>true</xta:IsActive>") {
		t.Fatalf("the well-formed request: %d %s", code, body)
	}
	for name, c := range map[string]struct{ url, ctype, body, want string }{
		"wrong action":       {mgmt, "application/soap+xml", envelope(nsXTA+"/ManagementPortType/lookupServiceRequest", id, "p", `<xta:checkAccountActive/>`), "ActionMismatch"},
		"action in ctype":    {mgmt, `application/soap+xml; action="urn:x"`, ok, "ActionMismatch"},
		"wrong port":         {send, "application/soap+xml", ok, "not an operation of SendPortType"},
		"no message id":      {mgmt, "application/soap+xml", envelope(act, "", "p", `<xta:checkAccountActive/>`), "wsa:MessageID"},
		"soap 1.1 type":      {mgmt, "text/xml", ok, "application/soap+xml"},
		"other author":       {mgmt, "application/soap+xml", envelope(act, id, "q", `<xta:checkAccountActive/>`), "PermissionDenied"},
		"two body elements":  {mgmt, "application/soap+xml", envelope(act, id, "p", `<xta:checkAccountActive/><xta:checkAccountActive/>`), "exactly one"},
		"entity declaration": {mgmt, "application/soap+xml", `<!DOCTYPE x [<!ENTITY e "e">]>` + ok, "DOCTYPE"},
		"no meta data":       {send, "application/soap+xml", envelope(nsXTA+"/SendPortType/sendMessageRequest", id, "p", `<xta:sendMessage/>`), "MessageMetaData missing"},
	} {
		code, body := post(c.url, c.ctype, c.body)
		if code != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	resp, err := hc.Get(mgmt)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}
