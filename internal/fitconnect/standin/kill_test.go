package standin

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// TestHelperProcess is the stand-in as a process of its own, for
// TestKillAndRestart. It does nothing in a normal test run.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("STANDIN_HELPER_DIR")
	if dir == "" {
		return
	}
	s, err := New(Config{Dir: dir, Routes: testRoutes(), Clients: map[string]string{testClientID: testSecret}})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("URL http://" + ln.Addr().String())
	_ = http.Serve(ln, s)
	os.Exit(0)
}

type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STANDIN_HELPER_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "URL ") || strings.HasPrefix(sc.Text(), "ERROR") {
				line <- sc.Text()
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		if !strings.HasPrefix(l, "URL ") {
			t.Fatal(l)
		}
		return &child{cmd: cmd, url: strings.TrimPrefix(l, "URL ")}
	case <-time.After(30 * time.Second):
		t.Fatal("the stand-in process did not start")
	}
	return nil
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil { // SIGKILL: no chance to tidy up
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

func TestKillAndRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Put this process's keys into Dir, so that the child need not
	// generate any.
	if _, err := New(Config{Dir: dir, Routes: testRoutes()}); err != nil {
		t.Fatal(err)
	}
	root, err := readCertFile(filepath.Join(dir, "keys", "root-ca.crt.pem"))
	if err != nil {
		t.Fatal(err)
	}

	p1 := startChild(t, dir)
	c := &sender{t: t, base: p1.url, ver: "v1", hc: &http.Client{Timeout: 30 * time.Second}}
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destKreis, root)
	if err != nil {
		t.Fatal(err)
	}
	var d createdDoc
	c.call("POST", "/v1/submissions", map[string]any{"destinationId": destKreis, "announcedAttachments": []string{pdfFile.id, pngFile.id},
		"serviceType": map[string]string{"name": "HzL", "identifier": leikaPrefix + leikaHzL}}, 201, &d)
	if st, b, _ := c.do("PUT", "/v1/submissions/"+d.SubmissionID+"/attachments/"+pdfFile.id,
		[]byte(encrypt(t, jwk, pdfFile.content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)), "application/jose"); st != 204 {
		t.Fatalf("%d %s", st, b)
	}

	// The second upload is cut off by a kill -9 half-way.
	pngJWE := encrypt(t, jwk, pngFile.content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", p1.url+"/v1/submissions/"+d.SubmissionID+"/attachments/"+pngFile.id, pr)
	req.Header.Set("Content-Type", "application/jose")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.ContentLength = int64(len(pngJWE))
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("the cut-off upload was answered %d", resp.StatusCode)
		}
		errc <- err
	}()
	if _, err := pw.Write([]byte(pngJWE[:len(pngJWE)/2])); err != nil {
		t.Fatal(err)
	}
	// Wait until the child has the half in Dir/tmp.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) == 1 {
			if fi, err := ents[0].Info(); err == nil && fi.Size() == int64(len(pngJWE)/2) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the half upload never reached Dir/tmp")
		}
	}
	p1.kill(t)
	pw.CloseWithError(io.ErrUnexpectedEOF)
	if err := <-errc; err == nil || strings.Contains(err.Error(), "answered") {
		t.Fatalf("cut-off upload: %v", err)
	}

	p2 := startChild(t, dir)
	c.base = p2.url // same token: the token key is in Dir
	var st statusDoc
	c.call("GET", "/v1/submissions/"+d.SubmissionID, nil, 200, &st)
	if st.Status != StatusIncomplete || len(st.UploadedAttachments) != 1 || st.UploadedAttachments[0] != pdfFile.id {
		t.Fatalf("after the kill: %+v", st)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("the half upload is still in tmp: %d files", len(ents))
	}
	if st, b, _ := c.do("PUT", "/v1/submissions/"+d.SubmissionID+"/attachments/"+pngFile.id, []byte(pngJWE), "application/jose"); st != 204 {
		t.Fatalf("upload again: %d %s", st, b)
	}
	meta := encrypt(t, jwk, metadata(xmlData, []testFile{pdfFile, pngFile}), jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	data := encrypt(t, jwk, xmlData, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	c.call("PUT", "/v1/submissions/"+d.SubmissionID, map[string]string{"encryptedMetadata": meta, "encryptedData": data}, 202, nil)
	evs, err := c.events(d.CaseID)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events: %v %d", err, len(evs))
	}
	p2.kill(t)

	// The office, in this process, on the same Dir.
	s, err := New(Config{Dir: dir, Routes: testRoutes()})
	if err != nil {
		t.Fatal(err)
	}
	recv, err := s.Collect(destKreis, s.DestinationKey(destKreis))
	if err != nil || len(recv) != 1 || len(recv[0].Problems) > 0 || len(recv[0].Attachments) != 2 {
		t.Fatalf("Collect: %v %+v", err, recv)
	}
}
