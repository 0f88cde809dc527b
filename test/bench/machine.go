package main

import (
	"bufio"
	"debug/buildinfo"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// Machine is what the figures were measured on: they mean little without
// it.
type Machine struct {
	CPUModel string `json:"cpuModel"`
	// Cores is the number of logical CPUs the run could use.
	Cores       int     `json:"cores"`
	MemoryGiB   float64 `json:"memoryGiB"`
	Kernel      string  `json:"kernel"`
	OS          string  `json:"os"`
	Arch        string  `json:"arch"`
	HarnessGo   string  `json:"harnessGoVersion"`
	ManagerGo   string  `json:"managerGoVersion,omitempty"`
	EmulatorGo  string  `json:"emulatorGoVersion,omitempty"`
	Commit      string  `json:"commit,omitempty"`
	CommitTime  string  `json:"commitTime,omitempty"`
	TreeChanged bool    `json:"treeChanged"`
	// Note says where Commit comes from.
	Note string `json:"note"`
}

// describeMachine reads /proc and the build information Go embeds in the
// manager and emulator binaries (the commit they were built from, and
// whether the tree had uncommitted changes): the binaries measured, not
// whatever the checkout holds now.
func describeMachine(managerBin, emulatorBin string) Machine {
	m := Machine{
		Cores:     runtime.NumCPU(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		HarnessGo: runtime.Version(),
		Note:      "commit, commitTime and treeChanged are the VCS stamp go build embedded in the manager binary",
	}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb, err := strconv.ParseFloat(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 64); err == nil {
		m.MemoryGiB = float64(int(kb/(1<<20)*10)) / 10
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if bi, err := buildinfo.ReadFile(managerBin); err == nil {
		m.ManagerGo = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				m.Commit = s.Value
			case "vcs.time":
				m.CommitTime = s.Value
			case "vcs.modified":
				m.TreeChanged = s.Value == "true"
			}
		}
	}
	if m.Commit == "" {
		// Built with -buildvcs=false: ask git, read-only (no index
		// refresh), about the checkout the binaries were built from.
		m.Note = "commit from git rev-parse HEAD and treeChanged from git status of the checkout at the start of the run (the binaries carry no VCS stamp)"
		if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			m.Commit = strings.TrimSpace(string(out))
		}
		if out, err := exec.Command("git", "log", "-1", "--format=%cI").Output(); err == nil {
			m.CommitTime = strings.TrimSpace(string(out))
		}
		if out, err := exec.Command("git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
			m.TreeChanged = len(strings.TrimSpace(string(out))) > 0
		}
	}
	if bi, err := buildinfo.ReadFile(emulatorBin); err == nil {
		m.EmulatorGo = bi.GoVersion
	}
	return m
}

// procField is the value of the first "name : value" line of a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
