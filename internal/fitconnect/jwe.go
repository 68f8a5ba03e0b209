package fitconnect

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxAttachmentSize bounds one attachment's plaintext (the platform allows
// 100 MB per application); far below GCM's limit for one message.
const MaxAttachmentSize = 128 << 20

// ErrAttachmentTooLarge is returned for an attachment over MaxAttachmentSize.
var ErrAttachmentTooLarge = errors.New("fitconnect: attachment larger than MaxAttachmentSize")

// Encrypt returns plaintext as a compact JWE for key (RSA-OAEP-256 and
// A256GCM, with the key's kid and cty in the protected header), made by
// go-jose. It holds plaintext, ciphertext and the serialisation in memory
// at once (about 4.7 times the plaintext), which is fine for data and
// metadata; attachments go through StreamJWE.
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

// StreamJWE is the compact JWE (RSA-OAEP-256, A256GCM, kid and cty in the
// protected header) of a plaintext whose exact size is known, made while it
// is read: the plaintext streams through AES-GCM (gcmSealer) and base64, so
// an attachment of any size costs a few KiB of memory. Its length is known
// before the first byte (Content-Length), because every part of a compact
// JWE has a fixed length for a given key, header and plaintext size.
//
// The JWE is serialised by us from crypto/rsa (OAEP, SHA-256, empty label)
// exactly as RFC 7516 §5.1 describes, because go-jose can only produce the
// whole serialisation as one string in memory (about 4.7 times the
// plaintext).
type StreamJWE struct {
	key    *rsa.PublicKey
	header string // BASE64URL(UTF8(protected header))
	size   int64
}

// NewStreamJWE prepares the JWE of size bytes (at most MaxAttachmentSize)
// for key.
func NewStreamJWE(key *jose.JSONWebKey, size int64, cty string) (*StreamJWE, error) {
	pub, err := encryptionKey(key)
	if err != nil {
		return nil, err
	}
	if size < 0 || size > MaxAttachmentSize {
		return nil, ErrAttachmentTooLarge
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
	return &StreamJWE{key: pub, header: base64.RawURLEncoding.EncodeToString(header), size: size}, nil
}

// Len is the length of the compact serialisation in bytes.
func (s *StreamJWE) Len() int64 {
	b64 := base64.RawURLEncoding
	return int64(len(s.header)+1+b64.EncodedLen(s.key.Size())+1+b64.EncodedLen(12)+1) +
		int64(b64.EncodedLen(int(s.size))) + 1 + int64(b64.EncodedLen(16))
}

// Reader returns the serialisation of plain, which must yield exactly the
// size given to NewStreamJWE (else reading fails). Every reader has a
// content key and IV of its own, so a retried upload never reuses a nonce;
// closing it closes plain when that is an io.Closer.
func (s *StreamJWE) Reader(plain io.Reader) (*JWEReader, error) {
	cek := make([]byte, 32)
	defer clear(cek)
	iv := make([]byte, 12)
	if _, err := rand.Read(cek); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	ek, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, s.key, cek, nil)
	if err != nil {
		return nil, fmt.Errorf("fitconnect: encrypt content key: %w", err)
	}
	sealer, err := newGCMSealer(cek, iv, []byte(s.header))
	if err != nil {
		return nil, err
	}
	b64 := base64.RawURLEncoding
	head := s.header + "." + b64.EncodeToString(ek) + "." + b64.EncodeToString(iv) + "."
	r := &JWEReader{src: plain, size: s.size, gcm: sealer, hash: sha512.New()}
	r.end = copy(r.out[:], head)
	return r, nil
}

// JWEReader reads a StreamJWE's serialisation.
type JWEReader struct {
	src    io.Reader
	size   int64 // plaintext bytes expected
	read   int64 // plaintext bytes read
	gcm    *gcmSealer
	hash   hash.Hash
	in     [3 << 10]byte
	out    [4 << 10]byte // base64 of in, or the head, or the tag
	pos    int
	end    int
	done   bool   // the tag is in out
	sum    string // hex SHA-512 of the plaintext, once done
	tagB64 string
}

func (r *JWEReader) Read(p []byte) (int, error) {
	for r.pos == r.end {
		if r.done {
			return 0, io.EOF
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.out[r.pos:r.end])
	r.pos += n
	return n, nil
}

// fill encrypts and encodes the next piece of plaintext (a multiple of 3
// bytes but for the last, so the base64 pieces join), or at the end the tag.
func (r *JWEReader) fill() error {
	b64 := base64.RawURLEncoding
	if r.read == r.size {
		var one [1]byte
		if n, _ := io.ReadFull(r.src, one[:]); n > 0 {
			return fmt.Errorf("fitconnect: attachment longer than its %d bytes", r.size)
		}
		tag := r.gcm.tag()
		r.tagB64 = b64.EncodeToString(tag[:])
		r.out[0] = '.'
		r.pos, r.end = 0, 1+copy(r.out[1:], r.tagB64)
		r.sum = hex.EncodeToString(r.hash.Sum(nil))
		r.done = true
		return nil
	}
	k := int(min(int64(len(r.in)), r.size-r.read))
	n, err := io.ReadFull(r.src, r.in[:k])
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("fitconnect: attachment shorter than its %d bytes", r.size)
	}
	if err != nil {
		return fmt.Errorf("fitconnect: read attachment: %w", err)
	}
	r.read += int64(n)
	r.hash.Write(r.in[:n])
	r.gcm.seal(r.in[:n], r.in[:n])
	b64.Encode(r.out[:], r.in[:n])
	r.pos, r.end = 0, b64.EncodedLen(n)
	return nil
}

// Close closes the plaintext's source.
func (r *JWEReader) Close() error {
	if c, ok := r.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Hash is the hex SHA-512 of the plaintext, once it was read to its end
// ("" before).
func (r *JWEReader) Hash() string { return r.sum }

// AuthTag is the JWE's authentication tag (its last part) once read to the
// end, as the service's submit-submission event reports it.
func (r *JWEReader) AuthTag() string { return r.tagB64 }
