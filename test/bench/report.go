package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// Kind says what a figure's target means for the run.
type Kind string

const (
	// KindCount is a count with a target: a missed one fails the run, in
	// smoke mode too.
	KindCount Kind = "count"
	// KindTime is a time (or other figure the machine decides, like
	// memory) with a target: it is reported met or missed, never fails
	// the run.
	KindTime Kind = "time"
	// KindInfo is a figure without a target.
	KindInfo Kind = "info"
)

// Figure is one measured value.
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	Kind  Kind    `json:"kind"`
	// Target is the target as a person reads it ("≤ 11.5 s").
	Target string `json:"target,omitempty"`
	// Met is whether the target was met (nil without a target).
	Met *bool `json:"met,omitempty"`
	// Source says where the value comes from.
	Source string `json:"source,omitempty"`
	// Note explains a value or a gap.
	Note string `json:"note,omitempty"`
}

// Result is what one scenario measured.
type Result struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Setup describes the run: sizes, emulator faults, manager flags.
	Setup    map[string]any `json:"setup"`
	Figures  []Figure       `json:"figures"`
	Skipped  string         `json:"skipped,omitempty"`
	Error    string         `json:"error,omitempty"`
	Seconds  float64        `json:"seconds"`
	started  time.Time
	smokeRun bool
}

func newResult(id, title string, smoke bool) *Result {
	return &Result{ID: id, Title: title, Setup: map[string]any{}, started: time.Now(), smokeRun: smoke}
}

// count adds a figure with a count target.
func (r *Result) count(name string, value float64, unit, target string, met bool, source, note string) {
	r.Figures = append(r.Figures, Figure{Name: name, Value: value, Unit: unit, Kind: KindCount, Target: target, Met: &met, Source: source, Note: note})
}

// timed adds a figure with a time (or machine-bound) target.
func (r *Result) timed(name string, value float64, unit, target string, met bool, source, note string) {
	r.Figures = append(r.Figures, Figure{Name: name, Value: value, Unit: unit, Kind: KindTime, Target: target, Met: &met, Source: source, Note: note})
}

// info adds a figure without a target.
func (r *Result) info(name string, value float64, unit, source, note string) {
	r.Figures = append(r.Figures, Figure{Name: name, Value: value, Unit: unit, Kind: KindInfo, Source: source, Note: note})
}

// failedCounts are the names of the count targets missed.
func (r *Result) failedCounts() []string {
	var out []string
	for _, f := range r.Figures {
		if f.Kind == KindCount && f.Met != nil && !*f.Met {
			out = append(out, r.ID+": "+f.Name)
		}
	}
	if r.Error != "" {
		out = append(out, r.ID+": "+r.Error)
	}
	return out
}

// Report is the whole run, as bench/results.json holds it.
type Report struct {
	Machine   Machine        `json:"machine"`
	Flags     map[string]any `json:"flags"`
	Started   time.Time      `json:"started"`
	Seconds   float64        `json:"seconds"`
	Scenarios []*Result      `json:"scenarios"`
	// CountTargetsMissed lists the count targets missed and the scenarios
	// that failed; the run exits 1 when it is not empty.
	CountTargetsMissed []string `json:"countTargetsMissed"`
	// Method describes how figures are measured.
	Method map[string]string `json:"method"`
}

func (rep *Report) write(path string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// printTable writes the human table: scenario, figure, value, target,
// result.
func (rep *Report) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tFIGURE\tVALUE\tTARGET\tRESULT")
	for _, r := range rep.Scenarios {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(tw, "%s\t(skipped)\t\t\t%s\n", r.Title, r.Skipped)
			continue
		case r.Error != "" && len(r.Figures) == 0:
			fmt.Fprintf(tw, "%s\t(failed)\t\t\t%s\n", r.Title, oneLine(r.Error))
			continue
		}
		for i, f := range r.Figures {
			title := ""
			if i == 0 {
				title = r.Title
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", title, f.Name, formatValue(f.Value, f.Unit), f.Target, verdict(f, r.smokeRun))
		}
		if r.Error != "" {
			fmt.Fprintf(tw, "\t(error)\t\t\t%s\n", oneLine(r.Error))
		}
	}
	_ = tw.Flush()
	// Notes after the table, so that the table stays narrow.
	fmt.Fprintln(w)
	for _, r := range rep.Scenarios {
		for _, f := range r.Figures {
			if f.Note == "" {
				continue
			}
			fmt.Fprintf(w, "- %s / %s: %s\n", r.Title, f.Name, f.Note)
		}
	}
}

func verdict(f Figure, smoke bool) string {
	switch {
	case f.Met == nil:
		return ""
	case *f.Met:
		return "met"
	case f.Kind == KindCount:
		return "MISSED (fails the run)"
	case smoke:
		return "missed (times are not asserted)"
	default:
		return "missed (see note)"
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// formatValue prints integers as integers and other values with three
// significant decimals at most.
func formatValue(v float64, unit string) string {
	var s string
	switch {
	case math.IsNaN(v):
		s = "n/a"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		s = fmt.Sprintf("%d", int64(v))
	case math.Abs(v) >= 100:
		s = fmt.Sprintf("%.1f", v)
	case math.Abs(v) >= 1:
		s = fmt.Sprintf("%.2f", v)
	default:
		s = fmt.Sprintf("%.3f", v)
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}

// seconds rounds a duration to milliseconds, in seconds.
func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

// mib is bytes in MiB, to one decimal.
func mib(b int64) float64 { return math.Round(float64(b)/(1<<20)*10) / 10 }

// printMarkdown writes the table as Markdown, for docs/bench/README.md.
func (rep *Report) printMarkdown(w io.Writer) {
	fmt.Fprintln(w, "| Scenario | Figure | Value | Target | Result |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range rep.Scenarios {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(w, "| %s | (skipped) | | | %s |\n", r.Title, esc(r.Skipped))
			continue
		case r.Error != "" && len(r.Figures) == 0:
			fmt.Fprintf(w, "| %s | (failed) | | | %s |\n", r.Title, esc(oneLine(r.Error)))
			continue
		}
		for i, f := range r.Figures {
			title := ""
			if i == 0 {
				title = "**" + r.Title + "**"
			}
			v := verdict(f, r.smokeRun)
			if f.Met != nil && !*f.Met {
				v = "**" + v + "**"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", title, esc(f.Name), formatValue(f.Value, f.Unit), esc(f.Target), v)
		}
	}
}

// readReport reads a results file a run wrote.
func readReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, r := range rep.Scenarios {
		r.smokeRun, _ = rep.Flags["smoke"].(bool)
	}
	return &rep, nil
}
