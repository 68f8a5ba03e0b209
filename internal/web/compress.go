package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// negotiateEncoding picks brotli, then gzip, from Accept-Encoding.
func NegotiateEncoding(r *http.Request) string {
	ae := r.Header.Get("Accept-Encoding")
	if ae == "" {
		return ""
	}
	br, gz := false, false
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") && !strings.Contains(params, "q=0.") {
			continue
		}
		switch strings.TrimSpace(name) {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case br:
		return "br"
	case gz:
		return "gzip"
	}
	return ""
}

var (
	gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, 5); return w }}
	// Brotli quality 4 compresses pages better than gzip at a similar cost;
	// higher levels cost far more CPU per dynamic page.
	brotliPool = sync.Pool{New: func() any { return brotli.NewWriterLevel(nil, 4) }}
	bufPool    = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// WriteBody writes a dynamic body, compressed when the client accepts it and
// the body is large enough to gain from it.
func WriteBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	enc := ""
	if len(body) > 860 {
		enc = NegotiateEncoding(r)
	}
	if enc == "" {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	out := bufPool.Get().(*bytes.Buffer)
	out.Reset()
	defer bufPool.Put(out)
	switch enc {
	case "br":
		bw := brotliPool.Get().(*brotli.Writer)
		bw.Reset(out)
		bw.Write(body)
		bw.Close()
		brotliPool.Put(bw)
	case "gzip":
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(out)
		zw.Write(body)
		zw.Close()
		gzipPool.Put(zw)
	}
	h.Set("Content-Encoding", enc)
	h.Set("Content-Length", strconv.Itoa(out.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(out.Bytes())
	}
}

// precompressed picks the variant of a body compressed ahead of time that the
// client accepts, and sets Content-Encoding for it.
func precompressed(h http.Header, r *http.Request, plain, gz, br []byte) []byte {
	switch NegotiateEncoding(r) {
	case "br":
		h.Set("Content-Encoding", "br")
		return br
	case "gzip":
		h.Set("Content-Encoding", "gzip")
		return gz
	}
	return plain
}
