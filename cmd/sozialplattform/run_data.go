package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/config"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/store"
)

// runOffices: "offices import FILE" loads offices and responsibilities in
// the format of docs/zustaendigkeiten.md; "offices demo" prints the demo
// data of North Rhine-Westphalia in that format, a complete example.
func runOffices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "demo") {
		return errors.New("offices needs a subcommand: import FILE or demo")
	}
	sub := args[0]
	fs := flag.NewFlagSet("offices "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config.Flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return helpOK(err)
	}
	if sub == "demo" {
		places, err := geo.Load()
		if err != nil {
			return err
		}
		cat, err := content.LoadCatalogue()
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(demoDocument(places, cat))
	}
	var doc *office.Document
	db, err := openWithFile(ctx, fs, cfg, "offices import", func(f io.Reader) (err error) {
		doc, err = office.ReadDocument(f)
		return err
	})
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := office.Import(ctx, db, doc, db.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d offices and %d responsibilities\n", st.Offices, st.Responsibilities)
	return nil
}

// runGeodata: "geodata import-gv100ad FILE" stores the exact regional keys
// of the official Gemeindeverzeichnis (Destatis GV100AD); every instance
// uses them from its next start.
func runGeodata(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import-gv100ad" {
		return errors.New("geodata needs a subcommand: import-gv100ad FILE")
	}
	fs := flag.NewFlagSet("geodata import-gv100ad", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config.Flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return helpOK(err)
	}
	var ms []geo.Municipality
	db, err := openWithFile(ctx, fs, cfg, "geodata import-gv100ad", func(f io.Reader) (err error) {
		ms, err = geo.ParseGV100AD(f)
		return err
	})
	if err != nil {
		return err
	}
	defer db.Close()
	keys := make(map[string][2]string, len(ms))
	for _, m := range ms {
		keys[m.AGS] = [2]string{m.ARS, m.Name}
	}
	if err := db.SaveMunicipalityKeys(ctx, keys); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stored the regional keys of %d municipalities; restart the platform to use them\n", len(keys))
	return nil
}

// openWithFile reads the one file argument with parse first, so a wrong
// file is refused before the database is touched, then opens the database.
func openWithFile(ctx context.Context, fs *flag.FlagSet, cfg *config.Config, cmd string, parse func(io.Reader) error) (*store.DB, error) {
	if fs.NArg() != 1 {
		return nil, fmt.Errorf("%s needs one file", cmd)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := parse(f); err != nil {
		return nil, err
	}
	return openDB(ctx, *cfg)
}
