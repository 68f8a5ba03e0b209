package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"sync"

	"github.com/andybalholm/brotli"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// The page cache keeps the finished bytes of public pages that are the same
// for every anonymous visitor (start page, content pages, section pages), per
// address, compressed once at the highest levels. A hit skips templates and
// compression: most visitors are anonymous and read these pages, and a cheap
// phone on a slow network gains from the smaller body too.
//
// It holds derived data only, never state: every instance fills its own from
// the embedded templates and content, which change only with a new binary.
// A handler opts in with View.Cacheable; Pages.Render stores the page only if the
// visitor's token, staff account or a missing translation did not go into
// it. Requests with a session cookie or a query string always render.

const pageCacheMax = 2048 // entries; 8 languages × all public addresses fit many times

type pageCache struct {
	mu    sync.RWMutex
	pages map[string]*cachedPage
	// queries holds pages of searches whose answer depends on data (the
	// counselling-centre finder: routes with CacheQueries), per address
	// with its query, each with the version of the data it shows: a page
	// of an older version is not served. It is emptied when full, so odd
	// queries cannot crowd it out for good.
	queries map[string]*cachedPage
}

// queryCacheMax bounds the finder's cached result pages.
const queryCacheMax = 1024

// queryCachePath reports whether the page's query results may be cached.
func queryCachePath(r *http.Request) bool { return routeFrom(r).version != nil }

type cachedPage struct {
	version int64 // of the data shown (query pages)
	route   string
	lang    i18n.Lang
	plain   []byte
	gz      []byte
	br      []byte
}

func (c *pageCache) lookup(path string) *cachedPage {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.pages[path]
}

func (c *pageCache) lookupQuery(key string, version int64) *cachedPage {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e := c.queries[key]; e != nil && e.version == version {
		return e
	}
	return nil
}

// store compresses body and keeps it for r's address; nil if the cache is
// full or the request is not one the cache answers.
func (c *pageCache) store(r *http.Request, l i18n.Lang, body []byte, version int64) *cachedPage {
	if !cacheableRequest(r) {
		return nil
	}
	e := &cachedPage{lang: l, plain: bytes.Clone(body), version: version}
	if ri, ok := r.Context().Value(ctxRoute).(*routeInfo); ok {
		e.route = ri.pattern
	}
	var gz, br bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
	bw.Write(body)
	bw.Close()
	e.gz, e.br = gz.Bytes(), br.Bytes()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil {
		c.pages = map[string]*cachedPage{}
	}
	if queryCachePath(r) {
		if c.queries == nil || len(c.queries) >= queryCacheMax {
			c.queries = map[string]*cachedPage{}
		}
		c.queries[r.URL.Path+"?"+r.URL.RawQuery] = e
		return e
	}
	if len(c.pages) >= pageCacheMax {
		return e // serve it this time, keep nothing more
	}
	c.pages[r.URL.Path] = e
	return e
}

// write sends the page with the headers render would have set.
func (e *cachedPage) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", e.lang.HTMLLang)
	h.Add("Vary", "Accept-Encoding")
	body := precompressed(h, r, e.plain, e.gz, e.br)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func cacheableRequest(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(r.URL.RawQuery == "" || (queryCachePath(r) && len(r.URL.RawQuery) <= 300))
}

// servePageCache answers from the cache before sessions are loaded.
func (s *Site) servePageCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cacheableRequest(r) && !s.hasSessionCookie(r) {
			var e *cachedPage
			if version := routeFrom(r).version; version == nil {
				e = s.pages.lookup(r.URL.Path)
			} else {
				// The current version costs one small query; a page of the
				// version before a change in the back office is not served.
				if v, err := version(r.Context()); err == nil {
					e = s.pages.lookupQuery(r.URL.Path+"?"+r.URL.RawQuery, v)
				}
			}
			if e != nil {
				setRoute(r, e.route)
				s.rememberLanguage(w, r, e.lang)
				e.write(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
