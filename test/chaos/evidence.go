package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// resourceInViolation finds the namespace/name a violation starts with.
var resourceInViolation = regexp.MustCompile(`^(chaos-\d+)/(chaos-\d+)\b`)

// evidence returns, for the first few resources the violations name,
// what the managers logged about them, in time order: the story of each
// failure without opening the logs.
func evidence(violations []string, logs []string, resources, linesEach int) string {
	var out strings.Builder
	seen := map[string]bool{}
	for _, v := range violations {
		m := resourceInViolation.FindStringSubmatch(v)
		if m == nil || seen[m[0]] {
			continue
		}
		if len(seen) == resources {
			break
		}
		seen[m[0]] = true
		lines := logLines(logs, m[1], m[2])
		fmt.Fprintf(&out, "\nwhat the managers logged about %s (%d lines):\n", m[0], len(lines))
		if len(lines) > linesEach {
			lines = append(lines[:linesEach/2], append([]string{"…"}, lines[len(lines)-linesEach/2:]...)...)
		}
		for _, l := range lines {
			fmt.Fprintf(&out, "  %s\n", l)
		}
	}
	return out.String()
}

// logLines are the JSON log lines of the managers about one
// OnlineMeeting, shortened to time, file, message and the keys that tell
// the story.
func logLines(logs []string, namespace, name string) []string {
	var out []string
	for _, path := range logs {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line := sc.Bytes()
			if !strings.Contains(string(line), `"`+name+`"`) {
				continue
			}
			var e map[string]any
			if json.Unmarshal(line, &e) != nil || e["namespace"] != namespace || e["name"] != name {
				continue
			}
			s := fmt.Sprintf("%v %s: %v", e["ts"], filepath.Base(path), e["msg"])
			for _, k := range []string{"meetingId", "oldMeetingId", "fields", "reason", "error"} {
				if v, ok := e[k]; ok {
					s += fmt.Sprintf(" %s=%v", k, truncate(fmt.Sprint(v), 240))
				}
			}
			out = append(out, s)
		}
		f.Close()
	}
	slices.Sort(out) // by time stamp, then file
	return out
}
