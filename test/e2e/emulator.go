package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

// The identity of the emulator's tenant and app. The secret is only ever a
// test's, and the chaos run checks it never reaches a log.
const (
	TenantID     = "4d8f2b1c-6a3e-4f7d-9c2b-8e1a5f3d7b90"
	ClientID     = "9a7c3e51-2b4d-4e6f-8a1c-3d5e7f9b1a2c"
	ClientSecret = "e2e-client-secret-never-logged-7Qx"
	// Organizer is the organizer of every meeting the harness makes.
	Organizer = "0f3b6c2e-5d1a-4b8c-9e7f-2a4d6c8e0b13"
)

// Emulator is a running graph-emulator process.
type Emulator struct {
	cmd    *exec.Cmd
	URL    string
	CAFile string
	http   *http.Client
	exited chan struct{}
}

// StartEmulator runs bin at a free loopback port with the harness's tenant
// and app plus args (fault flags), logging to work/graph-emulator.log.
func StartEmulator(bin, work string, args ...string) (*Emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(work, "graph-emulator-ca.pem")
	_ = os.Remove(caFile)
	logf, err := os.Create(filepath.Join(work, "graph-emulator.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{
		"--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--tenant-id", TenantID, "--client-id", ClientID, "--ca-out", caFile,
	}, args...)...)
	cmd.Env = append(os.Environ(), "GRAPH_EMULATOR_CLIENT_SECRET="+ClientSecret)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	e := &Emulator{cmd: cmd, URL: fmt.Sprintf("https://127.0.0.1:%d", port), CAFile: caFile, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(e.exited) }()
	// Ready once it has written its CA and answers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if pem, err := os.ReadFile(caFile); err == nil && len(pem) > 0 {
			pool := x509.NewCertPool()
			if pool.AppendCertsFromPEM(pem) {
				e.http = &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
				if _, err := e.Stats(); err == nil {
					return e, nil
				}
			}
		}
		select {
		case <-e.exited:
			return nil, fmt.Errorf("%s exited at start; see %s", bin, filepath.Join(work, "graph-emulator.log"))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("%s did not answer within 30s", bin)
		}
	}
}

// Stop ends the emulator.
func (e *Emulator) Stop() {
	_ = e.cmd.Process.Kill()
	<-e.exited
}

// Stats are the emulator's counts since start or ResetStats.
func (e *Emulator) Stats() (emulator.Stats, error) {
	var st emulator.Stats
	return st, e.do(http.MethodGet, "/_emulator/stats", nil, &st)
}

// ResetStats zeroes the counts.
func (e *Emulator) ResetStats() error { return e.do(http.MethodDelete, "/_emulator/stats", nil, nil) }

// SetFaults replaces the faults.
func (e *Emulator) SetFaults(f emulator.Faults) error {
	return e.do(http.MethodPut, "/_emulator/faults", f, nil)
}

// Meetings lists the meetings Graph holds, deleted ones too when
// includeDeleted.
func (e *Emulator) Meetings(includeDeleted bool) ([]emulator.StoredMeeting, error) {
	var ms []emulator.StoredMeeting
	path := "/_emulator/meetings"
	if includeDeleted {
		path += "?includeDeleted=true"
	}
	return ms, e.do(http.MethodGet, path, nil, &ms)
}

func (e *Emulator) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.URL+path, body)
	if err != nil {
		return err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
