package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// suiteLog keeps every line the operator logged during the suite.
var suiteLog lockedBuffer

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secretsUsed are every credential value a test handed to the operator or
// the emulator, right or wrong. None may appear in a log line, an Event or
// a status.
var secretsUsed = []string{testClientSecret, tenantBSecret, wrongSecret}

// jwtPrefix starts every access token the emulator issues (the base64 of
// its JSON header, {"alg":"ES256",…); no token may be logged or written
// either.
const jwtPrefix = "eyJhbGciOiJFUzI1NiIs"

// checkNoSecretLeaked searches what the suite logged, and every Event,
// OnlineMeeting and GraphConnection left in the cluster, for the secrets.
func checkNoSecretLeaked() error {
	ctx := context.Background()
	var written strings.Builder
	for _, list := range []client.ObjectList{&eventsv1.EventList{}, &corev1.EventList{},
		&teamsv1alpha1.OnlineMeetingList{}, &teamsv1alpha1.GraphConnectionList{}, &teamsv1alpha1.ClusterGraphConnectionList{}} {
		if err := env.Client.List(ctx, list); err != nil {
			return fmt.Errorf("listing %T for the secret scan: %w", list, err)
		}
		b, _ := json.Marshal(list)
		written.Write(b)
	}
	sources := map[string]string{"the operator's log": suiteLog.String(), "Events, status and specs": written.String()}
	if len(sources["the operator's log"]) == 0 || len(sources["Events, status and specs"]) < 100 {
		// Nothing to search means the scan itself is broken.
		return fmt.Errorf("secret scan: the suite left nothing to search")
	}
	for where, text := range sources {
		for _, s := range append(secretsUsed, jwtPrefix) {
			if i := strings.Index(text, s); i >= 0 {
				return fmt.Errorf("a credential (%q…) appears in %s: …%s…", s[:3], where, text[max(0, i-80):min(len(text), i+20)])
			}
		}
	}
	return nil
}
