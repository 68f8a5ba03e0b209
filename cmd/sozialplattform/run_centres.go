package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/geo"
)

// runCentres: "centres synthetic N" fills a database with N invented
// centres around every Kreis (marked as demo data), to measure the finder
// at the size of a whole country's directory (make loadtest uses it).
func runCentres(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "synthetic" {
		return errors.New("usage: sozialplattform centres synthetic N [--data DIR | --database URL]")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 || n > 200_000 {
		return fmt.Errorf("the number of centres must be between 1 and 200000, not %q", args[1])
	}
	db, _, err := flagsDB(ctx, "centres synthetic", args[2:], stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	places, err := geo.Load()
	if err != nil {
		return err
	}
	now := db.Now()
	for _, o := range counselling.DemoOrganisations {
		o.CreatedAt = now
		if err := db.CreateOrganisation(ctx, o); err != nil {
			return err
		}
	}
	cs := counselling.SyntheticCentres(places, n, now)
	if err := db.SaveCentres(ctx, cs, counselling.AuditEntry{At: now, ActorID: "system", Entity: "import", EntityID: "synthetic",
		Action: "import", Fields: []string{strconv.Itoa(n)}}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d synthetic centres stored\n", n)
	return nil
}
