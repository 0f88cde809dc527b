package graph

import (
	"strings"
	"testing"
)

func TestCloudByNameKnowsTheNationalClouds(t *testing.T) {
	tests := []struct {
		name, wantName, wantGraph, wantAuthority string
	}{
		{"", "public", "https://graph.microsoft.com", "https://login.microsoftonline.com/"},
		{"public", "public", "https://graph.microsoft.com", "https://login.microsoftonline.com/"},
		{"Global", "public", "https://graph.microsoft.com", "https://login.microsoftonline.com/"},
		{"usgov", "usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us/"},
		{"USGovDoD", "usgovdod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us/"},
		{"china", "china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := CloudByName(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != tt.wantName || c.GraphEndpoint != tt.wantGraph || c.AuthorityHost != tt.wantAuthority {
				t.Errorf("got %+v", c)
			}
			if c.Scope() != tt.wantGraph+"/.default" {
				t.Errorf("Scope() = %s", c.Scope())
			}
			host := strings.TrimSuffix(strings.TrimPrefix(c.AuthorityHost, "https://"), "/")
			if !knownAuthorityHosts[host] {
				t.Errorf("preset authority %s would have instance discovery disabled", host)
			}
		})
	}
}

func TestUnknownCloudNameListsTheValidOnes(t *testing.T) {
	_, err := CloudByName("germany")
	if err == nil {
		t.Fatal("germany accepted")
	}
	for _, n := range []string{"germany", "public", "usgov", "usgovdod", "china"} {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not mention %s", err, n)
		}
	}
}
