package xta

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces.
const (
	NamespaceSOAP = "http://www.w3.org/2003/05/soap-envelope"
	NamespaceWSA  = "http://www.w3.org/2005/08/addressing"
	NamespaceXTA  = "http://xoev.de/transport/xta/211"
	// NamespaceMeta holds the author/reader identifiers and the message
	// meta data. It is ours: real XTA carries OSCI 2 message meta data
	// there, in a namespace we have not verified.
	NamespaceMeta = "urn:sozialplattform:xta:meta:1"

	// AnonymousAddress is WS-Addressing's "reply on the same connection".
	AnonymousAddress = "http://www.w3.org/2005/08/addressing/anonymous"

	// ContentType is SOAP 1.2's media type.
	ContentType = "application/soap+xml"
)

// Port types, for the actions.
const (
	PortManagement = "ManagementPortType"
	PortSend       = "SendPortType"
	PortMsgBox     = "MsgBoxPortType"
)

// Action is the WS-Addressing action of an operation's request on a port
// (the WSDL default pattern namespace/port/operation+"Request"; the real
// WSDL may name them explicitly).
func Action(port, op string) string { return NamespaceXTA + "/" + port + "/" + op + "Request" }

// ResponseAction is the action of an operation's response.
func ResponseAction(port, op string) string {
	return NamespaceXTA + "/" + port + "/" + op + "Response"
}

// ErrDoctype is returned for XML that carries a DOCTYPE or another <!...>
// directive.
var ErrDoctype = errors.New("xta: XML with a DOCTYPE or directive refused")

// ErrTooLarge is returned when a body exceeds its limit.
var ErrTooLarge = errors.New("xta: body too large")

// xw writes XML by hand: prefixes are fixed (env, wsa, xta, meta) and
// declared once on the envelope, which encoding/xml's encoder cannot do.
type xw struct {
	w   *bufio.Writer
	err error
}

func (x *xw) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *xw) escaped(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(s))
	}
}

// start writes <name a="v" ...>; attrs are name/value pairs, empty values
// are left out.
func (x *xw) start(name string, attrs ...string) {
	x.raw("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		x.raw(" " + attrs[i] + `="`)
		x.escaped(attrs[i+1])
		x.raw(`"`)
	}
	x.raw(">")
}

func (x *xw) end(name string) { x.raw("</" + name + ">") }

func (x *xw) empty(name string, attrs ...string) {
	x.start(name, attrs...)
	x.end(name)
}

// elem writes <name>text</name>.
func (x *xw) elem(name, text string) {
	x.start(name)
	x.escaped(text)
	x.end(name)
}

// flush writes what is buffered.
func (x *xw) flush() error {
	if x.err == nil {
		x.err = x.w.Flush()
	}
	return x.err
}

// identifier writes an identifier in the meta namespace.
func (x *xw) identifier(id Identifier) {
	x.start("meta:Identifier", "category", id.Category, "name", id.Name)
	x.escaped(id.Value)
	x.end("meta:Identifier")
}

// limitReader fails with ErrTooLarge once more than n bytes are read.
type limitReader struct {
	r    io.Reader
	n    int64
	kick func()
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.kick != nil && n > 0 {
		l.kick()
	}
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// noDirectives passes tokens on and fails at the first directive
// (<!DOCTYPE ...>, <!ENTITY ...>), before anything it declares is used.
type noDirectives struct{ d *xml.Decoder }

func (n noDirectives) Token() (xml.Token, error) {
	t, err := n.d.Token()
	if _, ok := t.(xml.Directive); ok {
		return nil, ErrDoctype
	}
	return t, err
}

// newDecoder returns a strict decoder over r that refuses directives and
// every encoding but UTF-8.
func newDecoder(r io.Reader) *xml.Decoder {
	inner := xml.NewDecoder(r)
	inner.Strict = true
	inner.CharsetReader = func(label string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("xta: encoding %q refused (only UTF-8)", label)
	}
	return xml.NewTokenDecoder(noDirectives{inner})
}

// header is what the client reads from a response's header.
type header struct {
	Action    string `xml:"http://www.w3.org/2005/08/addressing Action"`
	RelatesTo string `xml:"http://www.w3.org/2005/08/addressing RelatesTo"`
}

// readEnvelope reads a SOAP 1.2 envelope from d and decodes its body's
// first element into out, which must be named want (in the XTA namespace).
// A fault in the body becomes a *Fault. It returns the header.
func readEnvelope(d *xml.Decoder, want string, out any) (*header, error) {
	root, err := nextStart(d)
	if err != nil {
		return nil, err
	}
	if root.Name.Space != NamespaceSOAP || root.Name.Local != "Envelope" {
		return nil, fmt.Errorf("not a SOAP 1.2 envelope but {%s}%s", root.Name.Space, root.Name.Local)
	}
	h := &header{}
	for {
		el, err := nextStart(d)
		if err != nil {
			return nil, err
		}
		if el.Name.Space != NamespaceSOAP {
			return nil, fmt.Errorf("unexpected {%s}%s in the envelope", el.Name.Space, el.Name.Local)
		}
		switch el.Name.Local {
		case "Header":
			if err := d.DecodeElement(h, &el); err != nil {
				return nil, err
			}
		case "Body":
			payload, err := nextStart(d)
			if err != nil {
				return nil, err
			}
			if payload.Name.Space == NamespaceSOAP && payload.Name.Local == "Fault" {
				var f soapFault
				if err := d.DecodeElement(&f, &payload); err != nil {
					return nil, err
				}
				return h, f.toFault()
			}
			if payload.Name.Space != NamespaceXTA || payload.Name.Local != want {
				return nil, fmt.Errorf("expected {%s}%s, got {%s}%s", NamespaceXTA, want, payload.Name.Space, payload.Name.Local)
			}
			if out == nil {
				return h, d.Skip()
			}
			return h, d.DecodeElement(out, &payload)
		default:
			return nil, fmt.Errorf("unexpected %s in the envelope", el.Name.Local)
		}
	}
}

// nextStart returns the next start element, skipping text, comments and
// processing instructions; an end element first is an error.
func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		t, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return xml.StartElement{}, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, fmt.Errorf("unexpected end of %s", t.Name.Local)
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return xml.StartElement{}, errors.New("unexpected text")
			}
		}
	}
}
