// Command sozialplattform is the whole platform in one binary.
//
//	sozialplattform serve    run the web server and background workers
//	sozialplattform migrate  apply database migrations and exit
//	sozialplattform admin    create staff accounts, send a test mail
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sozialplattform:", err)
		os.Exit(1)
	}
}
