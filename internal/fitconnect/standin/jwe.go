package standin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strings"
)

// The delivery service cannot decrypt what it carries, but it can see
// whether a body is a compact JWE for the destination: five base64url
// parts, a protected header with alg RSA-OAEP-256, enc A256GCM and the
// destination's kid, an encrypted key as long as the destination's
// modulus, a 96-bit IV and a 128-bit tag. Attachments are checked while
// they stream to storage, so a 130 MB upload is never held in memory
// (without Dir it is, as all state is).

// minJWELength is the Submission API's minimum JWE length (a 4096-bit
// key's encrypted CEK alone is 683 characters).
const minJWELength = 776

type jweError struct{ msg string }

func (e *jweError) Error() string { return e.msg }

func jweErrf(format string, args ...any) error {
	return &jweError{msg: fmt.Sprintf(format, args...)}
}

// jweInfo is what was seen of a JWE.
type jweInfo struct {
	alg, enc, kid, cty string
	encKeyLen          int
	ivLen, tagLen      int
	tag                string // the last part, base64url: the "authentication tag" of the events
	size               int64
	sha256             string
}

// jweScanner is an io.Writer that checks a compact JWE as it passes.
type jweScanner struct {
	part  int
	lens  [5]int64
	segs  [5][]byte // not the ciphertext (part 3)
	h     hash.Hash
	size  int64
	limit [5]int64
}

func newJWEScanner() *jweScanner {
	return &jweScanner{h: sha256.New(), limit: [5]int64{16 << 10, 4 << 10, 64, -1, 64}}
}

func (sc *jweScanner) Write(p []byte) (int, error) {
	for i, c := range p {
		switch {
		case c == '.':
			sc.part++
			if sc.part > 4 {
				return i, jweErrf("a compact JWE has five parts; this has more")
			}
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			sc.lens[sc.part]++
			if lim := sc.limit[sc.part]; lim >= 0 {
				if sc.lens[sc.part] > lim {
					return i, jweErrf("part %d of the JWE is longer than %d characters", sc.part+1, lim)
				}
				sc.segs[sc.part] = append(sc.segs[sc.part], c)
			}
		default:
			return i, jweErrf("byte %d (%q) is neither base64url nor '.': not a compact JWE", sc.size+int64(i), c)
		}
	}
	sc.h.Write(p)
	sc.size += int64(len(p))
	return len(p), nil
}

func (sc *jweScanner) finish() (*jweInfo, error) {
	if sc.size == 0 {
		return nil, jweErrf("empty body: expected a compact JWE")
	}
	if sc.part != 4 {
		return nil, jweErrf("a compact JWE has five parts separated by '.'; this has %d", sc.part+1)
	}
	dec := base64.RawURLEncoding.Strict()
	hdr, err := dec.DecodeString(string(sc.segs[0]))
	if err != nil {
		return nil, jweErrf("the protected header is not base64url")
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &h); err != nil {
		return nil, jweErrf("the protected header is not a JSON object")
	}
	str := func(k string) (string, error) {
		raw, ok := h[k]
		if !ok {
			return "", nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", jweErrf("header %q is not a string", k)
		}
		return v, nil
	}
	info := &jweInfo{size: sc.size, sha256: hex.EncodeToString(sc.h.Sum(nil)), tag: string(sc.segs[4])}
	if info.alg, err = str("alg"); err != nil {
		return nil, err
	}
	if info.enc, err = str("enc"); err != nil {
		return nil, err
	}
	if info.kid, err = str("kid"); err != nil {
		return nil, err
	}
	if info.cty, err = str("cty"); err != nil {
		return nil, err
	}
	for i, name := range map[int]string{1: "encrypted key", 2: "initialisation vector", 4: "authentication tag"} {
		b, err := dec.DecodeString(string(sc.segs[i]))
		if err != nil {
			return nil, jweErrf("the %s is not base64url", name)
		}
		switch i {
		case 1:
			info.encKeyLen = len(b)
		case 2:
			info.ivLen = len(b)
		case 4:
			info.tagLen = len(b)
		}
	}
	if sc.lens[3]%4 == 1 {
		return nil, jweErrf("the ciphertext is not base64url")
	}
	return info, nil
}

// scanJWE copies a compact JWE from r to w and checks its form.
func scanJWE(r io.Reader, w io.Writer) (*jweInfo, error) {
	sc := newJWEScanner()
	if _, err := io.Copy(io.MultiWriter(sc, w), r); err != nil {
		return nil, err
	}
	return sc.finish()
}

func scanJWEString(s string) (*jweInfo, error) {
	return scanJWE(strings.NewReader(s), io.Discard)
}

// checkFor refuses a JWE that is not for d.
func (info *jweInfo) checkFor(d *destination) error {
	if info.alg != "RSA-OAEP-256" {
		return jweErrf("JWE alg is %q; FIT-Connect requires RSA-OAEP-256", info.alg)
	}
	if info.enc != "A256GCM" {
		return jweErrf("JWE enc is %q; FIT-Connect requires A256GCM", info.enc)
	}
	if info.kid != d.encKid {
		return jweErrf("JWE kid is %q; the destination's encryption key is %q", info.kid, d.encKid)
	}
	if want := d.encKey.Size(); info.encKeyLen != want {
		return jweErrf("the encrypted key has %d bytes; RSA-OAEP to the destination's %d-bit key gives %d", info.encKeyLen, want*8, want)
	}
	if info.ivLen != 12 {
		return jweErrf("the IV has %d bytes; A256GCM uses 12", info.ivLen)
	}
	if info.tagLen != 16 {
		return jweErrf("the authentication tag has %d bytes; A256GCM gives 16", info.tagLen)
	}
	if info.size < minJWELength {
		return jweErrf("the JWE has %d characters; the Submission API requires at least %d", info.size, minJWELength)
	}
	return nil
}
