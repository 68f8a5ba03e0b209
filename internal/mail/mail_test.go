package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// smtpServer is a real SMTP server with STARTTLS and AUTH PLAIN, started
// inside the test.
type smtpServer struct {
	mu       sync.Mutex
	received []string
	rcpts    []string
	failNext int // refuse this many DATA commands
	authed   bool
	addr     string
	pool     *x509.CertPool
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	cert, pool := selfSigned(t)
	s := &smtpServer{pool: pool}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct{ s *smtpServer }

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "mailer" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		ss.s.mu.Lock()
		ss.s.authed = true
		ss.s.mu.Unlock()
		return nil
	}), nil
}
func (ss *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.rcpts = append(ss.s.rcpts, to)
	ss.s.mu.Unlock()
	return nil
}
func (ss *smtpSession) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.failNext > 0 {
		ss.s.failNext--
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	ss.s.received = append(ss.s.received, string(b))
	return nil
}
func (ss *smtpSession) Reset()        {}
func (ss *smtpSession) Logout() error { return nil }

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func setup(t *testing.T, db *store.DB, srv *smtpServer) (*mail.Service, *job.Queue, *clock) {
	host, port, _ := net.SplitHostPort(srv.addr)
	var p int
	for _, ch := range port {
		p = p*10 + int(ch-'0')
	}
	clk := &clock{t: time.Now()}
	db.Now = clk.Now
	svc := &mail.Service{Outbox: db, Now: clk.Now,
		Sender: &mail.SMTP{Host: host, Port: p, Username: "mailer", Password: "s3cret", From: "Plattform <noreply@example.org>",
			TLS: mail.StartTLS, TLSConfig: &tls.Config{RootCAs: srv.pool, ServerName: "127.0.0.1"}, Timeout: 5 * time.Second},
		Composer: &mail.Composer{Catalog: i18n.MustLoad(), BaseURL: "https://sozialplattform.example"}}
	q := job.New(db, testLogger(t))
	q.Now = clk.Now
	q.Register(mail.JobKind, svc.HandleJob)
	return svc, q, clk
}

func TestSendOverSMTPWithStartTLSAndAuth(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		srv := startSMTP(t)
		svc, q, _ := setup(t, db, srv)
		ctx := context.Background()
		uk, _ := i18n.Lookup("uk")
		id, err := svc.Send(ctx, uk, "test", "person@example.org", nil)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := q.Drain(ctx); err != nil || n < 1 {
			t.Fatalf("drain: %d %v", n, err)
		}
		if !srv.authed {
			t.Fatal("the sender did not authenticate")
		}
		if len(srv.received) != 1 {
			t.Fatalf("server received %d mails", len(srv.received))
		}
		raw := srv.received[0]
		for _, want := range []string{"text/plain", "text/html", "To: <person@example.org>"} {
			if !strings.Contains(raw, want) {
				t.Errorf("mail lacks %q:\n%s", want, raw)
			}
		}
		// The subject is what the person sees first in their inbox: it must
		// arrive in their language, however the header was folded.
		msg, err := netmail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("unparseable mail: %v", err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		if want := i18n.MustLoad().For(uk).T("mail.test.subject"); subject != want {
			t.Errorf("subject %q, want %q", subject, want)
		}
		e, _ := db.FindMail(ctx, id)
		if e.Status != mail.Sent {
			t.Fatalf("outbox status %s", e.Status)
		}
		// Running the job again (a crash after sending, before completion was
		// recorded) must not send a second mail.
		j, _ := job.NewJob(mail.JobKind, mail.JobArgs{OutboxID: id}, time.Now())
		if err := svc.HandleJob(ctx, &j); err != nil {
			t.Fatal(err)
		}
		if len(srv.received) != 1 {
			t.Fatal("mail sent twice")
		}
	})
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		srv := startSMTP(t)
		srv.failNext = 1
		svc, q, clk := setup(t, db, srv)
		ctx := context.Background()
		de, _ := i18n.Lookup("de")
		id, err := svc.Send(ctx, de, "test", "person@example.org", nil)
		if err != nil {
			t.Fatal(err)
		}
		q.Drain(ctx)
		if len(srv.received) != 0 {
			t.Fatal("mail accepted although the server refused")
		}
		if e, _ := db.FindMail(ctx, id); e.Status != mail.Pending || e.Attempts != 1 {
			t.Fatalf("after failure: %+v", e)
		}
		clk.t = clk.t.Add(time.Minute) // past the first backoff
		q.Drain(ctx)
		if len(srv.received) != 1 {
			t.Fatalf("after retry the server has %d mails", len(srv.received))
		}
		if e, _ := db.FindMail(ctx, id); e.Status != mail.Sent {
			t.Fatalf("status %s", e.Status)
		}
	})
}

func TestComposeEveryLanguage(t *testing.T) {
	c := &mail.Composer{Catalog: i18n.MustLoad(), BaseURL: "https://x.example"}
	for _, l := range i18n.Languages {
		m, err := c.Compose(l, "barrier_confirmation", "a@example.org", map[string]string{"Description": "<script>x</script>"})
		if err != nil {
			t.Fatal(l.Code, err)
		}
		if m.Subject == "" || strings.Contains(m.Subject, "mail.") {
			t.Errorf("%s: subject %q", l.Code, m.Subject)
		}
		if strings.Contains(m.HTML, "<script>") {
			t.Errorf("%s: HTML body not escaped", l.Code)
		}
		if !strings.Contains(m.HTML, `lang="`+l.HTMLLang+`"`) || !strings.Contains(m.HTML, `dir="`+l.Dir+`"`) {
			t.Errorf("%s: HTML lacks lang/dir", l.Code)
		}
	}
}
