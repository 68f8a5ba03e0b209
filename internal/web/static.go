package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, served under a name that contains its content
// hash so it can be cached forever (immutable).
type asset struct {
	name        string // hashed name, e.g. css/app.3f2a1b9c.css
	contentType string
	body        []byte
	compress    bool

	once   sync.Once
	gz, br []byte
}

// assets maps logical names (css/app.css) to hashed assets.
type assets struct {
	byLogical map[string]*asset
	byHashed  map[string]*asset
}

var cssURL = regexp.MustCompile(`url\(\s*(['"]?)([^'")]+)(['"]?)\s*\)`)

// bundles are CSS files concatenated at start so a page loads one stylesheet.
// Relative url()s inside are rewritten to hashed absolute URLs first, so
// concatenation keeps them valid.
var bundles = map[string][]string{
	"css/bundle.css":     {"css/fonts.css", "vendor/kern/kern.min.css", "css/app.css"},
	"css/bundle-rtl.css": {"css/fonts.css", "vendor/kern/kern.min.css", "css/app.css", "css/rtl.css"},
}

func loadAssets() (*assets, error) {
	a := &assets{byLogical: map[string]*asset{}, byHashed: map[string]*asset{}}
	raw := map[string][]byte{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		if strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".txt") || path.Base(name) == "LICENSE" {
			return nil // licences and notes stay in the repository, not on the site
		}
		b, err := fs.ReadFile(staticFS, p)
		raw[name] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	// Non-CSS files first: CSS refers to them by hashed name.
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if path.Ext(n) != ".css" {
			a.add(n, raw[n])
		}
	}
	rewritten := map[string][]byte{}
	for _, n := range names {
		if path.Ext(n) == ".css" {
			b, err := a.rewriteCSS(n, raw[n])
			if err != nil {
				return nil, err
			}
			rewritten[n] = b
			a.add(n, b)
		}
	}
	for bundle, parts := range bundles {
		var buf bytes.Buffer
		for _, p := range parts {
			b, ok := rewritten[p]
			if !ok {
				return nil, fmt.Errorf("static: bundle %s: missing %s", bundle, p)
			}
			buf.Write(b)
			buf.WriteByte('\n')
		}
		a.add(bundle, buf.Bytes())
	}
	return a, nil
}

func (a *assets) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	ext := path.Ext(name)
	hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
	ct := mime.TypeByExtension(ext)
	switch ext {
	case ".woff2":
		ct = "font/woff2"
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	as := &asset{name: hashed, contentType: ct, body: body,
		compress: ext == ".css" || ext == ".js" || ext == ".svg" || ext == ".json" || ext == ".txt"}
	a.byLogical[name] = as
	a.byHashed[hashed] = as
}

func (a *assets) rewriteCSS(name string, b []byte) ([]byte, error) {
	var missing []string
	out := cssURL.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := cssURL.FindSubmatch(m)
		ref := string(sub[2])
		if strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "#") {
			return m
		}
		if strings.Contains(ref, "://") || strings.HasPrefix(ref, "//") {
			missing = append(missing, ref+" (external URLs are not allowed)")
			return m
		}
		clean, suffix := ref, ""
		if i := strings.IndexAny(clean, "?#"); i >= 0 {
			clean, suffix = clean[:i], clean[i:]
		}
		target := path.Clean(path.Join(path.Dir(name), clean))
		if strings.HasPrefix(clean, "/") {
			target = strings.TrimPrefix(clean, "/static/")
		}
		as, ok := a.byLogical[target]
		if !ok {
			missing = append(missing, ref)
			return m
		}
		return []byte("url(/static/" + as.name + suffix + ")")
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("static: %s refers to missing files: %s", name, strings.Join(missing, ", "))
	}
	return out, nil
}

// URL returns the hashed URL of a logical asset name.
func (a *assets) URL(name string) string {
	if as, ok := a.byLogical[name]; ok {
		return "/static/" + as.name
	}
	panic("web: unknown asset " + name)
}

func (as *asset) compressed() {
	as.once.Do(func() {
		if !as.compress {
			return
		}
		var g bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
		zw.Write(as.body)
		zw.Close()
		as.gz = g.Bytes()
		var b bytes.Buffer
		bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
		bw.Write(as.body)
		bw.Close()
		as.br = b.Bytes()
	})
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byHashed[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := as.body
	if as.compress {
		as.compressed()
		body = precompressed(h, r, as.body, as.gz, as.br)
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}
