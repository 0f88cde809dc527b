package graph_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// The client hands oversize values and messages on as they came: bounding
// them for status, Events and logs is the caller's job, and these tests pin
// that nothing in here trips over them first.

func TestEmulatorOversizeValuesDecodeWhole(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	ctx := context.Background()
	m, _, err := e.client.CreateOrGet(ctx, organizer, request("ext-oversize"))
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetFaults(emulator.Faults{OversizeValues: true})
	got, err := e.client.Get(ctx, organizer, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ChatInfo == nil || got.AudioConferencing == nil {
		t.Fatalf("meeting without chatInfo or audioConferencing: %+v", got)
	}
	for name, tc := range map[string]struct {
		value string
		min   int
	}{
		"chatInfo.threadId":            {got.ChatInfo.ThreadID, emulator.OversizeIDLength},
		"chatInfo.messageId":           {got.ChatInfo.MessageID, emulator.OversizeIDLength},
		"joinWebUrl":                   {got.JoinWebURL, emulator.OversizeURLLength},
		"audioConferencing.tollNumber": {got.AudioConferencing.TollNumber, emulator.OversizeAudioLength},
		"audioConferencing.dialinUrl":  {got.AudioConferencing.DialinURL, emulator.OversizeAudioLength},
	} {
		if n := utf8.RuneCountInString(tc.value); n < tc.min || !utf8.ValidString(tc.value) {
			t.Errorf("%s: %d runes (valid UTF-8: %v), want at least %d", name, n, utf8.ValidString(tc.value), tc.min)
		}
	}
	if got.Subject != m.Subject || got.ID != m.ID {
		t.Errorf("subject %q id %q, want %q %q", got.Subject, got.ID, m.Subject, m.ID)
	}
}

func TestEmulatorHugeErrorMessagesKeepTheirClassAndRequestID(t *testing.T) {
	e := start(t, "v1.0", false, func(c *emulator.Config) { c.Faults.HugeErrorMessages = true })
	ctx := context.Background()
	_, err := e.client.Get(ctx, organizer, "missing")
	ge := wantClass(t, err, graph.ClassNotFound)
	if ge.StatusCode != http.StatusNotFound || ge.Code != "NotFound" || ge.RequestID == "" {
		t.Errorf("status %d code %q request-id %q", ge.StatusCode, ge.Code, ge.RequestID)
	}
	if n := utf8.RuneCountInString(ge.Message); n < emulator.HugeErrorMessageLength || !strings.HasPrefix(ge.Message, "The online meeting 'missing'") {
		t.Errorf("message of %d runes starting %q", n, ge.Message[:min(len(ge.Message), 60)])
	}
	_, _, err = e.client.CreateOrGet(ctx, denied, request("ext-denied"))
	wantClass(t, err, graph.ClassForbidden)
}
