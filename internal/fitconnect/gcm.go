package fitconnect

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
)

// gcmSealer is AES-GCM encryption (NIST SP 800-38D) as a stream: the
// plaintext goes through in pieces and the tag comes at the end. The
// standard library's AEAD only seals a whole message in memory, which for a
// 100 MB proof costs 100 MB; the compact JWE of an attachment needs nothing
// but the stream (the tag is its last part). The output is byte-identical to
// crypto/cipher's GCM with a 96-bit nonce (tested against it).
//
// The counter: with a 96-bit IV, J0 = IV || 0^31 || 1 and the keystream
// starts at inc32(J0). crypto/cipher's CTR increments the whole 128-bit
// block instead of the low 32 bits, which is the same as long as those 32
// bits do not wrap: they start at 2, so that holds for 2^32-2 blocks
// (64 GiB), far above MaxAttachmentSize.
type gcmSealer struct {
	ctr     cipher.Stream
	hash    ghash
	tagMask [16]byte // E_K(J0)
	aadLen  uint64
	n       uint64 // plaintext bytes so far
}

func newGCMSealer(key, iv, aad []byte) (*gcmSealer, error) {
	if len(iv) != 12 {
		return nil, errors.New("fitconnect: GCM needs a 96-bit IV")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var h [16]byte
	block.Encrypt(h[:], h[:])
	s := &gcmSealer{aadLen: uint64(len(aad))}
	s.hash.init(h)
	var j [16]byte
	copy(j[:], iv)
	j[15] = 1
	block.Encrypt(s.tagMask[:], j[:])
	j[15] = 2
	s.ctr = cipher.NewCTR(block, j[:])
	s.hash.update(aad)
	s.hash.pad()
	return s, nil
}

// seal encrypts p into dst (len(dst) >= len(p)).
func (s *gcmSealer) seal(dst, p []byte) {
	s.ctr.XORKeyStream(dst[:len(p)], p)
	s.n += uint64(len(p))
	s.hash.update(dst[:len(p)])
}

// tag finishes the message and returns its 16-byte authentication tag.
func (s *gcmSealer) tag() [16]byte {
	s.hash.pad()
	var lengths [16]byte
	binary.BigEndian.PutUint64(lengths[:8], s.aadLen*8)
	binary.BigEndian.PutUint64(lengths[8:], s.n*8)
	s.hash.update(lengths[:])
	t := s.hash.sum()
	for i := range t {
		t[i] ^= s.tagMask[i]
	}
	return t
}

// ghash is GHASH with H's multiples in a table of 16 (multiplying four bits
// of the operand at a time, Shoup's method). An element is two big-endian
// words of the 16-byte block; GCM numbers the bits so that the first byte's
// most significant bit is the coefficient of x^0, so multiplying by x is a
// shift to the right with the bit that falls off the end (x^128) folded
// back as x^7 + x^2 + x + 1, which is 0xE1 in the first byte.
type ghash struct {
	table  [16]elem // table[v] = v·H, v's most significant bit standing for x^0
	y      elem
	buf    [16]byte // an unfinished block of input
	bufLen int
}

type elem struct{ hi, lo uint64 }

// reduce4[m] is what x^4 times an element whose low four bits are m and
// whose other bits are zero leaves in the high word (the low word is then
// zero): the folded-back remainder of shifting those bits out.
var reduce4 = func() (t [16]uint64) {
	for m := range t {
		e := elem{lo: uint64(m)}
		for range 4 {
			e = e.timesX()
		}
		t[m] = e.hi
	}
	return t
}()

func (e elem) timesX() elem {
	carry := e.lo & 1
	e.lo = e.lo>>1 | e.hi<<63
	e.hi >>= 1
	if carry != 0 {
		e.hi ^= 0xe1 << 56
	}
	return e
}

func (g *ghash) init(h [16]byte) {
	x := elem{binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:])}
	// 8 (0b1000) is x^0, 4 is x^1, 2 is x^2, 1 is x^3.
	for bit := 8; bit > 0; bit >>= 1 {
		g.table[bit] = x
		x = x.timesX()
	}
	for v := 1; v < 16; v++ {
		if v&(v-1) == 0 {
			continue
		}
		low := v & -v
		g.table[v] = elem{g.table[low].hi ^ g.table[v^low].hi, g.table[low].lo ^ g.table[v^low].lo}
	}
}

// mul sets y to y·H: Horner's rule over y's 32 nibbles from the highest
// power of x down.
func (g *ghash) mul() {
	var z elem
	word := g.y.lo
	for i := range 32 {
		if i == 16 {
			word = g.y.hi
		}
		// z = z·x^4 + nibble·H
		r := reduce4[z.lo&15]
		z.lo = z.lo>>4 | z.hi<<60
		z.hi = z.hi>>4 ^ r
		t := &g.table[word&15]
		z.hi ^= t.hi
		z.lo ^= t.lo
		word >>= 4
	}
	g.y = z
}

func (g *ghash) block(b []byte) {
	g.y.hi ^= binary.BigEndian.Uint64(b[:8])
	g.y.lo ^= binary.BigEndian.Uint64(b[8:16])
	g.mul()
}

// update hashes p; a last piece shorter than a block waits for more (or
// for pad).
func (g *ghash) update(p []byte) {
	if g.bufLen > 0 {
		k := copy(g.buf[g.bufLen:], p)
		g.bufLen += k
		p = p[k:]
		if g.bufLen < 16 {
			return
		}
		g.block(g.buf[:])
		g.bufLen = 0
	}
	for len(p) >= 16 {
		g.block(p[:16])
		p = p[16:]
	}
	g.bufLen = copy(g.buf[:], p)
}

// pad completes an unfinished block with zeros.
func (g *ghash) pad() {
	if g.bufLen == 0 {
		return
	}
	clear(g.buf[g.bufLen:])
	g.block(g.buf[:])
	g.bufLen = 0
}

func (g *ghash) sum() (out [16]byte) {
	binary.BigEndian.PutUint64(out[:8], g.y.hi)
	binary.BigEndian.PutUint64(out[8:], g.y.lo)
	return out
}
