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

func TestEncryptReader(t *testing.T) {
	f := &fake{k: keys(t)}
	key := pubJWK(t)
	for _, n := range []int{0, 1, 2, 3, 3071, 3072, 3073, 4096, 100_000, 1 << 20} {
		plain := randomBytes(n)
		for _, hint := range []int64{int64(n), 0, int64(n / 2), int64(2*n + 1)} {
			readers := map[string]io.Reader{"whole": bytes.NewReader(plain)}
			if n < 5000 {
				readers["one byte at a time"] = iotest.OneByteReader(bytes.NewReader(plain))
				readers["data with EOF"] = iotest.DataErrReader(bytes.NewReader(plain))
			}
			for name, r := range readers {
				s, err := fitconnect.EncryptReader(key, r, hint, "application/pdf")
				if err != nil {
					t.Fatal(err)
				}
				compact := s.String()
				if int64(len(compact)) != s.Len() || s.Size != int64(n) || s.Hash != sha512Hex(plain) || s.AuthTag() != tag(compact) {
					t.Fatalf("n=%d hint=%d %s: len %d/%d size %d", n, hint, name, len(compact), s.Len(), s.Size)
				}
				if again, _ := io.ReadAll(s.Reader()); string(again) != compact {
					t.Fatal("second read differs")
				}
				got, h := f.decrypt(t, compact)
				if !bytes.Equal(got, plain) || h.KeyID != encKid || h.ExtraHeaders["cty"] != "application/pdf" || h.Algorithm != "RSA-OAEP-256" {
					t.Fatalf("n=%d hint=%d %s: decrypted %d bytes, header %+v", n, hint, name, len(got), h)
				}
			}
		}
	}
	if _, err := fitconnect.EncryptReader(key, iotest.ErrReader(errors.New("disk gone")), 0, "x/y"); err == nil {
		t.Error("read error swallowed")
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

func TestEncryptReaderLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 128 MiB")
	}
	key := pubJWK(t)
	r := io.LimitReader(zeros{}, fitconnect.MaxAttachmentSize+1)
	if _, err := fitconnect.EncryptReader(key, r, fitconnect.MaxAttachmentSize, "x/y"); !errors.Is(err, fitconnect.ErrAttachmentTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

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

// TestAttachmentMemory measures a 10 MB attachment both ways: EncryptReader
// (what Send uses) and go-jose's Encrypt and CompactSerialize.
func TestAttachmentMemory(t *testing.T) {
	const n = 10 << 20
	key := pubJWK(t)
	src := randomBytes(n) // stands for the stored file; not counted
	mb := func(b uint64) float64 { return float64(b) / (1 << 20) }

	ownAlloc, ownPeak := heapUse(func() {
		s, err := fitconnect.EncryptReader(key, bytes.NewReader(src), n, "application/pdf")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, s.Reader()); err != nil {
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
	t.Logf("10 MiB attachment: EncryptReader allocates %.1f MiB (sampled heap peak +%.1f MiB); go-jose allocates %.1f MiB (peak +%.1f MiB)",
		mb(ownAlloc), mb(ownPeak), mb(joseAlloc), mb(josePeak))
	if sendAlloc > n+n/5+(2<<20) {
		t.Errorf("Send allocated %.1f MiB for a 10 MiB attachment", mb(sendAlloc))
	}
	if ownAlloc > n+n/10+(1<<20) {
		t.Errorf("EncryptReader allocated %.1f MiB for a 10 MiB attachment", mb(ownAlloc))
	}
}
