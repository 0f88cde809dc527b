# onlinemeeting-operator: build, generate, test.
# Tools are pinned by version and built into bin/ from the Go module proxy;
# the envtest control plane (kube-apiserver, etcd, kubectl) is built from Go
# modules by hack/controlplane, once, and reused while present.

# Everything here builds and tests with Go 1.27.3, which the go command
# fetches from the module proxy like a module (about 10 seconds, once per
# machine): Go 1.26.8 carries twelve standard-library vulnerabilities that
# `make vulncheck` finds called from the manager. go.mod's language
# version stays go 1.26 and its toolchain line names go1.27.3, which the go
# command fetches by itself under Go's default GOTOOLCHAIN=auto; machines
# here set GOTOOLCHAIN=local, hence the override.
GO_TOOLCHAIN ?= go1.27.3
export GOTOOLCHAIN := $(GO_TOOLCHAIN)

IMG ?= ghcr.io/onlinemeeting-operator/onlinemeeting-operator:v0.1.0

LOCALBIN ?= $(shell pwd)/bin
CONTROL_PLANE_DIR ?= $(LOCALBIN)/k8s
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.2
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)

# Packages controller-gen reads; hack/ is a module of its own.
GEN_PATHS ?= ./api/...;./controllers/...

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD and RBAC manifests under config/.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="$(GEN_PATHS)" output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	$(MAKE) -s chart-crds

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: go-version
go-version: ## Print the Go toolchain every target here builds with.
	@go version

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: test
test: manifests generate fmt vet control-plane ## Run every test against a real kube-apiserver and the Graph emulator, then the chart and install tests.
	KUBEBUILDER_ASSETS="$(CONTROL_PLANE_DIR)" go test ./... -count=1 -timeout 30m
	$(MAKE) test-chart

.PHONY: verify
verify: manifests generate ## Fail when generated files are out of date.
	@git diff --exit-code -- api config charts || { echo "Generated files are out of date: run 'make manifests generate' and commit the result." >&2; exit 1; }
	@test -z "$$(git status --porcelain -- api config charts)" || { git status --porcelain -- api config charts; echo "Untracked generated files: run 'make manifests generate' and commit them." >&2; exit 1; }

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager and the Graph emulator into bin/.
	go build -o $(LOCALBIN)/manager ./cmd
	go build -o $(LOCALBIN)/graph-emulator ./cmd/graph-emulator

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the cluster in your kubeconfig.
	go run ./cmd

.PHONY: demo
demo: control-plane ## Run the whole job locally: control plane, Graph emulator, operator, samples Ready. DEMO_FLAGS=--exit stops at the end.
	go build -o $(LOCALBIN)/manager ./cmd
	go run ./hack/demo --manager $(LOCALBIN)/manager $(DEMO_FLAGS)

.PHONY: docker-build
docker-build: ## Build the manager's image (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: build-installer
build-installer: manifests generate $(KUSTOMIZE) ## Write dist/install.yaml: CRDs, RBAC and the Deployment in one file.
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default > dist/install.yaml

##@ Proof at scale and under fire

BENCH_FLAGS ?=
CHAOS_FLAGS ?=
FUZZTIME ?= 10s
# Packages to fuzz; empty means every package with a fuzz target.
FUZZ_PACKAGES ?=

.PHONY: bench
bench: control-plane ## Measure the real manager at scale: 9 scenarios, a table and bench/results.json (BENCH_FLAGS=--smoke for CI; docs/bench).
	go build -o $(LOCALBIN)/manager ./cmd
	go build -o $(LOCALBIN)/graph-emulator ./cmd/graph-emulator
	go run ./test/bench --manager $(LOCALBIN)/manager --emulator $(LOCALBIN)/graph-emulator $(BENCH_FLAGS)

.PHONY: fuzz
fuzz: control-plane ## Run every Go fuzz target for FUZZTIME each (default 10s); failing inputs land in testdata/fuzz.
	FUZZTIME=$(FUZZTIME) KUBEBUILDER_ASSETS="$(CONTROL_PLANE_DIR)" hack/fuzz.sh $(FUZZ_PACKAGES)

.PHONY: vulncheck
vulncheck: ## Run govulncheck over the module against a database built from the golang.org/x/vulndb module; fails on any called vulnerability.
	hack/vulncheck.sh

.PHONY: chaos
chaos: control-plane ## Prove the operator under fire: 500 meetings, Graph faults, API conflicts, leader kills, judged by Graph (CHAOS_FLAGS=--short for CI, --seed N to replay).
	go build -o $(LOCALBIN)/manager ./cmd
	go build -o $(LOCALBIN)/graph-emulator ./cmd/graph-emulator
	go run ./test/chaos --manager $(LOCALBIN)/manager --graph-emulator $(LOCALBIN)/graph-emulator --work $(LOCALBIN)/chaos $(CHAOS_FLAGS)

##@ Control plane for tests

.PHONY: control-plane
control-plane: $(CONTROL_PLANE_DIR)/kube-apiserver $(CONTROL_PLANE_DIR)/etcd $(CONTROL_PLANE_DIR)/kubectl ## Build kube-apiserver, etcd and kubectl into bin/k8s (once).

$(CONTROL_PLANE_DIR)/kube-apiserver $(CONTROL_PLANE_DIR)/etcd $(CONTROL_PLANE_DIR)/kubectl:
	@echo "Building the envtest control plane from Go modules (about 5 minutes the first time)..."
	# A test fixture, not shipped: built by the machine's own Go, as Kubernetes 1.37 expects.
	cd hack/controlplane && GOTOOLCHAIN=local go build -o $(CONTROL_PLANE_DIR)/ k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ./etcd

##@ Tools

$(CONTROLLER_GEN):
	GOBIN=$(LOCALBIN)/.tmp go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/.tmp/controller-gen $@

$(KUSTOMIZE):
	GOBIN=$(LOCALBIN)/.tmp go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(LOCALBIN)/.tmp/kustomize $@

##@ Helm chart and install tests

CHART_DIR ?= charts/onlinemeeting-operator

.PHONY: chart-crds
chart-crds: ## Copy the generated CRDs, the manager's ClusterRole, the alerts and the dashboard into the Helm chart (run by manifests).
	rm -f $(CHART_DIR)/crds/*.yaml
	for f in config/crd/bases/*.yaml; do \
	  { echo "# Generated by 'make manifests' (chart-crds) from $$f: do not edit."; cat $$f; } > $(CHART_DIR)/crds/$$(basename $$f); \
	done
	{ echo "# Generated by 'make manifests' (chart-crds) from config/rbac/role.yaml: do not edit."; \
	  echo "# templates/clusterrole.yaml reads its rules, so the chart grants what config/rbac grants."; \
	  cat config/rbac/role.yaml; } > $(CHART_DIR)/files/manager-role.yaml
	{ echo "# Generated by 'make manifests' (chart-crds) from config/prometheus/prometheus_rule.yaml: do not edit."; \
	  echo "# templates/prometheusrule.yaml renders its spec, so the chart alerts as config/prometheus does."; \
	  cat config/prometheus/prometheus_rule.yaml; } > $(CHART_DIR)/files/prometheus-rules.yaml
	cp config/grafana/onlinemeeting-operator.json $(CHART_DIR)/files/grafana-dashboard.json

.PHONY: test-chart
test-chart: control-plane ## Lint and render the Helm charts and build config/default (test/chart, a module of its own).
	cd test/chart && go test ./... -count=1
