package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/config"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/store"
)

const usage = `Sozialplattform – social-services portal in one binary.

Usage:
  sozialplattform <command> [flags]

Commands:
  serve     run the platform (web server and background workers)
  migrate   apply database migrations and exit
  admin     staff accounts and checks:
              admin create-user --email E --name N --role R [--password-stdin]
              admin send-test-mail --to E
  offices   responsible offices:
              offices import FILE   load offices and responsibilities (docs/zustaendigkeiten.md)
              offices demo          print the demo data in that format
  geodata   place directory:
              geodata import-gv100ad FILE   exact regional keys from the Destatis Gemeindeverzeichnis
  centres     counselling centres: centres synthetic N  fill with N invented centres (load tests)
  fitconnect  the local FIT-Connect delivery and routing service (test only):
              fitconnect serve [--addr A] [--data DIR]    run it on its own (SOZ_FITCONNECT_CLIENT_SECRET)
              fitconnect list [--data DIR]                what arrived, per destination
              fitconnect collect [--data DIR] [--out DIR]  decrypt every application into a folder
  version   print the version

Run "sozialplattform <command> --help" for the flags of a command.
Without --database the platform uses SQLite in --data (default ./data) and
runs the embedded default: demo data, mail catcher, no other service needed.
`

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

// flagsDB parses a subcommand's flags (the serve flags), validates them and
// opens the migrated database; the remaining arguments are returned.
func flagsDB(ctx context.Context, name string, args []string, stderr io.Writer) (*store.DB, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, helpOK(err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	db, err := openDB(ctx, *cfg)
	return db, fs.Args(), err
}

// Run dispatches a command line; main and the tests call it.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(stderr)
		cfg := config.Flags(fs)
		if err := fs.Parse(args[1:]); err != nil {
			return helpOK(err)
		}
		m, err := NewMain(ctx, *cfg, stderr)
		if err != nil {
			return err
		}
		return m.Serve(ctx)
	case "migrate":
		db, _, err := flagsDB(ctx, "migrate", args[1:], stderr)
		if err != nil {
			return err
		}
		defer db.Close()
		cur, _, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database at version %d\n", cur)
		return nil
	case "admin":
		return runAdmin(ctx, args[1:], stdin, stdout, stderr)
	case "offices":
		return runOffices(ctx, args[1:], stdout, stderr)
	case "centres":
		return runCentres(ctx, args[1:], stdout, stderr)
	case "geodata":
		return runGeodata(ctx, args[1:], stdout, stderr)
	case "fitconnect":
		return runFITConnect(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "sozialplattform", Version)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func runAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("admin needs a subcommand: create-user or send-test-mail")
	}
	sub := args[0]
	fs := flag.NewFlagSet("admin "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config.Flags(fs)
	switch sub {
	case "create-user":
		email := fs.String("email", "", "email address (the user name)")
		name := fs.String("name", "", "display name")
		role := fs.String("role", string(account.SystemAdmin), "system-admin, org-admin or counsellor")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input; otherwise a random one is printed once")
		if err := fs.Parse(args[1:]); err != nil {
			return helpOK(err)
		}
		m, err := NewMain(ctx, *cfg, stderr)
		if err != nil {
			return err
		}
		defer m.Close()
		password := account.GeneratePassword(20)
		if *fromStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			password = strings.TrimRight(line, "\r\n")
		}
		st, err := m.Accounts.Create(ctx, *email, *name, account.Role(*role), password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s (%s)\n", st.Email, st.Role)
		if !*fromStdin {
			fmt.Fprintf(stdout, "password (shown once): %s\n", password)
		}
		return nil
	case "send-test-mail":
		to := fs.String("to", "", "recipient")
		if err := fs.Parse(args[1:]); err != nil {
			return helpOK(err)
		}
		if *to == "" {
			return errors.New("--to is required")
		}
		m, err := NewMain(ctx, *cfg, stderr)
		if err != nil {
			return err
		}
		defer m.Close()
		de, _ := i18n.Lookup(i18n.Default)
		id, err := m.MailService.Send(ctx, de, "test", *to, nil)
		if err != nil {
			return err
		}
		if _, err := m.Queue.Drain(ctx); err != nil {
			return err
		}
		e, err := m.DB.FindMail(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "mail %s: %s\n", id, e.Status)
		return nil
	}
	return fmt.Errorf("unknown admin subcommand %q", sub)
}
