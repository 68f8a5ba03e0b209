package mail

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attachment is a file sent with a mail, e.g. an appointment as iCalendar
// (RFC 5545, ContentType "text/calendar; charset=UTF-8; method=REQUEST").
type Attachment struct {
	Name        string // file name as the recipient sees it: "termin.ics"
	ContentType string // media type with parameters; "" is application/octet-stream
	Data        []byte
}

// Bounds of a mail's attachments. The outbox keeps them in the database
// and the platform's mails carry small generated files (calendar entries),
// not documents.
const (
	MaxAttachments       = 3
	MaxAttachmentSize    = 256 << 10 // bytes, each
	MaxAttachmentNameLen = 100       // bytes of UTF-8
)

// Errors of CheckAttachments; they are wrapped with the details.
var (
	ErrTooManyAttachments  = errors.New("too many attachments")
	ErrAttachmentTooLarge  = errors.New("attachment too large")
	ErrAttachmentMediaType = errors.New("attachment has an invalid content type")
)

// CheckAttachments bounds and cleans a mail's attachments: at most
// MaxAttachments of at most MaxAttachmentSize bytes each, names made safe
// (SanitizeAttachmentName), content types parsed and written anew (a
// "name" parameter is dropped, the sender sets it). It returns the cleaned
// copies; the data is shared, not copied.
func CheckAttachments(atts []Attachment) ([]Attachment, error) {
	if len(atts) == 0 {
		return nil, nil
	}
	if len(atts) > MaxAttachments {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyAttachments, len(atts), MaxAttachments)
	}
	out := make([]Attachment, len(atts))
	for i, a := range atts {
		name := SanitizeAttachmentName(a.Name)
		if len(a.Data) > MaxAttachmentSize {
			return nil, fmt.Errorf("%w: %q has %d bytes, at most %d", ErrAttachmentTooLarge, name, len(a.Data), MaxAttachmentSize)
		}
		ct, err := cleanContentType(a.ContentType)
		if err != nil {
			return nil, fmt.Errorf("%w: %q for %q: %v", ErrAttachmentMediaType, a.ContentType, name, err)
		}
		out[i] = Attachment{Name: name, ContentType: ct, Data: a.Data}
	}
	return out, nil
}

// cleanContentType parses a media type and formats it again, so nothing
// but a well-formed type with parameters reaches a header.
func cleanContentType(ct string) (string, error) {
	if strings.TrimSpace(ct) == "" {
		return "application/octet-stream", nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", err
	}
	if !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") {
		return "", errors.New("not a single-part media type")
	}
	delete(params, "name")
	out := mime.FormatMediaType(mt, params)
	if out == "" {
		return "", errors.New("cannot be written as a header")
	}
	return out, nil
}

// SanitizeAttachmentName makes a file name safe for a header and for the
// recipient's disk: only the part after the last path separator; white
// space (CR and LF among it) one space; no other control or format
// characters, no quotes; at most MaxAttachmentNameLen bytes (the extension
// kept where possible); "anhang" when nothing is left. Non-ASCII letters
// stay: the sender writes them RFC 2231 encoded.
func SanitizeAttachmentName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r): // CR, LF, tab, line separators, …
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '"':
			return -1
		}
		return r
	}, name)
	name = strings.Trim(strings.Join(strings.Fields(name), " "), " .")
	if len(name) > MaxAttachmentNameLen {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 10 {
			ext = name[i:]
		}
		base := name[:MaxAttachmentNameLen-len(ext)]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
		name = strings.TrimRight(base, " .") + ext
	}
	if name == "" || strings.Trim(name, ".") == "" {
		return "anhang"
	}
	return name
}

// ParseAttachments reads the attachments out of a raw RFC 5322 message
// (what the development catcher received): every non-multipart part with a
// file name or "Content-Disposition: attachment", decoded. ContentType is
// the part's media type without its "name" parameter. A part that cannot
// be read ends the walk; what was found until then is returned.
func ParseAttachments(raw string) []Attachment {
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return nil
	}
	var out []Attachment
	walkParts(msg.Header, msg.Body, 0, &out)
	return out
}

// header is mail.Header or textproto.MIMEHeader.
type header interface{ Get(string) string }

func walkParts(h header, body io.Reader, depth int, out *[]Attachment) {
	if depth > 5 || len(*out) >= 20 {
		return
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt, params = "text/plain", nil
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			walkParts(p.Header, p, depth+1, out)
		}
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if disp != "attachment" && name == "" {
		return
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // skips the line breaks
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(io.LimitReader(r, 4*MaxAttachmentSize))
	if err != nil {
		return
	}
	delete(params, "name")
	*out = append(*out, Attachment{Name: SanitizeAttachmentName(name), ContentType: mime.FormatMediaType(mt, params), Data: data})
}
