package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

// secretEnv lets the client secret stay off the command line, where other
// users of the machine could read it.
const secretEnv = "GRAPH_EMULATOR_CLIENT_SECRET"

const usageText = `graph-emulator serves Microsoft Graph's online meetings API and the Azure AD
v2 client-credentials token endpoint on one HTTPS listener, for tests and
local runs of the onlinemeeting-operator. It is not a security boundary.

The flags describe the primary tenant; --tenants-file adds more, each with
its own app, credentials, meetings, denied users and rate limit. A Graph
request belongs to the tenant its token's tid names.

Azure AD (authority host = the printed URL):
  GET  /{tenant}/v2.0/.well-known/openid-configuration
  GET  /{tenant}/discovery/v2.0/keys
  POST /{tenant}/oauth2/v2.0/token   grant_type=client_credentials with
       client_secret, or client_assertion (certificate-signed JWT, or a
       workload-identity token matching --federated-subject: its signature
       is NOT checked). scope must be {URL}/.default.
Graph (Graph root = the printed URL; versions v1.0 and beta):
  POST   /{version}/users/{organizerId}/onlineMeetings/createOrGet
  GET    /{version}/users/{organizerId}/onlineMeetings/{meetingId}
  PATCH  /{version}/users/{organizerId}/onlineMeetings/{meetingId}
  DELETE /{version}/users/{organizerId}/onlineMeetings/{meetingId}
  GET    /{version}/users/{organizerId}/onlineMeetings?$filter=JoinWebUrl eq '...'
Inspection, WITHOUT authentication (tests only; never expose it):
  GET    /_emulator/meetings[?includeDeleted=true][&tenant=ID]
         stored meetings with tenant, organizer and externalId (of one tenant with tenant=)
  PATCH  /_emulator/meetings/{organizerId}/{meetingId}  {"subject":"..."}: drift, as if changed in Teams
  DELETE /_emulator/meetings/{organizerId}/{meetingId}  as if deleted in Teams
  GET    /_emulator/stats        request counts by operation and status (0 = no answer),
                                 and Graph requests by tenant and operation
  DELETE /_emulator/stats        reset the counts
  GET    /_emulator/faults       current faults
  PUT    /_emulator/faults       replace them: {"latency":"50ms","rateLimit":5,"rateBurst":5,
         "failureRate":0.1,"timeoutRate":0,"resetRate":0,"loseResponseRate":0,
         "loseNextResponses":0,"failNext":0,"oversizeValues":false,"hugeErrorMessages":false}

Clients must trust the self-signed certificate: write it with --ca-out and
point SSL_CERT_FILE (Go, curl --cacert) at it.

Example:
  GRAPH_EMULATOR_CLIENT_SECRET=s3cret graph-emulator --ca-out /tmp/emu.pem \
    --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47 --client-id 0b7c6a42-5a1e-4c5f-9f3e-8d1c2b3a4f5e

A tenants file (unknown fields are refused; relative certificate paths are
taken from the file's directory):
  {"tenants": [{"tenantId": "...", "clientId": "...", "clientSecret": "...",
    "clientCertificateFiles": ["app.pem"], "federatedIssuer": "...", "federatedSubject": "...",
    "denyUsers": ["..."], "rateLimit": 5, "rateBurst": 5}]}

Flags:
`

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "graph-emulator:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg, caOut, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	s, err := emulator.Start(cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if caOut != "" {
		if err := os.WriteFile(caOut, s.CACertPEM(), 0o644); err != nil {
			return fmt.Errorf("writing --ca-out: %w", err)
		}
	}
	fmt.Fprintf(stdout, "graph-emulator ready at %s (tenant %s, client %s)\n", s.URL(), s.TenantID(), s.ClientID())
	for _, t := range cfg.Tenants {
		fmt.Fprintf(stdout, "  also tenant %s, client %s\n", t.TenantID, t.ClientID)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(shutdownCtx)
}

// parseFlags turns the command line (and the files it names) into the
// emulator's Config and the --ca-out path, without starting anything, so
// that tests can check it.
func parseFlags(args []string, stderr io.Writer) (emulator.Config, string, error) {
	fs := flag.NewFlagSet("graph-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText); fs.PrintDefaults() }

	var cfg emulator.Config
	var denyUsers, clientCerts, hostnames stringList
	var caOut, deleted, tenantsFile string
	var debug bool
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8443", "TCP address to serve HTTPS on")
	fs.Var(&hostnames, "hostname", "extra DNS name or IP for the serving certificate, e.g. a Service name (repeatable)")
	fs.StringVar(&cfg.TenantID, "tenant-id", "", "the tenant id the emulator serves (default: a random GUID, printed)")
	fs.StringVar(&cfg.ClientID, "client-id", "", "the application (client) id allowed to get tokens (default: a random GUID, printed)")
	fs.StringVar(&cfg.ClientSecret, "client-secret", "", "accepted client secret; prefer the "+secretEnv+" environment variable")
	fs.Var(&clientCerts, "client-cert", "PEM file of a certificate whose key may sign client assertions (repeatable)")
	fs.StringVar(&cfg.FederatedIssuer, "federated-issuer", "", "iss a workload-identity assertion must carry (empty: any)")
	fs.StringVar(&cfg.FederatedSubject, "federated-subject", "", "sub of accepted workload-identity assertions, e.g. system:serviceaccount:NS:SA")
	fs.Var(&denyUsers, "deny-user", "organizer object id answered 403 (no application access policy) (repeatable)")
	fs.StringVar(&tenantsFile, "tenants-file", "", "JSON file of tenants served besides the primary one (see above)")
	fs.StringVar(&caOut, "ca-out", "", "write the PEM certificate clients must trust to this file")
	fs.DurationVar(&cfg.TokenLifetime, "token-lifetime", time.Hour, "lifetime of issued access tokens")
	fs.StringVar(&deleted, "deleted-external-id", "new", "createOrGet for an externalId whose meeting was deleted: new (create another) or stale (200 with the old id, which reads 404)")
	fs.DurationVar(&cfg.Faults.Latency, "latency", 0, "delay added to every Graph request")
	fs.Float64Var(&cfg.Faults.RateLimit, "rate-limit", 0, "Graph requests per second per tenant before 429 with Retry-After (0: off); a tenant's rateLimit in --tenants-file overrides it")
	fs.IntVar(&cfg.Faults.RateBurst, "rate-burst", 0, "token bucket size for --rate-limit (0: ceil(rate))")
	fs.Float64Var(&cfg.Faults.FailureRate, "failure-rate", 0, "fraction of Graph requests answered 503")
	fs.Float64Var(&cfg.Faults.TimeoutRate, "timeout-rate", 0, "fraction of Graph requests held until the client gives up")
	fs.Float64Var(&cfg.Faults.ResetRate, "reset-rate", 0, "fraction of Graph requests whose connection is reset")
	fs.Float64Var(&cfg.Faults.LoseResponseRate, "lose-response-rate", 0, "fraction of writes committed and then left unanswered (connection dropped)")
	fs.Uint64Var(&cfg.FaultSeed, "fault-seed", 0, "seed of the random faults' dice, so that a run throws the same sequence again (which request meets which throw still depends on arrival order); 0: random")
	fs.BoolVar(&cfg.Faults.OversizeValues, "oversize-values", false, "answer meetings with values far longer than the operator's API allows: chat ids of 4,096+, joinWebUrl of 8,192+, toll number and dial-in URL of 2,048+ characters")
	fs.BoolVar(&cfg.Faults.HugeErrorMessages, "huge-error-messages", false, "pad the error.message of every Graph error answer to 64 KiB and more")
	fs.BoolVar(&debug, "debug", false, "log every request to stderr (never tokens or secrets)")
	if err := fs.Parse(args); err != nil {
		return cfg, "", err
	}
	if fs.NArg() > 0 {
		return cfg, "", fmt.Errorf("unexpected arguments %q; see --help", fs.Args())
	}

	if cfg.ClientSecret == "" {
		cfg.ClientSecret = os.Getenv(secretEnv)
	}
	cfg.DenyUsers, cfg.Hostnames = denyUsers, hostnames
	cfg.DeletedExternalID = emulator.DeletedExternalIDBehavior(deleted)
	for _, path := range clientCerts {
		cert, err := readCertificate(path)
		if err != nil {
			return cfg, "", err
		}
		cfg.ClientCertificates = append(cfg.ClientCertificates, cert)
	}
	if cfg.ClientSecret == "" && len(cfg.ClientCertificates) == 0 && cfg.FederatedSubject == "" {
		return cfg, "", fmt.Errorf("no way to get a token: set %s (or --client-secret), --client-cert or --federated-subject", secretEnv)
	}
	if tenantsFile != "" {
		var err error
		if cfg.Tenants, err = readTenantsFile(tenantsFile); err != nil {
			return cfg, "", err
		}
	}
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return cfg, caOut, nil
}

// readCertificate reads the first certificate of a --client-cert PEM file
// (which may also hold the private key; it is ignored).
func readCertificate(path string) (*x509.Certificate, error) {
	cert, err := emulator.ReadCertificateFile(path)
	if err != nil {
		return nil, fmt.Errorf("--client-cert: %w", err)
	}
	return cert, nil
}

// readTenantsFile reads --tenants-file; certificate paths in it are taken
// from the file's directory.
func readTenantsFile(path string) ([]emulator.Tenant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--tenants-file: %w", err)
	}
	defer f.Close()
	tenants, err := emulator.LoadTenants(f, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("--tenants-file %s: %w", path, err)
	}
	return tenants, nil
}
