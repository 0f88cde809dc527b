// Command demo runs the operator's whole job on one machine with nothing
// but Go: a local control plane (the kube-apiserver and etcd that
// `make control-plane` builds), the Graph emulator, and the real manager
// binary talking to both. It installs the CRD, applies config/samples,
// waits until the meetings are Ready, shows their join URLs and
// audio-conferencing details, an update and a delete reaching Graph, and
// then keeps everything running until Ctrl-C (or stops, with --exit).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

const (
	tenantID     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID     = "0b1e5d2a-6c3f-4a8e-9d7b-1f2e3d4c5b6a"
	clientSecret = "demo-only-secret"
	// sampleOrganizer is the organizer of every sample in config/samples.
	sampleOrganizer = "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"
)

type options struct {
	root             string
	manager          string
	exit             bool
	controlPlaneOnly bool
	timeout          time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", ".", "The repository's top folder.")
	flag.StringVar(&o.manager, "manager", "bin/manager", "The manager binary (make build writes it).")
	flag.BoolVar(&o.exit, "exit", false, "Stop everything at the end instead of leaving it running.")
	flag.BoolVar(&o.controlPlaneOnly, "control-plane-only", false, "Start only the control plane with the CRD installed, for running the operator and graph-emulator by hand.")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "How long to wait for the meetings to become Ready.")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "\ndemo failed: %v\n", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) { fmt.Printf("\n==> "+format+"\n", args...) }

func run(ctx context.Context, o options) error {
	root, err := filepath.Abs(o.root)
	if err != nil {
		return err
	}
	work := filepath.Join(root, "bin", "demo")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	assets := filepath.Join(root, "bin", "k8s")

	step("Starting a local control plane (kube-apiserver and etcd from %s)", assets)
	cp := &envtest.Environment{BinaryAssetsDirectory: assets}
	if _, err := cp.Start(); err != nil {
		return fmt.Errorf("starting the control plane (run `make control-plane` first): %w", err)
	}
	defer func() { _ = cp.Stop() }()
	admin, err := cp.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kubeconfigBytes, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(work, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kubeconfigBytes, 0o600); err != nil {
		return err
	}
	k := kubectl{bin: filepath.Join(assets, "kubectl"), kubeconfig: kubeconfig}

	if o.controlPlaneOnly {
		if err := installCRD(k, root); err != nil {
			return err
		}
		step("The control plane runs with the CRD installed. In another shell:")
		fmt.Printf("    export KUBECONFIG=%s\n", kubeconfig)
		fmt.Println("Press Ctrl-C to stop it.")
		<-ctx.Done()
		return nil
	}

	step("Starting the Graph emulator")
	emu, err := emulator.Start(emulator.Config{
		Listen: "127.0.0.1:0", TenantID: tenantID, ClientID: clientID, ClientSecret: clientSecret,
	})
	if err != nil {
		return fmt.Errorf("starting the Graph emulator: %w", err)
	}
	defer func() { _ = emu.Close() }()
	caFile := filepath.Join(work, "graph-emulator-ca.pem")
	if err := os.WriteFile(caFile, emu.CACertPEM(), 0o644); err != nil {
		return err
	}
	fmt.Printf("    Graph and Azure AD at %s (CA in %s)\n", emu.URL(), caFile)

	if err := installCRD(k, root); err != nil {
		return err
	}

	step("Starting the operator (%s) against them", o.manager)
	mgr, logFile, err := startManager(o, root, work, kubeconfig, caFile)
	if err != nil {
		return err
	}
	defer stopProcess(mgr)
	fmt.Printf("    logs: %s\n", logFile)

	step("Creating the default ClusterGraphConnection: the operator's own identity, for the samples' organizer")
	connFile := filepath.Join(work, "default-connection.yaml")
	if err := os.WriteFile(connFile, []byte(defaultConnection(emu.URL())), 0o644); err != nil {
		return err
	}
	fmt.Print(defaultConnection(emu.URL()))
	if err := k.run("apply", "-f", connFile); err != nil {
		return err
	}
	if err := k.run("wait", "clustergraphconnection/default", "--for=condition=Ready", "--timeout=60s"); err != nil {
		return fmt.Errorf("the default connection did not become Ready; see %s", logFile)
	}
	if err := k.run("get", "clustergraphconnections", "-o", "wide"); err != nil {
		return err
	}

	step("Applying the OnlineMeeting samples in config/samples")
	samples, err := filepath.Glob(filepath.Join(root, "config", "samples", "teams_v1alpha1_onlinemeeting*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range samples {
		if err := k.run("apply", "-f", f); err != nil {
			return err
		}
	}

	step("Waiting until every OnlineMeeting is Ready")
	if err := k.run("wait", "onlinemeetings", "--all", "--for=condition=Ready", fmt.Sprintf("--timeout=%s", o.timeout)); err != nil {
		_ = k.run("get", "onlinemeetings", "-o", "wide")
		return fmt.Errorf("the meetings did not become Ready; see %s", logFile)
	}
	if err := k.run("get", "onlinemeetings", "-o", "wide"); err != nil {
		return err
	}
	fmt.Println()
	if err := k.run("get", "onlinemeetings", "-o",
		"custom-columns=NAME:.metadata.name,MEETING ID:.status.joinMeetingId,CONFERENCE ID:.status.audioConferencing.conferenceId,TOLL:.status.audioConferencing.tollNumber,TOLL-FREE:.status.audioConferencing.tollFreeNumber,DIAL-IN:.status.audioConferencing.dialinUrl"); err != nil {
		return err
	}
	printStats(emu, "Graph requests so far")

	step("Applying a MeetingSchedule: every Tuesday at 09:00 Berlin time, three occurrences ahead")
	if err := k.run("apply", "-f", filepath.Join(root, "config", "samples", "teams_v1alpha1_meetingschedule.yaml")); err != nil {
		return err
	}
	if err := k.run("wait", "meetingschedule/platform-weekly", "--for=condition=Ready", fmt.Sprintf("--timeout=%s", o.timeout)); err != nil {
		return fmt.Errorf("the schedule did not become Ready; see %s", logFile)
	}
	if err := k.run("get", "meetingschedules", "-o", "wide"); err != nil {
		return err
	}
	if err := k.run("get", "onlinemeetings", "-l", "teams.meetings.dev/schedule=platform-weekly",
		"-o", "custom-columns=NAME:.metadata.name,START (UTC):.spec.startDateTime,EXTERNAL ID:.spec.externalId,READY:.status.conditions[?(@.type==\"Ready\")].status"); err != nil {
		return err
	}

	step("Updating the subject of platform-weekly-sync")
	if err := k.run("patch", "onlinemeeting", "platform-weekly-sync", "--type=merge",
		"-p", `{"spec":{"subject":"Platform team weekly sync (moved to Tuesday)","startDateTime":"2026-12-02T09:00:00Z","endDateTime":"2026-12-02T09:30:00Z"}}`); err != nil {
		return err
	}
	if err := k.run("wait", "onlinemeeting/platform-weekly-sync", "--for=jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}=Updated", "--timeout=60s"); err != nil {
		return err
	}
	for _, m := range emu.Meetings() {
		if m.ExternalID == "platform-weekly-sync-2026-12-01" {
			fmt.Printf("    Graph now holds: %q, %s to %s\n", m.Subject, m.StartDateTime.Format(time.RFC3339), m.EndDateTime.Format(time.RFC3339))
		}
	}

	step("Deleting createorget-example-1 (deletionPolicy Delete)")
	if err := k.run("delete", "onlinemeeting", "createorget-example-1", "--timeout=60s"); err != nil {
		return err
	}
	fmt.Printf("    meetings left in Graph: %d\n", len(emu.Meetings()))
	printStats(emu, "Graph requests in all")
	if err := k.run("get", "events", "--sort-by=.metadata.creationTimestamp"); err != nil {
		return err
	}

	if o.exit {
		step("Done; stopping everything")
		return nil
	}
	step("Everything keeps running. In another shell:")
	fmt.Printf("    export KUBECONFIG=%s\n", kubeconfig)
	fmt.Printf("    %s get onlinemeetings -o wide\n", k.bin)
	fmt.Printf("    curl --cacert %s %s/_emulator/meetings\n", caFile, emu.URL())
	fmt.Println("Press Ctrl-C to stop the operator, the emulator and the control plane.")
	<-ctx.Done()
	step("Stopping")
	return nil
}

func installCRD(k kubectl, root string) error {
	step("Installing the CRDs: OnlineMeeting, MeetingSchedule, GraphConnection, ClusterGraphConnection")
	if err := k.run("apply", "-f", filepath.Join(root, "config", "crd", "bases")); err != nil {
		return err
	}
	return k.run("wait", "--for=condition=Established", "--timeout=60s", "crd/onlinemeetings.teams.meetings.dev",
		"crd/graphconnections.teams.meetings.dev", "crd/clustergraphconnections.teams.meetings.dev", "crd/meetingschedules.teams.meetings.dev")
}

// defaultConnection is the ClusterGraphConnection the samples use: the
// operator's own AZURE_* identity, against the emulator, on Graph's beta
// endpoint (the second sample carries chatInfo), open to every namespace
// and to the samples' organizer only.
func defaultConnection(emulatorURL string) string {
	return fmt.Sprintf(`apiVersion: teams.meetings.dev/v1alpha1
kind: ClusterGraphConnection
metadata:
  name: default
spec:
  credential: {operatorEnvironment: {}}
  graphEndpoint: %[1]s
  authorityHost: %[1]s
  apiVersion: beta
  namespaceSelector: {}
  organizers: {allowed: [%[2]s]}
`, emulatorURL, sampleOrganizer)
}

func printStats(emu *emulator.Server, title string) {
	st := emu.Stats()
	fmt.Printf("    %s (operation: HTTP status -> count):\n", title)
	for _, op := range []string{"token", "createOrGet", "get", "update", "delete"} {
		if codes := st.Requests[op]; len(codes) > 0 {
			fmt.Printf("      %-12s %v\n", op, codes)
		}
	}
}

func startManager(o options, root, work, kubeconfig, caFile string) (*exec.Cmd, string, error) {
	bin := o.manager
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(root, bin)
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, "", fmt.Errorf("no manager binary at %s: run `make build` first", bin)
	}
	logFile := filepath.Join(work, "manager.log")
	out, err := os.Create(logFile)
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin,
		"--kubeconfig", kubeconfig,
		// The Secrets of ClusterGraphConnections would live here; the
		// demo's connection uses the operator's environment instead.
		"--cluster-resource-namespace", "default",
		// No metrics server; were one asked for, plain HTTP: the demo has
		// no Prometheus to authenticate.
		"--metrics-secure=false",
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", "0",
	)
	cmd.Env = append(os.Environ(),
		"AZURE_TENANT_ID="+tenantID, "AZURE_CLIENT_ID="+clientID, "AZURE_CLIENT_SECRET="+clientSecret,
		"SSL_CERT_FILE="+caFile, // Go trusts the emulator's self-signed certificate through it
	)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting the manager: %w", err)
	}
	return cmd, logFile, nil
}

func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
	}
}

// kubectl runs the control plane's kubectl, echoing each command as a user
// would type it.
type kubectl struct{ bin, kubeconfig string }

func (k kubectl) run(args ...string) error {
	fmt.Printf("$ kubectl %s\n", strings.Join(args, " "))
	cmd := exec.Command(k.bin, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("kubectl %s failed (exit %d)", args[0], exit.ExitCode())
		}
		return err
	}
	return nil
}
