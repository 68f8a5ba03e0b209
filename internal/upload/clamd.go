package upload

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Scanner checks a file for malware.
type Scanner interface {
	// Scan streams r to the scanner. It returns clean=true, or clean=false
	// with the signature found, or an error when the scanner cannot be
	// reached, gives up (a size limit, a time-out) or answers something else;
	// then the caller holds the file.
	Scan(ctx context.Context, r io.Reader) (clean bool, signature string, err error)
	Ping(ctx context.Context) error
}

// Clamd is a Scanner that talks to ClamAV's daemon with its INSTREAM command:
// "zINSTREAM\0", then chunks each preceded by its length as 4 bytes big
// endian, then a zero length, then one reply ending in \0: "stream: OK",
// "stream: <signature> FOUND" or "... ERROR" (for example "INSTREAM size
// limit exceeded. ERROR" when the stream passes clamd's StreamMaxLength,
// which is an error here, never clean).
//
// clamd must be configured for the files it gets: StreamMaxLength and
// MaxFileSize at least 101M (MaxTotal is 100 MiB), MaxScanSize larger still;
// otherwise a large file is refused (held) or, worse, its tail is not scanned
// (set AlertExceedsMax yes so that such a file is reported, not passed).
type Clamd struct {
	// Addr is "tcp://host:port", "unix:///path/to/clamd.ctl", "host:port"
	// or an absolute socket path.
	Addr string
	// Timeout bounds connecting, each write and the wait for the verdict
	// after the last byte; 0 means 30 seconds. With a full signature
	// database the verdict on a 100 MB file may take a while: size it for
	// that.
	Timeout time.Duration
}

const clamdChunk = 64 << 10

func (c *Clamd) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 30 * time.Second
}

// network splits Addr into a network and an address for net.Dial.
func (c *Clamd) network() (string, string, error) {
	a := c.Addr
	switch {
	case strings.HasPrefix(a, "tcp://"):
		return "tcp", strings.TrimPrefix(a, "tcp://"), nil
	case strings.HasPrefix(a, "unix://"):
		return "unix", strings.TrimPrefix(a, "unix://"), nil
	case strings.HasPrefix(a, "/"):
		return "unix", a, nil
	case a == "":
		return "", "", errors.New("clamd: no address")
	}
	if _, _, err := net.SplitHostPort(a); err != nil {
		return "", "", fmt.Errorf("clamd: address %q: %w", a, err)
	}
	return "tcp", a, nil
}

func (c *Clamd) dial(ctx context.Context) (net.Conn, error) {
	network, addr, err := c.network()
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: c.timeout()}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("clamd: %w", err)
	}
	return conn, nil
}

// Ping implements Scanner.
func (c *Clamd) Ping(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Closing (not a deadline, which the next write would move) ends any
	// blocked read or write when ctx ends.
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	conn.SetDeadline(time.Now().Add(c.timeout()))
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return fmt.Errorf("clamd: %w", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("clamd: unexpected answer to PING: %q", reply)
	}
	return nil
}

// Scan implements Scanner. It reads r to its end (or to the first error) and
// streams it to clamd in chunks of 64 KiB.
func (c *Clamd) Scan(ctx context.Context, r io.Reader) (bool, string, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return false, "", err
	}
	defer conn.Close()
	// Closing (not a deadline, which the next write would move) ends any
	// blocked read or write when ctx ends.
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	t := c.timeout()
	conn.SetWriteDeadline(time.Now().Add(t))
	if _, err := conn.Write([]byte("zINSTREAM\x00")); err != nil {
		return false, "", fmt.Errorf("clamd: %w", err)
	}
	buf := make([]byte, 4+clamdChunk)
	for {
		n, rerr := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf[:4], uint32(n))
			conn.SetWriteDeadline(time.Now().Add(t))
			if _, err := conn.Write(buf[:4+n]); err != nil {
				return false, "", c.broken(conn, err)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return false, "", fmt.Errorf("clamd: reading the file: %w", rerr)
		}
	}
	conn.SetWriteDeadline(time.Now().Add(t))
	if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
		return false, "", c.broken(conn, err)
	}
	conn.SetReadDeadline(time.Now().Add(t))
	reply, err := readReply(conn)
	if err != nil {
		return false, "", err
	}
	return parseReply(reply)
}

// broken explains a failed write: clamd answers and hangs up when the stream
// passes StreamMaxLength, so read what it said.
func (c *Clamd) broken(conn net.Conn, werr error) error {
	conn.SetReadDeadline(time.Now().Add(time.Second))
	if reply, err := readReply(conn); err == nil && reply != "" {
		return fmt.Errorf("clamd: %s", reply)
	}
	return fmt.Errorf("clamd: %w", werr)
}

// readReply reads one reply up to its \0 (or the end of the connection).
func readReply(conn net.Conn) (string, error) {
	b, err := bufio.NewReaderSize(io.LimitReader(conn, 4096), 256).ReadBytes(0)
	if err != nil && !(err == io.EOF && len(b) > 0) {
		return "", fmt.Errorf("clamd: reading the reply: %w", err)
	}
	return strings.TrimSpace(string(bytes.TrimRight(b, "\x00"))), nil
}

func parseReply(reply string) (bool, string, error) {
	rest, ok := strings.CutPrefix(reply, "stream: ")
	switch {
	case ok && rest == "OK":
		return true, "", nil
	case ok && strings.HasSuffix(rest, " FOUND"):
		sig := strings.TrimSpace(strings.TrimSuffix(rest, " FOUND"))
		if sig == "" {
			sig = "unknown"
		}
		return false, sig, nil
	}
	return false, "", fmt.Errorf("clamd: %q", reply)
}
