package upload

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"testing"
)

func testAEAD(t testing.TB) (key, salt []byte) {
	key, salt = make([]byte, 32), make([]byte, saltSize)
	rand.Read(key)
	rand.Read(salt)
	return key, salt
}

func seal(t testing.TB, key, salt []byte, plain []byte) []byte {
	t.Helper()
	aead, err := fileKey(key, salt, "id")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := newSealer(&out, aead)
	if err != nil {
		t.Fatal(err)
	}
	// Odd write sizes cross segment borders.
	for p := plain; len(p) > 0; {
		n := min(len(p), 40000)
		if _, err := s.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func unseal(t testing.TB, key, salt, blob []byte, want int64) ([]byte, error) {
	aead, err := fileKey(key, salt, "id")
	if err != nil {
		t.Fatal(err)
	}
	return io.ReadAll(newOpener(bytes.NewReader(blob), aead, want))
}

func TestSealRoundTrip(t *testing.T) {
	key, salt := testAEAD(t)
	for _, n := range []int{0, 1, segSize - 1, segSize, segSize + 1, 3 * segSize, 3*segSize + 17} {
		plain := make([]byte, n)
		rand.Read(plain)
		blob := seal(t, key, salt, plain)
		segs := max((n+segSize-1)/segSize, 1)
		if len(blob) != headerSize+n+segs*tagSize {
			t.Errorf("%d bytes: blob of %d bytes", n, len(blob))
		}
		got, err := unseal(t, key, salt, blob, int64(n))
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%d bytes: round trip failed: %v", n, err)
		}
		// A wrong expected size is detected too.
		if _, err := unseal(t, key, salt, blob, int64(n)+1); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%d bytes: wrong size not detected: %v", n, err)
		}
	}
}

func TestSealDetectsTampering(t *testing.T) {
	key, salt := testAEAD(t)
	plain := make([]byte, 3*segSize)
	rand.Read(plain)
	blob := seal(t, key, salt, plain)
	seg := segSize + tagSize
	swap := bytes.Clone(blob)
	copy(swap[headerSize:], blob[headerSize+seg:headerSize+2*seg])
	copy(swap[headerSize+seg:], blob[headerSize:headerSize+seg])
	otherKey, otherSalt := testAEAD(t)
	type variant struct{ blob, key, salt []byte }
	cases := map[string]variant{
		"cut at a segment border": {blob: blob[:headerSize+2*seg]},
		"cut inside a segment":    {blob: blob[:len(blob)-1]},
		"header only":             {blob: blob[:headerSize]},
		"cut in the header":       {blob: blob[:5]},
		"empty":                   {blob: nil},
		"byte appended":           {blob: append(bytes.Clone(blob), 0)},
		"segments swapped":        {blob: swap},
		"other master key":        {blob: blob, key: otherKey},
		"other salt":              {blob: blob, salt: otherSalt},
	}
	for _, i := range []int{0, 4, 6, headerSize, headerSize + seg + 100, len(blob) - 1} {
		b := bytes.Clone(blob)
		b[i] ^= 0x01
		cases[fmt.Sprintf("bit flipped at %d", i)] = variant{blob: b}
	}
	for name, c := range cases {
		k, s := key, salt
		if c.key != nil {
			k = c.key
		}
		if c.salt != nil {
			s = c.salt
		}
		got, err := unseal(t, k, s, c.blob, int64(len(plain)))
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v", name, err)
		}
		// What came out before the error is the true plaintext's start,
		// whole verified segments only.
		if !bytes.HasPrefix(plain, got) || len(got)%segSize != 0 {
			t.Errorf("%s: %d unverified or wrong bytes returned", name, len(got))
		}
	}
}

func FuzzOpen(f *testing.F) {
	key, salt := testAEAD(f)
	f.Add(seal(f, key, salt, []byte("%PDF-1.4 hello")))
	f.Add([]byte("SPUP\x01"))
	f.Fuzz(func(t *testing.T, blob []byte) {
		aead, _ := fileKey(key, salt, "id")
		got, err := io.ReadAll(newOpener(bytes.NewReader(blob), aead, -1))
		if err == nil && !bytes.Equal(got, []byte("%PDF-1.4 hello")) {
			t.Fatalf("forged blob accepted: %q", got)
		}
	})
}
