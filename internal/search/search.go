// Package search is the site search: it finds pages from the words a person
// types ("Miete Schulden", "Sozialhilfe"), in their language with German as
// the fallback. The index is built once from the embedded content.
package search

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sozialplattform/sozialplattform/internal/geo"
)

// Doc is one searchable page in one language.
type Doc struct {
	Lang     string
	Key      string // identifies the page across languages
	Path     string // path below the language prefix, e.g. "leistungen/buergergeld"
	Title    string
	Summary  string
	Keywords []string
	Body     string
}

type doc struct {
	Doc
	title, keywords, summary, body string // folded
}

// Index answers queries.
type Index struct {
	docs []doc
}

// Hit is a result.
type Hit struct {
	Doc
	Score float64
	// FellBack: the page is not in the asked language; this is German.
	FellBack bool
}

// MaxQuery caps a query in characters.
const MaxQuery = 200

// New builds an index.
func New(docs []Doc) *Index {
	ix := &Index{}
	for _, d := range docs {
		ix.docs = append(ix.docs, doc{Doc: d,
			title:    " " + geo.Fold(d.Title) + " ",
			keywords: " " + geo.Fold(strings.Join(d.Keywords, " , ")) + " ",
			summary:  " " + geo.Fold(d.Summary) + " ",
			body:     " " + geo.Fold(d.Body) + " ",
		})
	}
	return ix
}

var tags = regexp.MustCompile(`<[^>]*>`)

// StripHTML turns rendered HTML into text for indexing.
func StripHTML(h string) string { return html.UnescapeString(tags.ReplaceAllString(h, " ")) }

// Terms splits a query into the stems searched for. Short words and common
// function words are dropped; German endings are cut so "Schulden" finds
// "Schuldnerberatung" and "Miete" finds "Mietrückstände".
func Terms(q string) []string {
	if utf8.RuneCountInString(q) > MaxQuery {
		q = string([]rune(q)[:MaxQuery])
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(geo.Fold(q)) {
		if stop[w] || utf8.RuneCountInString(w) < 3 && !hasDigit(w) {
			continue
		}
		w = stem(w)
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
		if len(out) == 8 {
			break
		}
	}
	return out
}

func hasDigit(s string) bool { return strings.IndexFunc(s, unicode.IsDigit) >= 0 }

func stem(w string) string {
	for _, suf := range []string{"ungen", "ung", "en", "er", "es", "e", "n", "s"} {
		if strings.HasSuffix(w, suf) && utf8.RuneCountInString(w)-len(suf) >= 4 {
			return strings.TrimSuffix(w, suf)
		}
	}
	return w
}

var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`der die das und oder fur mit von bei ich wie was wer wo wann ein eine einen einem einer
		ist sind habe hat kann konnen mein meine nicht auch zum zur den dem des auf aus
		the and for with how what who where when can my not are you your get
		jak dla nie czy ich jest как для что это или мне nasil icin bir ile ve bu ne`) {
		stop[w] = true
	}
}

// Search returns up to limit pages in lang matching every term, German
// pages standing in where lang has none; if no page matches every term,
// pages matching most terms are returned.
func (ix *Index) Search(lang, q string, limit int) []Hit {
	terms := Terms(q)
	if len(terms) == 0 {
		return nil
	}
	have := map[string]bool{} // keys present in lang
	for _, d := range ix.docs {
		if d.Lang == lang {
			have[d.Key] = true
		}
	}
	type scored struct {
		Hit
		matched int
	}
	var all []scored
	for i := range ix.docs {
		d := &ix.docs[i]
		fell := false
		if d.Lang != lang {
			if d.Lang != "de" || have[d.Key] {
				continue
			}
			fell = lang != "de"
		}
		score, matched := 0.0, 0
		for _, t := range terms {
			s := 0.0
			s += 8 * field(d.title, t)
			s += 5 * field(d.keywords, t)
			s += 3 * field(d.summary, t)
			s += field(d.body, t)
			if s > 0 {
				matched++
				score += s
			}
		}
		if matched > 0 {
			all = append(all, scored{Hit{Doc: d.Doc, Score: score, FellBack: fell}, matched})
		}
	}
	full := all[:0:0]
	for _, s := range all {
		if s.matched == len(terms) {
			full = append(full, s)
		}
	}
	if len(full) > 0 {
		all = full
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].matched != all[j].matched {
			return all[i].matched > all[j].matched
		}
		if all[i].Score != all[j].Score {
			return all[i].Score > all[j].Score
		}
		return all[i].Title < all[j].Title
	})
	var hits []Hit
	for _, s := range all {
		if limit > 0 && len(hits) == limit {
			break
		}
		hits = append(hits, s.Hit)
	}
	return hits
}

// field scores one term in one folded field: a whole word counts most, the
// start of a word next, inside a compound least; repeats add a little.
func field(f, t string) float64 {
	n := strings.Count(f, t)
	if n == 0 {
		return 0
	}
	s := 1.0
	if strings.Contains(f, " "+t+" ") {
		s = 3
	} else if strings.Contains(f, " "+t) {
		s = 2
	}
	if n > 1 {
		s += 0.2 * float64(min(n-1, 5))
	}
	return s
}
