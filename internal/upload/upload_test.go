package upload_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
	"github.com/sozialplattform/sozialplattform/internal/upload"
)

var ctx = context.Background()

const MiB = 1 << 20

// newService is a service on db with blobs in a temp folder and a clock the
// test can move (*now).
func newService(t testing.TB, db *store.DB, sc upload.Scanner) (*upload.Service, *time.Time) {
	key := make([]byte, 32)
	rand.Read(key)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	return &upload.Service{Store: db, Blobs: upload.DirBlobs{Dir: t.TempDir()}, Scanner: sc, Key: key, Now: db.Now, Log: discardLog()}, &now
}

// blobFiles lists the files below the service's blob folder.
func blobFiles(t testing.TB, svc *upload.Service) []string {
	t.Helper()
	var out []string
	dir := svc.Blobs.(upload.DirBlobs).Dir
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, strings.TrimPrefix(p, dir+"/"))
		}
		return err
	})
	return out
}

func blobPath(svc *upload.Service, f *upload.File) string {
	return filepath.Join(svc.Blobs.(upload.DirBlobs).Dir, f.BlobKey)
}

// pdfStream produces size bytes: a PDF header, then reproducible
// pseudo-random bytes (seeded), without holding them in memory.
type pdfStream struct {
	left   int64
	header []byte
	rng    *mrand.ChaCha8
}

func newPDFStream(size int64, seed byte) *pdfStream {
	return &pdfStream{left: size, header: []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), rng: mrand.NewChaCha8([32]byte{seed})}
}

func (p *pdfStream) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := 0
	if len(p.header) > 0 {
		n = copy(b, p.header)
		p.header = p.header[n:]
	}
	p.rng.Read(b[n:])
	p.left -= int64(len(b))
	return len(b), nil
}

func streamSHA(t testing.TB, r io.Reader) string {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// eicarPDF starts like a PDF and carries the EICAR string: Sniff takes it,
// the scanner's Test.EICAR.NDB signature (EICAR anywhere) finds it.
func eicarPDF() []byte {
	return append(append([]byte("%PDF-1.4\n"), testenv.EICAR...), "\n%%EOF\n"...)
}

func clamdScanner(addr string) *upload.Clamd {
	return &upload.Clamd{Addr: addr, Timeout: 20 * time.Second}
}

// TestWithClamd runs the upload rules against a real clamd.
func TestWithClamd(t *testing.T) {
	addr := testenv.Clamd(t)
	sc := clamdScanner(addr)
	if err := sc.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("eicar refused, nothing stored", func(t *testing.T) {
		db := testenv.SQLite(t)
		svc, now := newService(t, db, sc)
		_, err := svc.Put(ctx, "app-1", "nachweis_miete", "virus.pdf", bytes.NewReader(eicarPDF()))
		var inf *upload.InfectedError
		if !errors.Is(err, upload.ErrInfected) || !errors.As(err, &inf) || !strings.Contains(inf.Signature, "EICAR") {
			t.Fatalf("err = %v", err)
		}
		if files, _ := svc.List(ctx, "app-1"); len(files) != 0 {
			t.Fatalf("listed: %+v", files)
		}
		if b := blobFiles(t, svc); len(b) != 0 {
			t.Fatalf("blobs left: %v", b)
		}
		if keys, _ := db.TrashedBlobs(ctx, now.Add(48*time.Hour), 10); len(keys) != 0 {
			t.Fatalf("trash left: %v", keys)
		}
		if rem, _ := svc.Remaining(ctx, "app-1"); rem != upload.MaxTotal {
			t.Fatalf("remaining %d", rem)
		}
	})

	t.Run("eicar alone is no allowed type", func(t *testing.T) {
		svc, _ := newService(t, testenv.SQLite(t), sc)
		if _, err := svc.Put(ctx, "app-1", "s", "eicar.pdf", bytes.NewReader(testenv.EICAR)); err != upload.ErrType {
			t.Fatalf("err = %v", err)
		}
		// The scanner itself knows the bare file.
		clean, sig, err := sc.Scan(ctx, bytes.NewReader(testenv.EICAR))
		if err != nil || clean || !strings.Contains(sig, "EICAR") {
			t.Fatalf("Scan(EICAR) = %v %q %v", clean, sig, err)
		}
	})

	t.Run("clean pdf stored", func(t *testing.T) {
		svc, _ := newService(t, testenv.SQLite(t), sc)
		pdf := pdfFile()
		f, err := svc.Put(ctx, "app-1", "nachweis_miete", "Mietvertrag.pdf", bytes.NewReader(pdf))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(pdf)
		if f.Status != upload.StatusClean || f.Type != upload.PDF || f.Size != int64(len(pdf)) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("stored %+v", f)
		}
		got, rc, err := svc.Open(ctx, "app-1", f.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, pdf) || got.SHA256 != f.SHA256 || got.Name != "Mietvertrag.pdf" {
			t.Fatalf("Open: %v, %d bytes, %+v", err, len(b), got)
		}
		// At rest the bytes are not readable.
		raw, _ := os.ReadFile(blobPath(svc, f))
		if bytes.Contains(raw, []byte("%PDF")) || bytes.Contains(raw, []byte("/Catalog")) {
			t.Fatal("blob holds plaintext")
		}
		if info, _ := os.Stat(blobPath(svc, f)); info.Mode().Perm() != 0o600 {
			t.Fatalf("blob mode %v", info.Mode())
		}
		// Other images too, each by its content.
		for name, b := range map[string][]byte{"a.png": pngFile(t), "b.jpg": jpegFile(t), "c.heic": readTestdata(t, "tiny.heic")} {
			f, err := svc.Put(ctx, "app-1", "nachweis_miete", name, bytes.NewReader(b))
			if err != nil || f.Status != upload.StatusClean {
				t.Fatalf("%s: %+v %v", name, f, err)
			}
		}
		if files, _ := svc.List(ctx, "app-1"); len(files) != 4 {
			t.Fatalf("%d files", len(files))
		}
	})

	t.Run("budget of 100 MB", func(t *testing.T) {
		if testing.Short() {
			t.Skip("streams 141 MB")
		}
		svc, _ := newService(t, testenv.SQLite(t), sc)
		first, err := svc.Put(ctx, "app-1", "a", "gross.pdf", newPDFStream(60*MiB, 1))
		if err != nil || first.Status != upload.StatusClean {
			t.Fatalf("60 MB: %+v %v", first, err)
		}
		if want := streamSHA(t, newPDFStream(60*MiB, 1)); first.SHA256 != want {
			t.Fatal("SHA-256 differs")
		}
		// 60 + 41 = 101 MB: refused, with the 40 MB that remained.
		_, err = svc.Put(ctx, "app-1", "b", "noch-groesser.pdf", newPDFStream(41*MiB, 2))
		var be *upload.BudgetError
		if !errors.As(err, &be) || be.Remaining != 40*MiB {
			t.Fatalf("41 MB more: %v", err)
		}
		if b := blobFiles(t, svc); len(b) != 1 {
			t.Fatalf("blobs: %v", b)
		}
		// Exactly filling the budget works; then not one byte more.
		if _, err := svc.Put(ctx, "app-1", "b", "passt.pdf", newPDFStream(40*MiB, 3)); err != nil {
			t.Fatal(err)
		}
		if rem, _ := svc.Remaining(ctx, "app-1"); rem != 0 {
			t.Fatalf("remaining %d", rem)
		}
		if _, err := svc.Put(ctx, "app-1", "c", "klein.pdf", bytes.NewReader(pdfFile())); !errors.As(err, &be) || be.Remaining != 0 {
			t.Fatalf("over a full budget: %v", err)
		}
		// Another application has its own budget.
		if rem, _ := svc.Remaining(ctx, "app-2"); rem != upload.MaxTotal {
			t.Fatalf("app-2 remaining %d", rem)
		}
	})
}

// TestScannerDown: with clamd stopped a file is held (pending), never
// accepted as clean; when clamd is back, Rescan decides.
func TestScannerDown(t *testing.T) {
	srv := testenv.StartClamd(t)
	db := testenv.SQLite(t)
	svc, _ := newService(t, db, clamdScanner(srv.Addr))
	srv.Stop()

	clean, err := svc.Put(ctx, "app-1", "a", "Kontoauszug.pdf", bytes.NewReader(pdfFile()))
	if err != nil || clean.Status != upload.StatusPending {
		t.Fatalf("while down: %+v %v", clean, err)
	}
	bad, err := svc.Put(ctx, "app-1", "b", "anhang.pdf", bytes.NewReader(eicarPDF()))
	if err != nil || bad.Status != upload.StatusPending {
		t.Fatalf("EICAR while down: %+v %v", bad, err)
	}
	if c, i, p, err := svc.Rescan(ctx); c != 0 || i != 0 || p != 2 || err != nil {
		t.Fatalf("Rescan while down: %d %d %d %v", c, i, p, err)
	}

	srv.Start()
	if c, i, p, err := svc.Rescan(ctx); c != 1 || i != 1 || p != 0 || err != nil {
		t.Fatalf("Rescan: clean %d infected %d pending %d, %v", c, i, p, err)
	}
	files, _ := svc.List(ctx, "app-1")
	if len(files) != 1 || files[0].ID != clean.ID || files[0].Status != upload.StatusClean {
		t.Fatalf("after rescan: %+v", files)
	}
	if b := blobFiles(t, svc); len(b) != 1 || b[0] != clean.BlobKey {
		t.Fatalf("blobs: %v", b)
	}
	if c, i, p, _ := svc.Rescan(ctx); c+i+p != 0 {
		t.Fatal("nothing should be left to rescan")
	}
}

// fakeScanner answers as told and reads as much as told.
type fakeScanner struct {
	read  int64 // bytes to read before answering (-1: all)
	clean bool
	sig   string
	err   error
}

func (f *fakeScanner) Scan(_ context.Context, r io.Reader) (bool, string, error) {
	if f.read < 0 {
		io.Copy(io.Discard, r)
	} else {
		io.CopyN(io.Discard, r, f.read)
	}
	return f.clean, f.sig, f.err
}

func (f *fakeScanner) Ping(context.Context) error { return f.err }

// TestNeverCleanUnlessFullyScanned: a scanner that stops reading early (as
// clamd does past StreamMaxLength) holds the file even if it said OK.
func TestNeverCleanUnlessFullyScanned(t *testing.T) {
	cases := []struct {
		name string
		sc   *fakeScanner
		want upload.Status
		err  error
	}{
		{"read all, OK", &fakeScanner{read: -1, clean: true}, upload.StatusClean, nil},
		{"stopped early, OK", &fakeScanner{read: 100 << 10, clean: true}, upload.StatusPending, nil},
		{"error", &fakeScanner{read: 100 << 10, err: errors.New("INSTREAM size limit exceeded. ERROR")}, upload.StatusPending, nil},
		{"stopped early, FOUND", &fakeScanner{read: 10, sig: "X"}, "", upload.ErrInfected},
	}
	for _, c := range cases {
		svc, _ := newService(t, testenv.SQLite(t), c.sc)
		f, err := svc.Put(ctx, "app-1", "a", "x.pdf", newPDFStream(1*MiB, 9))
		if !errors.Is(err, c.err) || (err == nil && f.Status != c.want) {
			t.Errorf("%s: %+v %v", c.name, f, err)
		}
	}
}

func TestRefusedBeforeStoring(t *testing.T) {
	db := testenv.SQLite(t)
	svc, now := newService(t, db, nil)
	if _, err := svc.Put(ctx, "app-1", "a", "leer.pdf", bytes.NewReader(nil)); err != upload.ErrEmpty {
		t.Fatalf("empty: %v", err)
	}
	if _, err := svc.Put(ctx, "app-1", "a", "brief.pdf", strings.NewReader("Sehr geehrte Damen und Herren")); err != upload.ErrType {
		t.Fatalf("text: %v", err)
	}
	if _, err := svc.Put(ctx, "app-1", "a", "x.zip", bytes.NewReader(zipFile(t))); err != upload.ErrType {
		t.Fatalf("zip: %v", err)
	}
	if b := blobFiles(t, svc); len(b) != 0 {
		t.Fatalf("blobs: %v", b)
	}
	if keys, _ := db.TrashedBlobs(ctx, now.Add(48*time.Hour), 10); len(keys) != 0 {
		t.Fatalf("trash: %v", keys)
	}
	// Without a scanner files are kept as unscanned.
	f, err := svc.Put(ctx, "app-1", "a", "x.png", bytes.NewReader(pngFile(t)))
	if err != nil || f.Status != upload.StatusUnscanned {
		t.Fatalf("%+v %v", f, err)
	}
}

func TestTamperedBlob(t *testing.T) {
	svc, _ := newService(t, testenv.SQLite(t), nil)
	const size = 3*64<<10 + 100
	f, err := svc.Put(ctx, "app-1", "a", "x.pdf", newPDFStream(size, 4))
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(blobPath(svc, f))
	read := func() error {
		_, rc, err := svc.Open(ctx, "app-1", f.ID)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(io.Discard, rc)
		return err
	}
	if err := read(); err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(orig)
	flipped[len(orig)/2] ^= 0x80
	for name, b := range map[string][]byte{
		"byte flipped":            flipped,
		"truncated":               orig[:len(orig)-1000],
		"cut at a segment border": orig[:12+2*(64<<10+16)],
		"appended":                append(bytes.Clone(orig), 1, 2, 3),
	} {
		os.WriteFile(blobPath(svc, f), b, 0o600)
		if err := read(); !errors.Is(err, upload.ErrCorrupt) {
			t.Errorf("%s: read error %v", name, err)
		}
	}
	os.Remove(blobPath(svc, f))
	if err := read(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing blob: %v", err)
	}
}

func TestScopingAndDelete(t *testing.T) {
	db := testenv.SQLite(t)
	svc, _ := newService(t, db, nil)
	f, err := svc.Put(ctx, "app-1", "a", "x.pdf", bytes.NewReader(pdfFile()))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Open(ctx, "app-2", f.ID); err != upload.ErrNotFound {
		t.Fatalf("other application opened it: %v", err)
	}
	if err := svc.Delete(ctx, "app-2", f.ID); err != upload.ErrNotFound {
		t.Fatalf("other application deleted it: %v", err)
	}
	if files, _ := svc.List(ctx, "app-2"); len(files) != 0 {
		t.Fatal("listed for another application")
	}
	if err := svc.Delete(ctx, "app-1", f.ID); err != nil {
		t.Fatal(err)
	}
	if b := blobFiles(t, svc); len(b) != 0 {
		t.Fatalf("blob left: %v", b)
	}
	if err := svc.Delete(ctx, "app-1", f.ID); err != upload.ErrNotFound {
		t.Fatalf("second delete: %v", err)
	}

	for range 3 {
		svc.Put(ctx, "app-3", "a", "x.pdf", bytes.NewReader(pdfFile()))
	}
	keep, _ := svc.Put(ctx, "app-4", "a", "x.pdf", bytes.NewReader(pdfFile()))
	if err := svc.DeleteApplication(ctx, "app-3"); err != nil {
		t.Fatal(err)
	}
	if b := blobFiles(t, svc); len(b) != 1 || b[0] != keep.BlobKey {
		t.Fatalf("blobs after DeleteApplication: %v", b)
	}
	if rem, _ := svc.Remaining(ctx, "app-3"); rem != upload.MaxTotal {
		t.Fatal("budget not freed")
	}
}

func TestExpiry(t *testing.T) {
	db := testenv.SQLite(t)
	svc, now := newService(t, db, nil)
	start := *now
	f, _ := svc.Put(ctx, "app-1", "a", "x.pdf", bytes.NewReader(pdfFile()))
	g, _ := svc.Put(ctx, "app-2", "a", "y.pdf", bytes.NewReader(pdfFile()))
	if !f.ExpiresAt.Equal(start.Add(24 * time.Hour)) {
		t.Fatalf("expires %v", f.ExpiresAt)
	}
	// Saving the draft later keeps app-2's files longer.
	*now = start.Add(20 * time.Hour)
	if err := svc.Extend(ctx, "app-2"); err != nil {
		t.Fatal(err)
	}
	*now = start.Add(24*time.Hour + time.Minute)
	if files, _ := svc.List(ctx, "app-1"); len(files) != 0 {
		t.Fatal("expired file listed")
	}
	if _, _, err := svc.Open(ctx, "app-1", f.ID); err != upload.ErrNotFound {
		t.Fatalf("expired file opened: %v", err)
	}
	n, err := svc.SweepExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SweepExpired: %d %v", n, err)
	}
	if b := blobFiles(t, svc); len(b) != 1 || b[0] != g.BlobKey {
		t.Fatalf("blobs: %v", b)
	}

	// The retention sweeper's rule removes rows; SweepExpired then the blobs.
	*now = start.Add(44*time.Hour + time.Minute)
	sw := &retention.Sweeper{Store: db, Rules: retention.Rules, Now: db.Now, Log: discardLog()}
	if err := sw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if files, _ := db.ListUploads(ctx, "app-2"); len(files) != 0 {
		t.Fatal("retention rule left the row")
	}
	if n, err := svc.SweepExpired(ctx); err != nil || n != 1 || len(blobFiles(t, svc)) != 0 {
		t.Fatalf("after retention: %d %v %v", n, err, blobFiles(t, svc))
	}

	// A crash between writing a blob and its row: the blob is found once
	// the trash entry is due (a lifetime later).
	if err := db.TrashBlob(ctx, "crashed", now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	w, _ := svc.Blobs.Create(ctx, "crashed")
	w.Write([]byte("half"))
	if n, _ := svc.SweepExpired(ctx); n != 0 {
		t.Fatal("swept an upload still in progress")
	}
	*now = now.Add(25 * time.Hour)
	if n, _ := svc.SweepExpired(ctx); n != 1 || len(blobFiles(t, svc)) != 0 {
		t.Fatalf("crashed upload: %d %v", n, blobFiles(t, svc))
	}
}

// TestConcurrentBudget: two 60 MB uploads to one application at once; both
// start with 100 MB left, only one may be kept.
func TestConcurrentBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 240 MB")
	}
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db, nil)
		var started sync.WaitGroup
		started.Add(2)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &gate{r: newPDFStream(60*MiB, byte(i)), at: 1 * MiB, wait: &started}
				_, errs[i] = svc.Put(ctx, "app-1", "a", "x.pdf", r)
			}()
		}
		wg.Wait()
		var be *upload.BudgetError
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.As(err, &be):
				if be.Remaining != 40*MiB {
					t.Errorf("remaining %d", be.Remaining)
				}
			default:
				t.Error(err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 2 kept: %v", ok, errs)
		}
		if used, _ := db.UploadedBytes(ctx, "app-1"); used != 60*MiB {
			t.Fatalf("used %d", used)
		}
		if b := blobFiles(t, svc); len(b) != 1 {
			t.Fatalf("blobs: %v", b)
		}
	})
}

// gate lets a reader pass offset at only when every reader got there.
type gate struct {
	r    io.Reader
	at   int64
	n    int64
	wait *sync.WaitGroup
	done bool
}

func (g *gate) Read(p []byte) (int, error) {
	if !g.done && g.n >= g.at {
		g.done = true
		g.wait.Done()
		g.wait.Wait()
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// hangingScanner never reads and ignores ctx until released.
type hangingScanner struct{ release chan struct{} }

func (h *hangingScanner) Scan(context.Context, io.Reader) (bool, string, error) {
	<-h.release
	return true, "", nil
}

func (h *hangingScanner) Ping(context.Context) error { return nil }

// TestCancelledPut: the person goes away in the middle of an upload while
// the scanner hangs: Put returns and leaves nothing behind.
func TestCancelledPut(t *testing.T) {
	db := testenv.SQLite(t)
	sc := &hangingScanner{release: make(chan struct{})}
	defer close(sc.release)
	svc, now := newService(t, db, sc)
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := svc.Put(cctx, "app-1", "a", "x.pdf", newPDFStream(10*MiB, 1))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Put still blocked after its context ended")
	}
	if b := blobFiles(t, svc); len(b) != 0 {
		t.Fatalf("blobs: %v", b)
	}
	if keys, _ := db.TrashedBlobs(ctx, now.Add(48*time.Hour), 10); len(keys) != 0 {
		t.Fatalf("trash: %v", keys)
	}
}
