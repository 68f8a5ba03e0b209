package upload_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/upload"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeClamd accepts one connection, reads an INSTREAM and answers with
// reply(received bytes). It sends received stream bytes to got.
func fakeClamd(t *testing.T, network, addr string, reply func(stream []byte) string) (string, chan []byte) {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	got := make(chan []byte, 1)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				var cmd []byte // byte by byte: the chunks follow at once
				for b := []byte{1}; b[0] != 0 && len(cmd) < 32; cmd = append(cmd, b[0]) {
					if _, err := io.ReadFull(conn, b); err != nil {
						return
					}
				}
				if string(cmd) == "zPING\x00" {
					conn.Write([]byte("PONG\x00"))
					return
				}
				if string(cmd) != "zINSTREAM\x00" {
					conn.Write([]byte("UNKNOWN COMMAND\x00"))
					return
				}
				var stream []byte
				for {
					var n uint32
					if err := binary.Read(conn, binary.BigEndian, &n); err != nil {
						return
					}
					if n == 0 {
						break
					}
					if n > 64<<10 {
						conn.Write([]byte("chunk too large\x00"))
						return
					}
					chunk := make([]byte, n)
					if _, err := io.ReadFull(conn, chunk); err != nil {
						return
					}
					stream = append(stream, chunk...)
				}
				select {
				case got <- stream:
				default:
				}
				conn.Write([]byte(reply(stream) + "\x00"))
			}()
		}
	}()
	if network == "unix" {
		return "unix://" + addr, got
	}
	return "tcp://" + l.Addr().String(), got
}

func TestClamdProtocol(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 20000) // several chunks
	cases := []struct {
		reply string
		clean bool
		sig   string
		err   bool
	}{
		{"stream: OK", true, "", false},
		{"stream: Win.Test.EICAR_HDB-1 FOUND", false, "Win.Test.EICAR_HDB-1", false},
		{"INSTREAM size limit exceeded. ERROR", false, "", true},
		{"stream: lstat() failed: No such file. ERROR", false, "", true},
		{"garbage", false, "", true},
		{"", false, "", true},
	}
	for _, c := range cases {
		addr, got := fakeClamd(t, "tcp", "127.0.0.1:0", func([]byte) string { return c.reply })
		sc := &upload.Clamd{Addr: addr, Timeout: 5 * time.Second}
		clean, sig, err := sc.Scan(ctx, bytes.NewReader(data))
		if clean != c.clean || sig != c.sig || (err != nil) != c.err {
			t.Errorf("reply %q: %v %q %v", c.reply, clean, sig, err)
		}
		if s := <-got; !bytes.Equal(s, data) {
			t.Errorf("clamd received %d bytes, want %d", len(s), len(data))
		}
	}
}

func TestClamdAddresses(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "clamd.ctl")
	unixAddr, _ := fakeClamd(t, "unix", sock, func([]byte) string { return "stream: OK" })
	tcpAddr, _ := fakeClamd(t, "tcp", "127.0.0.1:0", func([]byte) string { return "stream: OK" })
	for _, a := range []string{unixAddr, sock, tcpAddr, strings.TrimPrefix(tcpAddr, "tcp://")} {
		sc := &upload.Clamd{Addr: a, Timeout: 5 * time.Second}
		if err := sc.Ping(ctx); err != nil {
			t.Errorf("Ping %s: %v", a, err)
		}
		if clean, _, err := sc.Scan(ctx, strings.NewReader("%PDF-1.4")); !clean || err != nil {
			t.Errorf("Scan %s: %v %v", a, clean, err)
		}
	}
	for _, a := range []string{"", "localhost", "tcp://127.0.0.1:1"} {
		if err := (&upload.Clamd{Addr: a, Timeout: time.Second}).Ping(ctx); err == nil {
			t.Errorf("Ping %q: no error", a)
		}
	}
}

// TestClamdHangsUp: clamd closes the connection in the middle of a stream
// (as it does past StreamMaxLength): an error, never clean.
func TestClamdHangsUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		io.CopyN(io.Discard, conn, 200<<10)
		conn.Write([]byte("INSTREAM size limit exceeded. ERROR\x00"))
		conn.Close()
	}()
	sc := &upload.Clamd{Addr: l.Addr().String(), Timeout: 5 * time.Second}
	clean, _, err := sc.Scan(ctx, newPDFStream(20*MiB, 5))
	if clean || err == nil {
		t.Fatalf("clean %v, err %v", clean, err)
	}
}

// TestClamdTimeout: a clamd that never answers makes Scan fail after Timeout.
func TestClamdTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		conn, err := l.Accept()
		if err == nil {
			io.Copy(io.Discard, conn) // reads, never answers
		}
	}()
	sc := &upload.Clamd{Addr: l.Addr().String(), Timeout: 300 * time.Millisecond}
	start := time.Now()
	clean, _, err := sc.Scan(ctx, strings.NewReader("%PDF-1.4"))
	if clean || err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("clean %v, err %v after %v", clean, err, time.Since(start))
	}
}
