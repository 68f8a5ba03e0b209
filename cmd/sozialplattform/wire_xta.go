package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/xta"
	xtastandin "github.com/sozialplattform/sozialplattform/internal/xta/standin"
)

// Delivery over XTA 2: the office's XTA address from the office directory
// is its organisation key; the configured directory (instead of the DVDV)
// names the reader for that key and the service. The XTA server takes the
// message over mutual TLS and carries it on by OSCI; the application is
// delivered when its transport report says Success.

// xtaService names the service of an application in XTA: the LeiKa
// service's URN (our choice, as long as there is no XÖV service list for
// XSozial applications in the directory).
func xtaService(leika string) string { return "urn:de:fim:leika:leistung:" + leika }

const xtaBusinessScenario = "XSOZIAL_ANTRAG"

// xtaLink hands out the XTA client and the directory look-up.
type xtaLink interface {
	Client(ctx context.Context) (*xta.Client, xta.Identifier, error)
	Lookup(ctx context.Context, organisation, service string) (xta.Endpoint, error)
}

type xtaTransport struct{ link xtaLink }

func (t *xtaTransport) Name() string { return "xta" }

func (t *xtaTransport) Deliver(ctx context.Context, destination string, p *delivery.Parcel, state []byte, save func([]byte) error) (delivery.Result, error) {
	var st xta.SendState
	if len(state) > 0 {
		if err := json.Unmarshal(state, &st); err != nil {
			return delivery.Result{}, fmt.Errorf("delivery state: %w", err)
		}
	}
	client, author, err := t.link.Client(ctx)
	if err != nil {
		return delivery.Result{}, err
	}
	service := xtaService(p.Submission.LeiKa)
	ep, err := t.link.Lookup(ctx, destination, service)
	if err != nil {
		return delivery.Result{}, err
	}
	m := xta.Message{Author: author, Reader: ep.Reader, Service: service, BusinessScenario: xtaBusinessScenario,
		Parts: []xta.Part{{Name: "antrag-" + p.Submission.ID + ".xml", MediaType: "application/xml", Data: p.Data}}}
	res := delivery.Result{Hashes: map[string]string{"antrag.xml (SHA-256)": sha256Hex(p.Data)}}
	for _, part := range p.Parts {
		m.Parts = append(m.Parts, xta.Part{Name: part.Name, MediaType: part.MediaType, Open: part.Open, Size: part.Size})
		if part.SHA256 != "" {
			res.Hashes[part.Name+" (SHA-256)"] = part.SHA256
		}
	}
	report, err := client.Send(ctx, m, &st, func(s *xta.SendState) error {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return save(b)
	})
	res.Reference = st.MessageID
	if err != nil {
		return res, err
	}
	switch report.Status {
	case xta.StatusSuccess:
		res.Confirmed = true
	case xta.StatusError:
		// The XTA server gave up on this message; a person has to look.
		return res, fmt.Errorf("XTA transport report: Error: %s", report.Details)
	}
	return res, nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// xtaConfigured is the configured XTA server and directory.
type xtaConfigured struct {
	client *xta.Client
	author xta.Identifier
	dir    xta.Directory
}

func (x *xtaConfigured) Client(context.Context) (*xta.Client, xta.Identifier, error) {
	return x.client, x.author, nil
}

func (x *xtaConfigured) Lookup(_ context.Context, organisation, service string) (xta.Endpoint, error) {
	return x.dir.Lookup(organisation, service)
}

// xtaTransport reads the XTA settings: key pair, roots, directory.
func (m *Main) xtaTransport() (*xtaTransport, error) {
	cfg := m.Config
	pemBytes, err := os.ReadFile(cfg.XTAKeyFile)
	if err != nil {
		return nil, fmt.Errorf("--xta-key: %w", err)
	}
	cert, err := tls.X509KeyPair(pemBytes, pemBytes)
	if err != nil {
		return nil, fmt.Errorf("--xta-key: %w", err)
	}
	x := &xtaConfigured{}
	var roots *x509.CertPool
	if cfg.XTARoots != "" {
		if roots, err = certPool(cfg.XTARoots); err != nil {
			return nil, fmt.Errorf("--xta-roots: %w", err)
		}
	}
	b, err := os.ReadFile(cfg.XTADirectory)
	if err != nil {
		return nil, fmt.Errorf("--xta-directory: %w", err)
	}
	if x.dir, err = xta.ParseDirectory(b); err != nil {
		return nil, fmt.Errorf("--xta-directory: %w", err)
	}
	cat, val, _ := strings.Cut(cfg.XTAAuthor, ":")
	x.author = xta.Identifier{Category: cat, Value: val, Name: "Sozialplattform"}
	if x.client, err = xta.New(xta.Config{ManagementURL: cfg.XTAManagementURL, SendURL: cfg.XTASendURL,
		Certificate: cert, Roots: roots, Author: x.author}); err != nil {
		return nil, err
	}
	return &xtaTransport{link: x}, nil
}

// xtaStandin is the embedded default's XTA server: the local stand-in over
// mutual TLS on a loopback port, started by the first delivery; every
// office XTA address is a reader there that takes every service.
type xtaStandin struct {
	m      *Main
	once   sync.Once
	err    error
	srv    *xtastandin.Server
	client *xta.Client

	mu       sync.Mutex
	services map[string][]string // reader → services it was given
}

var xtaStandinAuthor = xta.Identifier{Category: "dvdv", Value: "sozialplattform-demo", Name: "Sozialplattform"}

func (x *xtaStandin) Client(ctx context.Context) (*xta.Client, xta.Identifier, error) {
	x.once.Do(func() { x.err = x.start() })
	return x.client, xtaStandinAuthor, x.err
}

func (x *xtaStandin) start() error {
	srv, err := xtastandin.New(xtastandin.Config{Dir: filepath.Join(x.m.Config.DataDir, "xta"), Now: x.m.DB.Now})
	if err != nil {
		return err
	}
	cert, err := srv.IssueClient("sozialplattform")
	if err != nil {
		return err
	}
	a := xtaStandinAuthor
	if err := srv.AddAccount(xtastandin.Account{Name: "sozialplattform", Identifier: xtastandin.Identifier{Category: a.Category, Value: a.Value, Name: a.Name}}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, TLSConfig: srv.ServerTLS(), ReadHeaderTimeout: 10 * time.Second}
	go hs.ServeTLS(ln, "", "")
	x.m.mu.Lock()
	x.m.closers = append(x.m.closers, func() { hs.Close() })
	x.m.XTA = srv
	x.m.mu.Unlock()
	mgmt, send, box := xtastandin.URLs("https://" + ln.Addr().String())
	x.client, err = xta.New(xta.Config{ManagementURL: mgmt, SendURL: send, MsgBoxURL: box, Certificate: cert, Roots: srv.CAPool(), Author: a})
	x.srv = srv
	return err
}

// Lookup makes the office a reader of the stand-in on first use.
func (x *xtaStandin) Lookup(ctx context.Context, organisation, service string) (xta.Endpoint, error) {
	if _, _, err := x.Client(ctx); err != nil {
		return xta.Endpoint{}, err
	}
	reader := xta.Identifier{Category: "dvdv", Value: organisation, Name: "Demo-Stelle " + organisation}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.services == nil {
		x.services = map[string][]string{}
	}
	if !slices.Contains(x.services[organisation], service) {
		x.services[organisation] = append(x.services[organisation], service)
		err := x.srv.AddAccount(xtastandin.Account{Name: "reader:" + organisation,
			Identifier: xtastandin.Identifier{Category: reader.Category, Value: reader.Value, Name: reader.Name}, Services: x.services[organisation]})
		if err != nil {
			return xta.Endpoint{}, err
		}
	}
	return xta.Endpoint{Reader: reader}, nil
}

// XTAStandin is the running XTA stand-in, nil before the first delivery.
func (m *Main) XTAStandin() *xtastandin.Server {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.XTA
}
