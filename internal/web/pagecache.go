package web

import (
	"bytes"
	"compress/gzip"
	"hash/maphash"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/andybalholm/brotli"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// The page cache keeps the finished bytes of public pages that are the same
// for every anonymous visitor (start page, content pages, section pages), per
// address. A hit skips templates and compression: most visitors are anonymous
// and read these pages, and a cheap phone on a slow network gains from the
// smaller body too.
//
// It holds derived data only, never state: every instance fills its own from
// the embedded templates and content, which change only with a new binary.
// A handler opts in with View.Cacheable; Pages.Render stores the page only if the
// visitor's token, staff account or a missing translation did not go into
// it. Requests with a session cookie always render, and so do requests
// with a query string except on routes with CacheQueries.
//
// Nothing a visitor can vary may cost much (security finding, issue 16,
// item 0): a page is compressed in the request path only at fast levels
// with a small window (gzip 5, brotli 5 with a 256 KiB window, a few
// hundred KiB of memory); a page without a query that is asked for again
// is compressed at the highest levels once, in the background, one page at
// a time. A query page is kept only when the same query comes a second
// time: a flood of distinct queries is rendered and compressed once each
// (like any dynamic page) and leaves nothing behind. The cache is bounded
// in entries and in bytes, and a full cache evicts entries at random (Go's
// map order) instead of refusing new ones.

const (
	pageCacheMax   = 2048     // entries without a query: 8 languages × all public addresses fit many times
	queryCacheMax  = 512      // entries with a query (the finder's result pages)
	pageCacheBytes = 32 << 20 // all entries together
	queryCacheByts = 8 << 20  // of which entries with a query
	// queriesSeenMax bounds the hashes of queries seen once; the set is
	// emptied when full.
	queriesSeenMax = 8192
	// Request-path compression: fast, with a small window.
	fastGzipLevel   = 5
	fastBrotliLevel = 5
	fastBrotliWin   = 18
	// Background compression of pages without a query.
	bestBrotliWin = 20 // 1 MiB: more than any page; a wider window gains nothing
)

type pageCache struct {
	mu    sync.Mutex
	pages map[string]*cachedPage
	// queries holds pages of searches whose answer depends on data (the
	// counselling-centre finder: routes with CacheQueries), per address
	// with its query, each with the version of the data it shows: a page
	// of an older version is not served.
	queries map[string]*cachedPage
	// seen holds the hashes of queries asked for once and not yet kept.
	seen      map[uint64]struct{}
	seed      maphash.Seed
	seedOnce  sync.Once
	bytes     int64 // of all entries
	qbytes    int64 // of entries in queries
	upgrading atomic.Bool
}

// queryCachePath reports whether the page's query results may be cached.
func queryCachePath(r *http.Request) bool { return routeFrom(r).version != nil }

type cachedPage struct {
	version int64 // of the data shown (query pages)
	route   string
	lang    i18n.Lang
	plain   []byte
	enc     atomic.Pointer[encodings]
	size    int64 // as counted in pageCache.bytes
	query   bool
}

// encodings are a page's compressed forms; best when at the highest levels.
type encodings struct {
	gz, br []byte
	best   bool
}

func (c *pageCache) lookup(path string) *cachedPage {
	c.mu.Lock()
	e := c.pages[path]
	c.mu.Unlock()
	if e != nil && !e.enc.Load().best {
		c.upgrade(path, e)
	}
	return e
}

func (c *pageCache) lookupQuery(key string, version int64) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.queries[key]; e != nil && e.version == version {
		return e
	}
	return nil
}

// Stats reports the page cache's entries and their bytes.
func (c *pageCache) stats() (entries int, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pages) + len(c.queries), c.bytes
}

// PageCacheStats reports the number of pages in the page cache and the bytes
// they hold (for tests and metrics).
func (s *Site) PageCacheStats() (entries int, bytes int64) { return s.pages.stats() }

// secondSighting reports whether key was seen before, and remembers it
// otherwise.
func (c *pageCache) secondSighting(key string) bool {
	c.seedOnce.Do(func() { c.seed = maphash.MakeSeed() })
	h := maphash.String(c.seed, key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[h]; ok {
		delete(c.seen, h)
		return true
	}
	if c.seen == nil || len(c.seen) >= queriesSeenMax {
		c.seen = map[uint64]struct{}{}
	}
	c.seen[h] = struct{}{}
	return false
}

// compressFast compresses body at the levels fit for the request path.
func compressFast(body []byte) *encodings {
	var gz, br bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, fastGzipLevel)
	zw.Write(body)
	zw.Close()
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: fastBrotliLevel, LGWin: fastBrotliWin})
	bw.Write(body)
	bw.Close()
	return &encodings{gz: gz.Bytes(), br: br.Bytes()}
}

// compressBest compresses body at the highest levels (slow: background only).
func compressBest(body []byte) *encodings {
	var gz, br bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: bestBrotliWin})
	bw.Write(body)
	bw.Close()
	return &encodings{gz: gz.Bytes(), br: br.Bytes(), best: true}
}

func entrySize(key string, e *cachedPage, enc *encodings) int64 {
	return int64(len(key)+len(e.plain)+len(enc.gz)+len(enc.br)) + 256
}

// upgrade compresses a page without a query at the highest levels in the
// background, one page at a time; if another is being compressed, a later
// hit tries again.
func (c *pageCache) upgrade(key string, e *cachedPage) {
	if !c.upgrading.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer c.upgrading.Store(false)
		enc := compressBest(e.plain)
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.pages[key] != e {
			return // evicted or replaced meanwhile
		}
		size := entrySize(key, e, enc)
		c.bytes += size - e.size
		e.size = size
		e.enc.Store(enc)
	}()
}

// store keeps body for r's address and returns the entry to answer with;
// nil if the page is not kept (the caller writes it as a dynamic page).
func (c *pageCache) store(r *http.Request, l i18n.Lang, body []byte, version int64) *cachedPage {
	if !cacheableRequest(r) {
		return nil
	}
	query := r.URL.RawQuery != ""
	key := r.URL.Path
	if query {
		key += "?" + r.URL.RawQuery
		if !c.secondSighting(key) {
			return nil
		}
	} else {
		c.mu.Lock()
		full := len(c.pages) >= pageCacheMax && c.pages[key] == nil
		c.mu.Unlock()
		if full {
			return nil // the set of addresses is fixed: a full cache means a bug, not a visitor
		}
	}
	e := &cachedPage{lang: l, plain: bytes.Clone(body), version: version, query: query}
	if ri, ok := r.Context().Value(ctxRoute).(*routeInfo); ok {
		e.route = ri.pattern
	}
	enc := compressFast(body)
	e.enc.Store(enc)
	e.size = entrySize(key, e, enc)
	if e.size > queryCacheByts {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil {
		c.pages = map[string]*cachedPage{}
		c.queries = map[string]*cachedPage{}
	}
	if query {
		c.remove(c.queries, key)
		for len(c.queries) > 0 && (len(c.queries) >= queryCacheMax || c.qbytes+e.size > queryCacheByts || c.bytes+e.size > pageCacheBytes) {
			c.evictOne(c.queries)
		}
		if c.bytes+e.size > pageCacheBytes {
			return nil
		}
		c.queries[key] = e
		c.qbytes += e.size
	} else {
		c.remove(c.pages, key)
		for len(c.queries) > 0 && c.bytes+e.size > pageCacheBytes {
			c.evictOne(c.queries)
		}
		for len(c.pages) > 0 && (len(c.pages) >= pageCacheMax || c.bytes+e.size > pageCacheBytes) {
			c.evictOne(c.pages)
		}
		c.pages[key] = e
	}
	c.bytes += e.size
	return e
}

// remove drops key from m; c.mu is held.
func (c *pageCache) remove(m map[string]*cachedPage, key string) {
	e := m[key]
	if e == nil {
		return
	}
	delete(m, key)
	c.bytes -= e.size
	if e.query {
		c.qbytes -= e.size
	}
}

// evictOne drops an entry of m at random (map order); c.mu is held.
func (c *pageCache) evictOne(m map[string]*cachedPage) {
	for k := range m {
		c.remove(m, k)
		return
	}
}

// write sends the page with the headers render would have set.
func (e *cachedPage) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", e.lang.HTMLLang)
	h.Add("Vary", "Accept-Encoding")
	enc := e.enc.Load()
	body := precompressed(h, r, e.plain, enc.gz, enc.br)
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
