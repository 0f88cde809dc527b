package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// jwtPrefix starts every access token the emulator issues: the base64 of
// its JSON header, {"alg":"ES256",… (controllers/secrets_test.go searches
// for the same).
const jwtPrefix = "eyJhbGciOiJFUzI1NiIs"

// jwtShape is any JSON Web Token: a base64url JSON header, a dot, a
// payload. It catches tokens whatever their header.
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)

// scanned is one source of text searched for secrets.
type scanned struct {
	name string
	text string
}

// scanForSecrets searches the files and what the cluster holds (Events,
// OnlineMeetings with their status, connections) for the client secret
// and for access tokens. It fails when there is nothing to search, which
// would mean the scan itself is broken.
func scanForSecrets(ctx context.Context, c *e2e.Cluster, files []string) (int, error) {
	var sources []scanned
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, fmt.Errorf("reading %s for the secret scan: %w", f, err)
		}
		sources = append(sources, scanned{f, string(b)})
	}
	for _, list := range []client.ObjectList{&eventsv1.EventList{}, &corev1.EventList{},
		&teamsv1alpha1.OnlineMeetingList{}, &teamsv1alpha1.GraphConnectionList{}, &teamsv1alpha1.ClusterGraphConnectionList{}} {
		if err := c.Client.List(ctx, list); err != nil {
			return 0, fmt.Errorf("listing %T for the secret scan: %w", list, err)
		}
		b, _ := json.Marshal(list)
		sources = append(sources, scanned{fmt.Sprintf("%T", list), string(b)})
	}
	total := 0
	for _, s := range sources {
		total += len(s.text)
		for _, secret := range []string{e2e.ClientSecret, jwtPrefix} {
			if i := strings.Index(s.text, secret); i >= 0 {
				return total, fmt.Errorf("a credential (%q…) appears in %s: …%s…", secret[:3], s.name, context80(s.text, i))
			}
		}
		if loc := jwtShape.FindStringIndex(s.text); loc != nil {
			return total, fmt.Errorf("something shaped like an access token appears in %s: …%s…", s.name, context80(s.text, loc[0]))
		}
	}
	if total < 10_000 {
		return total, fmt.Errorf("secret scan: only %d bytes to search; the scan itself is broken", total)
	}
	return total, nil
}

// context80 is the text around i, with the secret itself cut short.
func context80(text string, i int) string {
	return text[max(0, i-80):i] + text[i:min(len(text), i+6)]
}
