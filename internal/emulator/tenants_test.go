package emulator

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/gomega"
)

// Tenant B is served besides the test tenant (A, the primary one).
const (
	tenantB = "3f2b5c1e-7a4d-4e8b-9c6f-1d2e3f4a5b6c"
	clientB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	secretB = "tenant-b-secret"
)

// startTwoTenants runs an emulator serving the test tenant as primary and
// tenant B, changed by mutate.
func startTwoTenants(t *testing.T, mutate ...func(*Config)) *Server {
	t.Helper()
	addB := func(c *Config) { c.Tenants = []Tenant{{TenantID: tenantB, ClientID: clientB, ClientSecret: secretB}} }
	return start(t, append([]func(*Config){addB}, mutate...)...)
}

// tokenAt posts a client-credentials form to tenant's token endpoint.
func tokenAt(t *testing.T, s *Server, tenant string, form url.Values) reply {
	t.Helper()
	form.Set("grant_type", "client_credentials")
	form.Set("scope", s.URL()+"/.default")
	resp, err := s.HTTPClient().PostForm(s.URL()+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	return readReply(t, resp)
}

// tenantToken obtains a Graph token in tenant with a client secret.
func tenantToken(t *testing.T, s *Server, tenant, client, secret string) string {
	t.Helper()
	r := tokenAt(t, s, tenant, url.Values{"client_id": {client}, "client_secret": {secret}})
	if r.status != http.StatusOK {
		t.Fatalf("token of %s: %d %s", tenant, r.status, r.raw)
	}
	return r.str("access_token")
}

func TestTenantsWithTheSameOrganizerAndExternalIDGetDifferentMeetings(t *testing.T) {
	g := NewWithT(t)
	s := startTwoTenants(t)
	tokA, tokB := token(t, s), tenantToken(t, s, tenantB, clientB, secretB)

	a := createOrGet(t, s, tokA, map[string]any{"externalId": "shared"})
	b := createOrGet(t, s, tokB, map[string]any{"externalId": "shared"})
	g.Expect(a.status).To(Equal(http.StatusCreated), string(a.raw))
	g.Expect(b.status).To(Equal(http.StatusCreated), string(b.raw))
	g.Expect(b.str("id")).NotTo(Equal(a.str("id")))
	g.Expect(a.str("participants", "organizer", "identity", "user", "tenantId")).To(Equal(testTenant))
	g.Expect(b.str("participants", "organizer", "identity", "user", "tenantId")).To(Equal(tenantB))

	again := createOrGet(t, s, tokB, map[string]any{"externalId": "shared"})
	g.Expect(again.status).To(Equal(http.StatusOK))
	g.Expect(again.str("id")).To(Equal(b.str("id")))
	g.Expect(s.Meetings()).To(ConsistOf(
		HaveField("TenantID", testTenant), HaveField("TenantID", tenantB)))
}

func TestMeetingOfAnotherTenantIsNotFound(t *testing.T) {
	s := startTwoTenants(t)
	tokA, tokB := token(t, s), tenantToken(t, s, tenantB, clientB, secretB)
	created := createOrGet(t, s, tokA, docExample1)
	path := meetingsPath("v1.0", testOrganizer) + "/" + created.str("id")
	for _, tc := range []struct {
		name, method string
		body         any
	}{
		{"get", http.MethodGet, nil},
		{"update", http.MethodPatch, map[string]any{"subject": "taken over"}},
		{"delete", http.MethodDelete, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectGraphError(NewWithT(t), call(t, s, tc.method, path, tokB, tc.body), http.StatusNotFound, "NotFound", "was not found")
		})
	}
	t.Run("list by joinWebUrl", func(t *testing.T) {
		g := NewWithT(t)
		filter := "?$filter=" + url.QueryEscape("JoinWebUrl eq '"+created.str("joinWebUrl")+"'")
		r := call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+filter, tokB, nil)
		g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
		g.Expect(r.json["value"]).To(BeEmpty())
	})

	g := NewWithT(t)
	got := call(t, s, http.MethodGet, path, tokA, nil)
	g.Expect(got.status).To(Equal(http.StatusOK))
	g.Expect(got.json).To(Equal(created.json))
}

func TestTokenEndpointAcceptsOnlyItsOwnTenantsApp(t *testing.T) {
	const tenantC, secretC = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e", "tenant-c-secret"
	cert, key := clientCert()
	s := start(t, func(c *Config) {
		c.ClientCertificates = []*x509.Certificate{cert}
		c.FederatedIssuer, c.FederatedSubject = federatedIssuer, federatedSubject
		c.Tenants = []Tenant{
			{TenantID: tenantB, ClientID: clientB, ClientSecret: secretB},
			// C registers the primary tenant's app, as a multi-tenant app
			// is registered in every tenant that consents to it.
			{TenantID: tenantC, ClientID: testClient, ClientSecret: secretC},
		}
	})
	certAssertion := func(tenant string) string {
		sum := sha256.Sum256(cert.Raw)
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
			"iss": testClient, "sub": testClient, "aud": s.URL() + "/" + tenant + "/oauth2/v2.0/token",
			"exp": time.Now().Add(time.Minute).Unix(), "jti": "x",
		})
		tok.Header["x5t#S256"] = base64.RawURLEncoding.EncodeToString(sum[:])
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	assertion := func(jwt string) url.Values {
		return url.Values{"client_id": {testClient}, "client_assertion": {jwt},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
	}
	for _, tc := range []struct {
		name, tenant string
		form         url.Values
		status       int
		code         float64 // the AADSTS code of a refusal
		appID        string  // the appid of an issued token
	}{
		{"A's app and secret at B", tenantB, url.Values{"client_id": {testClient}, "client_secret": {testSecret}},
			http.StatusBadRequest, 700016, ""},
		{"B's app with A's secret", tenantB, url.Values{"client_id": {clientB}, "client_secret": {testSecret}},
			http.StatusUnauthorized, 7000215, ""},
		{"the shared app with A's secret at C", tenantC, url.Values{"client_id": {testClient}, "client_secret": {testSecret}},
			http.StatusUnauthorized, 7000215, ""},
		{"A's certificate at C", tenantC, assertion(certAssertion(tenantC)), http.StatusUnauthorized, 70021, ""},
		{"A's federated subject at C", tenantC, assertion(federatedToken(t, federatedSubject)), http.StatusUnauthorized, 70021, ""},
		{"A's certificate at A", testTenant, assertion(certAssertion(testTenant)), http.StatusOK, 0, testClient},
		{"B's own app and secret", tenantB, url.Values{"client_id": {clientB}, "client_secret": {secretB}}, http.StatusOK, 0, clientB},
		{"the shared app with C's secret", tenantC, url.Values{"client_id": {testClient}, "client_secret": {secretC}}, http.StatusOK, 0, testClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := tokenAt(t, s, tc.tenant, tc.form)
			g.Expect(r.status).To(Equal(tc.status), string(r.raw))
			if tc.status != http.StatusOK {
				g.Expect(r.json["error_codes"]).To(Equal([]any{tc.code}))
				return
			}
			claims := jwt.MapClaims{}
			_, _, err := jwt.NewParser().ParseUnverified(r.str("access_token"), claims)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(claims).To(HaveKeyWithValue("tid", tc.tenant))
			g.Expect(claims).To(HaveKeyWithValue("appid", tc.appID))
			g.Expect(claims).To(HaveKeyWithValue("azp", tc.appID))
			g.Expect(claims).To(HaveKeyWithValue("iss", s.URL()+"/"+tc.tenant+"/v2.0"))
			// The issuer is the one discovery names under that tenant's path.
			disc := call(t, s, http.MethodGet, "/"+tc.tenant+"/v2.0/.well-known/openid-configuration", "", nil)
			g.Expect(disc.str("issuer")).To(Equal(claims["iss"]))
			g.Expect(createOrGet(t, s, r.str("access_token"), map[string]any{"externalId": tc.name}).status).To(Equal(http.StatusCreated))
		})
	}
}

func TestTenantRateLimitThrottlesOnlyThatTenant(t *testing.T) {
	for _, tc := range []struct {
		name      string
		faults    Faults
		b         Tenant // tenant B, beside the unlimited-by-itself primary A
		throttled string // the tenant that gets 429 on its second request
	}{
		{"B limited, faults off", Faults{},
			Tenant{TenantID: tenantB, ClientID: clientB, ClientSecret: secretB, RateLimit: 1, RateBurst: 1}, tenantB},
		{"B looser than the faults that throttle A", Faults{RateLimit: 1, RateBurst: 1},
			Tenant{TenantID: tenantB, ClientID: clientB, ClientSecret: secretB, RateLimit: 100, RateBurst: 100}, testTenant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			clk := newClock()
			s := start(t, func(c *Config) { c.Now = clk.Now; c.Faults = tc.faults; c.Tenants = []Tenant{tc.b} })
			tokens := map[string]string{testTenant: token(t, s), tenantB: tenantToken(t, s, tenantB, clientB, secretB)}
			free := tenantB
			if tc.throttled == tenantB {
				free = testTenant
			}

			g.Expect(createOrGet(t, s, tokens[tc.throttled], map[string]any{"externalId": "r"}).status).To(Equal(http.StatusCreated))
			throttled := createOrGet(t, s, tokens[tc.throttled], map[string]any{"externalId": "r"})
			expectGraphError(g, throttled, http.StatusTooManyRequests, "TooManyRequests", tc.throttled)
			g.Expect(throttled.header.Get("Retry-After")).To(Equal("1"))

			// The other tenant is served throughout, and not counted as
			// ignoring a Retry-After it was never given.
			g.Expect(createOrGet(t, s, tokens[free], map[string]any{"externalId": "r"}).status).To(Equal(http.StatusCreated))
			for range 3 {
				g.Expect(createOrGet(t, s, tokens[free], map[string]any{"externalId": "r"}).status).To(Equal(http.StatusOK))
			}
			g.Expect(s.Stats().RequestsDuringRetryAfter).To(Equal(0))

			// The throttled tenant's Retry-After keeps being watched.
			g.Expect(createOrGet(t, s, tokens[tc.throttled], map[string]any{"externalId": "r"}).status).To(Equal(http.StatusTooManyRequests))
			g.Expect(s.Stats().RequestsDuringRetryAfter).To(Equal(1))
			clk.Step(time.Second)
			g.Expect(createOrGet(t, s, tokens[tc.throttled], map[string]any{"externalId": "r"}).status).To(Equal(http.StatusOK))
		})
	}
}

func TestDenyUsersApplyOnlyInTheirTenant(t *testing.T) {
	const otherOrganizer = "1f35f2e6-9cab-44ad-8d5a-b74c14720000"
	s := start(t, func(c *Config) {
		c.DenyUsers = []string{testOrganizer}
		c.Tenants = []Tenant{{TenantID: tenantB, ClientID: clientB, ClientSecret: secretB, DenyUsers: []string{otherOrganizer}}}
	})
	tokens := map[string]string{testTenant: token(t, s), tenantB: tenantToken(t, s, tenantB, clientB, secretB)}
	for _, tc := range []struct {
		tenant, organizer string
		status            int
	}{
		{testTenant, testOrganizer, http.StatusForbidden},
		{testTenant, otherOrganizer, http.StatusCreated},
		{tenantB, testOrganizer, http.StatusCreated},
		{tenantB, otherOrganizer, http.StatusForbidden},
	} {
		t.Run(tc.tenant+"/"+tc.organizer, func(t *testing.T) {
			g := NewWithT(t)
			r := call(t, s, http.MethodPost, meetingsPath("v1.0", tc.organizer)+"/createOrGet", tokens[tc.tenant], map[string]any{"externalId": "p"})
			g.Expect(r.status).To(Equal(tc.status), string(r.raw))
			if tc.status == http.StatusForbidden {
				expectGraphError(g, r, http.StatusForbidden, "Forbidden", "No application access policy found for this app.")
			}
		})
	}
}

func TestInspectionFiltersMeetingsByTenant(t *testing.T) {
	s := startTwoTenants(t)
	tokA, tokB := token(t, s), tenantToken(t, s, tenantB, clientB, secretB)
	createOrGet(t, s, tokA, map[string]any{"externalId": "a-1"})
	createOrGet(t, s, tokB, map[string]any{"externalId": "b-1"})
	createOrGet(t, s, tokB, map[string]any{"externalId": "b-2"})
	for _, tc := range []struct {
		name, query string
		want        []string // externalIds, in creation order
	}{
		{"no parameter: all tenants", "", []string{"a-1", "b-1", "b-2"}},
		{"tenant A", "?tenant=" + testTenant, []string{"a-1"}},
		{"tenant B", "?tenant=" + tenantB, []string{"b-1", "b-2"}},
		{"tenant B in upper case", "?tenant=" + strings.ToUpper(tenantB), []string{"b-1", "b-2"}},
		{"unknown tenant", "?tenant=11111111-2222-3333-4444-555555555555", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := call(t, s, http.MethodGet, "/_emulator/meetings"+tc.query, "", nil)
			g.Expect(r.status).To(Equal(http.StatusOK))
			var got []StoredMeeting
			g.Expect(json.Unmarshal(r.raw, &got)).To(Succeed())
			ids := []string{}
			for _, m := range got {
				ids = append(ids, m.ExternalID)
			}
			g.Expect(ids).To(Equal(tc.want))
		})
	}
	g := NewWithT(t)
	g.Expect(s.TenantMeetings(tenantB)).To(HaveExactElements(
		HaveField("ExternalID", "b-1"), HaveField("ExternalID", "b-2")))
	g.Expect(s.TenantMeetings(tenantB)).To(HaveEach(HaveField("TenantID", tenantB)))
	g.Expect(s.TenantMeetings("")).To(BeEmpty())
}

func TestStatsCountGraphRequestsPerTenant(t *testing.T) {
	s := startTwoTenants(t)
	tokA, tokB := token(t, s), tenantToken(t, s, tenantB, clientB, secretB)
	createOrGet(t, s, tokA, map[string]any{"externalId": "a"})
	id := createOrGet(t, s, tokA, map[string]any{"externalId": "a"}).str("id")
	call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"/"+id, tokA, nil)
	createOrGet(t, s, tokB, map[string]any{"externalId": "b"})
	call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"/"+id, tokB, nil) // 404: still B's request
	call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"/"+id, "", nil)   // 401: no tenant
	st := s.Stats()
	for _, tc := range []struct {
		tenant, op string
		want       int
	}{
		{testTenant, opCreateOrGet, 2},
		{testTenant, opGet, 1},
		{tenantB, opCreateOrGet, 1},
		{tenantB, opGet, 1},
		{strings.ToUpper(tenantB), opGet, 1},
		{tenantB, opToken, 0},
		{"11111111-2222-3333-4444-555555555555", opGet, 0},
	} {
		NewWithT(t).Expect(st.CountTenant(tc.tenant, tc.op)).To(Equal(tc.want), "%s %s", tc.tenant, tc.op)
	}
	g := NewWithT(t)
	g.Expect(st.Count(opGet)).To(Equal(3))
	r := call(t, s, http.MethodGet, "/_emulator/stats", "", nil)
	g.Expect(dig(r.json, "tenants", tenantB)).To(Equal(map[string]any{"createOrGet": 1.0, "get": 1.0}))
	s.ResetStats()
	g.Expect(s.Stats().Tenants).To(BeEmpty())
}

func TestTeamsHelpersFindTheMeetingInWhicheverTenantHoldsIt(t *testing.T) {
	g := NewWithT(t)
	s := startTwoTenants(t)
	tokA, tokB := token(t, s), tenantToken(t, s, tenantB, clientB, secretB)
	a := createOrGet(t, s, tokA, map[string]any{"externalId": "same"})
	b := createOrGet(t, s, tokB, map[string]any{"externalId": "same"})
	pathB := meetingsPath("v1.0", testOrganizer) + "/" + b.str("id")

	g.Expect(s.SetSubject(testOrganizer, b.str("id"), "changed in Teams")).To(BeTrue())
	g.Expect(call(t, s, http.MethodGet, pathB, tokB, nil).str("subject")).To(Equal("changed in Teams"))
	g.Expect(call(t, s, http.MethodDelete, "/_emulator/meetings/"+testOrganizer+"/"+b.str("id"), "", nil).status).To(Equal(http.StatusNoContent))
	g.Expect(call(t, s, http.MethodGet, pathB, tokB, nil).status).To(Equal(http.StatusNotFound))
	g.Expect(s.DeleteMeeting(testOrganizer, b.str("id"))).To(BeFalse())
	g.Expect(s.Meetings()).To(HaveExactElements(HaveField("ID", a.str("id"))))
}

func TestStartRefusesInvalidTenants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tenants []Tenant
		err     string
	}{
		{"the primary tenant again", []Tenant{{TenantID: strings.ToUpper(testTenant), ClientID: clientB}}, "configured twice"},
		{"another tenant twice", []Tenant{{TenantID: tenantB, ClientID: clientB}, {TenantID: tenantB, ClientID: testClient}}, "configured twice"},
		{"no tenant id", []Tenant{{ClientID: clientB}}, "TenantID is required"},
		{"no client id", []Tenant{{TenantID: tenantB}}, "ClientID is required"},
		{"negative rate limit", []Tenant{{TenantID: tenantB, ClientID: clientB, RateLimit: -1}}, "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(Config{TenantID: testTenant, ClientID: testClient, Tenants: tc.tenants})
			if s != nil {
				_ = s.Close()
			}
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(tc.err)))
		})
	}
}
