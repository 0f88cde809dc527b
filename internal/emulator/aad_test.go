package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/gomega"
)

func TestOpenIDConfigurationNamesTheEndpointsMSALReads(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	r := call(t, s, http.MethodGet, "/"+testTenant+"/v2.0/.well-known/openid-configuration", "", nil)
	g.Expect(r.status).To(Equal(http.StatusOK))
	base := s.URL() + "/" + testTenant
	g.Expect(r.str("issuer")).To(Equal(base + "/v2.0"))
	g.Expect(r.str("token_endpoint")).To(Equal(base + "/oauth2/v2.0/token"))
	g.Expect(r.str("authorization_endpoint")).To(Equal(base + "/oauth2/v2.0/authorize"))
	g.Expect(r.str("jwks_uri")).To(Equal(base + "/discovery/v2.0/keys"))

	keys := call(t, s, http.MethodGet, "/"+testTenant+"/discovery/v2.0/keys", "", nil)
	g.Expect(keys.status).To(Equal(http.StatusOK))
	g.Expect(keys.json["keys"]).To(HaveLen(1))
}

func TestTokenCarriesTheClaimsGraphChecks(t *testing.T) {
	g := NewWithT(t)
	clk := newClock()
	s := start(t, func(c *Config) { c.Now = clk.Now; c.TokenLifetime = 10 * time.Minute })
	f := secretForm()
	f.Set("scope", s.URL()+"/.default")
	r := tokenFor(t, s, f)
	g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
	g.Expect(r.str("token_type")).To(Equal("Bearer"))
	g.Expect(r.json["expires_in"]).To(BeNumerically("==", 600))
	g.Expect(r.json["ext_expires_in"]).To(BeNumerically("==", 600))

	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(r.str("access_token"), claims)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(claims["aud"]).To(Equal(s.URL()))
	g.Expect(claims["tid"]).To(Equal(testTenant))
	g.Expect(claims["appid"]).To(Equal(testClient))
	g.Expect(claims["azp"]).To(Equal(testClient))
	g.Expect(claims["roles"]).To(ConsistOf("OnlineMeetings.ReadWrite.All"))
	g.Expect(claims["exp"]).To(BeNumerically("==", clk.Now().Add(10*time.Minute).Unix()))
}

func TestTokenEndpointAcceptsHTTPBasicClientSecret(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {s.URL() + "/.default"}}
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/"+testTenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testClient, testSecret)
	resp, err := s.HTTPClient().Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
}

func TestTokenEndpointFailuresAnswerInAzureADShape(t *testing.T) {
	s := start(t)
	scope := s.URL() + "/.default"
	for _, tc := range []struct {
		name   string
		form   url.Values
		tenant string
		status int
		error  string
		code   float64
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {"nope"}, "scope": {scope}},
			testTenant, http.StatusUnauthorized, "invalid_client", 7000215},
		{"no credential", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "scope": {scope}},
			testTenant, http.StatusUnauthorized, "invalid_client", 7000218},
		{"unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"someone-else"}, "client_secret": {testSecret}, "scope": {scope}},
			testTenant, http.StatusBadRequest, "unauthorized_client", 700016},
		{"unknown tenant", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}, "scope": {scope}},
			"11111111-2222-3333-4444-555555555555", http.StatusBadRequest, "invalid_tenant", 90002},
		{"password grant", url.Values{"grant_type": {"password"}, "client_id": {testClient}, "scope": {scope}},
			testTenant, http.StatusBadRequest, "unsupported_grant_type", 70003},
		{"scope without /.default", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}, "scope": {s.URL() + "/OnlineMeetings.ReadWrite.All"}},
			testTenant, http.StatusBadRequest, "invalid_scope", 1002012},
		{"foreign resource", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}, "scope": {"https://management.azure.com/.default"}},
			testTenant, http.StatusBadRequest, "invalid_resource", 500011},
		{"garbage assertion", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "scope": {scope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {"not-a-jwt"}},
			testTenant, http.StatusBadRequest, "invalid_request", 50027},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			resp, err := s.HTTPClient().PostForm(s.URL()+"/"+tc.tenant+"/oauth2/v2.0/token", tc.form)
			g.Expect(err).NotTo(HaveOccurred())
			r := readReply(t, resp)
			g.Expect(r.status).To(Equal(tc.status), string(r.raw))
			g.Expect(r.str("error")).To(Equal(tc.error))
			g.Expect(r.json["error_codes"]).To(Equal([]any{tc.code}))
			g.Expect(r.str("error_description")).To(HavePrefix("AADSTS"))
			g.Expect(r.str("trace_id")).To(Equal(r.header.Get("request-id")))
			g.Expect(r.str("correlation_id")).NotTo(BeEmpty())
			g.Expect(string(r.raw)).NotTo(ContainSubstring(testSecret))
		})
	}
	NewWithT(t).Expect(s.Stats().Requests[opToken]).NotTo(HaveKey(http.StatusOK))
}

func TestGraphRefusesMissingExpiredAndForeignTokens(t *testing.T) {
	clk := newClock()
	s := start(t, func(c *Config) { c.Now = clk.Now; c.TokenLifetime = time.Minute })
	other := start(t, func(c *Config) { c.TenantID = "11111111-2222-3333-4444-555555555555" })
	sameTenantOtherKeys := start(t)
	valid := token(t, s)
	expiring := token(t, s)
	for _, tc := range []struct {
		name, authorization, message string
		before                       func()
	}{
		{"missing", "", "Access token is empty", nil},
		{"not a JWT", "Bearer abc", "malformed", nil},
		{"from another tenant's emulator", "Bearer " + token(t, other), "Invalid signature", nil},
		{"signed by other keys", "Bearer " + token(t, sameTenantOtherKeys), "Invalid signature", nil},
		{"expired", "Bearer " + expiring, "expired", func() { clk.Step(time.Minute + time.Second) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			if tc.before != nil {
				tc.before()
			}
			r := call(t, s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", "", map[string]any{"externalId": "a"},
				"Authorization", tc.authorization)
			expectGraphError(g, r, http.StatusUnauthorized, "InvalidAuthenticationToken", tc.message)
			g.Expect(r.header.Get("WWW-Authenticate")).To(HavePrefix("Bearer "))
		})
	}
	g := NewWithT(t)
	g.Expect(valid).NotTo(BeEmpty())
	g.Expect(s.Meetings()).To(BeEmpty())
	g.Expect(s.Stats().Requests[opCreateOrGet]).To(Equal(map[int]int{http.StatusUnauthorized: 5}))
}

func TestGraphRefusesTokensForAnotherAudience(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok, err := s.issueToken(s.primary, "https://management.azure.com")
	g.Expect(err).NotTo(HaveOccurred())
	r := createOrGet(t, s, tok, map[string]any{"externalId": "a"})
	expectGraphError(g, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Invalid audience")
}
