package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ClusterResourceNamespace holds the Secret of the harness's
// ClusterGraphConnection.
const ClusterResourceNamespace = "onlinemeeting-system"

// ManagerConfig says how to run one manager process.
type ManagerConfig struct {
	// Binary is the manager (bin/manager).
	Binary string
	// Kubeconfig is the file it talks to the API server through
	// (Cluster.ManagerKubeconfig, or a proxy's).
	Kubeconfig string
	// CAFile is the emulator's CA, trusted through SSL_CERT_FILE.
	CAFile string
	// LogFile receives its output (appended, so restarts add up).
	LogFile string
	// Args are further flags, e.g. --graph-qps=100.
	Args []string
	// Env are further environment variables (KEY=VALUE), e.g.
	// GOMEMLIMIT, beside the harness's own environment.
	Env []string
}

// Manager is one running manager process.
type Manager struct {
	cfg        ManagerConfig
	cmd        *exec.Cmd
	metricsURL string
	exited     chan struct{}
	// Started is when the process was started.
	Started time.Time
}

// StartManager starts cfg.Binary with plain-HTTP metrics on a free port.
func StartManager(cfg ManagerConfig) (*Manager, error) {
	mport, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--kubeconfig", cfg.Kubeconfig,
		"--cluster-resource-namespace", ClusterResourceNamespace,
		"--metrics-secure=false",
		"--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", mport),
		"--health-probe-bind-address", "0",
	}, cfg.Args...)
	cmd := exec.Command(cfg.Binary, args...)
	cmd.Env = append(append(os.Environ(), "SSL_CERT_FILE="+cfg.CAFile), cfg.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", cfg.Binary, err)
	}
	m := &Manager{cfg: cfg, cmd: cmd, metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", mport),
		exited: make(chan struct{}), Started: time.Now()}
	go func() { _ = cmd.Wait(); logf.Close(); close(m.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := m.Metrics(); err == nil {
			return m, nil
		}
		select {
		case <-m.exited:
			return nil, fmt.Errorf("the manager exited at start; see %s", cfg.LogFile)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.Kill()
			return nil, fmt.Errorf("the manager's metrics did not answer within 30s; see %s", cfg.LogFile)
		}
	}
}

// Pid is the process id.
func (m *Manager) Pid() int { return m.cmd.Process.Pid }

// Exited is closed when the process has ended.
func (m *Manager) Exited() <-chan struct{} { return m.exited }

// Kill ends the process with SIGKILL, as a node failure or OOM kill would:
// no deferred code runs, no lease is released.
func (m *Manager) Kill() {
	_ = m.cmd.Process.Signal(syscall.SIGKILL)
	<-m.exited
}

// Stop asks the process to end (SIGTERM) and kills it after 30s.
func (m *Manager) Stop() {
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		m.Kill()
	}
}

// PeakRSS is the process's peak resident set (VmHWM), in bytes.
func (m *Manager) PeakRSS() (int64, error) {
	return procStatusBytes(m.Pid(), "VmHWM")
}

// procStatusBytes reads a "kB" field of /proc/<pid>/status.
func procStatusBytes(pid int, field string) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status %s: %w", pid, field, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// Metrics scrapes the manager's metrics endpoint.
func (m *Manager) Metrics() (Metrics, error) {
	resp, err := http.Get(m.metricsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("GET %s: %s: %s", m.metricsURL, resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", m.metricsURL, err)
	}
	return Metrics(fams), nil
}

// Metrics are one scrape's families by name.
type Metrics map[string]*dto.MetricFamily

// Sum adds the values (counter, gauge or untyped) of family name's series
// whose labels include every pair of match.
func (ms Metrics) Sum(name string, match map[string]string) float64 {
	f := ms[name]
	if f == nil {
		return 0
	}
	total := 0.0
	for _, s := range f.GetMetric() {
		if !labelsMatch(s.GetLabel(), match) {
			continue
		}
		switch {
		case s.Counter != nil:
			total += s.GetCounter().GetValue()
		case s.Gauge != nil:
			total += s.GetGauge().GetValue()
		case s.Untyped != nil:
			total += s.GetUntyped().GetValue()
		}
	}
	return total
}

// Histogram is the sum and count of the series of histogram name whose
// labels include every pair of match.
func (ms Metrics) Histogram(name string, match map[string]string) (sum float64, count uint64) {
	f := ms[name]
	if f == nil {
		return 0, 0
	}
	for _, s := range f.GetMetric() {
		if s.GetHistogram() == nil || !labelsMatch(s.GetLabel(), match) {
			continue
		}
		sum += s.GetHistogram().GetSampleSum()
		count += s.GetHistogram().GetSampleCount()
	}
	return sum, count
}

// RestWrites sums rest_client_requests_total over the write methods: every
// write the manager sent to the API server, whatever its resource.
func (ms Metrics) RestWrites() float64 {
	n := 0.0
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		n += ms.Sum("rest_client_requests_total", map[string]string{"method": method})
	}
	return n
}

// RestRequests sums rest_client_requests_total over every method.
func (ms Metrics) RestRequests() float64 { return ms.Sum("rest_client_requests_total", nil) }

func labelsMatch(labels []*dto.LabelPair, match map[string]string) bool {
	for k, v := range match {
		found := false
		for _, l := range labels {
			if l.GetName() == k && l.GetValue() == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
