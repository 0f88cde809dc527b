package graph

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// FindByJoinWebURL returns the organizer's meeting whose joinWebUrl is
// joinWebURL: the way back to a meeting made elsewhere (in Teams or
// Outlook), whose id and externalId nobody told us. Graph offers no other
// lookup but createOrGet's externalId. The URL must be the meeting's link
// exactly as Graph returns it (Teams writes its escapes in lower case,
// 19%3ameeting_...); it is matched as a string, not as a URL. No meeting
// with that link is a *Error of ClassNotFound; should Graph list more than
// one, the first is returned. The Observer sees the call as "list".
func (c *Client) FindByJoinWebURL(ctx context.Context, organizerID, joinWebURL string) (*OnlineMeeting, error) {
	const op = "list"
	if err := requireIDs(op, organizerID); err != nil {
		return nil, err
	}
	if joinWebURL == "" {
		return nil, &Error{Operation: op, Class: ClassInvalid, Message: "the join URL is empty"}
	}
	var list struct {
		Value []OnlineMeeting `json:"value"`
	}
	status, err := c.do(ctx, op, http.MethodGet, userPath(organizerID)+"/onlineMeetings?"+joinWebURLQuery(joinWebURL), nil, &list)
	if err != nil {
		return nil, err
	}
	if len(list.Value) == 0 {
		return nil, &Error{Operation: op, Class: ClassNotFound, StatusCode: status,
			Message: "the organizer has no online meeting with this join URL (it is matched exactly; it may belong to another organizer, or be gone)"}
	}
	m := &list.Value[0]
	if m.ID == "" {
		return nil, noMeetingID(op, status)
	}
	return m, nil
}

// joinWebURLQuery is the query string of the lookup: OData quotes a string
// literal in single quotes and doubles the quotes inside it, and the whole
// expression is then percent-encoded, so the % of the link's own escapes
// (%3a), its & and # and +, stay part of the literal. Spaces become %20
// rather than +, as Microsoft's SDKs send them; $filter stays literal, as
// Graph's documentation writes it.
func joinWebURLQuery(joinWebURL string) string {
	expr := "JoinWebUrl eq '" + strings.ReplaceAll(joinWebURL, "'", "''") + "'"
	return "$filter=" + strings.ReplaceAll(url.QueryEscape(expr), "+", "%20")
}
