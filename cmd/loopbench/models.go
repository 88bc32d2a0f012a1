package main

import (
	"fmt"
	"image/color"
	"io"
	"text/tabwriter"

	"loopbench/harness/results"
	"loopbench/servers"
)

// listModels returns the model table; tests substitute a fixed one.
var listModels = servers.All

func runModels(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("models", "models\n\nLists every server model, whether it can run on this host (and why not),\nwhere its answers knowingly differ from the shared application's rules, and\nhow it bounds hostile clients (and what its library does not let it bound).", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("models: unexpected argument %q (the command takes no arguments)", fs.Arg(0))
	}
	entries := listModels()
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAVAILABLE\tDESCRIPTION")
	for _, e := range entries {
		avail := "yes"
		if e.Available() != nil {
			avail = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, avail, e.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	printUnavailable(stdout, entries)
	printLists(stdout, "\nKnown differences from the shared application's rules:\n", entries, func(e servers.Entry) []string { return e.Differences })
	// How each model bounds hostile clients, and what its library does
	// not let it bound (loopbench torture measures both).
	printLists(stdout, "\nBounds on hostile clients (--head-timeout, --idle-timeout, --max-unsent, descriptors and threads):\n", entries, func(e servers.Entry) []string { return e.Bounds })
	return nil
}

func printUnavailable(w io.Writer, entries []servers.Entry) {
	header := "\nNot available on this host:\n"
	for _, e := range entries {
		if err := e.Available(); err != nil {
			fmt.Fprintf(w, "%s  %s: %v\n", header, e.Name, err)
			header = ""
		}
	}
}

// printLists prints, under header, each model's items of one list (its
// known differences, its bounds); nothing when no model has any.
func printLists(w io.Writer, header string, entries []servers.Entry, items func(servers.Entry) []string) {
	for _, e := range entries {
		if len(items(e)) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s  %s:\n", header, e.Name)
		header = ""
		for _, d := range items(e) {
			fmt.Fprintf(w, "    - %s\n", d)
		}
	}
}

// modelTable is the server registry's table as a run records it
// (results.Run.Models), so that the run's readers judge it by the roles,
// styles and variants it was measured with; `run` and `ab` record it and
// check their workloads' variants against it.
func modelTable() []results.Model {
	var out []results.Model
	for _, m := range servers.Infos() {
		rm := results.Model{Name: m.Name, Description: m.Description,
			Style: results.Style{Color: hexColor(m.Style.Color), Marker: m.Style.Marker}, Routes: m.Routes}
		for _, r := range m.Roles {
			rm.Roles = append(rm.Roles, string(r))
		}
		for _, v := range m.Variants {
			rm.Variants = append(rm.Variants, results.Variant{Name: v.Name, Flags: v.Flags})
		}
		out = append(out, rm)
	}
	return out
}

// hexColor writes a colour as "#RRGGBB", or "" for none (no opacity).
func hexColor(c color.NRGBA) string {
	if c.A == 0 {
		return ""
	}
	return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B)
}
