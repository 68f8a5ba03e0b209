package fitconnect_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
)

func pubJWK(t testing.TB) *jose.JSONWebKey {
	k := keys(t)
	return &jose.JSONWebKey{Key: &k.enc.PublicKey, KeyID: encKid, Algorithm: string(jose.RSA_OAEP_256), Use: "enc"}
}

// TestStreamJWE: the streamed JWE of every length around base64's and
// GCM's block sizes, read in any piece size, is exactly as long as
// announced, decrypts with go-jose to the plaintext and reports its hash
// and tag; each reader has its own key and IV; a source that yields fewer
// or more bytes than announced, or fails, fails the read.
func TestStreamJWE(t *testing.T) {
	f := &fake{k: keys(t)}
	key := pubJWK(t)
	read := func(s *fitconnect.StreamJWE, src io.Reader) (string, *fitconnect.JWEReader, error) {
		r, err := s.Reader(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		return string(b), r, err
	}
	for _, n := range []int{0, 1, 2, 3, 15, 16, 17, 3071, 3072, 3073, 4096, 100_000, 1 << 20} {
		plain := randomBytes(n)
		s, err := fitconnect.NewStreamJWE(key, int64(n), "application/pdf")
		if err != nil {
			t.Fatal(err)
		}
		readers := map[string]func() io.Reader{"whole": func() io.Reader { return bytes.NewReader(plain) }}
		if n < 5000 {
			readers["one byte at a time"] = func() io.Reader { return iotest.OneByteReader(bytes.NewReader(plain)) }
			readers["data with EOF"] = func() io.Reader { return iotest.DataErrReader(bytes.NewReader(plain)) }
		}
		var first string
		for name, src := range readers {
			compact, r, err := read(s, src())
			if err != nil {
				t.Fatalf("n=%d %s: %v", n, name, err)
			}
			if int64(len(compact)) != s.Len() || r.Hash() != sha512Hex(plain) || r.AuthTag() != tag(compact) {
				t.Fatalf("n=%d %s: len %d, announced %d", n, name, len(compact), s.Len())
			}
			got, h := f.decrypt(t, compact)
			if !bytes.Equal(got, plain) || h.KeyID != encKid || h.ExtraHeaders["cty"] != "application/pdf" || h.Algorithm != "RSA-OAEP-256" {
				t.Fatalf("n=%d %s: decrypted %d bytes, header %+v", n, name, len(got), h)
			}
			if compact == first {
				t.Fatal("two readers with the same key and IV")
			}
			first = compact
		}
		if n > 0 {
			if _, _, err := read(s, bytes.NewReader(plain[:n-1])); err == nil {
				t.Errorf("n=%d: a source one byte short was sent", n)
			}
		}
		if _, _, err := read(s, bytes.NewReader(append(plain, 'x'))); err == nil {
			t.Errorf("n=%d: a source one byte long was sent", n)
		}
	}
	s, _ := fitconnect.NewStreamJWE(key, 10, "x/y")
	if _, _, err := read(s, iotest.ErrReader(errors.New("disk gone"))); err == nil {
		t.Error("read error swallowed")
	}
	if _, err := fitconnect.NewStreamJWE(key, fitconnect.MaxAttachmentSize+1, "x/y"); !errors.Is(err, fitconnect.ErrAttachmentTooLarge) {
		t.Errorf("too large: %v", err)
	}
	// go-jose's Encrypt (data and metadata) gives the same shape.
	compact, err := fitconnect.Encrypt(key, []byte("<x/>"), "application/xml")
	if err != nil {
		t.Fatal(err)
	}
	if got, h := f.decrypt(t, compact); string(got) != "<x/>" || h.KeyID != encKid || h.ExtraHeaders["cty"] != "application/xml" {
		t.Fatalf("Encrypt: %q %+v", got, h)
	}
}

// heapUse runs fn and reports the bytes it allocated and the highest heap
// above the start seen by sampling every 50 µs (GOGC as set; the sampled
// peak includes garbage not yet collected).
func heapUse(fn func()) (allocated, peak uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var (
		max  atomic.Uint64
		stop = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > max.Load() {
				max.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Microsecond):
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > max.Load() {
		max.Store(after.HeapAlloc)
	}
	return after.TotalAlloc - before.TotalAlloc, max.Load() - min(max.Load(), before.HeapAlloc)
}

// TestAttachmentMemory measures a 10 MB attachment both ways: StreamJWE
// (what Send uses) and go-jose's Encrypt and CompactSerialize.
func TestAttachmentMemory(t *testing.T) {
	const n = 10 << 20
	key := pubJWK(t)
	src := randomBytes(n) // stands for the stored file; not counted
	mb := func(b uint64) float64 { return float64(b) / (1 << 20) }

	ownAlloc, ownPeak := heapUse(func() {
		s, err := fitconnect.NewStreamJWE(key, n, "application/pdf")
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Reader(bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Fatal(err)
		}
	})
	joseAlloc, josePeak := heapUse(func() {
		plain := make([]byte, n) // read once, exactly sized
		if _, err := io.ReadFull(bytes.NewReader(src), plain); err != nil {
			t.Fatal(err)
		}
		s, err := fitconnect.Encrypt(key, plain, "application/pdf")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
	})
	// The whole Send of one 10 MiB attachment (the fake, in the same
	// process, discards the body).
	f := newFake(t, "v2")
	f.mu.Lock()
	f.discard = true
	f.mu.Unlock()
	c := newClient(t, f, nil)
	s, _ := testSubmission(f.goodDest())
	s.Attachments = []fitconnect.Attachment{bytesAttachment(s.Attachments[0].ID, "Scan.pdf", "application/pdf", "attachment", src)}
	if err := c.Send(context.Background(), s, &fitconnect.SendState{}, nil); err != nil { // warm up: token, keys, connections
		t.Fatal(err)
	}
	sendAlloc, sendPeak := heapUse(func() {
		if err := c.Send(context.Background(), s, &fitconnect.SendState{}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("10 MiB attachment: Send allocates %.1f MiB in all (sampled heap peak +%.1f MiB)", mb(sendAlloc), mb(sendPeak))
	t.Logf("10 MiB attachment: StreamJWE allocates %.1f MiB (sampled heap peak +%.1f MiB); go-jose allocates %.1f MiB (peak +%.1f MiB)",
		mb(ownAlloc), mb(ownPeak), mb(joseAlloc), mb(josePeak))
	// Streamed: what is allocated does not grow with the attachment.
	if sendAlloc > 2<<20 {
		t.Errorf("Send allocated %.1f MiB for a 10 MiB attachment", mb(sendAlloc))
	}
	if ownAlloc > 256<<10 {
		t.Errorf("StreamJWE allocated %.1f MiB for a 10 MiB attachment", mb(ownAlloc))
	}
}
