#!/usr/bin/env bash
# Runs govulncheck over the main module against a vulnerability database
# built here from the golang.org/x/vulndb module, because vuln.go.dev is
# not reachable from CI and the Go module proxy is. The database, govulncheck
# and the indexer are pinned by version into bin/ and built only when
# missing, like the Makefile's tools. Exits non-zero (3) when the code calls
# a known vulnerability.
#
# Bump VULNDB_VERSION for newer vulnerability data:
#   go list -m golang.org/x/vulndb@latest
set -euo pipefail
cd "$(dirname "$0")/.."

LOCALBIN="${LOCALBIN:-$PWD/bin}"
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
# govulncheck reads the standard library of the Go that runs it, and a
# govulncheck built by an older Go cannot load a newer one's: one binary
# per Go version.
GOVULNCHECK="$LOCALBIN/govulncheck-$GOVULNCHECK_VERSION-$(go env GOVERSION)"
INDEXDB="$LOCALBIN/indexdb-$VULNDB_VERSION"
VULNDB="$LOCALBIN/vulndb-$VULNDB_VERSION"

if [ ! -x "$GOVULNCHECK" ]; then
	GOBIN="$LOCALBIN/.tmp" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
	mv "$LOCALBIN/.tmp/govulncheck" "$GOVULNCHECK"
fi

if [ ! -f "$VULNDB/index/modules.json" ]; then
	# The vulndb module carries every report as OSV JSON under data/osv;
	# its indexdb command writes them in the v1 layout govulncheck reads
	# (index/db.json, index/modules.json, ID/<id>.json), as vuln.go.dev
	# serves it. (gendb needs a git clone; the module is a zip.)
	src="$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
	if [ ! -d "$src/data/osv" ]; then
		echo "golang.org/x/vulndb@$VULNDB_VERSION has no data/osv (got directory '$src')" >&2
		exit 1
	fi
	if [ ! -x "$INDEXDB" ]; then
		GOBIN="$LOCALBIN/.tmp" go install "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION"
		mv "$LOCALBIN/.tmp/indexdb" "$INDEXDB"
	fi
	rm -rf "$VULNDB.tmp"
	"$INDEXDB" -vulns "$src/data/osv" -out "$VULNDB.tmp"
	mv "$VULNDB.tmp" "$VULNDB"
fi

# The main module's packages, as they ship: test/chart is a module of
# tests only, hack/controlplane builds the test control plane.
"$GOVULNCHECK" -db "file://$VULNDB" ./...
