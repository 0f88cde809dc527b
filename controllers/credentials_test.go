package controllers_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

// selfSignedClientCert makes the app's certificate and its key as PEM.
func selfSignedClientCert(t *testing.T) (*x509.Certificate, []byte, []byte) {
	t.Helper()
	// Azure AD takes RSA keys only, and so does azidentity.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "onlinemeeting-operator-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

func TestClientCertificateFromATLSSecretSignsIn(t *testing.T) {
	cert, certPEM, keyPEM := selfSignedClientCert(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{ClientCertificates: []*x509.Certificate{cert}}, noDefaultConnection: true})
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "graph-cert"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM}}
	NewWithT(t).Expect(env.Client.Create(context.Background(), s)).To(Succeed())
	h.createConnection(h.ns, "graph", func(c *teamsv1alpha1.GraphConnection) {
		c.Spec.Credential = teamsv1alpha1.Credential{ClientCertificate: &teamsv1alpha1.ClientCertificateCredential{
			SecretRef: teamsv1alpha1.SecretKeySelector{Name: "graph-cert"}}}
	})
	h.waitConnectionReady(teamsv1alpha1.KindGraphConnection, h.ns, "graph")
	h.create(h.meeting("by-certificate", useConnection(teamsv1alpha1.KindGraphConnection, "graph")))
	h.waitReady("by-certificate", teamsv1alpha1.ReasonCreated)
}

func TestWorkloadIdentitySignsInWithAServiceAccountToken(t *testing.T) {
	g := NewWithT(t)
	ns := env.Namespace(t)
	// Azure AD trusts this service account through a federated credential.
	h := newHarness(t, harnessOptions{namespaces: []string{ns}, noDefaultConnection: true, emulator: emulator.Config{
		FederatedSubject: "system:serviceaccount:" + ns + ":meetings"}})
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meetings"}}
	g.Expect(env.Client.Create(context.Background(), sa)).To(Succeed())
	h.createConnection(ns, "graph", func(c *teamsv1alpha1.GraphConnection) {
		c.Spec.Credential = teamsv1alpha1.Credential{WorkloadIdentity: &teamsv1alpha1.WorkloadIdentityCredential{ServiceAccountName: "meetings"}}
	})
	h.waitConnectionReady(teamsv1alpha1.KindGraphConnection, ns, "graph")
	h.create(h.meeting("by-workload-identity", useConnection(teamsv1alpha1.KindGraphConnection, "graph"), inNamespace(ns)))
	h.waitReadyIn(ns, "by-workload-identity")

	// Another service account of the namespace is not trusted.
	h.createConnection(ns, "other", func(c *teamsv1alpha1.GraphConnection) {
		c.Spec.Credential = teamsv1alpha1.Credential{WorkloadIdentity: &teamsv1alpha1.WorkloadIdentityCredential{ServiceAccountName: "default"}}
	})
	g.Eventually(func(g Gomega) {
		c := &teamsv1alpha1.GraphConnection{}
		g.Expect(env.Client.Get(context.Background(), keyOf(ns, "other"), c)).To(Succeed())
		g.Expect(c.Status.Conditions).To(ContainElement(And(HaveField("Type", teamsv1alpha1.ConditionReady),
			HaveField("Status", metav1.ConditionFalse))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}
