# The manager's image: a static binary on distroless nonroot, no shell.
# Nothing here runs a Docker engine, so this file is kept conventional (the
# kubebuilder scaffold's shape) rather than clever; `make docker-build`
# builds it where an engine exists.

# Build stage. BUILDPLATFORM/TARGETARCH let `docker buildx` cross-compile
# instead of emulating the target.
FROM --platform=$BUILDPLATFORM golang:1.26 AS builder
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /workspace

# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download

COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/

RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o manager ./cmd

# Run stage: no shell, no package manager, uid 65532.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
