package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// tenantsFile is the JSON of graph-emulator's --tenants-file.
type tenantsFile struct {
	Tenants []tenantJSON `json:"tenants"`
}

// tenantJSON is one Tenant in a tenants file. Certificates are named by
// file, as --client-cert names them on the command line.
type tenantJSON struct {
	TenantID               string   `json:"tenantId"`
	ClientID               string   `json:"clientId"`
	ClientSecret           string   `json:"clientSecret"`
	ClientCertificateFiles []string `json:"clientCertificateFiles"`
	FederatedIssuer        string   `json:"federatedIssuer"`
	FederatedSubject       string   `json:"federatedSubject"`
	DenyUsers              []string `json:"denyUsers"`
	RateLimit              float64  `json:"rateLimit"`
	RateBurst              int      `json:"rateBurst"`
}

// LoadTenants reads a tenants file:
//
//	{"tenants": [{"tenantId": "...", "clientId": "...", "clientSecret": "...",
//	  "clientCertificateFiles": ["app.pem"], "federatedIssuer": "...",
//	  "federatedSubject": "...", "denyUsers": ["..."], "rateLimit": 5, "rateBurst": 5}]}
//
// Unknown fields are refused, so that a misspelt one does not silently leave
// a tenant without its access policy or limit. Relative certificate paths
// are taken from dir, the file's directory, as kubeconfig does, so the file
// and its certificates can move together. Each tenant needs an id, a client
// id and a way to obtain a token; uniqueness of ids is checked by Start,
// which also sees the primary tenant.
func LoadTenants(r io.Reader, dir string) ([]Tenant, error) {
	var f tenantsFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("invalid tenants file: %w", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid tenants file: more than one JSON value")
	}
	out := make([]Tenant, 0, len(f.Tenants))
	for i, tj := range f.Tenants {
		where := fmt.Sprintf("tenants[%d]", i)
		switch {
		case tj.TenantID == "":
			return nil, fmt.Errorf("%s: tenantId is required", where)
		case tj.ClientID == "":
			return nil, fmt.Errorf("%s (%s): clientId is required", where, tj.TenantID)
		case tj.ClientSecret == "" && len(tj.ClientCertificateFiles) == 0 && tj.FederatedSubject == "":
			return nil, fmt.Errorf("%s (%s): no way to get a token: set clientSecret, clientCertificateFiles or federatedSubject", where, tj.TenantID)
		case tj.RateLimit < 0 || tj.RateBurst < 0:
			return nil, fmt.Errorf("%s (%s): rateLimit and rateBurst must not be negative", where, tj.TenantID)
		}
		t := Tenant{
			TenantID: tj.TenantID, ClientID: tj.ClientID, ClientSecret: tj.ClientSecret,
			FederatedIssuer: tj.FederatedIssuer, FederatedSubject: tj.FederatedSubject,
			DenyUsers: tj.DenyUsers, RateLimit: tj.RateLimit, RateBurst: tj.RateBurst,
		}
		for _, path := range tj.ClientCertificateFiles {
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			cert, err := ReadCertificateFile(path)
			if err != nil {
				return nil, fmt.Errorf("%s (%s): clientCertificateFiles: %w", where, tj.TenantID, err)
			}
			t.ClientCertificates = append(t.ClientCertificates, cert)
		}
		out = append(out, t)
	}
	return out, nil
}
