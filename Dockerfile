# The manager's image: a static binary on distroless nonroot, no shell.
# Nothing here runs a Docker engine, so this file is kept conventional (the
# kubebuilder scaffold's shape) rather than clever; `make docker-build`
# builds it where an engine exists.

# Both base images are pinned by digest, so a build takes exactly the bytes
# reviewed here and not whatever a tag points to today; the tag beside each
# digest only says what it is. The digests are multi-arch index digests,
# copied (no registry was reachable where this was written) from public
# GitHub Dockerfiles that pin the same images: golang:1.26@sha256:3aff66...
# is also published as golang:1.26.5, and distroless/static:nonroot@
# sha256:f7f8f7... as static-debian13:nonroot. They must be bumped, for
# security fixes above all: let Renovate's or Dependabot's docker ecosystem
# propose the new digests (both understand tag@digest), and check one by
# hand with `docker buildx imagetools inspect golang:1.26`.
# test/chart (TestDockerfilePinsBaseImagesByDigest) fails on an unpinned FROM.

# Build stage. BUILDPLATFORM/TARGETARCH let `docker buildx` cross-compile
# instead of emulating the target.
FROM --platform=$BUILDPLATFORM golang:1.26@sha256:3aff6657219a4d9c14e27fb1d8976c49c29fddb70ba835014f477e1c70636647 AS builder
ARG TARGETOS=linux
ARG TARGETARCH=amd64
# The manager ships built by Go 1.27.3, as `make build` builds it (see the
# Makefile's GO_TOOLCHAIN): the image's Go fetches that toolchain from the
# module proxy, checked against the Go checksum database, in place of the
# image's own, whose standard library govulncheck flags.
ENV GOTOOLCHAIN=go1.27.3
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
FROM gcr.io/distroless/static:nonroot@sha256:f7f8f729987ad0fdf6b05eeeae94b26e6a0f613bdf46feea7fc40f7bd72953e6
WORKDIR /
COPY --from=builder /workspace/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
