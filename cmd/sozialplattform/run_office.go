package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
)

// runFITConnect is the receiving office's side of the embedded default's
// FIT-Connect stand-in (the counterpart of the seed's "Einzelplatz-Lösung"):
// list what arrived and decrypt it into a folder. It reads the stand-in's
// files; run it while the platform is stopped or idle.
func runFITConnect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "serve" {
		return serveFITConnect(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "list" && args[0] != "collect") {
		return errors.New("usage: sozialplattform fitconnect serve|list|collect [--data DIR] [--destination ID] [--out DIR]")
	}
	fs := flag.NewFlagSet("fitconnect "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data", "the platform's data folder (the stand-in keeps its files in DATA/fitconnect)")
	dest := fs.String("destination", "", "destination id (default: every destination)")
	out := fs.String("out", "eingang", "folder for the decrypted applications (collect)")
	if err := fs.Parse(args[1:]); err != nil {
		return helpOK(err)
	}
	dir := filepath.Join(*data, "fitconnect")
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("no FIT-Connect stand-in files in %s (nothing was delivered yet?)", dir)
	}
	srv, err := standin.New(standin.Config{Dir: dir})
	if err != nil {
		return err
	}
	for _, d := range srv.Destinations() {
		if *dest != "" && d.ID != *dest {
			continue
		}
		subs := srv.Submissions(d.ID)
		fmt.Fprintf(stdout, "%s  %s  %d submissions\n", d.ID, d.Name, len(subs))
		if args[0] == "list" {
			for _, s := range subs {
				fmt.Fprintf(stdout, "  %s  %s  %s  %d bytes\n", s.SubmissionID, s.Status, s.SubmittedAt.Format("2006-01-02 15:04"), s.Bytes)
			}
			continue
		}
		got, err := srv.Collect(d.ID, srv.DestinationKey(d.ID))
		if err != nil {
			return err
		}
		for _, r := range got {
			folder := filepath.Join(*out, d.ID, r.SubmissionID)
			if err := os.MkdirAll(folder, 0o700); err != nil {
				return err
			}
			files := map[string][]byte{"metadata.json": r.Metadata, "antrag.xml": r.Data}
			for _, a := range r.Attachments {
				files[safeName(a.AttachmentID+"-"+a.Filename)] = a.Content
			}
			for name, b := range files {
				if err := os.WriteFile(filepath.Join(folder, name), b, 0o600); err != nil {
					return err
				}
			}
			fmt.Fprintf(stdout, "  %s  %d files → %s", r.SubmissionID, len(files), folder)
			if len(r.Problems) > 0 {
				fmt.Fprintf(stdout, "  problems: %s", strings.Join(r.Problems, "; "))
			}
			fmt.Fprintln(stdout)
		}
	}
	return nil
}

// safeName keeps a file name from leaving its folder.
func safeName(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, "\\", "/"))
	if s == "." || s == ".." || s == "/" {
		return "datei"
	}
	return s
}

// serveFITConnect runs the local FIT-Connect delivery and routing service on
// its own, for a platform started with --fitconnect-* pointing at it (or
// any other sender): token endpoint, destinations with keys under a test
// CA (GET /test/ca.pem is the root for --fitconnect-roots), submissions,
// signed event logs, the routing API and the office's pages under /test/.
func serveFITConnect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fitconnect serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "localhost:8090", "address to listen on")
	data := fs.String("data", "fitconnect", "folder for the service's keys and what it receives")
	clientID := fs.String("client-id", "sozialplattform", "the one OAuth client; its secret comes from SOZ_FITCONNECT_CLIENT_SECRET")
	routes := fs.String("routes", "", "JSON file of routes: [{\"LeiKa\": \"99…\", \"ARS\": \"05382\", \"DestinationID\": \"uuid\", \"Name\": \"…\"}]")
	if err := fs.Parse(args); err != nil {
		return helpOK(err)
	}
	secret := os.Getenv("SOZ_FITCONNECT_CLIENT_SECRET")
	if len(secret) < 16 {
		return errors.New("set SOZ_FITCONNECT_CLIENT_SECRET (16 characters at least)")
	}
	cfg := standin.Config{Dir: *data, Clients: map[string]string{*clientID: secret}}
	if *routes != "" {
		b, err := os.ReadFile(*routes)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &cfg.Routes); err != nil {
			return fmt.Errorf("%s: %w", *routes, err)
		}
	}
	srv, err := standin.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	srv.SetBaseURL(base)
	fmt.Fprintf(stdout, "FIT-Connect stand-in (test only) at %s: token %s/token, Submission API %s, Routing API %s/v1, root CA %s/test/ca.pem\n",
		base, base, base, base, base)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
