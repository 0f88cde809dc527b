#!/usr/bin/env bash
# Runs every Go fuzz target of the main module for FUZZTIME each (default
# 10s), one at a time (go test fuzzes one target per run), and fails when
# any of them fails. A failing input is written to the package's
# testdata/fuzz/<Target>/ directory: commit it with the fix, and it stays a
# regression test that plain `go test` runs.
#
#   FUZZTIME=1m hack/fuzz.sh               every target for a minute
#   hack/fuzz.sh ./internal/graph          one package's targets
#
# FUZZ_TIMEOUT (default 15m) bounds each run, so a wedged fuzzer fails
# instead of hanging CI; raise it with a long FUZZTIME.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME="${FUZZTIME:-10s}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-15m}"
# No fuzz target needs a control plane; bin/k8s is for a package named on
# the command line whose other tests do.
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$PWD/bin/k8s}"

# Only packages whose tests declare a fuzz target are listed: `go test
# -list` builds and runs a package's test binary.
if [ $# -gt 0 ]; then
	packages=("$@")
else
	mapfile -t packages < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . |
		grep -v -e '^./bin/' -e '^./hack/' -e '^./test/chart/' | xargs -n1 dirname | sort -u)
fi

failed=()
for pkg in "${packages[@]}"; do
	mapfile -t targets < <(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in "${targets[@]}"; do
		echo "=== $pkg $target ($FUZZTIME)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -timeout "$FUZZ_TIMEOUT" "$pkg"; then
			failed+=("$pkg $target")
		fi
	done
done

if [ ${#failed[@]} -gt 0 ]; then
	printf 'Fuzz target failed: %s\n' "${failed[@]}" >&2
	echo "Failing inputs are under each package's testdata/fuzz/; reproduce with: go test -run '<Target>/<file>' <package>" >&2
	exit 1
fi
echo "Every fuzz target passed."
