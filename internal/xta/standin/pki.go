package standin

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is the stand-in's test CA and its server certificate. Keys are ECDSA
// P-256: fast to make, and nothing here is real.
type pki struct {
	ca     *x509.Certificate
	caKey  crypto.Signer
	server tls.Certificate
}

// loadOrMakePKI reads the CA and server certificate from dir (when not
// empty) or makes and saves them, so a restarted stand-in keeps its CA and
// the clients' certificates stay valid.
func loadOrMakePKI(dir string, names []string) (*pki, error) {
	if dir != "" {
		p, err := loadPKI(dir)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "XTA stand-in test CA", Organization: []string{"Sozialplattform (test only)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	p := &pki{ca: ca, caKey: caKey}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "XTA stand-in server"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if p.server, err = p.issue(tmpl); err != nil {
		return nil, err
	}
	if dir != "" {
		if err := p.save(dir); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

// issue signs tmpl (with a new key) by the CA.
func (p *pki) issue(tmpl *x509.Certificate) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.AddDate(2, 0, 0)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, key.Public(), p.caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, p.ca.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

func (p *pki) save(dir string) error {
	d := filepath.Join(dir, "pki")
	if err := os.MkdirAll(d, 0o700); err != nil {
		return err
	}
	caKey, err := x509.MarshalPKCS8PrivateKey(p.caKey)
	if err != nil {
		return err
	}
	srvKey, err := x509.MarshalPKCS8PrivateKey(p.server.PrivateKey)
	if err != nil {
		return err
	}
	files := map[string]*pem.Block{
		"ca.pem":         {Type: "CERTIFICATE", Bytes: p.ca.Raw},
		"ca-key.pem":     {Type: "PRIVATE KEY", Bytes: caKey},
		"server.pem":     {Type: "CERTIFICATE", Bytes: p.server.Certificate[0]},
		"server-key.pem": {Type: "PRIVATE KEY", Bytes: srvKey},
	}
	for name, b := range files {
		if err := writeFileAtomic(filepath.Join(d, name), pem.EncodeToMemory(b)); err != nil {
			return err
		}
	}
	return nil
}

func loadPKI(dir string) (*pki, error) {
	d := filepath.Join(dir, "pki")
	read := func(name, typ string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(d, name))
		if err != nil {
			return nil, err
		}
		block, _ := pem.Decode(b)
		if block == nil || block.Type != typ {
			return nil, fmt.Errorf("standin: %s is not a PEM %s", name, typ)
		}
		return block.Bytes, nil
	}
	caDER, err := read("ca.pem", "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	caKeyDER, err := read("ca-key.pem", "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	srvDER, err := read("server.pem", "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	srvKeyDER, err := read("server-key.pem", "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	caKey, err := x509.ParsePKCS8PrivateKey(caKeyDER)
	if err != nil {
		return nil, err
	}
	srvKey, err := x509.ParsePKCS8PrivateKey(srvKeyDER)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(srvDER)
	if err != nil {
		return nil, err
	}
	signer, ok := caKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("standin: CA key cannot sign")
	}
	return &pki{ca: ca, caKey: signer,
		server: tls.Certificate{Certificate: [][]byte{srvDER, caDER}, PrivateKey: srvKey, Leaf: leaf}}, nil
}

func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
