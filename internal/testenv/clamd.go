package testenv

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EICAR is the anti-virus test file: harmless, but every scanner reports it.
// Built from parts so this source file itself is not reported.
var EICAR = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + `EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)

// ClamdServer is a clamd run for a test, on 127.0.0.1 with a database that
// knows only EICAR (signature names Test.EICAR.HDB for the whole file and
// Test.EICAR.NDB for EICAR anywhere in a file).
type ClamdServer struct {
	// Addr is where it listens: "tcp://127.0.0.1:PORT", the form
	// upload.Clamd takes.
	Addr string

	tb   testing.TB
	bin  string
	dir  string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan error
}

// Clamd starts a clamd for the test and returns its address; it is stopped
// when the test ends. Without clamd (Debian package clamav-daemon) the test
// skips, or fails in CI.
func Clamd(tb testing.TB) string {
	tb.Helper()
	return StartClamd(tb).Addr
}

// StartClamd is Clamd for tests that need to stop the scanner and start it
// again on the same address (the "scanner down" case): see Stop and Start.
func StartClamd(tb testing.TB) *ClamdServer {
	tb.Helper()
	bin := "/usr/sbin/clamd"
	if _, err := os.Stat(bin); err != nil {
		p, err := exec.LookPath("clamd")
		if err != nil {
			Missing(tb, "clamd (Debian clamav-daemon)")
		}
		bin = p
	}
	dir := tb.TempDir()
	db := filepath.Join(dir, "db")
	if err := os.MkdirAll(db, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		tb.Fatal(err)
	}
	sum := md5.Sum(EICAR)
	write(tb, filepath.Join(db, "test.hdb"), fmt.Sprintf("%s:%d:Test.EICAR.HDB\n", hex.EncodeToString(sum[:]), len(EICAR)))
	write(tb, filepath.Join(db, "test.ndb"), "Test.EICAR.NDB:0:*:"+hex.EncodeToString(EICAR[:40])+"\n")

	c := &ClamdServer{tb: tb, bin: bin, dir: dir}
	tb.Cleanup(c.Stop)
	// The port is found free and then given to clamd, so another process
	// may take it in between: try a few.
	var err error
	for range 3 {
		c.port = freePort(tb)
		c.Addr = fmt.Sprintf("tcp://127.0.0.1:%d", c.port)
		if err = c.start(); err == nil {
			return c
		}
	}
	tb.Fatalf("clamd did not start: %v", err)
	return nil
}

func write(tb testing.TB, path, s string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start writes the configuration and runs clamd until it answers PING.
func (c *ClamdServer) start() error {
	// Limits above upload.MaxTotal (100 MiB) so the largest file is scanned
	// whole.
	conf := filepath.Join(c.dir, "clamd.conf")
	write(c.tb, conf, strings.Join([]string{
		"DatabaseDirectory " + filepath.Join(c.dir, "db"),
		"TemporaryDirectory " + filepath.Join(c.dir, "tmp"),
		"LogFile " + filepath.Join(c.dir, "clamd.log"),
		"TCPAddr 127.0.0.1",
		fmt.Sprintf("TCPSocket %d", c.port),
		"Foreground yes",
		"StreamMaxLength 110M",
		"MaxFileSize 110M",
		"MaxScanSize 400M",
		"MaxThreads 4",
		"",
	}, "\n"))
	cmd := exec.Command(c.bin, "-c", conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()
	c.mu.Lock()
	c.cmd, c.exit = cmd, exit
	c.mu.Unlock()

	deadline := time.Now().Add(60 * time.Second)
	wait := 20 * time.Millisecond
	for {
		if pingClamd(c.port) == nil {
			return nil
		}
		select {
		case err := <-exit:
			c.mu.Lock()
			c.cmd = nil
			c.mu.Unlock()
			log, _ := os.ReadFile(filepath.Join(c.dir, "clamd.log"))
			return fmt.Errorf("clamd exited (%v): %s%s", err, tail(out.Bytes()), tail(log))
		case <-time.After(wait):
		}
		if time.Now().After(deadline) {
			c.Stop()
			return fmt.Errorf("clamd gave no PONG within 60 s: %s", tail(out.Bytes()))
		}
		wait = min(wait*2, 250*time.Millisecond)
	}
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// pingClamd sends zPING and expects PONG.
func pingClamd(port int) error {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return err
	}
	b, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadBytes(0)
	if err != nil && !(err == io.EOF && len(b) > 0) {
		return err
	}
	if string(bytes.TrimRight(b, "\x00\n")) != "PONG" {
		return fmt.Errorf("clamd answered %q", b)
	}
	return nil
}

// Stop ends clamd (SIGTERM, then SIGKILL after 10 s) and waits for it; the
// address then refuses connections. Stopping a stopped server does nothing.
func (c *ClamdServer) Stop() {
	c.mu.Lock()
	cmd, exit := c.cmd, c.exit
	c.cmd = nil
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exit:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exit
	}
}

// Start runs a stopped clamd again on the same address and waits until it
// answers.
func (c *ClamdServer) Start() {
	c.tb.Helper()
	c.mu.Lock()
	running := c.cmd != nil
	c.mu.Unlock()
	if running {
		return
	}
	if err := c.start(); err != nil {
		c.tb.Fatalf("clamd did not start again: %v", err)
	}
}
