package apply

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The state cache keeps the finished bytes of a chapter page for the exact
// state it was rendered from: the visitor's session and form token, every
// answer and tick of the application, the chapter, language, query and
// encoding. Showing a chapter again without a change (reloading, going back
// through the list) then costs a session read instead of templates and
// compression. Like the page cache it holds derived data only: a lost or
// cold cache changes nothing but speed, so every instance keeps its own.
// Pages whose content comes from outside the application (uploads, the
// office that receives it) are not cached; entries live a few minutes.

const (
	stateCacheMax = 1024
	stateCacheTTL = 5 * time.Minute
)

type stateCache struct {
	mu sync.Mutex
	m  map[string]*stateEntry
}

type stateEntry struct {
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

// keptHeaders are the response headers a cached page is sent with again
// (cookies never are).
var keptHeaders = []string{"Content-Type", "Content-Language", "Content-Encoding", "Vary", "Cache-Control"}

func stateKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *stateCache) get(key string, now time.Time) *stateEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[key]
	if e == nil || now.After(e.expires) {
		return nil
	}
	return e
}

func (c *stateCache) put(key string, e *stateEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*stateEntry{}
	}
	if len(c.m) >= stateCacheMax {
		for k := range c.m { // any entry: map order is random enough
			delete(c.m, k)
			break
		}
	}
	c.m[key] = e
}

func (e *stateEntry) write(w http.ResponseWriter, r *http.Request) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(e.body)))
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		w.Write(e.body)
	}
}

// captureWriter records what Pages.Render writes, to keep and to send.
type captureWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(s int)   { c.status = s }
func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.buf.Write(p)
}

// cachedRender renders through Pages.Render, keeps a 200 answer under key and
// sends it; cookies Render sets pass through but are not kept.
func (h *Handler) cachedRender(w http.ResponseWriter, r *http.Request, key string, do func(w http.ResponseWriter) error) error {
	cw := &captureWriter{header: http.Header{}}
	if err := do(cw); err != nil {
		return err
	}
	for k, v := range cw.header {
		if k == "Set-Cookie" {
			// Cookies set on w itself (the form token's) stay.
			w.Header()[k] = append(w.Header()[k], v...)
			continue
		}
		w.Header()[k] = v
	}
	w.WriteHeader(cw.status)
	w.Write(cw.buf.Bytes())
	if cw.status != http.StatusOK {
		return nil
	}
	e := &stateEntry{status: cw.status, header: http.Header{}, body: bytes.Clone(cw.buf.Bytes()), expires: h.site.Now().Add(stateCacheTTL)}
	for _, k := range keptHeaders {
		if v, ok := cw.header[k]; ok {
			e.header[k] = v
		}
	}
	h.states.put(key, e)
	return nil
}
