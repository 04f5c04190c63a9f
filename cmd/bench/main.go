// Command bench is the load benchmark of issue 12 (bench/run.sh drives
// it, after `portal generate` has filled its databases): `bench load` runs
// interleaved rounds against the portal and the bare program (cmd/bare)
// and prints each ratio with its target. It is not run by CI and asserts nothing about time in tests.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench load [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "load":
		err = load(context.Background(), os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
