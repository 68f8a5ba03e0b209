package upload

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Encrypted blob format (version 1). A blob is
//
//	header   = "SPUP" | 0x01 | prefix (7 random bytes)              12 bytes
//	segment* = AES-256-GCM(plaintext of segSize bytes) | tag         segSize+16 bytes
//	last     = AES-256-GCM(plaintext of 0..segSize bytes) | tag      16..segSize+16 bytes
//
// Every file has its own key, HKDF-SHA256(secret = Service.Key, salt = the
// file's random 32-byte KeySalt kept only in its database row, info =
// "sozialplattform upload v1 " + file ID). Segment i is sealed with the nonce
// prefix | uint32 big-endian i | flag, where flag is 1 for the last segment
// and 0 otherwise, and with the header as additional data. So a reader
// detects a changed byte (tag), reordered or dropped segments (counter in the
// nonce), a cut at a segment boundary (the new last segment was sealed with
// flag 0) and anything appended (the old last segment was sealed with flag 1).
// A file whose size is a multiple of segSize ends with a full last segment;
// an empty one has one empty last segment. The construction is the "STREAM"
// one of Hoang, Reyhanitabar, Rogaway and Vizár (also used by Tink and age).
//
// Because the salt exists only in the row, deleting the row makes the blob
// unreadable even with the master key (and in any backup of the blobs).
const (
	segSize    = 64 << 10
	tagSize    = 16
	prefixSize = 7
	headerSize = 4 + 1 + prefixSize
	saltSize   = 32
	formatV1   = 1
)

var magic = [4]byte{'S', 'P', 'U', 'P'}

// ErrCorrupt means a stored blob failed verification: it was changed,
// truncated or does not belong to this file. No unverified byte is returned.
var ErrCorrupt = errors.New("upload: stored file is damaged or was changed")

func fileKey(master, salt []byte, id string) (cipher.AEAD, error) {
	if len(master) != 32 {
		return nil, errors.New("upload: Key must be 32 bytes")
	}
	if len(salt) != saltSize {
		return nil, errors.New("upload: file has no key salt")
	}
	k, err := hkdf.Key(sha256.New, master, salt, "sozialplattform upload v1 "+id, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func segNonce(dst *[12]byte, prefix []byte, i uint32, last bool) []byte {
	copy(dst[:prefixSize], prefix)
	binary.BigEndian.PutUint32(dst[prefixSize:], i)
	dst[11] = 0
	if last {
		dst[11] = 1
	}
	return dst[:]
}

// sealer encrypts what is written to it into w in the format above. Close
// seals the last segment; it does not close w.
type sealer struct {
	w      io.Writer
	aead   cipher.AEAD
	header [headerSize]byte
	buf    []byte // plaintext of the current segment, with room for the tag
	n      int    // bytes in buf
	seq    uint32
	nonce  [12]byte
	err    error
	wroteH bool
}

func newSealer(w io.Writer, aead cipher.AEAD) (*sealer, error) {
	s := &sealer{w: w, aead: aead, buf: make([]byte, segSize+tagSize)}
	copy(s.header[:], magic[:])
	s.header[4] = formatV1
	if _, err := rand.Read(s.header[5:]); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *sealer) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	written := 0
	for len(p) > 0 {
		// A full segment is sealed only when more data follows, so the last
		// segment is always sealed by Close with the last flag.
		if s.n == segSize {
			if err := s.flush(false); err != nil {
				return written, err
			}
		}
		c := copy(s.buf[s.n:segSize], p)
		s.n += c
		p = p[c:]
		written += c
	}
	return written, nil
}

func (s *sealer) flush(last bool) error {
	if !s.wroteH {
		if _, err := s.w.Write(s.header[:]); err != nil {
			s.err = err
			return err
		}
		s.wroteH = true
	}
	if s.seq == ^uint32(0) && !last {
		s.err = errors.New("upload: file too large for the blob format")
		return s.err
	}
	nonce := segNonce(&s.nonce, s.header[5:], s.seq, last)
	ct := s.aead.Seal(s.buf[:0], nonce, s.buf[:s.n], s.header[:])
	if _, err := s.w.Write(ct); err != nil {
		s.err = err
		return err
	}
	s.seq++
	s.n = 0
	return nil
}

// Close seals the last segment.
func (s *sealer) Close() error {
	if s.err != nil {
		return s.err
	}
	if err := s.flush(true); err != nil {
		return err
	}
	s.err = errors.New("upload: sealer closed")
	return nil
}

// opener decrypts a blob written by sealer, handing out a segment's
// plaintext only after its tag was verified. It reads one byte beyond each
// segment to learn whether that segment is the last one.
type opener struct {
	r          io.Reader
	aead       cipher.AEAD
	header     [headerSize]byte
	buf        []byte // one segment's ciphertext plus the look-ahead byte; decrypted in place
	plain      []byte // verified plaintext not yet read (aliases buf)
	ahead      byte   // the look-ahead byte: first byte of the next segment
	hasAhead   bool
	seq        uint32
	nonce      [12]byte
	started    bool
	done       bool
	err        error
	size, want int64 // plaintext bytes so far; expected size (-1: unknown)
}

func newOpener(r io.Reader, aead cipher.AEAD, want int64) *opener {
	return &opener{r: r, aead: aead, buf: make([]byte, segSize+tagSize+1), want: want}
}

func (o *opener) Read(p []byte) (int, error) {
	for len(o.plain) == 0 {
		if o.err != nil {
			return 0, o.err
		}
		if o.done {
			return 0, io.EOF
		}
		o.err = o.next()
	}
	n := copy(p, o.plain)
	o.plain = o.plain[n:]
	return n, nil
}

// next verifies and decrypts the following segment. It runs only when the
// previous segment's plaintext has been read completely, so buf is free.
func (o *opener) next() error {
	if !o.started {
		o.started = true
		if _, err := io.ReadFull(o.r, o.header[:]); err != nil {
			return corrupt(err)
		}
		if [4]byte(o.header[:4]) != magic || o.header[4] != formatV1 {
			return ErrCorrupt
		}
	}
	have := 0
	if o.hasAhead {
		o.buf[0], have = o.ahead, 1
	}
	n, err := io.ReadFull(o.r, o.buf[have:])
	have += n
	last := false
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		last = true
	case err != nil:
		return fmt.Errorf("upload: reading stored file: %w", err)
	}
	segLen := have
	if !last {
		segLen = segSize + tagSize
		o.ahead, o.hasAhead = o.buf[segLen], true
	}
	if segLen < tagSize {
		return ErrCorrupt
	}
	nonce := segNonce(&o.nonce, o.header[5:], o.seq, last)
	plain, err := o.aead.Open(o.buf[:0], nonce, o.buf[:segLen], o.header[:])
	if err != nil {
		return ErrCorrupt
	}
	o.seq++
	o.size += int64(len(plain))
	if last {
		o.done = true
		if o.want >= 0 && o.size != o.want {
			return ErrCorrupt
		}
	}
	o.plain = plain
	return nil
}

func corrupt(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return ErrCorrupt
	}
	return fmt.Errorf("upload: reading stored file: %w", err)
}
