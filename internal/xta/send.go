package xta

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"strings"
)

// Message is one message to a reader (or, from GetMessage, to us).
type Message struct {
	// MessageID comes from CreateMessageID (Send fills it in).
	MessageID string
	// Author is filled in on received messages. When sending it must be
	// empty or our Config.Author: we always send as that.
	Author Identifier
	Reader Identifier
	// Service names what the message is (the XTA service, e.g. a
	// LeiKa-based URN); BusinessScenario optionally the case within it.
	Service          string
	BusinessScenario string
	// Parts are the contents: the first travels as the message, the others
	// as its attachments.
	Parts []Part
}

// Part is one content part. Either Data holds it, or Open returns a reader
// for it (called once per sendMessage; closed after). Size is the length
// of an Open part if known (0: unknown); when given, a reader that yields
// another number of bytes aborts the request.
type Part struct {
	Name      string // file name the reader sees
	MediaType string
	Data      []byte
	Open      func() (io.ReadCloser, error)
	Size      int64
}

func (p Part) size() (int64, bool) {
	if p.Open == nil {
		return int64(len(p.Data)), true
	}
	return p.Size, p.Size > 0
}

func (c *Client) checkMessage(m *Message) error {
	if m.Author.Value != "" && !m.Author.Equal(c.cfg.Author) {
		return fmt.Errorf("%w: author %s is not our account's %s", ErrInvalidMessage, m.Author, c.cfg.Author)
	}
	if err := m.Reader.check("reader"); err != nil {
		return err
	}
	if err := checkText("service", m.Service); err != nil {
		return err
	}
	if m.BusinessScenario != "" {
		if err := checkText("business scenario", m.BusinessScenario); err != nil {
			return err
		}
	}
	if len(m.Parts) == 0 {
		return fmt.Errorf("%w: no content", ErrInvalidMessage)
	}
	for i, p := range m.Parts {
		if err := checkText("part name", p.Name); err != nil || strings.ContainsAny(p.Name, `/\`) {
			return fmt.Errorf("%w: part %d: name %q", ErrInvalidMessage, i, p.Name)
		}
		if _, _, err := mime.ParseMediaType(p.MediaType); err != nil || hasControl(p.MediaType) {
			return fmt.Errorf("%w: part %q: media type %q", ErrInvalidMessage, p.Name, p.MediaType)
		}
		if p.Open != nil && p.Data != nil {
			return fmt.Errorf("%w: part %q has both Data and Open", ErrInvalidMessage, p.Name)
		}
		if p.Size < 0 || (p.Open == nil && p.Size != 0 && p.Size != int64(len(p.Data))) {
			return fmt.Errorf("%w: part %q: size %d", ErrInvalidMessage, p.Name, p.Size)
		}
	}
	return nil
}

// SendMessage sends m, whose MessageID must come from CreateMessageID. The
// content is base64-encoded into the request while it streams; nothing is
// held in memory beyond a buffer. Sending the same message again with the
// same id is how a lost answer is repaired: the XTA server treats it as the
// same message.
func (c *Client) SendMessage(ctx context.Context, m Message) error {
	if err := checkMessageID(m.MessageID); err != nil {
		return err
	}
	if err := c.checkMessage(&m); err != nil {
		return err
	}
	var out messageIDResponse
	err := c.do(ctx, call{op: "sendMessage", port: PortSend, url: c.cfg.SendURL, out: &out, stream: true,
		header: func(x *xw) { c.writeMeta(x, &m) },
		body: func(x *xw) error {
			x.start("xta:sendMessage")
			x.start("xta:GenericContentContainer")
			x.start("xta:ContentContainer")
			for i, p := range m.Parts {
				el := "xta:Attachment"
				if i == 0 {
					el = "xta:Message"
				}
				if err := writePart(x, el, p); err != nil {
					return err
				}
			}
			x.end("xta:ContentContainer")
			x.end("xta:GenericContentContainer")
			x.end("xta:sendMessage")
			return nil
		}})
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(out.MessageID); got != "" && got != m.MessageID {
		return &Error{Op: "sendMessage", Err: fmt.Errorf("answer for message %q, not %q", got, m.MessageID)}
	}
	return nil
}

// writeMeta writes the message meta data header block.
func (c *Client) writeMeta(x *xw, m *Message) {
	x.start("meta:MessageMetaData")
	x.elem("meta:MessageID", m.MessageID)
	x.start("meta:Originators")
	x.start("meta:Author")
	x.identifier(c.cfg.Author)
	x.end("meta:Author")
	x.end("meta:Originators")
	x.start("meta:Destinations")
	x.start("meta:Reader")
	x.identifier(m.Reader)
	x.end("meta:Reader")
	x.end("meta:Destinations")
	x.start("meta:Qualifier")
	x.elem("meta:Service", m.Service)
	if m.BusinessScenario != "" {
		x.elem("meta:BusinessScenario", m.BusinessScenario)
	}
	x.end("meta:Qualifier")
	var total int64
	for _, p := range m.Parts {
		n, ok := p.size()
		if !ok {
			total = -1
			break
		}
		total += n
	}
	if total >= 0 {
		x.elem("meta:MsgSize", itoa(total))
	}
	x.end("meta:MessageMetaData")
}

// writePart writes one content element, its bytes as base64 straight from
// the part's reader.
func writePart(x *xw, el string, p Part) error {
	size, known := p.size()
	sizeAttr := ""
	if known {
		sizeAttr = itoa(size)
	}
	x.start(el, "filename", p.Name, "contentType", p.MediaType, "size", sizeAttr)
	if x.err != nil {
		return x.err
	}
	var src io.Reader = bytes.NewReader(p.Data)
	if p.Open != nil {
		rc, err := p.Open()
		if err != nil {
			return fmt.Errorf("part %q: %w", p.Name, err)
		}
		defer rc.Close()
		src = rc
	}
	enc := base64.NewEncoder(base64.StdEncoding, x.w)
	n, err := io.Copy(enc, src)
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		return fmt.Errorf("part %q: %w", p.Name, err)
	}
	if known && n != size {
		return fmt.Errorf("%w: part %q: read %d bytes, declared %d", ErrInvalidMessage, p.Name, n, size)
	}
	x.end(el)
	return x.err
}

// SendState is Send's progress, to be kept by the caller between attempts
// (e.g. as JSON in the delivery record).
type SendState struct {
	MessageID string `json:"messageId,omitempty"`
	Sent      bool   `json:"sent,omitempty"`
}

// Send runs the whole sending sequence and resumes it: checkAccountActive,
// lookupService and createMessageId while st has no message id; then save
// is called with the id before anything is sent, so a crash after that
// point sends again under the same id, never under a second one;
// sendMessage until it has succeeded once (save again); and
// getTransportReport on every call.
//
// The report is returned whatever its status; the caller asks again later
// while it is Open. A message that the account may not send, or that the
// reader does not accept, fails with ErrAccountInactive or
// ErrServiceUnavailable before an id is made. save may be nil.
func (c *Client) Send(ctx context.Context, m Message, st *SendState, save func(*SendState) error) (*TransportReport, error) {
	if st == nil {
		st = &SendState{}
	}
	if save == nil {
		save = func(*SendState) error { return nil }
	}
	if err := c.checkMessage(&m); err != nil {
		return nil, err
	}
	if st.MessageID != "" && m.MessageID != "" && m.MessageID != st.MessageID {
		return nil, fmt.Errorf("%w: message id %q, but the saved state has %q", ErrInvalidMessage, m.MessageID, st.MessageID)
	}
	if st.MessageID == "" {
		active, err := c.CheckAccountActive(ctx)
		if err != nil {
			return nil, err
		}
		if !active {
			return nil, ErrAccountInactive
		}
		ok, err := c.LookupService(ctx, m.Reader, m.Service)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: %s for %s", ErrServiceUnavailable, m.Service, m.Reader)
		}
		id := m.MessageID
		if id == "" {
			if id, err = c.CreateMessageID(ctx); err != nil {
				return nil, err
			}
		}
		st.MessageID, st.Sent = id, false
		if err := save(st); err != nil {
			return nil, fmt.Errorf("xta: saving the message id: %w", err)
		}
	}
	m.MessageID = st.MessageID
	if !st.Sent {
		if err := c.SendMessage(ctx, m); err != nil {
			return nil, err
		}
		st.Sent = true
		if err := save(st); err != nil {
			return nil, fmt.Errorf("xta: saving the sent state: %w", err)
		}
	}
	return c.GetTransportReport(ctx, st.MessageID)
}
