package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Cloud is a Microsoft cloud preset: where its Graph and its Azure AD live.
// +kubebuilder:validation:Enum=public;usgov;usgovdod;china
type Cloud string

const (
	// CloudPublic is the global cloud (graph.microsoft.com).
	CloudPublic Cloud = "public"
	// CloudUSGov is US Government L4 (graph.microsoft.us).
	CloudUSGov Cloud = "usgov"
	// CloudUSGovDoD is US Government L5, DoD (dod-graph.microsoft.us).
	CloudUSGovDoD Cloud = "usgovdod"
	// CloudChina is the China cloud operated by 21Vianet.
	CloudChina Cloud = "china"
)

// GraphAPIVersion is the version of Microsoft Graph a connection calls.
// +kubebuilder:validation:Enum=v1.0;beta
type GraphAPIVersion string

const (
	// GraphAPIVersionV1 is Graph's stable endpoint.
	GraphAPIVersionV1 GraphAPIVersion = "v1.0"
	// GraphAPIVersionBeta is Graph's beta endpoint, needed for chatInfo.
	GraphAPIVersionBeta GraphAPIVersion = "beta"
)

// Kinds a connectionRef may name.
const (
	// KindGraphConnection is the namespaced connection kind.
	KindGraphConnection = "GraphConnection"
	// KindClusterGraphConnection is the cluster-scoped connection kind.
	KindClusterGraphConnection = "ClusterGraphConnection"
)

// GraphConnectionSpec says where Graph is, which app the operator signs in
// as, and for which organizers meetings may be made through it. It is shared
// by GraphConnection and ClusterGraphConnection.
// +kubebuilder:validation:XValidation:rule="has(self.credential.operatorEnvironment) || (has(self.tenantId) && has(self.clientId))",message="tenantId and clientId are required unless credential is operatorEnvironment, which reads them from the operator's AZURE_TENANT_ID and AZURE_CLIENT_ID"
type GraphConnectionSpec struct {
	// cloud is the Microsoft cloud whose Graph and Azure AD to use: public
	// (the default), usgov, usgovdod or china. graphEndpoint and
	// authorityHost override it.
	// +optional
	// +kubebuilder:default=public
	Cloud Cloud `json:"cloud,omitempty"`

	// graphEndpoint is the Graph root without version, e.g.
	// https://graph.microsoft.com. It must be https (http is accepted for
	// loopback addresses only, for tests).
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (url(self).getScheme() == 'https' || (url(self).getScheme() == 'http' && url(self).getHostname() in ['127.0.0.1', '::1', 'localhost']))",message="graphEndpoint must be an https URL (http only for loopback addresses)"
	GraphEndpoint string `json:"graphEndpoint,omitempty"`

	// authorityHost is the Azure AD authority, e.g.
	// https://login.microsoftonline.com/. It must be https (http is accepted
	// for loopback addresses only, for tests).
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (url(self).getScheme() == 'https' || (url(self).getScheme() == 'http' && url(self).getHostname() in ['127.0.0.1', '::1', 'localhost']))",message="authorityHost must be an https URL (http only for loopback addresses)"
	AuthorityHost string `json:"authorityHost,omitempty"`

	// apiVersion is the Graph version to call: v1.0 (the default), or beta,
	// which meetings with chatInfo need.
	// +optional
	// +kubebuilder:default="v1.0"
	APIVersion GraphAPIVersion `json:"apiVersion,omitempty"`

	// rateLimit bounds the requests the operator sends to Graph through this
	// connection. Without it the operator's --graph-qps and --graph-burst
	// apply, to each connection separately.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// tenantId is the Azure AD tenant (directory) id. Required unless
	// credential is operatorEnvironment.
	// +optional
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",message="tenantId must be the tenant's directory id, a GUID"
	TenantID string `json:"tenantId,omitempty"`

	// clientId is the app registration's application (client) id. Required
	// unless credential is operatorEnvironment.
	// +optional
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",message="clientId must be the app's application (client) id, a GUID"
	ClientID string `json:"clientId,omitempty"`

	// credential is how the operator proves it is the app: exactly one of
	// clientSecret, clientCertificate, workloadIdentity or
	// operatorEnvironment.
	// +required
	Credential Credential `json:"credential"`

	// organizers are the users meetings may be made for through this
	// connection. There is no implicit "any": set allowed, or any: true.
	// +required
	Organizers OrganizerPolicy `json:"organizers"`
}

// RateLimit is a client-side token bucket for Graph requests.
type RateLimit struct {
	// qps is the sustained number of requests per second.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	QPS int32 `json:"qps"`

	// burst is how many requests may go at once above qps; default qps.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Burst int32 `json:"burst,omitempty"`
}

// Credential names exactly one source of the app's credential.
// +kubebuilder:validation:XValidation:rule="[has(self.clientSecret), has(self.clientCertificate), has(self.workloadIdentity), has(self.operatorEnvironment)].filter(x, x).size() == 1",message="set exactly one of clientSecret, clientCertificate, workloadIdentity or operatorEnvironment"
type Credential struct {
	// clientSecret reads the app's client secret from a Secret.
	// +optional
	ClientSecret *ClientSecretCredential `json:"clientSecret,omitempty"`

	// clientCertificate reads the app's certificate and private key from a
	// Secret, such as a kubernetes.io/tls Secret.
	// +optional
	ClientCertificate *ClientCertificateCredential `json:"clientCertificate,omitempty"`

	// workloadIdentity signs in with a Kubernetes service account token,
	// which Azure AD trusts through a federated identity credential of the
	// app (workload identity federation). No secret is stored.
	// +optional
	WorkloadIdentity *WorkloadIdentityCredential `json:"workloadIdentity,omitempty"`

	// operatorEnvironment uses the operator's own AZURE_* environment
	// (AZURE_TENANT_ID, AZURE_CLIENT_ID and a secret, certificate file or
	// federated token file). Only a ClusterGraphConnection may use it: it
	// lends the operator's identity to every namespace the connection's
	// selector admits.
	// +optional
	OperatorEnvironment *OperatorEnvironmentCredential `json:"operatorEnvironment,omitempty"`
}

// SecretKeySelector names a key of a Secret. The Secret lives in the
// GraphConnection's namespace, or for a ClusterGraphConnection in the
// operator's namespace (--cluster-resource-namespace).
type SecretKeySelector struct {
	// name is the Secret's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key is the key within the Secret's data.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key,omitempty"`
}

// ClientSecretCredential reads a client secret from a Secret.
type ClientSecretCredential struct {
	// secretRef names the Secret and key (default clientSecret) holding the
	// client secret's value (not its id).
	// +required
	SecretRef SecretKeySelector `json:"secretRef"`
}

// ClientCertificateCredential reads a certificate and its private key from
// a Secret.
type ClientCertificateCredential struct {
	// secretRef names the Secret. Its key (default tls.crt) holds the PEM
	// certificate; the private key is read from the same key when it holds
	// both, else from tls.key.
	// +required
	SecretRef SecretKeySelector `json:"secretRef"`
}

// WorkloadIdentityCredential signs in with a service account's token.
type WorkloadIdentityCredential struct {
	// serviceAccountName is the service account whose token the operator
	// requests (in the GraphConnection's namespace, or the operator's
	// namespace for a ClusterGraphConnection). The operator needs RBAC to
	// create tokens for it; see docs/install.md.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	ServiceAccountName string `json:"serviceAccountName"`

	// audience is the token's audience; default api://AzureADTokenExchange.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Audience string `json:"audience,omitempty"`
}

// OperatorEnvironmentCredential uses the operator's own environment. It has
// no fields.
type OperatorEnvironmentCredential struct{}

// OrganizerPolicy says which organizers a connection may act for.
// +kubebuilder:validation:XValidation:rule="has(self.allowed) != (has(self.any) && self.any)",message="set either allowed (a list of organizer object ids) or any: true"
type OrganizerPolicy struct {
	// allowed lists the Azure AD object ids of the organizers meetings may
	// be made for.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=36
	// +kubebuilder:validation:items:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	Allowed []string `json:"allowed,omitempty"`

	// any: true allows every organizer the app's application access policy
	// covers in Teams (often the whole tenant).
	// +optional
	Any bool `json:"any,omitempty"`
}

// GraphConnectionStatus says whether the operator can sign in.
type GraphConnectionStatus struct {
	// conditions: Ready is True once a token was obtained for this spec and
	// credential.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec that status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// tenantId is the tenant the connection signs in to (from the spec, or
	// the operator's environment).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	TenantID string `json:"tenantId,omitempty"`

	// graphEndpoint is the Graph root and version requests go to.
	// +optional
	// +kubebuilder:validation:MaxLength=600
	GraphEndpoint string `json:"graphEndpoint,omitempty"`

	// lastCheckedTime is when a token was last requested for the check.
	// +optional
	LastCheckedTime *metav1.Time `json:"lastCheckedTime,omitempty"`
}

// GraphConnection lets the OnlineMeetings of its own namespace reach
// Microsoft Graph with the app and organizer policy it names. Its Secrets
// are read from its own namespace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gc,categories=meetings
// +kubebuilder:validation:XValidation:rule="!has(self.spec.graphEndpoint) || url(self.spec.graphEndpoint).getHostname() in ['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn', '127.0.0.1', '::1', 'localhost']",message="a GraphConnection's graphEndpoint must be one of Microsoft's Graph hosts (or loopback, for tests): the credential it reads from this namespace's Secrets goes there; other hosts need a ClusterGraphConnection, which a cluster admin writes"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.authorityHost) || url(self.spec.authorityHost).getHostname() in ['login.microsoftonline.com', 'login.microsoft.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn', '127.0.0.1', '::1', 'localhost']",message="a GraphConnection's authorityHost must be one of Microsoft's Azure AD hosts (or loopback, for tests): the credential it reads from this namespace's Secrets goes there; other hosts need a ClusterGraphConnection, which a cluster admin writes"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.credential.operatorEnvironment)",message="credential.operatorEnvironment is for ClusterGraphConnections only: a namespace may not borrow the operator's own identity; use clientSecret, clientCertificate or workloadIdentity"
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.status.tenantId`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.status.graphEndpoint`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type GraphConnection struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the connection as it should be.
	// +required
	Spec GraphConnectionSpec `json:"spec"`

	// status says whether the operator can sign in with it.
	// +optional
	Status GraphConnectionStatus `json:"status,omitempty"`
}

// GraphConnectionList is a list of GraphConnections.
// +kubebuilder:object:root=true
type GraphConnectionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GraphConnection `json:"items"`
}

// ClusterGraphConnectionSpec is a GraphConnectionSpec plus the namespaces
// that may use it.
type ClusterGraphConnectionSpec struct {
	GraphConnectionSpec `json:",inline"`

	// namespaceSelector picks the namespaces whose OnlineMeetings may use
	// this connection; {} admits every namespace. Required, so that who may
	// use the operator's identity is always written down.
	// +required
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector"`
}

// ClusterGraphConnection lets the OnlineMeetings of the namespaces it
// selects reach Microsoft Graph with the app and organizer policy it names.
// Its Secrets are read from the operator's namespace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=cgc,categories=meetings
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.status.tenantId`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.status.graphEndpoint`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterGraphConnection struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the connection as it should be.
	// +required
	Spec ClusterGraphConnectionSpec `json:"spec"`

	// status says whether the operator can sign in with it.
	// +optional
	Status GraphConnectionStatus `json:"status,omitempty"`
}

// ClusterGraphConnectionList is a list of ClusterGraphConnections.
// +kubebuilder:object:root=true
type ClusterGraphConnectionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterGraphConnection `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GraphConnection{}, &GraphConnectionList{}, &ClusterGraphConnection{}, &ClusterGraphConnectionList{})
}
