package application

import (
	"crypto/sha256"
	"strings"
)

// Reference is an application's number as a person reads it out on the
// phone: twelve characters in three groups ("7K3M-Q9P2-XH4D") from a
// checksum of the application's id, in Crockford's alphabet, which has no
// I, L, O or U to mix up with 1, 0 or V. Sixty bits: among a million
// applications two share one with a chance of about one in two million;
// the office also has the id itself (XML antragsnummer).
func Reference(id string) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	sum := sha256.Sum256([]byte(id))
	var bits uint64
	for _, b := range sum[:8] {
		bits = bits<<8 | uint64(b)
	}
	var s strings.Builder
	for i := range 12 {
		if i > 0 && i%4 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(alphabet[bits>>59])
		bits <<= 5
	}
	return s.String()
}
