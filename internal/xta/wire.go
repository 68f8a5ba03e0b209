package xta

import (
	"encoding/xml"
	"strings"
)

// The shapes the client reads. They are ours, modelled after XTA 2 (see the
// package documentation); requests are written by hand in client.go and
// send.go.

type soapFault struct {
	Code struct {
		Value   string `xml:"http://www.w3.org/2003/05/soap-envelope Value"`
		Subcode struct {
			Value string `xml:"http://www.w3.org/2003/05/soap-envelope Value"`
		} `xml:"http://www.w3.org/2003/05/soap-envelope Subcode"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Code"`
	Reason struct {
		Text []string `xml:"http://www.w3.org/2003/05/soap-envelope Text"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Reason"`
	Detail struct {
		Items []faultDetail `xml:",any"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Detail"`
}

type faultDetail struct {
	XMLName   xml.Name
	ErrorCode string `xml:"http://xoev.de/transport/xta/211 ErrorCode"`
}

// localName drops a QName's prefix ("env:Receiver" → "Receiver").
func localName(qname string) string {
	qname = strings.TrimSpace(qname)
	if i := strings.LastIndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

func (f *soapFault) toFault() *Fault {
	out := &Fault{Code: localName(f.Code.Value), Kind: localName(f.Code.Subcode.Value)}
	for _, d := range f.Detail.Items {
		if d.XMLName.Space == NamespaceXTA {
			out.Kind = d.XMLName.Local
			out.ErrorCode = strings.TrimSpace(d.ErrorCode)
			break
		}
	}
	out.Kind = strings.TrimSuffix(out.Kind, "Exception")
	if len(f.Reason.Text) > 0 {
		out.Reason = strings.TrimSpace(f.Reason.Text[0])
	}
	switch out.Kind {
	case FaultTechnicalProblem:
		out.Temporary = true
	case FaultPermissionDenied, FaultInvalidMessageID, FaultParameterIsNotValid, FaultMessageSchemaViolated:
		out.Temporary = false
	default:
		out.Temporary = out.Code == "Receiver"
	}
	return out
}

type xmlIdentifier struct {
	Category string `xml:"category,attr"`
	Name     string `xml:"name,attr"`
	Value    string `xml:",chardata"`
}

func (x xmlIdentifier) identifier() Identifier {
	return Identifier{Category: strings.TrimSpace(x.Category), Value: strings.TrimSpace(x.Value), Name: x.Name}
}

type checkAccountActiveResponse struct {
	IsActive *bool `xml:"http://xoev.de/transport/xta/211 IsActive"`
}

type lookupServiceResponse struct {
	Results []struct {
		ServiceName string `xml:"http://xoev.de/transport/xta/211 ServiceName"`
		Available   *bool  `xml:"http://xoev.de/transport/xta/211 IsServiceAvailable"`
	} `xml:"http://xoev.de/transport/xta/211 LookupServiceResult"`
}

type messageIDResponse struct {
	MessageID string `xml:"http://xoev.de/transport/xta/211 MessageID"`
}

type transportReportResponse struct {
	Report *struct {
		MessageID  string `xml:"http://xoev.de/transport/xta/211 MessageID"`
		ReportTime string `xml:"http://xoev.de/transport/xta/211 ReportTime"`
		Status     string `xml:"http://xoev.de/transport/xta/211 Status"`
		Details    string `xml:"http://xoev.de/transport/xta/211 Details"`
	} `xml:"http://xoev.de/transport/xta/211 TransportReport"`
}

type xmlMessageMeta struct {
	MessageID        string          `xml:"urn:sozialplattform:xta:meta:1 MessageID"`
	Authors          []xmlIdentifier `xml:"urn:sozialplattform:xta:meta:1 Originators>Author>Identifier"`
	Readers          []xmlIdentifier `xml:"urn:sozialplattform:xta:meta:1 Destinations>Reader>Identifier"`
	Service          string          `xml:"urn:sozialplattform:xta:meta:1 Qualifier>Service"`
	BusinessScenario string          `xml:"urn:sozialplattform:xta:meta:1 Qualifier>BusinessScenario"`
	Size             int64           `xml:"urn:sozialplattform:xta:meta:1 MsgSize"`
}

type statusListResponse struct {
	Messages []xmlMessageMeta `xml:"urn:sozialplattform:xta:meta:1 MessageMetaData"`
}

type xmlContent struct {
	XMLName     xml.Name
	Filename    string `xml:"filename,attr"`
	ContentType string `xml:"contentType,attr"`
	Size        string `xml:"size,attr"`
	Value       string `xml:",chardata"`
}

type getMessageResponse struct {
	Meta      *xmlMessageMeta `xml:"urn:sozialplattform:xta:meta:1 MessageMetaData"`
	Container struct {
		Items []xmlContent `xml:",any"`
	} `xml:"http://xoev.de/transport/xta/211 GenericContentContainer>ContentContainer"`
}
