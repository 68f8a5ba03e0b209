package geo

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// The name index answers exact and prefix look-ups at a cost that does not
// grow with the number of names matching a prefix: "B" matches thousands,
// and sorting them on every keystroke cost ~370 µs. A prefix whose range
// holds more than smallRange keys has its best places (by population)
// computed once at Load; a smaller range is collected and sorted on the
// spot, at most smallRange keys.
const (
	smallRange = 64
	topN       = 64 // ≥ the largest limit a caller asks for (the API's 50)
)

// nameEntry is one place under one folded key. primary: the key is a name
// of the place itself (official, common or an exonym people mean by it),
// not of a district or village in it; full: the whole name, not only its
// part before a bracket ("Halle" for "Halle (Saale)").
type nameEntry struct {
	place         *Place
	primary, full bool
	name          string // an alias's own name (a district), "" for a place's own
}

type nameIndex struct {
	keys []string      // folded, sorted, unique
	at   [][]nameEntry // per key: primary first, then by population
	top  map[string][]nameEntry
}

type indexBuilder struct{ m map[string][]nameEntry }

func newIndexBuilder() *indexBuilder { return &indexBuilder{m: map[string][]nameEntry{}} }

func (b *indexBuilder) addPrimary(name string, p *Place) { b.add(name, p, true) }
func (b *indexBuilder) addAlias(name string, p *Place)   { b.add(name, p, false) }

func (b *indexBuilder) add(name string, p *Place, primary bool) {
	own := ""
	if !primary {
		own = name
	}
	full := Fold(name)
	b.put(full, nameEntry{p, primary, true, own})
	if short := Fold(shortName(name)); short != full && short != "" {
		b.put(short, nameEntry{p, primary, false, own})
	}
}

func (b *indexBuilder) put(key string, e nameEntry) {
	if key == "" {
		return
	}
	es := b.m[key]
	for i, have := range es {
		if have.place == e.place {
			// One entry per place and key, the strongest.
			es[i].primary = have.primary || e.primary
			es[i].full = have.full || e.full
			return
		}
	}
	b.m[key] = append(es, e)
}

func (b *indexBuilder) build() nameIndex {
	// Rank every place once, so the many sorts below compare two integers.
	var all []*Place
	for _, es := range b.m {
		for _, e := range es {
			if e.place.rank == 0 {
				e.place.rank = -1
				all = append(all, e.place)
			}
		}
	}
	slices.SortFunc(all, func(a, b *Place) int {
		if byPopulation(a, b) {
			return -1
		}
		if byPopulation(b, a) {
			return 1
		}
		return 0
	})
	for i, p := range all {
		p.rank = int32(i + 1)
	}
	ix := nameIndex{keys: make([]string, 0, len(b.m)), top: map[string][]nameEntry{}}
	for k := range b.m {
		ix.keys = append(ix.keys, k)
	}
	sort.Strings(ix.keys)
	ix.at = make([][]nameEntry, len(ix.keys))
	for i, k := range ix.keys {
		es := b.m[k]
		slices.SortFunc(es, func(a, b nameEntry) int {
			if a.primary != b.primary {
				if a.primary {
					return -1
				}
				return 1
			}
			return int(a.place.rank - b.place.rank)
		})
		ix.at[i] = es
	}
	ix.buildTop(0, len(ix.keys), 0)
	return ix
}

// buildTop walks the sorted keys as a trie: keys[lo:hi] share their first
// depth bytes; every longer prefix with more than smallRange keys gets its
// best entries.
func (ix *nameIndex) buildTop(lo, hi, depth int) {
	for i := lo; i < hi; {
		k := ix.keys[i]
		if len(k) <= depth {
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(k[depth:])
		p := k[:depth+size]
		j := i
		for j < hi && strings.HasPrefix(ix.keys[j], p) {
			j++
		}
		if j-i > smallRange {
			ix.top[p] = ix.collect(i, j, topN)
			ix.buildTop(i, j, depth+size)
		}
		i = j
	}
}

// collect gathers the entries of keys[lo:hi], one per place (the
// strongest), by population, at most n.
func (ix *nameIndex) collect(lo, hi, n int) []nameEntry {
	var out []nameEntry
	for i := lo; i < hi; i++ {
		out = append(out, ix.at[i]...)
	}
	slices.SortFunc(out, func(a, b nameEntry) int { return int(a.place.rank - b.place.rank) })
	// Entries of one place are now side by side: keep one, the strongest.
	w := 0
	for _, e := range out {
		if w > 0 && out[w-1].place == e.place {
			out[w-1].primary = out[w-1].primary || e.primary
			continue
		}
		out[w] = e
		w++
	}
	out = out[:w]
	if len(out) > n {
		out = slices.Clone(out[:n])
	}
	return out
}

// exact is the entries under key.
func (ix *nameIndex) exact(key string) []nameEntry {
	i := sort.SearchStrings(ix.keys, key)
	if i < len(ix.keys) && ix.keys[i] == key {
		return ix.at[i]
	}
	return nil
}

// prefixed is the best entries of all keys that begin with prefix, by
// population: from the table for a wide prefix, else gathered.
func (ix *nameIndex) prefixed(prefix string) []nameEntry {
	lo := sort.SearchStrings(ix.keys, prefix)
	hi := sort.SearchStrings(ix.keys, prefix+"\xff")
	if hi-lo > smallRange {
		if t, ok := ix.top[prefix]; ok {
			return t
		}
	}
	return ix.collect(lo, hi, topN)
}
