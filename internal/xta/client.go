package xta

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Config configures a Client.
type Config struct {
	// ManagementURL, SendURL and MsgBoxURL are the XTA server's three web
	// service ports (https). MsgBoxURL is needed only for receiving.
	ManagementURL, SendURL, MsgBoxURL string
	// Certificate is our client certificate (mutual TLS). The XTA server
	// knows our account by it.
	Certificate tls.Certificate
	// Roots are the CAs we trust for the XTA server's certificate; nil
	// means the system's.
	Roots *x509.CertPool
	// Author is our identifier, sent with every request (e.g. Category
	// "dvdv" and the organisation key as Value).
	Author Identifier
	// Timeout bounds each management request as a whole, and is the idle
	// timeout of sendMessage and getMessage (no byte moved for that long),
	// whose duration depends on the size. Default 30 s.
	Timeout time.Duration
	// MaxResponseBytes bounds every response body except getMessage's;
	// default 1 MiB.
	MaxResponseBytes int64
	// MaxMessageBytes bounds getMessage's response (base64 makes content
	// a third larger); default 256 MiB.
	MaxMessageBytes int64
}

// Identifier names a party: our account as author, an office as reader.
// Category is the kind of key (e.g. "dvdv", "xoev"), Value the key itself,
// Name a display name that is sent along but never compared.
type Identifier struct{ Category, Value, Name string }

// String is "category:value".
func (i Identifier) String() string {
	if i.Category == "" {
		return i.Value
	}
	return i.Category + ":" + i.Value
}

// Equal compares category (without case) and value.
func (i Identifier) Equal(o Identifier) bool {
	return strings.EqualFold(i.Category, o.Category) && i.Value == o.Value
}

func (i Identifier) check(what string) error {
	if strings.TrimSpace(i.Value) == "" || i.Value != strings.TrimSpace(i.Value) {
		return fmt.Errorf("%w: %s identifier without a value or with surrounding space", ErrInvalidMessage, what)
	}
	for _, s := range []string{i.Category, i.Value, i.Name} {
		if hasControl(s) || len(s) > 1024 {
			return fmt.Errorf("%w: %s identifier with control characters or too long", ErrInvalidMessage, what)
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar })
}

// Client talks to one XTA server as one account. It is safe for concurrent
// use.
type Client struct {
	cfg     Config
	hc      *http.Client
	timeout time.Duration
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	for name, u := range map[string]string{"ManagementURL": cfg.ManagementURL, "SendURL": cfg.SendURL, "MsgBoxURL": cfg.MsgBoxURL} {
		if u == "" && name == "MsgBoxURL" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "https" || p.Host == "" {
			return nil, fmt.Errorf("xta: %s must be an https URL, not %q", name, u)
		}
	}
	if len(cfg.Certificate.Certificate) == 0 || cfg.Certificate.PrivateKey == nil {
		return nil, errors.New("xta: a client certificate with its key is required")
	}
	if err := cfg.Author.check("author"); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, timeout: cfg.Timeout}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.cfg.MaxResponseBytes <= 0 {
		c.cfg.MaxResponseBytes = 1 << 20
	}
	if c.cfg.MaxMessageBytes <= 0 {
		c.cfg.MaxMessageBytes = 256 << 20
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	c.hc = &http.Client{
		Transport: &http.Transport{
			// No proxy from the environment: the XTA server is in the
			// administration's network and the TLS session is ours.
			DialContext: dialer.DialContext,
			TLSClientConfig: &tls.Config{
				Certificates: []tls.Certificate{cfg.Certificate},
				RootCAs:      cfg.Roots,
				MinVersion:   tls.VersionTLS12,
			},
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		// SOAP does not redirect; a redirect is an error.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// call is one SOAP exchange.
type call struct {
	op, port, url string
	header        func(x *xw)       // more header blocks after the author
	body          func(x *xw) error // the operation element
	out           any               // decoded from the response element op+"Response"
	stream        bool              // stream the request body (sendMessage)
	idle          bool              // idle timeout instead of a total one
	maxBody       int64
}

// errAborted ends a streaming writer once the exchange is over.
var errAborted = errors.New("xta: request aborted")

// idleTimeout is the cause when no byte moved for Timeout.
type idleTimeout struct{}

func (idleTimeout) Error() string { return "no progress within the timeout" }
func (idleTimeout) Timeout() bool { return true }

func (c *Client) do(ctx context.Context, k call) error {
	var cancel context.CancelFunc
	kick := func() {}
	if k.idle || k.stream {
		var cc context.CancelCauseFunc
		ctx, cc = context.WithCancelCause(ctx)
		t := time.AfterFunc(c.timeout, func() { cc(idleTimeout{}) })
		kick = func() { t.Reset(c.timeout) }
		cancel = func() { t.Stop(); cc(nil) }
	} else {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	defer cancel()
	if k.maxBody == 0 {
		k.maxBody = c.cfg.MaxResponseBytes
	}

	msgID := "urn:uuid:" + uuid.NewString()
	var body io.Reader
	var pr *io.PipeReader
	var done chan error
	if k.stream {
		var pw *io.PipeWriter
		pr, pw = io.Pipe()
		done = make(chan error, 1)
		go func() {
			err := c.writeEnvelope(kickWriter{pw, kick}, &k, msgID)
			pw.CloseWithError(err) // nil: a normal end
			done <- err
		}()
		body = pr
	} else {
		var buf bytes.Buffer
		if err := c.writeEnvelope(&buf, &k, msgID); err != nil {
			return fmt.Errorf("xta: %s: %w", k.op, err)
		}
		body = &buf
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.url, body)
	if err != nil {
		return fmt.Errorf("xta: %s: %w", k.op, err)
	}
	req.Header.Set("Content-Type", mime.FormatMediaType(ContentType, map[string]string{"charset": "utf-8", "action": Action(k.port, k.op)}))
	req.Header.Set("Accept", ContentType)
	req.Header.Set("User-Agent", "sozialplattform-xta/1")
	resp, err := c.hc.Do(req)
	if k.stream {
		pr.CloseWithError(errAborted)
		if werr := <-done; werr != nil && !errors.Is(werr, errAborted) && !errors.Is(werr, io.ErrClosedPipe) {
			if resp != nil {
				resp.Body.Close()
			}
			// A local failure (a part that cannot be read, a wrong size):
			// the request was cut short, so the server never got a
			// complete envelope.
			return fmt.Errorf("xta: %s: %w", k.op, werr)
		}
	}
	if err != nil {
		if cause := context.Cause(ctx); errors.As(cause, new(idleTimeout)) {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
		return classify(k.op, err)
	}
	defer resp.Body.Close()
	return c.readResponse(ctx, k, resp, msgID, kick)
}

func (c *Client) readResponse(ctx context.Context, k call, resp *http.Response, msgID string, kick func()) error {
	rr := &recordReader{r: &limitReader{r: resp.Body, n: k.maxBody, kick: kick}}
	statusErr := func(err error) *Error {
		s := resp.StatusCode
		return &Error{Op: k.op, Status: s, Err: err,
			Temporary: s >= 500 || s == http.StatusRequestTimeout || s == http.StatusTooManyRequests}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != ContentType {
		if resp.StatusCode != http.StatusOK {
			return statusErr(fmt.Errorf("no SOAP answer (%s): %s", mt, snippet(rr)))
		}
		return &Error{Op: k.op, Status: resp.StatusCode, Err: fmt.Errorf("answer of type %q, not %s", mt, ContentType)}
	}
	h, err := readEnvelope(newDecoder(rr), k.op+"Response", k.out)
	var f *Fault
	switch {
	case errors.As(err, &f):
		f.Op, f.HTTPStatus = k.op, resp.StatusCode
		return f
	case err != nil && rr.err != nil && !errors.Is(rr.err, ErrTooLarge):
		// The connection broke while we read.
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
		return &Error{Op: k.op, Status: resp.StatusCode, Temporary: true, Err: err}
	case err != nil:
		if errors.Is(rr.err, ErrTooLarge) {
			err = fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, k.maxBody)
		}
		return &Error{Op: k.op, Status: resp.StatusCode, Err: fmt.Errorf("reading the answer: %w", err)}
	case resp.StatusCode != http.StatusOK:
		return statusErr(errors.New("SOAP answer without a fault"))
	case h.RelatesTo != "" && h.RelatesTo != msgID:
		return &Error{Op: k.op, Status: resp.StatusCode, Err: fmt.Errorf("answer relates to %q, not to our request %q", h.RelatesTo, msgID)}
	}
	return nil
}

// writeEnvelope writes the whole request envelope for k.
func (c *Client) writeEnvelope(w io.Writer, k *call, msgID string) error {
	x := &xw{w: bufio.NewWriterSize(w, 32<<10)}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>`)
	x.start("env:Envelope", "xmlns:env", NamespaceSOAP, "xmlns:wsa", NamespaceWSA, "xmlns:xta", NamespaceXTA, "xmlns:meta", NamespaceMeta)
	x.start("env:Header")
	x.start("wsa:Action", "env:mustUnderstand", "true")
	x.escaped(Action(k.port, k.op))
	x.end("wsa:Action")
	x.elem("wsa:MessageID", msgID)
	x.start("wsa:To", "env:mustUnderstand", "true")
	x.escaped(k.url)
	x.end("wsa:To")
	x.start("wsa:ReplyTo")
	x.elem("wsa:Address", AnonymousAddress)
	x.end("wsa:ReplyTo")
	x.start("meta:Author")
	x.identifier(c.cfg.Author)
	x.end("meta:Author")
	if k.header != nil {
		k.header(x)
	}
	x.end("env:Header")
	x.start("env:Body")
	if k.body != nil {
		if err := k.body(x); err != nil {
			return err
		}
	}
	x.end("env:Body")
	x.end("env:Envelope")
	return x.flush()
}

type kickWriter struct {
	w    io.Writer
	kick func()
}

func (k kickWriter) Write(p []byte) (int, error) {
	n, err := k.w.Write(p)
	if n > 0 {
		k.kick()
	}
	return n, err
}

// recordReader remembers the first read error other than io.EOF.
type recordReader struct {
	r   io.Reader
	err error
}

func (r *recordReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// snippet is the start of a non-SOAP answer, for the error message.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 200))
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, string(b))
	return strings.TrimSpace(s)
}

// CheckAccountActive asks whether our account (the client certificate) is
// active on the XTA server.
func (c *Client) CheckAccountActive(ctx context.Context) (bool, error) {
	var out checkAccountActiveResponse
	err := c.do(ctx, call{op: "checkAccountActive", port: PortManagement, url: c.cfg.ManagementURL,
		body: func(x *xw) error { x.empty("xta:checkAccountActive"); return nil }, out: &out})
	if err != nil {
		return false, err
	}
	if out.IsActive == nil {
		return false, &Error{Op: "checkAccountActive", Err: errors.New("answer without IsActive")}
	}
	return *out.IsActive, nil
}

// LookupService asks whether reader accepts messages for service.
func (c *Client) LookupService(ctx context.Context, reader Identifier, service string) (bool, error) {
	if err := reader.check("reader"); err != nil {
		return false, err
	}
	if err := checkText("service", service); err != nil {
		return false, err
	}
	var out lookupServiceResponse
	err := c.do(ctx, call{op: "lookupService", port: PortManagement, url: c.cfg.ManagementURL, out: &out,
		body: func(x *xw) error {
			x.start("xta:lookupService")
			x.start("xta:LookupServiceRequest")
			x.elem("xta:ServiceName", service)
			x.start("xta:Reader")
			x.identifier(reader)
			x.end("xta:Reader")
			x.end("xta:LookupServiceRequest")
			x.end("xta:lookupService")
			return nil
		}})
	if err != nil {
		return false, err
	}
	for _, r := range out.Results {
		if strings.TrimSpace(r.ServiceName) == service && r.Available != nil {
			return *r.Available, nil
		}
	}
	return false, &Error{Op: "lookupService", Err: fmt.Errorf("no result for service %q in the answer", service)}
}

// CreateMessageID asks the XTA server for a new message id (in the manner
// of urn:de:xta:messageid:<host>:<uuid>).
func (c *Client) CreateMessageID(ctx context.Context) (string, error) {
	var out messageIDResponse
	err := c.do(ctx, call{op: "createMessageId", port: PortManagement, url: c.cfg.ManagementURL, out: &out,
		body: func(x *xw) error { x.empty("xta:createMessageId"); return nil }})
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(out.MessageID)
	if err := checkMessageID(id); err != nil {
		return "", &Error{Op: "createMessageId", Err: err}
	}
	return id, nil
}

// checkMessageID accepts what can travel as an id: not empty, no space or
// control characters, at most 1024 bytes.
func checkMessageID(id string) error {
	if id == "" || len(id) > 1024 || strings.ContainsFunc(id, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar
	}) {
		return fmt.Errorf("%w: %q", ErrInvalidMessageID, id)
	}
	return nil
}

func checkText(what, s string) error {
	if strings.TrimSpace(s) == "" || s != strings.TrimSpace(s) || hasControl(s) || len(s) > 1024 {
		return fmt.Errorf("%w: %s %q", ErrInvalidMessage, what, s)
	}
	return nil
}

// Report statuses in TransportReport.Status. Other values are passed on
// as the server sent them.
const (
	StatusOpen    = "Open"    // accepted, not yet delivered to the reader
	StatusSuccess = "Success" // delivered to the reader
	StatusError   = "Error"   // the transport failed; Details says why
)

// TransportReport is the XTA server's report on one message.
type TransportReport struct {
	MessageID string
	Status    string
	Time      time.Time
	Details   string
}

// Succeeded reports whether the message reached the reader.
func (r *TransportReport) Succeeded() bool { return r != nil && r.Status == StatusSuccess }

// GetTransportReport asks for the report on a message we sent.
func (c *Client) GetTransportReport(ctx context.Context, messageID string) (*TransportReport, error) {
	if err := checkMessageID(messageID); err != nil {
		return nil, err
	}
	var out transportReportResponse
	err := c.do(ctx, call{op: "getTransportReport", port: PortManagement, url: c.cfg.ManagementURL, out: &out,
		body: func(x *xw) error {
			x.start("xta:getTransportReport")
			x.elem("xta:MessageID", messageID)
			x.end("xta:getTransportReport")
			return nil
		}})
	if err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) error {
		return &Error{Op: "getTransportReport", Err: fmt.Errorf(format, a...)}
	}
	r := out.Report
	if r == nil {
		return nil, bad("answer without TransportReport")
	}
	if got := strings.TrimSpace(r.MessageID); got != messageID {
		return nil, bad("report on %q, not on %q", got, messageID)
	}
	rep := &TransportReport{MessageID: messageID, Status: strings.TrimSpace(r.Status), Details: strings.TrimSpace(r.Details)}
	if rep.Status == "" {
		return nil, bad("report without a status")
	}
	if t := strings.TrimSpace(r.ReportTime); t != "" {
		tm, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return nil, bad("report time %q: %v", t, err)
		}
		rep.Time = tm
	}
	return rep, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
