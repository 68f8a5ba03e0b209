package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode is how the SMTP connection is secured.
type TLSMode string

const (
	StartTLS    TLSMode = "starttls"     // STARTTLS required
	StartTLSOpt TLSMode = "starttls-opt" // STARTTLS if offered (development servers)
	ImplicitTLS TLSMode = "tls"          // SMTPS, port 465
	NoTLS       TLSMode = "none"         // only for a local catcher
)

// SMTP sends mail through an SMTP server.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      TLSMode
	Timeout  time.Duration
	// TLSConfig overrides the TLS settings, e.g. to trust a private CA.
	TLSConfig *tls.Config
}

// Send implements Sender.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("smtp from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("smtp to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if err := attach(msg, m.Attachments); err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(s.timeout())}
	switch s.TLS {
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case StartTLSOpt:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if s.TLSConfig != nil {
		if err := c.SetTLSConfig(s.TLSConfig); err != nil {
			return fmt.Errorf("smtp tls: %w", err)
		}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}

// attach adds the attachments: the message becomes multipart/mixed with
// the text (and HTML alternative) first, then every file base64 encoded
// with "Content-Disposition: attachment". The headers are written here,
// not by go-mail: the content type keeps all its parameters (the method
// of a text/calendar file, RFC 6047), and a name that is not plain ASCII
// is RFC 2231 encoded (the filename* parameter). Without attachments
// nothing changes.
func attach(msg *gomail.Msg, atts []Attachment) error {
	atts, err := CheckAttachments(atts)
	if err != nil {
		return err
	}
	for _, a := range atts {
		mt, params, err := mime.ParseMediaType(a.ContentType)
		if err != nil {
			return fmt.Errorf("attachment %q: %w", a.Name, err)
		}
		params["name"] = a.Name
		ctype := mime.FormatMediaType(mt, params)
		disp := mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})
		if ctype == "" || disp == "" {
			return fmt.Errorf("attachment %q: headers cannot be written", a.Name)
		}
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileEncoding(gomail.EncodingB64), func(f *gomail.File) {
			f.ContentType = gomail.ContentType(mt)
			f.Header.Set("Content-Type", ctype)
			f.Header.Set("Content-Disposition", disp)
		})
	}
	return nil
}

func (s *SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Second
}
