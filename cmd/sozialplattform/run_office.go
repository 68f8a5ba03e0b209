package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
)

// runFITConnect is the receiving office's side of the embedded default's
// FIT-Connect stand-in (the counterpart of the seed's "Einzelplatz-Lösung"):
// list what arrived and decrypt it into a folder. It reads the stand-in's
// files; run it while the platform is stopped or idle.
func runFITConnect(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "collect") {
		return errors.New("usage: sozialplattform fitconnect list|collect [--data DIR] [--destination ID] [--out DIR]")
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
