package counselling

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/search"
)

// The finder. All centres are held in an index in memory (20,000 centres
// are a few MB), rebuilt when the directory's version in the database has
// moved on, so that a change in the back office is found at once by every
// instance; a search is then a scan without any query but the version.

// Query is what a person searches for.
type Query struct {
	Text     string
	HasPlace bool
	Lat, Lon float64
	RadiusKm float64
	Types    []string // any of them
	Language string   // ISO 639-1; "" any
	Online   bool
	Offset   int
	Limit    int
}

// Hit is a found centre with the location nearest to the place searched.
type Hit struct {
	Centre     *Centre
	Location   *Location
	DistanceKm float64 // when the query had a place
}

// Result is a page of hits and how many matched in all.
type Result struct {
	Hits  []Hit
	Total int
}

// Index is the searchable form of a set of centres. It is immutable. What
// every search touches lies in compact arrays (a type bit mask and flags
// per centre; the locations in cells of a coordinate grid), because
// walking 20,000 Centre structs costs a cache miss each.
type Index struct {
	centres []*Centre
	entries []entry
	text    []string // folded name, offers, topics, type words, Träger
	rank    []int32  // position of each centre in name order
	order   []int32  // centres in name order (ties by ID): the order without a place
	locs    []locEntry
	grid    map[cell][]int32 // cell → indices into locs
	bySlug  map[string]*Centre
	byID    map[string]*Centre
}

type entry struct {
	types  uint8 // bit i: Types[i]
	online bool
}

type locEntry struct {
	lat, lon float64
	centre   int32
	loc      int32
}

// cell is a grid square of cellDeg degrees.
type cell struct{ lat, lon int32 }

const cellDeg = 0.25 // about 28 km north–south, 17 km east–west in Germany

func cellOf(lat, lon float64) cell {
	return cell{int32(math.Floor(lat / cellDeg)), int32(math.Floor(lon / cellDeg))}
}

// NewIndex builds the index of centres.
func NewIndex(centres []*Centre) *Index {
	n := len(centres)
	ix := &Index{centres: centres, entries: make([]entry, n), text: make([]string, n), rank: make([]int32, n),
		grid: map[cell][]int32{}, bySlug: map[string]*Centre{}, byID: map[string]*Centre{}}
	names := make([]string, n)
	for i, c := range centres {
		var b strings.Builder
		b.WriteString(c.Name)
		for _, list := range [][]string{c.Offers, c.Topics} {
			for _, s := range list {
				b.WriteByte(' ')
				b.WriteString(s)
			}
		}
		e := entry{online: c.Online()}
		for k, t := range Types {
			if c.HasType(t) {
				e.types |= 1 << k
				b.WriteByte(' ')
				b.WriteString(typeWords[t])
			}
		}
		b.WriteByte(' ')
		b.WriteString(c.Traeger)
		ix.entries[i] = e
		ix.text[i] = " " + geo.Fold(b.String()) + " "
		names[i] = geo.Fold(c.Name)
		ix.bySlug[c.Slug] = c
		ix.byID[c.ID] = c
		ix.order = append(ix.order, int32(i))
		for li, l := range c.Locations {
			k := cellOf(l.Lat, l.Lon)
			ix.grid[k] = append(ix.grid[k], int32(len(ix.locs)))
			ix.locs = append(ix.locs, locEntry{l.Lat, l.Lon, int32(i), int32(li)})
		}
	}
	slices.SortFunc(ix.order, func(a, b int32) int {
		if n := strings.Compare(names[a], names[b]); n != 0 {
			return n
		}
		return strings.Compare(centres[a].ID, centres[b].ID)
	})
	for r, i := range ix.order {
		ix.rank[i] = int32(r)
	}
	return ix
}

// Len is the number of centres.
func (ix *Index) Len() int { return len(ix.centres) }

// Centre finds a centre by slug or ID.
func (ix *Index) Centre(key string) (*Centre, bool) {
	if c, ok := ix.bySlug[key]; ok {
		return c, true
	}
	c, ok := ix.byID[key]
	return c, ok
}

// Search finds the centres that match every criterion: within the radius
// of the place (nearest location), of one of the types, speaking the
// language, counselling online, and containing every word of the text
// (stemmed as the site search does, found inside compounds, so "Schulden"
// finds "Schuldnerberatung"). With a place the order is by distance, else
// by name; ties by name and ID, so pages are stable.
func (ix *Index) Search(q Query) Result {
	terms := search.Terms(q.Text)
	var mask uint8
	for k, t := range Types {
		if slices.Contains(q.Types, t) {
			mask |= 1 << k
		}
	}
	match := func(i int32) bool {
		e := ix.entries[i]
		return (mask == 0 || e.types&mask != 0) && (!q.Online || e.online) &&
			(q.Language == "" || slices.Contains(ix.centres[i].Languages, q.Language)) && containsAll(ix.text[i], terms)
	}
	type cand struct {
		i   int32
		loc int32
		km  float64
	}
	var found []cand
	if q.HasPlace {
		// Only the grid cells the radius can reach, then the exact distance.
		dLat := q.RadiusKm / 111.2
		dLon := q.RadiusKm / (111.2 * math.Max(0.1, math.Cos(q.Lat*math.Pi/180)))
		lo, hi := cellOf(q.Lat-dLat, q.Lon-dLon), cellOf(q.Lat+dLat, q.Lon+dLon)
		nearest := map[int32]cand{}
		for la := lo.lat; la <= hi.lat; la++ {
			for lo2 := lo.lon; lo2 <= hi.lon; lo2++ {
				for _, li := range ix.grid[cell{la, lo2}] {
					l := &ix.locs[li]
					d := distanceKm(q.Lat, q.Lon, l.lat, l.lon)
					if d > q.RadiusKm {
						continue
					}
					if c, ok := nearest[l.centre]; !ok || d < c.km {
						nearest[l.centre] = cand{l.centre, l.loc, d}
					}
				}
			}
		}
		for _, c := range nearest {
			if match(c.i) {
				found = append(found, c)
			}
		}
		slices.SortFunc(found, func(a, b cand) int {
			switch {
			case a.km < b.km:
				return -1
			case a.km > b.km:
				return 1
			}
			return int(ix.rank[a.i] - ix.rank[b.i])
		})
	} else {
		for _, i := range ix.order {
			if match(i) {
				found = append(found, cand{i, 0, 0})
			}
		}
	}
	res := Result{Total: len(found)}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	for k := max(q.Offset, 0); k < len(found) && k < q.Offset+limit; k++ {
		f := found[k]
		c := ix.centres[f.i]
		h := Hit{Centre: c, DistanceKm: f.km}
		if int(f.loc) < len(c.Locations) {
			h.Location = &c.Locations[f.loc]
		}
		res.Hits = append(res.Hits, h)
	}
	return res
}

// containsAll: every term occurs in text. Terms are stems; they are found
// inside words too ("schuld" in "schuldnerberatung"), but a term shorter
// than four letters must start a word, so "alt" does not find "Verwaltung".
func containsAll(text string, terms []string) bool {
	for _, t := range terms {
		if len(t) < 4 {
			if !strings.Contains(text, " "+t) {
				return false
			}
			continue
		}
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

// distanceKm is the great-circle distance (haversine, mean earth radius).
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// DirectoryStore is what the finder reads.
type DirectoryStore interface {
	// CentresVersion changes with every write to the centres.
	CentresVersion(ctx context.Context) (int64, error)
	AllCentres(ctx context.Context) ([]*Centre, error)
}

// Directory keeps the index of the stored centres up to date.
type Directory struct {
	Store DirectoryStore

	mu      sync.Mutex
	version int64
	index   *Index
}

// Index returns the index of the centres as they are stored now.
func (d *Directory) Index(ctx context.Context) (*Index, error) {
	ix, _, err := d.IndexVersion(ctx)
	return ix, err
}

// Version is the stored centres' version.
func (d *Directory) Version(ctx context.Context) (int64, error) { return d.Store.CentresVersion(ctx) }

// IndexVersion returns the current index and the version it was built
// from (at least as new as the version read at the start).
func (d *Directory) IndexVersion(ctx context.Context) (*Index, int64, error) {
	v, err := d.Store.CentresVersion(ctx)
	if err != nil {
		return nil, 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.index != nil && d.version == v {
		return d.index, v, nil
	}
	all, err := d.Store.AllCentres(ctx)
	if err != nil {
		return nil, 0, err
	}
	d.index, d.version = NewIndex(all), v
	return d.index, v, nil
}
