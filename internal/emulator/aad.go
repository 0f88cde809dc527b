package emulator

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// graphAppID is the application id of Microsoft Graph, which Azure AD also
// accepts as a resource name.
const graphAppID = "00000003-0000-0000-c000-000000000000"

// aadError is Azure AD's error answer from the token endpoint.
type aadError struct {
	status      int
	err         string
	code        int
	description string
}

func (e *aadError) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.code, e.description) }

func newAADError(status int, errName string, code int, format string, args ...any) *aadError {
	return &aadError{status: status, err: errName, code: code, description: fmt.Sprintf(format, args...)}
}

// serveAAD handles /{tenant}/v2.0/.well-known/openid-configuration,
// /{tenant}/discovery/v2.0/keys and /{tenant}/oauth2/v2.0/token.
func (s *Server) serveAAD(w http.ResponseWriter, r *http.Request, ri reqInfo) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) != 4 {
		s.writeAADError(w, r, ri, newAADError(http.StatusNotFound, "invalid_request", 90002,
			"Path %q is not served by the emulator. It serves /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/token, /v1.0/..., /beta/... and /_emulator/...", r.URL.Path))
		return
	}
	tenant, route := segs[0], strings.ToLower(strings.Join(segs[1:], "/"))
	op := map[string]string{
		"v2.0/.well-known/openid-configuration": "discovery",
		"discovery/v2.0/keys":                   "keys",
		"oauth2/v2.0/token":                     "token",
	}[route]
	if op == "" {
		s.writeAADError(w, r, ri, newAADError(http.StatusNotFound, "invalid_request", 900561,
			"The endpoint %q is not served by the emulator.", r.URL.Path))
		return
	}
	tn := s.tenant(tenant)
	if tn == nil {
		e := newAADError(http.StatusBadRequest, "invalid_tenant", 90002,
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)
		s.faults.count("", op, e.status)
		s.writeAADError(w, r, ri, e)
		return
	}
	base := "https://" + r.Host + "/" + tenant
	switch op {
	case "discovery":
		s.faults.count("", op, http.StatusOK)
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                base + "/v2.0",
			"token_endpoint":                        base + "/oauth2/v2.0/token",
			"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
			"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
			"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
			"jwks_uri":                              base + "/discovery/v2.0/keys",
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			"id_token_signing_alg_values_supported": []string{"ES256"},
			"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
			"response_modes_supported":              []string{"query", "fragment", "form_post"},
			"subject_types_supported":               []string{"pairwise"},
			"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
			"grant_types_supported":                 []string{"client_credentials"},
			"tenant_region_scope":                   nil,
			"cloud_instance_name":                   "microsoftonline.com",
			"msgraph_host":                          r.Host,
		})
	case "keys":
		s.faults.count("", op, http.StatusOK)
		writeJSON(w, http.StatusOK, map[string]any{"keys": []any{s.jwk()}})
	case "token":
		s.serveToken(w, r, ri, tn, base)
	}
}

// serveToken implements the client-credentials grant with a client secret
// (form or HTTP Basic) or a jwt-bearer client assertion, for tn's app only.
// Token requests are not counted per tenant: Stats.Tenants is about the
// Graph load each tenant sees.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, ri reqInfo, tn *tenant, base string) {
	tok, err := s.grantToken(r, tn, base)
	if err != nil {
		s.faults.count("", opToken, err.status)
		s.writeAADError(w, r, ri, err)
		return
	}
	s.faults.count("", opToken, http.StatusOK)
	w.Header().Set("Cache-Control", "no-store, no-cache")
	secs := int(s.cfg.TokenLifetime / time.Second)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     secs,
		"ext_expires_in": secs,
		"access_token":   tok,
	})
}

// grantToken checks the request against tn's app alone: a credential of
// another tenant's app is refused here as an unknown app or a wrong secret,
// as Azure AD refuses it.
func (s *Server) grantToken(r *http.Request, tn *tenant, base string) (string, *aadError) {
	if r.Method != http.MethodPost {
		return "", newAADError(http.StatusMethodNotAllowed, "invalid_request", 900561,
			"The endpoint only accepts POST requests. Received a %s request.", r.Method)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return "", newAADError(http.StatusBadRequest, "invalid_request", 900144, "The request body could not be parsed as a form: %v", err)
	}
	form := r.PostForm
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			return "", newAADError(http.StatusBadRequest, "invalid_request", 900144,
				"The request body must contain the following parameter: 'grant_type'.")
		}
		return "", newAADError(http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '%s'. The emulator supports client_credentials only.", gt)
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		clientID, secret = u, p
	}
	if clientID == "" {
		return "", newAADError(http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'client_id'.")
	}
	if !strings.EqualFold(clientID, tn.ClientID) {
		return "", newAADError(http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '%s' was not found in the directory '%s'.", clientID, tn.TenantID)
	}
	resource, aerr := s.resourceFromScope(r, tn, form.Get("scope"))
	if aerr != nil {
		return "", aerr
	}
	assertionType, assertion := form.Get("client_assertion_type"), form.Get("client_assertion")
	switch {
	case secret != "":
		if tn.ClientSecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(tn.ClientSecret)) != 1 {
			return "", newAADError(http.StatusUnauthorized, "invalid_client", 7000215,
				"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", tn.ClientID)
		}
	case assertion != "":
		if assertionType != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return "", newAADError(http.StatusBadRequest, "invalid_request", 700026,
				"The client_assertion_type '%s' is not supported; use urn:ietf:params:oauth:client-assertion-type:jwt-bearer.", assertionType)
		}
		if aerr := s.checkAssertion(tn, assertion, base); aerr != nil {
			return "", aerr
		}
	default:
		return "", newAADError(http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	tok, err := s.issueToken(tn, resource)
	if err != nil {
		return "", newAADError(http.StatusInternalServerError, "server_error", 90033, "Signing the access token failed: %v", err)
	}
	return tok, nil
}

// resourceFromScope accepts exactly one "{resource}/.default" scope (plus
// OIDC scopes, which client-credentials ignores) naming this emulator or
// Microsoft Graph.
func (s *Server) resourceFromScope(r *http.Request, tn *tenant, scope string) (string, *aadError) {
	var resources []string
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case "openid", "profile", "offline_access", "email":
			continue
		}
		if !strings.HasSuffix(sc, "/.default") {
			return "", newAADError(http.StatusBadRequest, "invalid_scope", 1002012,
				"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc)
		}
		resources = append(resources, strings.TrimSuffix(sc, "/.default"))
	}
	if len(resources) != 1 {
		return "", newAADError(http.StatusBadRequest, "invalid_scope", 70011,
			"The provided request must include exactly one '{resource}/.default' scope, got %q.", scope)
	}
	res := strings.TrimSuffix(resources[0], "/")
	if !s.acceptedAudience(r, res) {
		return "", newAADError(http.StatusBadRequest, "invalid_resource", 500011,
			"The resource principal named %s was not found in the tenant named %s. The emulator accepts %s (or https://graph.microsoft.com) as the Graph resource.", res, tn.TenantID, s.url)
	}
	return res, nil
}

// acceptedAudience reports whether aud names this Graph: the emulator's URL,
// the host the request came to, or Microsoft Graph itself.
func (s *Server) acceptedAudience(r *http.Request, aud string) bool {
	aud = strings.TrimSuffix(aud, "/")
	for _, ok := range []string{s.url, "https://" + r.Host, "https://graph.microsoft.com", graphAppID} {
		if strings.EqualFold(aud, ok) {
			return true
		}
	}
	return false
}

// writeAADError answers in Azure AD's error shape.
func (s *Server) writeAADError(w http.ResponseWriter, r *http.Request, ri reqInfo, e *aadError) {
	now := s.now().UTC()
	ts := now.Format("2006-01-02 15:04:05Z")
	writeJSON(w, e.status, map[string]any{
		"error": e.err,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			e.code, e.description, ri.requestID, ri.clientRequestID, ts),
		"error_codes":    []int{e.code},
		"timestamp":      ts,
		"trace_id":       ri.requestID,
		"correlation_id": ri.clientRequestID,
		"error_uri":      "https://" + r.Host + "/error?code=" + fmt.Sprint(e.code),
	})
}

// jwk is the public half of the token signing key, for the JWKS document.
func (s *Server) jwk() map[string]any {
	pub := s.signKey.PublicKey
	b, _ := pub.Bytes() // uncompressed point: 0x04 || X || Y
	n := (len(b) - 1) / 2
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]any{"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": s.keyID,
		"x": enc(b[1 : 1+n]), "y": enc(b[1+n:])}
}
