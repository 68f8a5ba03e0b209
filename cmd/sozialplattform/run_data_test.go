package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOfficesImportAndGV100ADCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	// The demo data in the documented format is itself a valid import file.
	if err := Run(ctx, []string{"offices", "demo"}, nil, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	file := filepath.Join(dir, "demo.json")
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Run(ctx, []string{"offices", "import", "--data", dir, file}, nil, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.Contains(out.String(), "imported 162 offices") {
		t.Fatalf("%s", out.String())
	}
	if err := Run(ctx, []string{"offices", "import", "--data", dir, filepath.Join(dir, "missing.json")}, nil, &out, &errb); err == nil {
		t.Fatal("missing file accepted")
	}
	out.Reset()
	// An operator's newer Gemeindeverzeichnis, in which Bromskirchen
	// (Hesse) belongs to another Gemeindeverband than in the embedded
	// directory of 2020: the import's key wins.
	sample, err := os.ReadFile("../../internal/geo/testdata/GV100AD_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	gv := filepath.Join(dir, "GV100AD_31122025.txt")
	if err := os.WriteFile(gv, bytes.Replace(sample, []byte("066350050005"), []byte("066350059005"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Run(ctx, []string{"geodata", "import-gv100ad", "--data", dir, gv}, nil, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.Contains(out.String(), "3 municipalities") {
		t.Fatalf("%s", out.String())
	}
	// The next start uses the imported key.
	cfg := testConfig(t)
	cfg.DataDir = dir
	in := start(t, cfg)
	var res struct {
		Places []struct {
			ARS string `json:"ars"`
		} `json:"places"`
	}
	getJSON(t, in.base+"/api/v1/places?q=59969+Bromskirchen", &res)
	if len(res.Places) != 1 || res.Places[0].ARS != "066359005005" {
		t.Fatalf("%+v", res)
	}
}
