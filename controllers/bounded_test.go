package controllers_test

import (
	"testing"
	"unicode/utf8"

	. "github.com/onsi/gomega"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

func TestOversizeValuesFromGraphAreStillWrittenToStatus(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{Faults: emulator.Faults{OversizeValues: true}}})
	h.create(h.meeting("oversize"))

	// Status carries no limit tighter than Graph's: a status write that
	// failed here would wedge the resource for good.
	m := h.waitReady("oversize", teamsv1alpha1.ReasonCreated)
	g.Expect(len(m.Status.JoinWebURL)).To(BeNumerically(">=", 8192))
	g.Expect(m.Status.ChatInfo).NotTo(BeNil())
	g.Expect(len(m.Status.ChatInfo.ThreadID)).To(BeNumerically(">=", 4096))
	g.Expect(m.Status.AudioConferencing).NotTo(BeNil())
	g.Expect(len(m.Status.AudioConferencing.DialinURL)).To(BeNumerically(">=", 2048))
}

func TestHugeGraphErrorMessagesAreCutAndStillWritten(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{
		DenyUsers: []string{organizer}, Faults: emulator.Faults{HugeErrorMessages: true}}})
	h.create(h.meeting("huge-error"))

	msg := h.waitStalled("huge-error", teamsv1alpha1.ReasonForbidden)
	g.Expect(len(msg)).To(BeNumerically("<=", 1024))
	g.Expect(utf8.ValidString(msg)).To(BeTrue(), "cut inside a rune")
	g.Expect(msg).To(HaveSuffix("(message cut)"))
	g.Expect(msg).To(ContainSubstring("No application access policy"))

	note := h.waitEvent("huge-error", teamsv1alpha1.ReasonForbidden)
	g.Expect(len(note)).To(BeNumerically("<", 1024))
	g.Expect(utf8.ValidString(note)).To(BeTrue())
}
