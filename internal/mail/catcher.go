package mail

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Caught is a mail the development catcher received.
type Caught struct {
	ID         string
	From       string
	Recipients string
	Subject    string
	Raw        string
	ReceivedAt time.Time
	// Attachments are the files in Raw (ParseAttachments), filled in when
	// the mail is read back.
	Attachments []Attachment
}

// CatchStore keeps caught mails.
type CatchStore interface {
	SaveCaughtMail(ctx context.Context, c Caught) error
}

// maxCaughtSize bounds one caught mail; the platform's own mails are far smaller.
const maxCaughtSize = 2 << 20

// Catcher is a real SMTP server for development and tests: the platform's
// sender talks SMTP to it exactly as it would to a production relay, and what
// arrives is stored for the mail catcher page.
type Catcher struct {
	Store CatchStore
	Log   *slog.Logger
	srv   *smtp.Server
	ln    net.Listener
}

// Start listens on addr (e.g. 127.0.0.1:0) and serves until Close.
func (c *Catcher) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	c.ln = ln
	c.srv = smtp.NewServer(&catchBackend{c: c})
	c.srv.Domain = "localhost"
	c.srv.AllowInsecureAuth = true
	c.srv.MaxMessageBytes = maxCaughtSize
	c.srv.MaxRecipients = 50
	c.srv.ReadTimeout = 30 * time.Second
	c.srv.WriteTimeout = 30 * time.Second
	go func() {
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			c.Log.Error("mail catcher stopped", "error", err)
		}
	}()
	return nil
}

// Addr is the address the catcher listens on.
func (c *Catcher) Addr() *net.TCPAddr { return c.ln.Addr().(*net.TCPAddr) }

// Close stops the catcher.
func (c *Catcher) Close() error { return c.srv.Close() }

type catchBackend struct{ c *Catcher }

func (b *catchBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &catchSession{c: b.c}, nil
}

type catchSession struct {
	c    *Catcher
	from string
	to   []string
}

func (s *catchSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *catchSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *catchSession) Reset()        { s.from, s.to = "", nil }
func (s *catchSession) Logout() error { return nil }

func (s *catchSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, maxCaughtSize))
	if err != nil {
		return err
	}
	subject := ""
	if m, err := mail.ReadMessage(strings.NewReader(string(raw))); err == nil {
		dec := new(mime.WordDecoder)
		subject, _ = dec.DecodeHeader(m.Header.Get("Subject"))
	}
	return s.c.Store.SaveCaughtMail(context.Background(), Caught{
		From: s.from, Recipients: strings.Join(s.to, ", "), Subject: subject, Raw: string(raw), ReceivedAt: time.Now(),
	})
}
