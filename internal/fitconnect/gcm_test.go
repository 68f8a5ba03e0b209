package fitconnect

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	mrand "math/rand/v2"
	"testing"
)

// TestGCMSealerMatchesTheStandardLibrary: for every length around the block
// size and odd pieces, the stream's ciphertext and tag are exactly what
// crypto/cipher's AES-GCM seals.
func TestGCMSealerMatchesTheStandardLibrary(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 4095, 4096, 65537, 1 << 20} {
		for _, aadLen := range []int{0, 5, 16, 94} {
			key, iv, aad, plain := make([]byte, 32), make([]byte, 12), make([]byte, aadLen), make([]byte, n)
			for _, b := range [][]byte{key, iv, aad, plain} {
				_, _ = rand.Read(b)
			}
			block, _ := aes.NewCipher(key)
			gcm, _ := cipher.NewGCM(block)
			want := gcm.Seal(nil, iv, plain, aad)

			s, err := newGCMSealer(key, iv, aad)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 0, n+16)
			rest := plain
			for len(rest) > 0 {
				k := min(len(rest), 1+rng.IntN(5000))
				out := make([]byte, k)
				s.seal(out, rest[:k])
				got = append(got, out...)
				rest = rest[k:]
			}
			tag := s.tag()
			got = append(got, tag[:]...)
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bytes, %d of AAD: sealed differently from crypto/cipher", n, aadLen)
			}
		}
	}
}

func BenchmarkGCMSealer(b *testing.B) {
	key, iv := make([]byte, 32), make([]byte, 12)
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	s, _ := newGCMSealer(key, iv, nil)
	for b.Loop() {
		s.seal(buf, buf)
	}
}

// BenchmarkGCMStdlib is the baseline for BenchmarkGCMSealer: the standard
// library's AES-GCM (constant-time, hardware-assisted where the CPU has
// it) sealing the same 64 KiB in memory.
func BenchmarkGCMStdlib(b *testing.B) {
	key, iv := make([]byte, 32), make([]byte, 12)
	buf := make([]byte, 64<<10)
	out := make([]byte, 0, len(buf)+16)
	b.SetBytes(int64(len(buf)))
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	for b.Loop() {
		out = aead.Seal(out[:0], iv, buf, nil)
	}
}
