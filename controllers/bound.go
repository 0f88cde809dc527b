package controllers

import "unicode/utf8"

// Limits on text the operator writes from input it does not control
// (Graph's and Azure AD's messages): a message over the API's limit would
// make every status patch fail and wedge the resource.
const (
	// maxConditionMessage bounds condition messages (the API allows 32 KiB).
	maxConditionMessage = 1024
	// maxEventNote is the longest Event note the apiserver accepts, with room.
	maxEventNote = 1000
)

const cutMarker = " … (message cut)"

// boundMessage cuts a condition message to maxConditionMessage bytes at a
// rune boundary, saying that it was cut.
func boundMessage(s string) string { return cut(s, maxConditionMessage, cutMarker) }

// eventNote cuts an Event note to maxEventNote bytes at a rune boundary:
// events.k8s.io refuses notes of 1 kB or more and would drop the Event.
func eventNote(s string) string { return cut(s, maxEventNote, "…") }

func cut(s string, limit int, marker string) string {
	if len(s) <= limit {
		return s
	}
	end := limit - len(marker)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + marker
}
