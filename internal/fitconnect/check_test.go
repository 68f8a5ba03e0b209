package fitconnect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestIndependentJOSECheck has jose (panva, npm) decrypt every JWE the
// client sent with the destination's private key, and Ajv (2020-12 mode)
// validate the metadata that jose decrypted against our subset schema, so
// our JWEs and metadata are checked by code other than ours and go-jose.
func TestIndependentJOSECheck(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "tools", "fitconnect-check"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	for _, m := range []string{"jose", "ajv"} {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules", m, "package.json")); statErr != nil && err == nil {
			err = statErr
		}
	}
	if err != nil {
		testenv.Missing(t, "node + npm ci --prefix tools/fitconnect-check ("+err.Error()+")")
	}
	run := func(args ...string) (stdout, stderr []byte, err error) {
		var o, e bytes.Buffer
		cmd := exec.Command(node, append([]string{filepath.Join(dir, "check.mjs")}, args...)...)
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.Bytes(), e.Bytes(), err
	}

	ctx := context.Background()
	f := newFake(t, "v2")
	c := newClient(t, f, nil)
	s, plains := testSubmission(f.goodDest())
	big := randomBytes(3<<20 + 1) // not a multiple of the 3-byte base64 group
	s.Attachments = append(s.Attachments,
		bytesAttachment(uuid.NewString(), "Scan.jpg", "image/jpeg", "attachment", big),
		bytesAttachment(uuid.NewString(), "Leer.txt", "text/plain", "report", nil))
	plains[s.Attachments[2].ID] = big
	plains[s.Attachments[3].ID] = []byte{}
	var st fitconnect.SendState
	if err := c.Send(ctx, s, &st, nil); err != nil {
		t.Fatal(err)
	}
	sub := f.sub(st.SubmissionID)

	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	priv, err := jose.JSONWebKey{Key: f.k.enc, KeyID: encKid, Algorithm: string(jose.RSA_OAEP_256), Use: "enc"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := write("key.jwk.json", priv)

	decrypt := func(name, jwe string, want []byte, cty string) []byte {
		t.Helper()
		out, hdr, err := run("decrypt", keyFile, write(name+".jwe", []byte(jwe)))
		if err != nil {
			t.Fatalf("jose could not decrypt %s: %v\n%s", name, err, hdr)
		}
		var h map[string]any
		if err := json.Unmarshal(hdr, &h); err != nil {
			t.Fatalf("%s: header %q: %v", name, hdr, err)
		}
		if h["alg"] != "RSA-OAEP-256" || h["enc"] != "A256GCM" || h["kid"] != encKid || h["cty"] != cty {
			t.Errorf("%s: protected header %v", name, h)
		}
		if want != nil && !bytes.Equal(out, want) {
			t.Errorf("%s: jose decrypted %d bytes that differ from the %d sent", name, len(out), len(want))
		}
		return out
	}
	decrypt("data", sub.data, s.Data, "application/xml")
	meta := decrypt("metadata", sub.metadata, nil, "application/json")
	for i, a := range s.Attachments {
		decrypt("attachment"+string(rune('0'+i)), sub.attachments[a.ID], plains[a.ID], a.MediaType)
	}
	// Not vacuous: one changed ciphertext byte and jose refuses.
	jwe := sub.attachments[s.Attachments[0].ID]
	i := strings.LastIndexByte(jwe, '.') - 10
	flipped := jwe[:i] + string("AB"[(strings.IndexByte("AB", jwe[i])+1)%2]) + jwe[i+1:]
	if _, _, err := run("decrypt", keyFile, write("flipped.jwe", []byte(flipped))); err == nil {
		t.Fatal("jose decrypted a changed ciphertext")
	}
	t.Logf("jose decrypted data, metadata and %d attachments (%d bytes the largest)", len(s.Attachments), len(big))

	schemaFile := filepath.Join(dir, "metadata-2.1.0-subset.schema.json")
	if out, errOut, err := run("validate", schemaFile, write("metadata.json", meta)); err != nil || strings.TrimSpace(string(out)) != "valid" {
		t.Fatalf("Ajv: %v\n%s%s", err, out, errOut)
	}
	// The schema is not vacuous: a broken hash is refused.
	broken := bytes.Replace(meta, []byte(`"type":"sha512"`), []byte(`"type":"sha256"`), 1)
	if _, _, err := run("validate", schemaFile, write("broken.json", broken)); err == nil {
		t.Fatal("Ajv accepted metadata with a sha256 hash type")
	}
	t.Log("Ajv (2020-12) validated the metadata against our subset schema")
}
