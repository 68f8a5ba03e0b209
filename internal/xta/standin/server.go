// Package standin is a local stand-in for an XTA 2 server, for tests and
// development: the three web service ports (management, send, msgBox) as
// SOAP 1.2 over mutual TLS, with a test CA of its own, accounts bound to
// client certificates, services per reader, message storage (optionally on
// disk, so a restart keeps messages), transport reports and fault
// injection.
//
// It speaks the message shapes of package xta, which are modelled after
// XTA 2 without the official WSDL/XSD. It is not an XTA server and proves
// nothing about conformance; it shows that our client does what we meant,
// over real TLS and real XML.
package standin

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Paths of the three ports under the stand-in's address.
const (
	PathManagement = "/xta/management"
	PathSend       = "/xta/send"
	PathMsgBox     = "/xta/msgbox"
)

// Identifier names a party, as in package xta.
type Identifier struct{ Category, Value, Name string }

func (i Identifier) same(o Identifier) bool {
	return strings.EqualFold(i.Category, o.Category) && i.Value == o.Value
}

func (i Identifier) String() string { return i.Category + ":" + i.Value }

// Account is one party on the XTA server, known by the common name of its
// client certificate. As a reader it accepts the listed services.
type Account struct {
	Name       string // the client certificate's subject common name
	Identifier Identifier
	Services   []string
	Inactive   bool
}

// Config configures a stand-in.
type Config struct {
	// Dir keeps the CA, the server certificate, issued message ids,
	// messages and reports under it, so a stand-in started again on the
	// same Dir carries on. Empty: everything in memory.
	Dir string
	// Host goes into message ids (urn:de:xta:messageid:<Host>:<uuid>);
	// default "xta-standin.test".
	Host string
	// ServerNames are added to the server certificate besides localhost,
	// 127.0.0.1 and ::1 (names or IP addresses).
	ServerNames []string
	// Accounts at start; see also AddAccount.
	Accounts []Account
	// ReportOpenUntilClosed keeps a message's transport report Open until
	// the reader closes it on the msgBox port; by default it is Success as
	// soon as the stand-in has received the message.
	ReportOpenUntilClosed bool
	// MaxRequestBytes bounds sendMessage's body; default 256 MiB. Other
	// requests: 1 MiB.
	MaxRequestBytes int64
	Now             func() time.Time
	// Logf receives storage errors; default log.Printf.
	Logf func(format string, args ...any)
}

// Part is one content part of a stored message.
type Part struct {
	Name, MediaType string
	Data            []byte
}

// Report is a message's transport report.
type Report struct {
	Status  string // Open, Success, Error
	Time    time.Time
	Details string
}

// Message is a message as the stand-in stored it.
type Message struct {
	MessageID        string
	Author, Reader   Identifier
	Service          string
	BusinessScenario string
	Parts            []Part
	Received         time.Time
	Closed           bool // the reader closed it on the msgBox port
	Report           Report
}

// Server is the stand-in. It is an http.Handler; serve it over TLS with
// ServerTLS().
type Server struct {
	cfg  Config
	pki  *pki
	logf func(string, ...any)

	mu       sync.Mutex
	accounts map[string]*Account
	issued   map[string]issuedID // message id → who asked for it
	messages map[string]*stored
	order    []string
	calls    map[string]int
	requests int
	inject   injections
}

type issuedID struct {
	Account string    `json:"account"`
	At      time.Time `json:"at"`
}

// stored is a message and the hash that recognises a repeated send.
type stored struct {
	Message
	Hash string
	sums []string // SHA-256 of each part, once written to Dir
}

// New makes a stand-in (and its CA, or reads them from cfg.Dir).
func New(cfg Config) (*Server, error) {
	if cfg.Host == "" {
		cfg.Host = "xta-standin.test"
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = 256 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, logf: cfg.Logf, accounts: map[string]*Account{}, issued: map[string]issuedID{},
		messages: map[string]*stored{}, calls: map[string]int{}}
	if s.logf == nil {
		s.logf = log.Printf
	}
	var err error
	if s.pki, err = loadOrMakePKI(cfg.Dir, cfg.ServerNames); err != nil {
		return nil, fmt.Errorf("standin: certificates: %w", err)
	}
	for _, a := range cfg.Accounts {
		if err := s.AddAccount(a); err != nil {
			return nil, err
		}
	}
	if cfg.Dir != "" {
		if err := s.load(); err != nil {
			return nil, fmt.Errorf("standin: loading %s: %w", cfg.Dir, err)
		}
	}
	return s, nil
}

// CA is the test CA that signs the server's and the clients' certificates.
func (s *Server) CA() *x509.Certificate { return s.pki.ca }

// CAPool is a pool with just the CA, for a client's Roots.
func (s *Server) CAPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.pki.ca)
	return p
}

// ServerTLS is the TLS configuration to serve with: the server certificate
// and client certificates required and verified against the CA.
func (s *Server) ServerTLS() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.pki.ca)
	return &tls.Config{
		Certificates: []tls.Certificate{s.pki.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}
}

// IssueClient issues a client certificate with common name name, signed
// by the CA. Which account it belongs to is decided by that name.
func (s *Server) IssueClient(name string) (tls.Certificate, error) {
	if name == "" {
		return tls.Certificate{}, errors.New("standin: a client certificate needs a name")
	}
	tmpl := &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	tmpl.Subject.CommonName = name
	return s.pki.issue(tmpl)
}

// AddAccount adds or replaces an account.
func (s *Server) AddAccount(a Account) error {
	if a.Name == "" || a.Identifier.Value == "" {
		return errors.New("standin: an account needs a name and an identifier")
	}
	a.Services = append([]string(nil), a.Services...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[a.Name] = &a
	return nil
}

// SetActive switches an account on or off.
func (s *Server) SetActive(name string, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[name]; a != nil {
		a.Inactive = !active
	}
}

// URLs are the three ports' addresses under base (e.g. an
// httptest.Server's URL).
func URLs(base string) (management, send, msgBox string) {
	base = strings.TrimRight(base, "/")
	return base + PathManagement, base + PathSend, base + PathMsgBox
}

// Received lists the messages delivered to reader, oldest first (closed
// ones too; not those whose report is Error).
func (s *Server) Received(reader Identifier) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.order {
		m := s.messages[id]
		if m.Reader.same(reader) && m.Report.Status != "Error" {
			out = append(out, copyMessage(m.Message))
		}
	}
	return out
}

// Message returns one stored message by id.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return Message{}, false
	}
	return copyMessage(m.Message), true
}

func copyMessage(m Message) Message {
	m.Parts = append([]Part(nil), m.Parts...)
	return m
}

// SetReport changes a message's transport report (to simulate an Error, or
// an Open report that later succeeds).
func (s *Server) SetReport(messageID, status, details string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[messageID]
	if !ok {
		return fmt.Errorf("standin: no message %q", messageID)
	}
	m.Report = Report{Status: status, Time: s.cfg.Now().UTC(), Details: details}
	return s.saveLocked()
}

// Calls counts the requests for one operation that reached the handler
// and were read (including those answered by an injected fault).
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Requests counts every HTTP request that reached the handler, i.e. got
// through the TLS handshake.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// ports says which operations each path serves, and under which port type
// (for the WS-Addressing action).
var ports = map[string]struct {
	portType string
	ops      []string
}{
	PathManagement: {"ManagementPortType", []string{"checkAccountActive", "lookupService", "createMessageId", "getTransportReport"}},
	PathSend:       {"SendPortType", []string{"sendMessage"}},
	PathMsgBox:     {"MsgBoxPortType", []string{"getStatusList", "getMessage", "close"}},
}

// request is a parsed SOAP request.
type request struct {
	op      string
	msgID   string // wsa:MessageID
	header  *node
	payload *node
	account *Account
}

// ServeHTTP serves the three ports.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()

	port, ok := ports[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/soap+xml" {
		writeFault(w, &fault{sender: true, reason: "Content-Type must be application/soap+xml"}, "")
		return
	}
	if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") {
		writeFault(w, &fault{sender: true, reason: "only UTF-8"}, "")
		return
	}
	limit := int64(1 << 20)
	if r.URL.Path == PathSend {
		limit = s.cfg.MaxRequestBytes
	}
	root, err := parse(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeFault(w, invalidParameter(fmt.Sprintf("request larger than %d bytes", limit)), "")
			return
		}
		writeFault(w, &fault{sender: true, reason: "malformed request: " + err.Error()}, "")
		return
	}
	req, f := s.readRequest(r, root, port.portType, port.ops, params["action"])
	if f != nil {
		writeFault(w, f, req.msgID)
		return
	}
	s.mu.Lock()
	s.calls[req.op]++
	inj, delay := s.inject.take(req.op)
	s.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case inj == nil:
	case inj.drop && !inj.after:
		panic(http.ErrAbortHandler) // the connection is closed, no answer
	case inj.isRaw:
		w.Header().Set("Content-Type", inj.contentType)
		w.WriteHeader(inj.status)
		w.Write(inj.raw)
		return
	case inj.fault != nil:
		writeFault(w, inj.fault, req.msgID)
		return
	}

	body, f := s.handle(req)
	if inj != nil && inj.drop && inj.after {
		panic(http.ErrAbortHandler) // done, but the answer is lost
	}
	if f != nil {
		writeFault(w, f, req.msgID)
		return
	}
	w.Header().Set("Content-Type", `application/soap+xml; charset=utf-8`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func writeFault(w http.ResponseWriter, f *fault, relatesTo string) {
	body := f.body(relatesTo, "urn:uuid:"+uuid.NewString())
	w.Header().Set("Content-Type", `application/soap+xml; charset=utf-8`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.status())
	w.Write(body)
}

// readRequest checks the envelope, the addressing headers and the caller.
func (s *Server) readRequest(r *http.Request, root *node, portType string, ops []string, ctAction string) (*request, *fault) {
	req := &request{}
	if root.name.Space != nsSOAP || root.name.Local != "Envelope" {
		return req, &fault{sender: true, reason: "not a SOAP 1.2 envelope"}
	}
	req.header = root.child(nsSOAP, "Header")
	body := root.child(nsSOAP, "Body")
	if body == nil || len(body.children) != 1 {
		return req, &fault{sender: true, reason: "the body must hold exactly one element"}
	}
	req.payload = body.children[0]
	req.msgID = req.header.child(nsWSA, "MessageID").value()
	if req.msgID == "" {
		return req, &fault{sender: true, reason: "wsa:MessageID missing"}
	}
	if req.payload.name.Space != nsXTA {
		return req, &fault{sender: true, reason: "operation element not in the XTA namespace"}
	}
	for _, op := range ops {
		if req.payload.name.Local == op {
			req.op = op
		}
	}
	if req.op == "" {
		return req, &fault{sender: true, reason: fmt.Sprintf("%s is not an operation of %s", req.payload.name.Local, portType)}
	}
	want := nsXTA + "/" + portType + "/" + req.op + "Request"
	if got := req.header.child(nsWSA, "Action").value(); got != want {
		return req, &fault{sender: true, kind: "ActionMismatch", reason: fmt.Sprintf("wsa:Action %q, want %q", got, want)}
	}
	if ctAction != "" && ctAction != want {
		return req, &fault{sender: true, kind: "ActionMismatch", reason: "the Content-Type's action differs from wsa:Action"}
	}
	if req.header.child(nsWSA, "To").value() == "" {
		return req, &fault{sender: true, reason: "wsa:To missing"}
	}
	// The caller is the verified client certificate, nothing else.
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return req, permissionDenied("no verified client certificate")
	}
	cn := r.TLS.VerifiedChains[0][0].Subject.CommonName
	s.mu.Lock()
	a := s.accounts[cn]
	var acct Account
	if a != nil {
		acct = *a
	}
	s.mu.Unlock()
	if a == nil {
		return req, permissionDenied("no account for this certificate")
	}
	req.account = &acct
	author, ok := identifierOf(req.header.child(nsMeta, "Author"))
	if !ok || !author.same(acct.Identifier) {
		return req, permissionDenied(fmt.Sprintf("author %s is not this certificate's account", author))
	}
	if acct.Inactive && req.op != "checkAccountActive" {
		return req, permissionDenied("account not active")
	}
	return req, nil
}

// handle runs one operation and returns the response envelope.
func (s *Server) handle(req *request) ([]byte, *fault) {
	action := nsXTA + "/" + portOf(req.op) + "/" + req.op + "Response"
	o := envelopeStart(action, req.msgID, "urn:uuid:"+uuid.NewString())
	var f *fault
	switch req.op {
	case "checkAccountActive":
		o.WriteString(`<xta:checkAccountActiveResponse>`)
		o.el("xta:IsActive", strconv.FormatBool(!req.account.Inactive))
		o.WriteString(`</xta:checkAccountActiveResponse>`)
	case "lookupService":
		f = s.lookupService(req, o)
	case "createMessageId":
		f = s.createMessageID(req, o)
	case "getTransportReport":
		f = s.transportReport(req, o)
	case "sendMessage":
		f = s.sendMessage(req, o)
	case "getStatusList":
		f = s.statusList(req, o)
	case "getMessage":
		f = s.getMessage(req, o)
	case "close":
		f = s.closeMessages(req, o)
	}
	if f != nil {
		return nil, f
	}
	return o.finish(), nil
}

// storageFault logs a failure to write Dir and answers with a temporary
// fault.
func (s *Server) storageFault(err error) *fault {
	s.logf("xta stand-in: storage: %v", err)
	return technicalProblem("storage: " + err.Error())
}

func portOf(op string) string {
	for _, p := range ports {
		for _, o := range p.ops {
			if o == op {
				return p.portType
			}
		}
	}
	return ""
}

func (s *Server) lookupService(req *request, o *out) *fault {
	var results []string
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, lr := range req.payload.all(nsXTA, "LookupServiceRequest") {
		service := lr.child(nsXTA, "ServiceName").value()
		reader, ok := identifierOf(lr.child(nsXTA, "Reader"))
		if service == "" || !ok {
			return invalidParameter("LookupServiceRequest needs ServiceName and Reader")
		}
		results = append(results, service, strconv.FormatBool(s.accepts(reader, service)))
	}
	if len(results) == 0 {
		return invalidParameter("no LookupServiceRequest")
	}
	o.WriteString(`<xta:lookupServiceResponse>`)
	for i := 0; i < len(results); i += 2 {
		o.WriteString(`<xta:LookupServiceResult>`)
		o.el("xta:ServiceName", results[i])
		o.el("xta:IsServiceAvailable", results[i+1])
		o.WriteString(`</xta:LookupServiceResult>`)
	}
	o.WriteString(`</xta:lookupServiceResponse>`)
	return nil
}

// accepts: an active account is that reader and lists the service.
// Callers hold s.mu.
func (s *Server) accepts(reader Identifier, service string) bool {
	for _, a := range s.accounts {
		if a.Identifier.same(reader) && !a.Inactive {
			for _, sv := range a.Services {
				if sv == service {
					return true
				}
			}
		}
	}
	return false
}

func (s *Server) createMessageID(req *request, o *out) *fault {
	id := "urn:de:xta:messageid:" + s.cfg.Host + ":" + uuid.NewString()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued[id] = issuedID{Account: req.account.Name, At: s.cfg.Now().UTC()}
	if err := s.saveLocked(); err != nil {
		delete(s.issued, id)
		return s.storageFault(err)
	}
	o.WriteString(`<xta:createMessageIdResponse>`)
	o.el("xta:MessageID", id)
	o.WriteString(`</xta:createMessageIdResponse>`)
	return nil
}

func (s *Server) transportReport(req *request, o *out) *fault {
	id := req.payload.child(nsXTA, "MessageID").value()
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep Report
	if m, ok := s.messages[id]; ok && m.Author.same(req.account.Identifier) {
		rep = m.Report
	} else if is, ok := s.issued[id]; ok && is.Account == req.account.Name {
		rep = Report{Status: "Open", Time: is.At, Details: "nothing received under this id yet"}
	} else {
		return invalidMessageID("unknown message id")
	}
	o.WriteString(`<xta:getTransportReportResponse><xta:TransportReport>`)
	o.el("xta:MessageID", id)
	o.el("xta:ReportTime", rep.Time.UTC().Format(time.RFC3339Nano))
	o.el("xta:Status", rep.Status)
	if rep.Details != "" {
		o.el("xta:Details", rep.Details)
	}
	o.WriteString(`</xta:TransportReport></xta:getTransportReportResponse>`)
	return nil
}

// sendMessage stores a message. The same id again with the same content is
// the same message (a sender repairing a lost answer): accepted, not stored
// twice. The same id with other content is refused.
func (s *Server) sendMessage(req *request, o *out) *fault {
	meta := req.header.child(nsMeta, "MessageMetaData")
	if meta == nil {
		return invalidParameter("MessageMetaData missing")
	}
	m := Message{
		MessageID:        meta.child(nsMeta, "MessageID").value(),
		Service:          meta.path(nsMeta, "Qualifier", "Service").value(),
		BusinessScenario: meta.path(nsMeta, "Qualifier", "BusinessScenario").value(),
		Received:         s.cfg.Now().UTC(),
	}
	authors := meta.path(nsMeta, "Originators").all(nsMeta, "Author")
	readers := meta.path(nsMeta, "Destinations").all(nsMeta, "Reader")
	if len(authors) != 1 || len(readers) != 1 {
		return invalidParameter("exactly one author and one reader")
	}
	var ok bool
	if m.Author, ok = identifierOf(authors[0]); !ok || !m.Author.same(req.account.Identifier) {
		return permissionDenied("the message's author is not this account")
	}
	if m.Reader, ok = identifierOf(readers[0]); !ok {
		return invalidParameter("reader without identifier")
	}
	if m.Service == "" {
		return invalidParameter("no service")
	}
	container := req.payload.path(nsXTA, "GenericContentContainer", "ContentContainer")
	if container == nil || len(container.children) == 0 {
		return invalidParameter("no content")
	}
	var total int64
	for i, c := range container.children {
		want := "Attachment"
		if i == 0 {
			want = "Message"
		}
		if c.name.Space != nsXTA || c.name.Local != want {
			return invalidParameter(fmt.Sprintf("content %d must be xta:%s", i, want))
		}
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.text.String()), ""))
		if err != nil {
			return invalidParameter(fmt.Sprintf("content %d: %v", i, err))
		}
		if sz := c.attrValue("size"); sz != "" && sz != strconv.Itoa(len(data)) {
			return invalidParameter(fmt.Sprintf("content %d: %d bytes, size says %s", i, len(data), sz))
		}
		p := Part{Name: c.attrValue("filename"), MediaType: c.attrValue("contentType"), Data: data}
		if p.Name == "" || p.MediaType == "" {
			return invalidParameter(fmt.Sprintf("content %d: filename and contentType required", i))
		}
		total += int64(len(data))
		m.Parts = append(m.Parts, p)
	}
	if sz := meta.child(nsMeta, "MsgSize").value(); sz != "" && sz != strconv.FormatInt(total, 10) {
		return invalidParameter(fmt.Sprintf("MsgSize %s, content has %d bytes", sz, total))
	}
	hash := messageHash(&m)

	s.mu.Lock()
	defer s.mu.Unlock()
	if is, ok := s.issued[m.MessageID]; !ok || is.Account != req.account.Name {
		return invalidMessageID("message id not created for this account by createMessageId")
	}
	if prev, ok := s.messages[m.MessageID]; ok {
		if prev.Hash != hash {
			return invalidMessageID("message id already used for another message")
		}
		// The same message again: nothing to do.
	} else {
		m.Report = Report{Status: "Success", Time: m.Received}
		switch {
		case !s.accepts(m.Reader, m.Service):
			m.Report = Report{Status: "Error", Time: m.Received, Details: "the reader does not accept this service"}
		case s.cfg.ReportOpenUntilClosed:
			m.Report.Status = "Open"
		}
		s.messages[m.MessageID] = &stored{Message: m, Hash: hash}
		s.order = append(s.order, m.MessageID)
		if err := s.saveLocked(); err != nil {
			delete(s.messages, m.MessageID)
			s.order = s.order[:len(s.order)-1]
			return s.storageFault(err)
		}
	}
	o.WriteString(`<xta:sendMessageResponse>`)
	o.el("xta:MessageID", m.MessageID)
	o.WriteString(`</xta:sendMessageResponse>`)
	return nil
}

func messageHash(m *Message) string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	field(m.Author.String())
	field(m.Reader.String())
	field(m.Service)
	field(m.BusinessScenario)
	for _, p := range m.Parts {
		field(p.Name)
		field(p.MediaType)
		fmt.Fprintf(h, "%d:", len(p.Data))
		h.Write(p.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeMeta(o *out, m *Message) {
	o.WriteString(`<meta:MessageMetaData>`)
	o.el("meta:MessageID", m.MessageID)
	o.WriteString(`<meta:Originators><meta:Author>`)
	o.identifier(m.Author)
	o.WriteString(`</meta:Author></meta:Originators><meta:Destinations><meta:Reader>`)
	o.identifier(m.Reader)
	o.WriteString(`</meta:Reader></meta:Destinations><meta:Qualifier>`)
	o.el("meta:Service", m.Service)
	if m.BusinessScenario != "" {
		o.el("meta:BusinessScenario", m.BusinessScenario)
	}
	o.WriteString(`</meta:Qualifier>`)
	var n int
	for _, p := range m.Parts {
		n += len(p.Data)
	}
	o.el("meta:MsgSize", strconv.Itoa(n))
	o.WriteString(`</meta:MessageMetaData>`)
}

func (s *Server) statusList(req *request, o *out) *fault {
	limit := 100
	if v := req.payload.child(nsXTA, "MaxListItems").value(); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return invalidParameter("MaxListItems")
		}
		limit = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o.WriteString(`<xta:getStatusListResponse>`)
	for _, id := range s.order {
		m := s.messages[id]
		if limit == 0 {
			break
		}
		if m.Reader.same(req.account.Identifier) && !m.Closed && m.Report.Status != "Error" {
			writeMeta(o, &m.Message)
			limit--
		}
	}
	o.WriteString(`</xta:getStatusListResponse>`)
	return nil
}

func (s *Server) getMessage(req *request, o *out) *fault {
	id := req.payload.child(nsXTA, "MessageID").value()
	s.mu.Lock()
	sm, ok := s.messages[id]
	var m Message
	if ok {
		m = copyMessage(sm.Message)
	}
	s.mu.Unlock()
	if !ok || !m.Reader.same(req.account.Identifier) || m.Report.Status == "Error" {
		return invalidMessageID("no such message for this reader")
	}
	o.WriteString(`<xta:getMessageResponse>`)
	writeMeta(o, &m)
	o.WriteString(`<xta:GenericContentContainer><xta:ContentContainer>`)
	for i, p := range m.Parts {
		el := "xta:Attachment"
		if i == 0 {
			el = "xta:Message"
		}
		o.WriteString("<" + el + ` filename="`)
		o.esc(p.Name)
		o.WriteString(`" contentType="`)
		o.esc(p.MediaType)
		o.WriteString(`" size="` + strconv.Itoa(len(p.Data)) + `">`)
		enc := base64.NewEncoder(base64.StdEncoding, o)
		enc.Write(p.Data)
		enc.Close()
		o.WriteString("</" + el + ">")
	}
	o.WriteString(`</xta:ContentContainer></xta:GenericContentContainer></xta:getMessageResponse>`)
	return nil
}

func (s *Server) closeMessages(req *request, o *out) *fault {
	ids := req.payload.all(nsXTA, "MessageID")
	if len(ids) == 0 {
		return invalidParameter("no MessageID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range ids {
		m, ok := s.messages[n.value()]
		if !ok || !m.Reader.same(req.account.Identifier) {
			return invalidMessageID("no such message for this reader: " + n.value())
		}
	}
	now := s.cfg.Now().UTC()
	for _, n := range ids {
		m := s.messages[n.value()]
		m.Closed = true
		if m.Report.Status == "Open" {
			m.Report = Report{Status: "Success", Time: now, Details: "fetched by the reader"}
		}
	}
	if err := s.saveLocked(); err != nil {
		return s.storageFault(err)
	}
	o.WriteString(`<xta:closeResponse/>`)
	return nil
}
