package standin

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The stand-in reads requests into a small tree of its own rather than
// sharing the client's decoding, so a mistake on one side is not hidden by
// the same mistake on the other.

// Namespaces, as the client uses them.
const (
	nsSOAP = "http://www.w3.org/2003/05/soap-envelope"
	nsWSA  = "http://www.w3.org/2005/08/addressing"
	nsXTA  = "http://xoev.de/transport/xta/211"
	nsMeta = "urn:sozialplattform:xta:meta:1"
)

type node struct {
	name     xml.Name
	attr     []xml.Attr
	text     strings.Builder
	children []*node
}

func (n *node) child(ns, local string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name.Space == ns && c.name.Local == local {
			return c
		}
	}
	return nil
}

func (n *node) all(ns, local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.name.Space == ns && c.name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// path follows children in one namespace.
func (n *node) path(ns string, locals ...string) *node {
	for _, l := range locals {
		n = n.child(ns, l)
	}
	return n
}

func (n *node) value() string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text.String())
}

func (n *node) attrValue(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attr {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

var errDirective = errors.New("DOCTYPE or other directive refused")

// parse reads one XML document into a tree. It refuses directives
// (DOCTYPE, ENTITY) and encodings other than UTF-8.
func parse(r io.Reader) (*node, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.CharsetReader = func(label string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("encoding %q refused", label)
	}
	var root *node
	var stack []*node
	for {
		t, err := d.Token()
		if err == io.EOF {
			if root == nil || len(stack) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.Directive:
			return nil, errDirective
		case xml.StartElement:
			n := &node{name: t.Name, attr: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("two root elements")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside the root element")
			}
		}
	}
}

// identifier reads a meta:Identifier child of n.
func identifierOf(n *node) (Identifier, bool) {
	id := n.child(nsMeta, "Identifier")
	if id == nil || id.value() == "" {
		return Identifier{}, false
	}
	return Identifier{Category: id.attrValue("category"), Value: id.value(), Name: id.attrValue("name")}, true
}

// out writes a response by hand.
type out struct {
	bytes.Buffer
}

func (o *out) esc(s string) {
	_ = xml.EscapeText(o, []byte(s))
}

func (o *out) el(name, text string) {
	o.WriteString("<" + name + ">")
	o.esc(text)
	o.WriteString("</" + name + ">")
}

func (o *out) identifier(id Identifier) {
	o.WriteString(`<meta:Identifier category="`)
	o.esc(id.Category)
	o.WriteString(`"`)
	if id.Name != "" {
		o.WriteString(` name="`)
		o.esc(id.Name)
		o.WriteString(`"`)
	}
	o.WriteString(">")
	o.esc(id.Value)
	o.WriteString("</meta:Identifier>")
}

// envelopeStart and envelopeEnd frame a response body.
func envelopeStart(action, relatesTo, msgID string) *out {
	o := &out{}
	o.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<env:Envelope xmlns:env="` + nsSOAP + `" xmlns:wsa="` + nsWSA + `" xmlns:xta="` + nsXTA + `" xmlns:meta="` + nsMeta + `">` +
		`<env:Header>`)
	o.el("wsa:Action", action)
	o.el("wsa:MessageID", msgID)
	if relatesTo != "" {
		o.el("wsa:RelatesTo", relatesTo)
	}
	o.el("wsa:To", "http://www.w3.org/2005/08/addressing/anonymous")
	o.WriteString(`</env:Header><env:Body>`)
	return o
}

func (o *out) finish() []byte {
	o.WriteString(`</env:Body></env:Envelope>`)
	return o.Bytes()
}

// fault is a SOAP 1.2 fault the stand-in answers with.
type fault struct {
	sender bool   // env:Sender (HTTP 400), else env:Receiver (HTTP 500)
	kind   string // XTA exception: PermissionDenied, InvalidMessageID, ...
	code   string // detail error code
	reason string
}

func (f *fault) Error() string { return f.kind + ": " + f.reason }

func (f *fault) status() int {
	if f.sender {
		return 400
	}
	return 500
}

func (f *fault) body(relatesTo, msgID string) []byte {
	o := envelopeStart("http://www.w3.org/2005/08/addressing/soap/fault", relatesTo, msgID)
	code := "env:Receiver"
	if f.sender {
		code = "env:Sender"
	}
	o.WriteString(`<env:Fault><env:Code><env:Value>` + code + `</env:Value>`)
	if f.kind != "" {
		o.WriteString(`<env:Subcode><env:Value>xta:` + f.kind + `</env:Value></env:Subcode>`)
	}
	o.WriteString(`</env:Code><env:Reason><env:Text xml:lang="en">`)
	o.esc(f.reason)
	o.WriteString(`</env:Text></env:Reason>`)
	if f.kind != "" {
		o.WriteString(`<env:Detail><xta:` + f.kind + `>`)
		if f.code != "" {
			o.el("xta:ErrorCode", f.code)
		}
		o.WriteString(`</xta:` + f.kind + `></env:Detail>`)
	}
	o.WriteString(`</env:Fault>`)
	return o.finish()
}

func permissionDenied(reason string) *fault {
	return &fault{sender: true, kind: "PermissionDenied", code: "permission-denied", reason: reason}
}

func invalidMessageID(reason string) *fault {
	return &fault{sender: true, kind: "InvalidMessageID", code: "invalid-message-id", reason: reason}
}

func invalidParameter(reason string) *fault {
	return &fault{sender: true, kind: "ParameterIsNotValid", code: "parameter-invalid", reason: reason}
}

func technicalProblem(reason string) *fault {
	return &fault{kind: "XTAWSTechnicalProblem", code: "technical-problem", reason: reason}
}
