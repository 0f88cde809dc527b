package emulator

import (
	"crypto/sha1" //nolint:gosec // x5t is defined as a SHA-1 thumbprint
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// meetingsRole is the application permission every issued token carries.
const meetingsRole = "OnlineMeetings.ReadWrite.All"

// clockSkew is how far assertion times may be off, as Azure AD allows.
const clockSkew = 5 * time.Minute

// accessClaims are the claims of the access tokens the emulator issues, the
// subset of Azure AD's that Graph looks at. aud is a single string, as in
// Azure AD's tokens (jwt.RegisteredClaims would write an array).
type accessClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  string           `json:"aud"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ID        string           `json:"jti"`
	TenantID  string           `json:"tid"`
	AppID     string           `json:"appid"`
	AZP       string           `json:"azp"`
	Roles     []string         `json:"roles"`
	IDType    string           `json:"idtyp"`
	OID       string           `json:"oid"`
	Ver       string           `json:"ver"`
}

// GetExpirationTime implements jwt.Claims.
func (c *accessClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }

// GetIssuedAt implements jwt.Claims.
func (c *accessClaims) GetIssuedAt() (*jwt.NumericDate, error) { return c.IssuedAt, nil }

// GetNotBefore implements jwt.Claims.
func (c *accessClaims) GetNotBefore() (*jwt.NumericDate, error) { return c.NotBefore, nil }

// GetIssuer implements jwt.Claims.
func (c *accessClaims) GetIssuer() (string, error) { return c.Issuer, nil }

// GetSubject implements jwt.Claims.
func (c *accessClaims) GetSubject() (string, error) { return c.Subject, nil }

// GetAudience implements jwt.Claims.
func (c *accessClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// issueToken signs an app-only access token of tn's app for resource. All
// tenants share the signing key: Graph tells them apart by tid, not by key.
func (s *Server) issueToken(tn *tenant, resource string) (string, error) {
	now := s.now()
	c := &accessClaims{
		Issuer:    s.url + "/" + tn.TenantID + "/v2.0",
		Subject:   tn.ClientID,
		Audience:  resource,
		ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.TokenLifetime)),
		NotBefore: jwt.NewNumericDate(now),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        uuid.NewString(),
		TenantID:  tn.TenantID, AppID: tn.ClientID, AZP: tn.ClientID,
		Roles: []string{meetingsRole}, IDType: "app", OID: tn.ClientID, Ver: "2.0",
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = s.keyID
	return t.SignedString(s.signKey)
}

// authenticate checks the bearer token of a Graph request and returns the
// tenant its tid names, or the message Graph puts in its 401.
func (s *Server) authenticate(r *http.Request) (*tenant, string) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") || strings.TrimSpace(h[7:]) == "" {
		return nil, "Access token is empty."
	}
	var c accessClaims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(h[7:]), &c, func(*jwt.Token) (any, error) {
		return &s.signKey.PublicKey, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(s.now), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, "Lifetime validation failed, the token is expired."
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, "Access token validation failure. Invalid signature: the token was not issued by this emulator."
	case err != nil:
		return nil, "Access token validation failure. The token is malformed."
	}
	tn := s.tenant(c.TenantID)
	if tn == nil {
		return nil, "Access token validation failure. The token was issued for tenant '" + c.TenantID + "', which this emulator does not serve."
	}
	if !s.acceptedAudience(r, c.Audience) {
		return nil, "Access token validation failure. Invalid audience."
	}
	return tn, ""
}

// checkAssertion accepts a client assertion for tn's app: a
// workload-identity token matching its FederatedSubject/FederatedIssuer (no
// signature check, see Config), or a JWT signed by one of its
// ClientCertificates whose iss and sub are the client id and whose aud is
// this tenant's token endpoint.
func (s *Server) checkAssertion(tn *tenant, assertion, base string) *aadError {
	now := s.now()
	var unverified jwt.MapClaims
	tok, _, err := jwt.NewParser().ParseUnverified(assertion, &unverified)
	if err != nil {
		return newAADError(http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
	}
	sub, _ := unverified.GetSubject()
	iss, _ := unverified.GetIssuer()
	if tn.FederatedSubject != "" && sub == tn.FederatedSubject &&
		(tn.FederatedIssuer == "" || iss == tn.FederatedIssuer) {
		if exp, _ := unverified.GetExpirationTime(); exp != nil && now.After(exp.Add(clockSkew)) {
			return newAADError(http.StatusBadRequest, "invalid_client", 700024,
				"Client assertion is not within its valid time range. Current time: %s, assertion valid until: %s.",
				now.UTC().Format(time.RFC3339), exp.UTC().Format(time.RFC3339))
		}
		return nil
	}
	_, hasX5t := tok.Header["x5t"]
	_, hasX5tS256 := tok.Header["x5t#S256"]
	certStyle := hasX5t || hasX5tS256 || (strings.EqualFold(iss, tn.ClientID) && strings.EqualFold(sub, tn.ClientID))
	if len(tn.ClientCertificates) == 0 || !certStyle {
		return newAADError(http.StatusUnauthorized, "invalid_client", 70021,
			"No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'.", iss, sub)
	}
	cert := tn.certForAssertion(tok.Header)
	if cert == nil {
		return newAADError(http.StatusUnauthorized, "invalid_client", 700027,
			"Client assertion contains an invalid signature. [Reason - The key was not found.] The certificate named by x5t/x5t#S256 is not registered for app '%s'.", tn.ClientID)
	}
	var claims jwt.RegisteredClaims
	_, err = jwt.ParseWithClaims(assertion, &claims, func(*jwt.Token) (any, error) { return cert.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}),
		jwt.WithTimeFunc(s.now), jwt.WithLeeway(clockSkew), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return newAADError(http.StatusBadRequest, "invalid_client", 700024, "Client assertion is not within its valid time range.")
	case err != nil:
		return newAADError(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation.")
	case !strings.EqualFold(claims.Issuer, tn.ClientID) || !strings.EqualFold(claims.Subject, tn.ClientID):
		return newAADError(http.StatusUnauthorized, "invalid_client", 700021,
			"Client assertion application identifier doesn't match 'client_id' parameter.")
	}
	endpoint := strings.ToLower(base + "/oauth2/v2.0/token")
	if !slices.ContainsFunc(claims.Audience, func(a string) bool {
		a = strings.ToLower(a)
		return a == endpoint || strings.HasSuffix(a, strings.ToLower("/"+tn.TenantID+"/oauth2/v2.0/token"))
	}) {
		return newAADError(http.StatusUnauthorized, "invalid_client", 700023,
			"Client assertion audience claim does not match Realm issuer; expected %s.", endpoint)
	}
	return nil
}

// certForAssertion picks the certificate registered for t's app named by
// the assertion's x5t#S256 or x5t header, or the only one when neither is
// set.
func (t *tenant) certForAssertion(header map[string]any) *x509.Certificate {
	match := func(thumb string, sum func(*x509.Certificate) []byte) *x509.Certificate {
		for _, c := range t.ClientCertificates {
			want := sum(c)
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				if got, err := enc.DecodeString(thumb); err == nil && string(got) == string(want) {
					return c
				}
			}
		}
		return nil
	}
	if t, ok := header["x5t#S256"].(string); ok {
		return match(t, func(c *x509.Certificate) []byte { h := sha256.Sum256(c.Raw); return h[:] })
	}
	if t, ok := header["x5t"].(string); ok {
		return match(t, func(c *x509.Certificate) []byte { h := sha1.Sum(c.Raw); return h[:] }) //nolint:gosec
	}
	if len(t.ClientCertificates) == 1 {
		return t.ClientCertificates[0]
	}
	return nil
}
