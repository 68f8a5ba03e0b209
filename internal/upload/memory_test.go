package upload_test

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/testenv"
	"github.com/sozialplattform/sozialplattform/internal/upload"
)

// heapPeak samples the heap's object bytes (live and not yet swept) every
// millisecond until stop is called, and returns the highest value above the
// value at the start, after a GC.
func heapPeak() (stop func() (peak, allocated uint64)) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	read := func() (uint64, uint64) {
		metrics.Read(samples)
		return samples[0].Value.Uint64(), samples[1].Value.Uint64()
	}
	runtime.GC()
	base, alloc0 := read()
	var mu sync.Mutex
	var max uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				v, _ := read()
				mu.Lock()
				if v > max {
					max = v
				}
				mu.Unlock()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		_, alloc1 := read()
		if max < base {
			return 0, alloc1 - alloc0
		}
		return max - base, alloc1 - alloc0
	}
}

// TestPutMemory: a 100 MB upload, scanned by a real clamd, raises the heap
// by far less than the allowed 32 MB (the stream is never held whole).
func TestPutMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	sc := clamdScanner(testenv.Clamd(t))
	svc, _ := newService(t, testenv.SQLite(t), sc)
	stop := heapPeak()
	f, err := svc.Put(ctx, "app-1", "a", "gross.pdf", newPDFStream(upload.MaxTotal, 7))
	peak, alloc := stop()
	if err != nil || f.Status != upload.StatusClean {
		t.Fatalf("%+v %v", f, err)
	}
	t.Logf("Put of 100 MiB with clamd: peak heap %.2f MB above idle, %.2f MB allocated in total",
		float64(peak)/1e6, float64(alloc)/1e6)
	if peak > 32<<20 {
		t.Fatalf("peak heap %d bytes above idle", peak)
	}

	// Reading it back is streamed too.
	stop = heapPeak()
	_, rc, err := svc.Open(ctx, "app-1", f.ID)
	if err != nil {
		t.Fatal(err)
	}
	sum := streamSHA(t, rc)
	rc.Close()
	peak, _ = stop()
	if sum != f.SHA256 {
		t.Fatal("SHA-256 of the decrypted file differs")
	}
	t.Logf("Open and read 100 MiB: peak heap %.2f MB above idle", float64(peak)/1e6)
	if peak > 32<<20 {
		t.Fatalf("peak heap %d bytes above idle while reading", peak)
	}
}

// BenchmarkPut100MB reports throughput and the heap peak of one 100 MiB
// upload, with a real clamd and without a scanner (encryption, hashing and
// the store alone).
func BenchmarkPut100MB(b *testing.B) {
	b.Run("clamd", func(b *testing.B) { benchPut(b, clamdScanner(testenv.Clamd(b))) })
	b.Run("no-scanner", func(b *testing.B) { benchPut(b, nil) })
}

func benchPut(b *testing.B, sc upload.Scanner) {
	db := testenv.SQLite(b)
	b.SetBytes(upload.MaxTotal)
	var worst uint64
	for i := 0; b.Loop(); i++ {
		svc, _ := newService(b, db, sc)
		stop := heapPeak()
		if _, err := svc.Put(ctx, "app", "a", "x.pdf", newPDFStream(upload.MaxTotal, byte(i))); err != nil {
			b.Fatal(err)
		}
		peak, _ := stop()
		worst = max(worst, peak)
		b.StopTimer()
		svc.DeleteApplication(ctx, "app")
		b.StartTimer()
	}
	b.ReportMetric(float64(worst)/1e6, "peak-heap-MB")
}
