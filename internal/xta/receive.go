package xta

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Receiving on the msgBox port: getStatusList → getMessage → close. The
// platform only sends; these are here for the office's side of tests and
// for a later return channel.

func (c *Client) msgBox(op string) (string, error) {
	if c.cfg.MsgBoxURL == "" {
		return "", fmt.Errorf("xta: %s: no MsgBoxURL configured", op)
	}
	return c.cfg.MsgBoxURL, nil
}

// GetStatusList lists up to limit messages waiting for us (meta data only,
// no parts).
func (c *Client) GetStatusList(ctx context.Context, limit int) ([]Message, error) {
	u, err := c.msgBox("getStatusList")
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	var out statusListResponse
	err = c.do(ctx, call{op: "getStatusList", port: PortMsgBox, url: u, out: &out,
		body: func(x *xw) error {
			x.start("xta:getStatusList")
			x.elem("xta:MaxListItems", strconv.Itoa(limit))
			x.end("xta:getStatusList")
			return nil
		}})
	if err != nil {
		return nil, err
	}
	list := make([]Message, 0, len(out.Messages))
	for _, mm := range out.Messages {
		m, err := mm.message()
		if err != nil {
			return nil, &Error{Op: "getStatusList", Err: err}
		}
		list = append(list, m)
	}
	return list, nil
}

func (mm *xmlMessageMeta) message() (Message, error) {
	m := Message{MessageID: strings.TrimSpace(mm.MessageID), Service: strings.TrimSpace(mm.Service),
		BusinessScenario: strings.TrimSpace(mm.BusinessScenario)}
	if err := checkMessageID(m.MessageID); err != nil {
		return m, err
	}
	if len(mm.Authors) != 1 || len(mm.Readers) != 1 {
		return m, fmt.Errorf("message %s: %d authors and %d readers, want one each", m.MessageID, len(mm.Authors), len(mm.Readers))
	}
	m.Author, m.Reader = mm.Authors[0].identifier(), mm.Readers[0].identifier()
	return m, nil
}

// GetMessage fetches one message addressed to us with its parts. The
// answer is bounded by MaxMessageBytes.
func (c *Client) GetMessage(ctx context.Context, messageID string) (*Message, error) {
	u, err := c.msgBox("getMessage")
	if err != nil {
		return nil, err
	}
	if err := checkMessageID(messageID); err != nil {
		return nil, err
	}
	var out getMessageResponse
	err = c.do(ctx, call{op: "getMessage", port: PortMsgBox, url: u, out: &out, idle: true, maxBody: c.cfg.MaxMessageBytes,
		body: func(x *xw) error {
			x.start("xta:getMessage")
			x.elem("xta:MessageID", messageID)
			x.end("xta:getMessage")
			return nil
		}})
	if err != nil {
		return nil, err
	}
	bad := func(err error) error { return &Error{Op: "getMessage", Err: err} }
	if out.Meta == nil {
		return nil, bad(errors.New("answer without MessageMetaData"))
	}
	m, err := out.Meta.message()
	if err != nil {
		return nil, bad(err)
	}
	if m.MessageID != messageID {
		return nil, bad(fmt.Errorf("answer for %q, not %q", m.MessageID, messageID))
	}
	for i, item := range out.Container.Items {
		if item.XMLName.Space != NamespaceXTA || (item.XMLName.Local != "Message" && item.XMLName.Local != "Attachment") ||
			(i == 0) != (item.XMLName.Local == "Message") {
			return nil, bad(fmt.Errorf("unexpected content element {%s}%s at %d", item.XMLName.Space, item.XMLName.Local, i))
		}
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(item.Value), ""))
		if err != nil {
			return nil, bad(fmt.Errorf("part %q: %w", item.Filename, err))
		}
		if s := strings.TrimSpace(item.Size); s != "" && s != strconv.Itoa(len(data)) {
			return nil, bad(fmt.Errorf("part %q: %d bytes, declared %s", item.Filename, len(data), s))
		}
		m.Parts = append(m.Parts, Part{Name: item.Filename, MediaType: item.ContentType, Data: data})
	}
	if len(m.Parts) == 0 {
		return nil, bad(errors.New("message without content"))
	}
	return &m, nil
}

// Close tells the XTA server that we have the messages safely, so it
// removes them from our box and reports them delivered.
func (c *Client) Close(ctx context.Context, messageIDs ...string) error {
	u, err := c.msgBox("close")
	if err != nil {
		return err
	}
	if len(messageIDs) == 0 {
		return nil
	}
	for _, id := range messageIDs {
		if err := checkMessageID(id); err != nil {
			return err
		}
	}
	return c.do(ctx, call{op: "close", port: PortMsgBox, url: u,
		body: func(x *xw) error {
			x.start("xta:close")
			for _, id := range messageIDs {
				x.elem("xta:MessageID", id)
			}
			x.end("xta:close")
			return nil
		}})
}
