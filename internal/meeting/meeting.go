package meeting

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// graphPrecision is the resolution of Graph's timestamps (seven fractional
// digits). Times are compared at it, so a manifest written with more or
// fewer digits, or another offset, never causes an update loop.
const graphPrecision = 100 * time.Nanosecond

// defaultDuration is how long Graph makes a meeting that has only a start.
const defaultDuration = time.Hour

// specTimes parses the spec's start and end. The apiserver has already
// checked their format, so an error here means a schema was bypassed.
func specTimes(spec *teamsv1alpha1.OnlineMeetingSpec) (start, end *time.Time, err error) {
	parse := func(field, s string) (*time.Time, error) {
		if s == "" {
			return nil, nil
		}
		// RFC 3339 allows a lower-case t and z, and so does the apiserver's
		// date-time check; Go's parser takes upper case only.
		t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
		if err != nil {
			return nil, fmt.Errorf("spec.%s %q is not an RFC 3339 date-time", field, s)
		}
		t = t.UTC()
		return &t, nil
	}
	if start, err = parse("startDateTime", spec.StartDateTime); err != nil {
		return nil, nil, err
	}
	if end, err = parse("endDateTime", spec.EndDateTime); err != nil {
		return nil, nil, err
	}
	return start, end, nil
}

// Desired is the createOrGet body the spec asks for. It fails only on a
// time that is not RFC 3339, which the apiserver's schema rules out.
func Desired(spec *teamsv1alpha1.OnlineMeetingSpec) (*graph.MeetingRequest, error) {
	start, end, err := specTimes(spec)
	if err != nil {
		return nil, err
	}
	req := &graph.MeetingRequest{
		ExternalID:    spec.ExternalID,
		Subject:       spec.Subject,
		StartDateTime: start,
		EndDateTime:   end,
	}
	if attendees := desiredAttendees(spec); len(attendees) > 0 {
		req.Participants = &graph.MeetingParticipants{Attendees: attendees}
	}
	if c := spec.ChatInfo; c != nil {
		req.ChatInfo = &graph.ChatInfo{ThreadID: c.ThreadID, MessageID: c.MessageID, ReplyChainMessageID: c.ReplyChainMessageID}
	}
	return req, nil
}

func desiredAttendees(spec *teamsv1alpha1.OnlineMeetingSpec) []graph.MeetingParticipantInfo {
	if spec.Participants == nil {
		return nil
	}
	out := make([]graph.MeetingParticipantInfo, 0, len(spec.Participants.Attendees))
	for _, a := range spec.Participants.Attendees {
		info := graph.MeetingParticipantInfo{UPN: a.UPN, Role: string(a.Role)}
		if a.Identity != nil && a.Identity.User != nil {
			info.Identity = &graph.IdentitySet{User: &graph.Identity{ID: a.Identity.User.ID, DisplayName: a.Identity.User.DisplayName}}
		}
		out = append(out, info)
	}
	return out
}

// Diff is the PATCH that brings the meeting in Graph to want (the spec as
// Desired built it) and options (as DesiredOptions built them), holding
// only what differs, and the names of the fields it changes, for the
// Updated event; nil when they already agree. Fields the spec leaves out
// that Graph fills in (the start of a meeting created "now") are not
// drift.
func Diff(want *graph.MeetingRequest, options graph.MeetingOptions, cur *graph.OnlineMeeting) (*graph.MeetingPatch, []string) {
	patch := &graph.MeetingPatch{}
	// createOrGet ignores the options, so a new meeting gets them here, in
	// the same PATCH as any other difference.
	var changed []string
	patch.MeetingOptions, changed = optionsDiff(options, cur.MeetingOptions)

	if want.Subject != cur.Subject {
		subject := want.Subject
		patch.Subject = &subject
		changed = append(changed, "subject")
	}
	if start := want.StartDateTime; start != nil {
		wantEnd := start.Add(defaultDuration)
		if want.EndDateTime != nil {
			wantEnd = *want.EndDateTime
		}
		if !sameInstant(start, cur.StartDateTime) || !sameInstant(&wantEnd, cur.EndDateTime) {
			// Graph wants start and end together when either changes.
			patch.StartDateTime, patch.EndDateTime = start, &wantEnd
			changed = append(changed, "startDateTime", "endDateTime")
		}
	}
	var wantAttendees, got []graph.MeetingParticipantInfo
	if want.Participants != nil {
		wantAttendees = want.Participants.Attendees
	}
	if cur.Participants != nil {
		got = cur.Participants.Attendees
	}
	if !sameAttendees(wantAttendees, got) {
		// Attendees are replaced as a whole list; an empty one clears them.
		if wantAttendees == nil {
			wantAttendees = []graph.MeetingParticipantInfo{}
		}
		patch.Participants = &graph.MeetingParticipants{Attendees: wantAttendees}
		changed = append(changed, "participants")
	}
	if len(changed) == 0 {
		return nil, nil
	}
	return patch, changed
}

func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Truncate(graphPrecision).Equal(b.Truncate(graphPrecision))
}

// sameAttendees compares attendee lists as sets, matching each wanted
// attendee by UPN or user id (Graph may fill in the one the spec left out)
// and role (empty means attendee).
func sameAttendees(want, got []graph.MeetingParticipantInfo) bool {
	if len(want) != len(got) {
		return false
	}
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && sameAttendee(w, g) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sameAttendee(w, g graph.MeetingParticipantInfo) bool {
	if roleOf(w) != roleOf(g) {
		return false
	}
	if w.UPN != "" && strings.EqualFold(w.UPN, g.UPN) {
		return true
	}
	id := userID(w)
	return id != "" && strings.EqualFold(id, userID(g))
}

func roleOf(p graph.MeetingParticipantInfo) string {
	if p.Role == "" {
		return string(teamsv1alpha1.MeetingRoleAttendee)
	}
	return strings.ToLower(p.Role)
}

func userID(p graph.MeetingParticipantInfo) string {
	if p.Identity == nil || p.Identity.User == nil {
		return ""
	}
	return p.Identity.User.ID
}

// StatusFrom records the meeting as Graph reported it into st, with now
// as its last sync. Each field it writes is replaced, emptied when Graph
// leaves it out, so that a value Graph no longer reports does not linger;
// conditions and observedGeneration are the reconciler's.
func StatusFrom(st *teamsv1alpha1.OnlineMeetingStatus, mt *graph.OnlineMeeting, now time.Time) {
	st.MeetingID = mt.ID
	st.JoinWebURL = mt.JoinWebURL
	st.JoinMeetingID = ""
	if mt.JoinMeetingIDSettings != nil {
		st.JoinMeetingID = mt.JoinMeetingIDSettings.JoinMeetingID
	}
	st.VideoTeleconferenceID = mt.VideoTeleconferenceID
	st.CreationDateTime = metaTime(mt.CreationDateTime)
	st.StartDateTime = metaTime(mt.StartDateTime)
	st.EndDateTime = metaTime(mt.EndDateTime)
	st.ExpiryDateTime = metaTime(mt.ExpiryDateTime)
	st.AudioConferencing = nil
	if a := mt.AudioConferencing; a != nil {
		st.AudioConferencing = &teamsv1alpha1.AudioConferencing{
			ConferenceID: a.ConferenceID, TollNumber: a.TollNumber, TollFreeNumber: a.TollFreeNumber, DialinURL: a.DialinURL,
		}
	}
	st.ChatInfo = nil
	if c := mt.ChatInfo; c != nil {
		st.ChatInfo = &teamsv1alpha1.ChatInfoStatus{ThreadID: c.ThreadID, MessageID: c.MessageID, ReplyChainMessageID: c.ReplyChainMessageID}
	}
	st.MeetingOptionsStatus = optionsStatus(mt.MeetingOptions)
	synced := metav1.NewTime(now)
	st.LastSyncTime = &synced
}

func metaTime(t *time.Time) *metav1.Time {
	if t == nil {
		return nil
	}
	mt := metav1.NewTime(t.UTC())
	return &mt
}
