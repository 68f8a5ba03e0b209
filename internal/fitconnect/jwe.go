package fitconnect

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxAttachmentSize bounds one attachment's plaintext (the platform allows
// 100 MB per application).
const MaxAttachmentSize = 128 << 20

// ErrAttachmentTooLarge is returned for an attachment over MaxAttachmentSize.
var ErrAttachmentTooLarge = errors.New("fitconnect: attachment larger than MaxAttachmentSize")

// Encrypt returns plaintext as a compact JWE for key (RSA-OAEP-256 and
// A256GCM, with the key's kid and cty in the protected header), made by
// go-jose. It holds plaintext, ciphertext and the serialisation in memory
// at once (about 4.7 times the plaintext), which is fine for data and
// metadata; attachments go through EncryptReader.
func Encrypt(key *jose.JSONWebKey, plaintext []byte, cty string) (string, error) {
	pub, err := encryptionKey(key)
	if err != nil {
		return "", err
	}
	opts := (&jose.EncrypterOptions{}).WithContentType(jose.ContentType(cty))
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: key.KeyID}, opts)
	if err != nil {
		return "", fmt.Errorf("fitconnect: encrypt: %w", err)
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("fitconnect: encrypt: %w", err)
	}
	return obj.CompactSerialize()
}

func encryptionKey(key *jose.JSONWebKey) (*rsa.PublicKey, error) {
	if key == nil {
		return nil, errors.New("fitconnect: no encryption key")
	}
	pub, ok := key.Key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("fitconnect: encryption key is %T, want *rsa.PublicKey", key.Key)
	}
	if key.KeyID == "" {
		return nil, errors.New("fitconnect: encryption key has no kid")
	}
	return pub, nil
}

// SealedJWE is a compact JWE (RSA-OAEP-256, A256GCM) whose ciphertext lies
// in memory in binary and is base64url-encoded only while it is read, so it
// costs about the plaintext's size. It can be read any number of times
// (retries, redirects).
type SealedJWE struct {
	head   []byte // BASE64URL(header) "." BASE64URL(encrypted key) "." BASE64URL(iv) "."
	sealed []byte // ciphertext followed by the 16-byte tag
	// Hash is the SHA-512 of the plaintext, in hex (for the metadata).
	Hash string
	// Size is the plaintext's length in bytes.
	Size int64
}

// EncryptReader reads r to its end (at most MaxAttachmentSize bytes) and
// encrypts it for key as a compact JWE with kid and cty in the protected
// header. sizeHint, when it is the exact size, lets it allocate once; the
// plaintext is then sealed in that same buffer, so the peak is the size plus
// 16 bytes (a wrong or missing hint costs the usual slice growth while
// reading). The JWE is serialised by us from crypto/rsa (OAEP, SHA-256,
// empty label) and crypto/cipher (AES-256-GCM, 96-bit IV, the header's
// base64 as additional data) exactly as RFC 7516 §5.1 describes, because
// go-jose can only produce the whole serialisation as one string.
func EncryptReader(key *jose.JSONWebKey, r io.Reader, sizeHint int64, cty string) (*SealedJWE, error) {
	pub, err := encryptionKey(key)
	if err != nil {
		return nil, err
	}
	const tagSize = 16
	initial := int64(64 << 10)
	if sizeHint > 0 && sizeHint <= MaxAttachmentSize {
		initial = sizeHint
	}
	buf := make([]byte, 0, initial+tagSize)
	for {
		if cap(buf)-len(buf) <= tagSize {
			// Full: probe for the end before growing.
			var one [1]byte
			n, err := io.ReadFull(r, one[:])
			if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("fitconnect: read attachment: %w", err)
			}
			if int64(len(buf)) >= MaxAttachmentSize {
				return nil, ErrAttachmentTooLarge
			}
			grow := min(max(len(buf), 64<<10), MaxAttachmentSize+1-len(buf))
			buf = append(slices.Grow(buf, grow+tagSize), one[0])
		}
		n, err := r.Read(buf[len(buf) : cap(buf)-tagSize])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > MaxAttachmentSize {
			return nil, ErrAttachmentTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fitconnect: read attachment: %w", err)
		}
	}
	sum := sha512.Sum512(buf)
	s := &SealedJWE{Hash: hex.EncodeToString(sum[:]), Size: int64(len(buf))}

	cek := make([]byte, 32)
	defer clear(cek)
	iv := make([]byte, 12)
	if _, err := rand.Read(cek); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	ek, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, cek, nil)
	if err != nil {
		return nil, fmt.Errorf("fitconnect: encrypt content key: %w", err)
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Enc string `json:"enc"`
		Kid string `json:"kid"`
		Cty string `json:"cty,omitempty"`
	}{string(jose.RSA_OAEP_256), string(jose.A256GCM), key.KeyID, cty})
	if err != nil {
		return nil, err
	}
	b64 := base64.RawURLEncoding
	var head strings.Builder
	head.WriteString(b64.EncodeToString(header))
	aad := []byte(head.String())
	head.WriteByte('.')
	head.WriteString(b64.EncodeToString(ek))
	head.WriteByte('.')
	head.WriteString(b64.EncodeToString(iv))
	head.WriteByte('.')
	s.head = []byte(head.String())

	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// In place: buf has room for the tag, so Seal allocates nothing.
	s.sealed = gcm.Seal(buf[:0], iv, buf, aad)
	return s, nil
}

// Len is the length of the compact serialisation in bytes.
func (s *SealedJWE) Len() int64 {
	b64 := base64.RawURLEncoding
	n := len(s.sealed) - 16
	return int64(len(s.head) + b64.EncodedLen(n) + 1 + b64.EncodedLen(16))
}

// AuthTag is the JWE's authentication tag (its last part), as the service's
// submit-submission event reports it.
func (s *SealedJWE) AuthTag() string {
	return base64.RawURLEncoding.EncodeToString(s.sealed[len(s.sealed)-16:])
}

// Reader returns a new reader of the compact serialisation.
func (s *SealedJWE) Reader() io.Reader {
	n := len(s.sealed) - 16
	return io.MultiReader(bytes.NewReader(s.head), &b64Reader{src: s.sealed[:n]}, strings.NewReader("."+s.AuthTag()))
}

// String returns the whole serialisation (for small JWEs and tests).
func (s *SealedJWE) String() string {
	var b strings.Builder
	b.Grow(int(s.Len()))
	_, _ = io.Copy(&b, s.Reader())
	return b.String()
}

// b64Reader base64url-encodes (unpadded) src while it is read, 3 KiB at a
// time.
type b64Reader struct {
	src      []byte
	out      [4096]byte
	pos, end int
}

func (r *b64Reader) Read(p []byte) (int, error) {
	if r.pos == r.end {
		if len(r.src) == 0 {
			return 0, io.EOF
		}
		n := min(len(r.src), len(r.out)/4*3) // a multiple of 3 except at the end
		base64.RawURLEncoding.Encode(r.out[:], r.src[:n])
		r.pos, r.end = 0, base64.RawURLEncoding.EncodedLen(n)
		r.src = r.src[n:]
	}
	n := copy(p, r.out[r.pos:r.end])
	r.pos += n
	return n, nil
}
