package chart

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The manager's flags that make an instance a shard.
const (
	flagSelector    = "--watch-label-selector="
	flagLeaseID     = "--leader-election-id="
	flagConnections = "--reconcile-connections="
	// mainLeaseID is the operator's default Lease, which the main instance
	// keeps so that turning sharding on hands leadership over.
	mainLeaseID = "onlinemeeting-operator.teams.meetings.dev"
	shardValues = "sharding: {shards: [shard1, shard2]}"
)

// deployments decodes every rendered Deployment, by name.
func deployments(t *testing.T, objs objects) map[string]appsv1.Deployment {
	t.Helper()
	out := map[string]appsv1.Deployment{}
	for _, u := range objs.ofKind("Deployment") {
		var d appsv1.Deployment
		decodeInto(t, u, &d)
		out[d.Name] = d
	}
	return out
}

// flagValue is the value of the manager's flag (with its "="), and whether
// it is set; set twice is an error, since the last one would silently win.
func flagValue(t *testing.T, d appsv1.Deployment, flag string) (string, bool) {
	t.Helper()
	var values []string
	for _, a := range d.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, flag); ok {
			values = append(values, v)
		}
	}
	if len(values) > 1 {
		t.Errorf("%s sets %s%v more than once", d.Name, flag, values)
	}
	if len(values) == 0 {
		return "", false
	}
	return values[0], true
}

// commonArgs are the manager's args without the ones that make it a shard.
func commonArgs(d appsv1.Deployment) []string {
	return slices.DeleteFunc(slices.Clone(d.Spec.Template.Spec.Containers[0].Args), func(a string) bool {
		return strings.HasPrefix(a, flagSelector) || strings.HasPrefix(a, flagLeaseID) || strings.HasPrefix(a, flagConnections)
	})
}

func TestChartWithoutShardsRendersTheOneDeploymentAsBefore(t *testing.T) {
	r := renderOperator(t, "")
	for _, flag := range []string{flagSelector, flagLeaseID, flagConnections, "--watch-namespaces="} {
		if v, ok := flagValue(t, r.deployment, flag); ok {
			t.Errorf("an unsharded install sets %s%s", flag, v)
		}
	}
	want := map[string]string{"app.kubernetes.io/name": "onlinemeeting-operator", "app.kubernetes.io/instance": releaseName}
	if got := r.deployment.Spec.Selector.MatchLabels; !reflect.DeepEqual(got, want) {
		t.Errorf("selector = %v, want %v: a Deployment's selector is immutable", got, want)
	}
	if empty := renderOperator(t, "sharding: {shards: []}"); !reflect.DeepEqual(empty.deployment, r.deployment) {
		t.Errorf("an empty shard list changes the Deployment:\n%+v\n%+v", empty.deployment, r.deployment)
	}
}

func TestChartShardsRenderOneDeploymentEachWithItsOwnSelectorAndLeader(t *testing.T) {
	unsharded := renderOperator(t, "")
	objs := renderObjects(t, operatorChartDir(t), organizerValues, shardValues)
	deps := deployments(t, objs)
	main := releaseName + "-onlinemeeting-operator"
	names := []string{main, main + "-shard1", main + "-shard2"}
	if got := slices.Sorted(func(yield func(string) bool) {
		for n := range deps {
			if !yield(n) {
				return
			}
		}
	}); !slices.Equal(got, names) {
		t.Fatalf("Deployments = %v, want %v", got, names)
	}

	if !reflect.DeepEqual(deps[main].Spec.Selector, unsharded.deployment.Spec.Selector) {
		t.Errorf("the main Deployment's selector changed to %v: it is immutable, and upgrades would fail", deps[main].Spec.Selector)
	}
	wantArgs := map[string]struct{ selector, lease, connections string }{
		main:             {"!sharding.fluxcd.io/key", mainLeaseID, ""},
		main + "-shard1": {"sharding.fluxcd.io/key in (shard1)", mainLeaseID + "-shard1", "false"},
		main + "-shard2": {"sharding.fluxcd.io/key in (shard2)", mainLeaseID + "-shard2", "false"},
	}
	leases := map[string]string{}
	for name, want := range wantArgs {
		d := deps[name]
		sel, _ := flagValue(t, d, flagSelector)
		lease, _ := flagValue(t, d, flagLeaseID)
		conns, _ := flagValue(t, d, flagConnections)
		if sel != want.selector || lease != want.lease || conns != want.connections {
			t.Errorf("%s: selector %q, lease %q, reconcile-connections %q; want %+v", name, sel, lease, conns, want)
		}
		if other, ok := leases[lease]; ok {
			t.Errorf("%s and %s elect their leader with the same Lease %q", name, other, lease)
		}
		leases[lease] = name
		if got := commonArgs(d); !slices.Equal(got, unsharded.container.Args) {
			t.Errorf("%s args %v, want the unsharded ones %v besides its shard", name, got, unsharded.container.Args)
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
			t.Errorf("%s replicas = %v, want replicaCount", name, d.Spec.Replicas)
		}
		assertHardened(t, &d)
	}

	// Every resource is reconciled by exactly one instance: what carries
	// no shard label by the main one, a shard's by that shard.
	for _, l := range []map[string]string{nil, {"sharding.fluxcd.io/key": "shard1"}, {"sharding.fluxcd.io/key": "shard2"}, {"team": "a"}} {
		var by []string
		for name, d := range deps {
			v, _ := flagValue(t, d, flagSelector)
			sel, err := labels.Parse(v)
			if err != nil {
				t.Fatalf("%s: --watch-label-selector %q does not parse: %v", name, v, err)
			}
			if sel.Matches(labels.Set(l)) {
				by = append(by, name)
			}
		}
		if len(by) != 1 {
			t.Errorf("a resource labelled %v is reconciled by %v, want exactly one instance", l, by)
		}
	}

	// Each Deployment owns its own pods; the metrics Service selects them all.
	var svc corev1.Service
	objs.one(t, "Service", &svc)
	for name, d := range deps {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil {
			t.Fatal(err)
		}
		for other, od := range deps {
			matches := sel.Matches(labels.Set(od.Spec.Template.Labels))
			switch {
			case other == name && !matches:
				t.Errorf("%s does not select its own pods", name)
			case other != name && matches && name != main:
				t.Errorf("%s selects the pods of %s", name, other)
			}
		}
		if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("the metrics Service does not select the pods of %s", name)
		}
	}
}

func TestChartNetworkPolicyCoversEveryShard(t *testing.T) {
	objs := renderObjects(t, operatorChartDir(t), organizerValues, shardValues, "networkPolicy: {enabled: true}")
	var np networkingv1.NetworkPolicy
	objs.one(t, "NetworkPolicy", &np)
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range deployments(t, objs) {
		if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("the NetworkPolicy does not apply to the pods of %s", name)
		}
	}
}

func TestChartSchemaRejectsBadShards(t *testing.T) {
	for _, tt := range []struct{ name, values, want string }{
		{"not a label value", "sharding: {shards: [Shard_1]}", "shards"},
		{"twice", "sharding: {shards: [shard1, shard1]}", "shards"},
		{"too long", "sharding: {shards: [" + strings.Repeat("s", 31) + "]}", "shards"},
		{"typo", "sharding: {shard: [shard1]}", "shard"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render(t, operatorChartDir(t), organizerValues, tt.values)
			if err == nil {
				t.Fatalf("values %q rendered; values.schema.json should reject them", tt.values)
			}
			if !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not name the schema and %q: %v", tt.want, err)
			}
		})
	}
}
