package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
)

// TestHelperPlatform is "sozialplattform serve" as a process of its own,
// configured by SOZ_* variables, for TestDeliverySurvivesKillingThePlatform.
// It does nothing in a normal run.
func TestHelperPlatform(t *testing.T) {
	if os.Getenv("SOZ_TEST_HELPER_PLATFORM") != "1" {
		return
	}
	if err := Run(context.Background(), []string{"serve"}, nil, os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// TestDeliverySurvivesKillingThePlatform: the platform process is killed
// (SIGKILL) right after each step of a FIT-Connect delivery has been
// answered: creating the submission, each attachment's upload, the submit,
// reading the event log. Each time it is started again on the same data
// folder and carries on at once from what it had recorded. In the end the
// office has the application exactly once, complete.
func TestDeliverySurvivesKillingThePlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the platform six times")
	}
	fc, err := standin.New(standin.Config{Dir: t.TempDir(), Clients: map[string]string{"platform": "geheim-für-den-test"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(fc)
	t.Cleanup(hs.Close)
	fc.SetBaseURL(hs.URL)
	dest, err := fc.NewDestination(standin.DestinationSpec{Name: "Sozialamt Rhein-Sieg-Kreis", LeiKa: []string{hzl}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fc.AddRoute(standin.Route{LeiKa: hzl, ARS: "05382", DestinationID: dest.ID}); err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fc.RootCA().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.FITConnectSubmissionURL, cfg.FITConnectTokenURL, cfg.FITConnectAPI = hs.URL, hs.URL+"/token", "v2"
	cfg.FITConnectRoutingURL, cfg.FITConnectRoutingKeys = hs.URL+"/v1", hs.URL+"/v1/routing-jwks.json"
	cfg.FITConnectClientID, cfg.FITConnectClientSecret, cfg.FITConnectRoots = "platform", "geheim-für-den-test", roots

	// Sent by an instance that delivers nothing itself.
	cfg.Workers = false
	sender, stop := startStoppable(t, cfg)
	receipt := sendHzL(t, newBrowser(t, sender.base))
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	stop()

	env := append(os.Environ(), "SOZ_TEST_HELPER_PLATFORM=1", "SOZ_DATA="+cfg.DataDir, "SOZ_ADDR=127.0.0.1:0", "SOZ_LOG_LEVEL=warn",
		"SOZ_FITCONNECT_SUBMISSION_URL="+hs.URL, "SOZ_FITCONNECT_TOKEN_URL="+hs.URL+"/token",
		"SOZ_FITCONNECT_ROUTING_URL="+hs.URL+"/v1", "SOZ_FITCONNECT_ROUTING_KEYS="+hs.URL+"/v1/routing-jwks.json",
		"SOZ_FITCONNECT_CLIENT_ID=platform", "SOZ_FITCONNECT_CLIENT_SECRET=geheim-für-den-test", "SOZ_FITCONNECT_ROOTS="+roots)
	for _, step := range []string{"POST /v2/submissions", "PUT /v2/submissions/*/attachments/*", "PUT /v2/submissions/*/attachments/*",
		"PUT /v2/submissions/*", "GET /v2/cases/*/events"} {
		var out bytes.Buffer
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPlatform$")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
		killed := make(chan struct{})
		fc.AfterNext(step, func() {
			_ = cmd.Process.Kill()
			close(killed)
		})
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-killed:
			<-exited
		case err := <-exited:
			t.Fatalf("the platform ended before %s: %v\n%s", step, err, out.String())
		case <-time.After(90 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("the platform did not get to %s within 90 s\n%s", step, out.String())
		}
		fc.FailNext(step, 0, 0) // removes the hook if the kill came from elsewhere
	}

	// Started once more, it finishes.
	cfg.Workers = false
	in := start(t, cfg)
	var last error
	for range 3 {
		if last = in.Delivery.Deliver(t.Context(), id); last == nil {
			break
		}
	}
	rec, err := in.DB.FindDelivery(t.Context(), id)
	if last != nil || err != nil || rec.Status != delivery.StatusConfirmed || rec.Destination != dest.ID {
		t.Fatalf("after the kills: %v; %+v %v", last, rec, err)
	}
	got, err := fc.Collect(dest.ID, fc.DestinationKey(dest.ID))
	if err != nil {
		t.Fatal(err)
	}
	complete := 0
	for _, r := range got {
		if r.Status != "" && len(r.Attachments) == 2 && bytes.Contains(r.Data, []byte("Müller-Lüdenscheidt")) {
			complete++
		}
	}
	if complete != 1 {
		t.Fatalf("the office has %d complete submissions (of %d), want exactly 1", complete, len(got))
	}
	t.Logf("%d submission(s) created at the service, %d complete; %d delivery attempts recorded", len(fc.Submissions(dest.ID)), complete, rec.Attempts)
}

// TestOneProcessPerDataFolder: a second platform on the embedded default's
// data folder stops with a message instead of sharing the database (which
// would let it take the first one's running deliveries).
func TestOneProcessPerDataFolder(t *testing.T) {
	cfg := testConfig(t)
	start(t, cfg)
	_, err := NewMain(t.Context(), cfg, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "another sozialplattform process uses the data folder") {
		t.Fatalf("second process: %v", err)
	}
}
