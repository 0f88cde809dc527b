package graph

import (
	"fmt"
	"strings"
)

// Cloud is a Microsoft cloud: where its Graph and its Azure AD authority live.
type Cloud struct {
	// Name is the preset's canonical name ("public", "usgov", "usgovdod", "china").
	Name string
	// GraphEndpoint is the Graph root without version.
	GraphEndpoint string
	// AuthorityHost is the Azure AD authority that issues tokens for that Graph.
	AuthorityHost string
}

// Scope is the token scope for the cloud's Graph: its resource + "/.default".
func (c Cloud) Scope() string { return c.GraphEndpoint + "/.default" }

// The national clouds, from Microsoft's national-cloud deployment tables.
// createOrGet is offered in public and both US Government clouds, not (yet) in
// China; the preset exists so the operator can say so from Graph's own answer.
var clouds = []Cloud{
	{Name: "public", GraphEndpoint: "https://graph.microsoft.com", AuthorityHost: "https://login.microsoftonline.com/"},
	{Name: "usgov", GraphEndpoint: "https://graph.microsoft.us", AuthorityHost: "https://login.microsoftonline.us/"},
	{Name: "usgovdod", GraphEndpoint: "https://dod-graph.microsoft.us", AuthorityHost: "https://login.microsoftonline.us/"},
	{Name: "china", GraphEndpoint: "https://microsoftgraph.chinacloudapi.cn", AuthorityHost: "https://login.chinacloudapi.cn/"},
}

// cloudAliases are other names people use for the same presets.
var cloudAliases = map[string]string{
	"":        "public",
	"global":  "public",
	"usgovl4": "usgov",
	"usgovl5": "usgovdod",
	"dod":     "usgovdod",
}

// CloudByName returns a preset by name, case-insensitively: "public" (also
// "global", and the default for an empty name), "usgov", "usgovdod" or "china".
// The error lists the valid names.
func CloudByName(name string) (Cloud, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if alias, ok := cloudAliases[n]; ok {
		n = alias
	}
	names := make([]string, 0, len(clouds))
	for _, c := range clouds {
		if c.Name == n {
			return c, nil
		}
		names = append(names, c.Name)
	}
	return Cloud{}, fmt.Errorf("graph: unknown cloud %q; valid names are %s (or global for public)", name, strings.Join(names, ", "))
}

// knownAuthorityHosts are Microsoft's own authorities, where azidentity's
// instance discovery works. Any other host (the emulator, Azure Stack) gets
// instance discovery disabled, otherwise MSAL would ask login.microsoft.com
// about a host it has never heard of and fail.
var knownAuthorityHosts = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.microsoft.com":              true,
	"login.windows.net":                true,
	"sts.windows.net":                  true,
	"login.microsoftonline.us":         true,
	"login.usgovcloudapi.net":          true,
	"login-us.microsoftonline.com":     true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
}
