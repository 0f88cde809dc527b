# onlinemeeting-operator: build, generate, test.
# Tools are pinned by version and built into bin/ from the Go module proxy;
# the envtest control plane (kube-apiserver, etcd, kubectl) is built from Go
# modules by hack/controlplane, once, and reused while present.

IMG ?= ghcr.io/onlinemeeting-operator/onlinemeeting-operator:v0.1.0

LOCALBIN ?= $(shell pwd)/bin
CONTROL_PLANE_DIR ?= $(LOCALBIN)/k8s
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.1
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

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: test
test: manifests generate fmt vet control-plane ## Run every test against a real kube-apiserver and the Graph emulator.
	KUBEBUILDER_ASSETS="$(CONTROL_PLANE_DIR)" go test ./... -count=1 -timeout 30m

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

.PHONY: docker-build
docker-build: ## Build the manager's image (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: build-installer
build-installer: manifests generate $(KUSTOMIZE) ## Write dist/install.yaml: CRDs, RBAC and the Deployment in one file.
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default > dist/install.yaml

##@ Control plane for tests

.PHONY: control-plane
control-plane: $(CONTROL_PLANE_DIR)/kube-apiserver $(CONTROL_PLANE_DIR)/etcd $(CONTROL_PLANE_DIR)/kubectl ## Build kube-apiserver, etcd and kubectl into bin/k8s (once).

$(CONTROL_PLANE_DIR)/kube-apiserver $(CONTROL_PLANE_DIR)/etcd $(CONTROL_PLANE_DIR)/kubectl:
	@echo "Building the envtest control plane from Go modules (about 5 minutes the first time)..."
	cd hack/controlplane && go build -o $(CONTROL_PLANE_DIR)/ k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ./etcd

##@ Tools

$(CONTROLLER_GEN):
	GOBIN=$(LOCALBIN)/.tmp go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/.tmp/controller-gen $@

$(KUSTOMIZE):
	GOBIN=$(LOCALBIN)/.tmp go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(LOCALBIN)/.tmp/kustomize $@
