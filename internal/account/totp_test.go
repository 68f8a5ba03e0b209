package account

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The key of the RFC test vectors: ASCII "12345678901234567890".
var rfcKey = []byte("12345678901234567890")

func TestHOTPVectorsOfRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp(rfcKey, uint64(i), 6); got != w {
			t.Errorf("counter %d: %s, want %s", i, got, w)
		}
	}
}

func TestTOTPVectorsOfRFC6238(t *testing.T) {
	for _, c := range []struct {
		unix int64
		want string
	}{{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"}, {1234567890, "89005924"},
		{2000000000, "69279037"}, {20000000000, "65353130"}} {
		if got := hotp(rfcKey, uint64(totpStep(time.Unix(c.unix, 0))), 8); got != c.want {
			t.Errorf("T=%d: %s, want %s", c.unix, got, c.want)
		}
	}
}

// An independent implementation (the one apps are tested against) agrees
// on codes and reads the key URI as meant.
func TestAgreesWithPquernaOTP(t *testing.T) {
	secret := NewSecret()
	if len(secret) != 32 { // 160 bits in base32
		t.Fatalf("secret %q", secret)
	}
	now := time.Now()
	for d := -3; d <= 3; d++ {
		at := now.Add(time.Duration(d) * TOTPPeriod)
		want, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		if got := CodeAt(secret, at); got != want {
			t.Fatalf("at %v: %s, pquerna %s", at, got, want)
		}
	}
	key, err := otp.NewKeyFromURL(OTPAuthURI(secret, "anna.beispiel+2fa@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if key.Issuer() != "Sozialplattform" || key.AccountName() != "anna.beispiel+2fa@example.org" || key.Secret() != secret ||
		key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
		t.Fatalf("key URI read back as %s %s %s %d %v %v", key.Issuer(), key.AccountName(), key.Secret(), key.Period(), key.Digits(), key.Algorithm())
	}
	if !strings.HasPrefix(OTPAuthURI(secret, "a@example.org"), "otpauth://totp/Sozialplattform:a@example.org?") {
		t.Fatalf("URI %s", OTPAuthURI(secret, "a@example.org"))
	}
	if g := GroupSecret("ABCDEFGHIJ"); g != "ABCD EFGH IJ" {
		t.Fatalf("grouped %q", g)
	}
}

func TestCodeWindowAndReplay(t *testing.T) {
	secret := NewSecret()
	now := time.Unix(1_800_000_015, 0)
	cur := totpStep(now)
	for d := int64(-2); d <= 2; d++ {
		code := CodeAt(secret, now.Add(time.Duration(d)*TOTPPeriod))
		step, ok := matchStep(secret, code, now, 0)
		if want := d >= -1 && d <= 1; ok != want || (ok && step != cur+d) {
			t.Errorf("step %+d: accepted %v (step %d)", d, ok, step)
		}
	}
	code := CodeAt(secret, now)
	if _, ok := matchStep(secret, code, now, cur); ok {
		t.Error("a code of the last accepted step was accepted again")
	}
	if _, ok := matchStep(secret, CodeAt(secret, now.Add(-TOTPPeriod)), now, cur); ok {
		t.Error("a code older than the last accepted step was accepted")
	}
	if NormalizeCode(" 123 456 ") != "123456" || NormalizeCode("12345") != "" || NormalizeCode("12345a") != "" || NormalizeCode("١٢٣٤٥٦") != "" {
		t.Error("NormalizeCode")
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := newRecoveryCodes("staff-1")
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("%d codes", len(codes))
	}
	shape := regexp.MustCompile(`^[` + recoveryAlphabet + `]{4}-[` + recoveryAlphabet + `]{4}-[` + recoveryAlphabet + `]{2}$`)
	seen := map[string]bool{}
	for i, c := range codes {
		if !shape.MatchString(c) || seen[c] {
			t.Errorf("code %q", c)
		}
		seen[c] = true
		if strings.Contains(hashes[i], c) || len(hashes[i]) != 64 {
			t.Errorf("hash %q", hashes[i])
		}
		if HashRecoveryCode("staff-1", " "+strings.ToUpper(strings.ReplaceAll(c, "-", ""))) != hashes[i] {
			t.Errorf("%q typed without dashes in capitals does not match", c)
		}
		if HashRecoveryCode("staff-2", c) == hashes[i] {
			t.Error("the hash does not depend on the staff member")
		}
	}
}

func TestNeedsSecondFactor(t *testing.T) {
	for role, want := range map[Role]bool{SystemAdmin: true, OrgAdmin: true, Counsellor: false} {
		if got := (&Staff{Role: role}).NeedsSecondFactor(); got != want {
			t.Errorf("%s: %v", role, got)
		}
	}
	if (*Staff)(nil).NeedsSecondFactor() {
		t.Error("nil staff")
	}
}
