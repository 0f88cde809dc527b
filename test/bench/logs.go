package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// fileSize is where a log ends now: what is read from it later starts
// there.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// graphRequest is one request the emulator logged with --debug.
type graphRequest struct {
	At     time.Time
	Method string
	// Meeting is the meeting id of a request to one meeting
	// (/{version}/users/{organizer}/onlineMeetings/{id}), "" otherwise.
	Meeting string
}

// emulatorRequests reads the requests the emulator logged (its --debug
// "Request" lines, slog's text format) from offset on.
func emulatorRequests(path string, offset int64) ([]graphRequest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	var out []graphRequest
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		kv := slogText(sc.Text())
		if kv["msg"] != "Request" {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, kv["time"])
		if err != nil {
			return nil, fmt.Errorf("%s: time %q: %w", path, kv["time"], err)
		}
		req := graphRequest{At: at, Method: kv["method"]}
		// /v1.0/users/{organizer}/onlineMeetings/{id}
		parts := strings.Split(strings.Trim(kv["path"], "/"), "/")
		if len(parts) == 5 && strings.EqualFold(parts[1], "users") && strings.EqualFold(parts[3], "onlineMeetings") && parts[4] != "createOrGet" {
			req.Meeting = parts[4]
		}
		out = append(out, req)
	}
	return out, sc.Err()
}

// slogText splits a line of slog's TextHandler into its keys and values,
// unquoting quoted values.
func slogText(line string) map[string]string {
	kv := map[string]string{}
	for len(line) > 0 {
		line = strings.TrimLeft(line, " ")
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			break
		}
		key := line[:eq]
		line = line[eq+1:]
		var val string
		if strings.HasPrefix(line, `"`) {
			// A Go-quoted string: find its end.
			end := 1
			for end < len(line) {
				if line[end] == '\\' {
					end += 2
					continue
				}
				if line[end] == '"' {
					break
				}
				end++
			}
			if end >= len(line) {
				end = len(line) - 1
			}
			if v, err := strconv.Unquote(line[:end+1]); err == nil {
				val = v
			} else {
				val = line[1:end]
			}
			line = line[min(end+1, len(line)):]
		} else {
			sp := strings.IndexByte(line, ' ')
			if sp < 0 {
				sp = len(line)
			}
			val, line = line[:sp], line[sp:]
		}
		kv[key] = val
	}
	return kv
}

// reconcileRecord is one finished reconcile from the manager's log at
// --zap-log-level=5 (controller-runtime's "Reconcile done" and "Reconcile
// successful" lines, and "Reconciler error").
type reconcileRecord struct {
	At     time.Time
	Key    string
	Failed bool
}

// managerReconciles reads the finished OnlineMeeting reconciles the
// manager logged from offset on, and returns the offset to read from
// next (a partial last line is left for then).
func managerReconciles(path string, offset int64) ([]reconcileRecord, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, offset, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, offset, err
	}
	var out []reconcileRecord
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			// EOF: a partial line waits for the next read.
			return out, offset, nil
		}
		offset += int64(len(line))
		var e struct {
			TS         any    `json:"ts"`
			Msg        string `json:"msg"`
			Controller string `json:"controller"`
			Namespace  string `json:"namespace"`
			Name       string `json:"name"`
		}
		if json.Unmarshal(line, &e) != nil || e.Controller != "onlinemeeting" || e.Name == "" {
			continue
		}
		failed := e.Msg == "Reconciler error"
		if !failed && !strings.HasPrefix(e.Msg, "Reconcile done") && e.Msg != "Reconcile successful" {
			continue
		}
		out = append(out, reconcileRecord{At: zapTime(e.TS), Key: e.Namespace + "/" + e.Name, Failed: failed})
	}
}

// zapTime reads zap's ts: epoch seconds (the default) or RFC 3339.
func zapTime(ts any) time.Time {
	switch v := ts.(type) {
	case float64:
		sec := int64(v)
		return time.Unix(sec, int64((v-float64(sec))*1e9))
	case string:
		t, _ := time.Parse(time.RFC3339Nano, v)
		return t
	}
	return time.Time{}
}
