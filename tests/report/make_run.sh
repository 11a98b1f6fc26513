#!/usr/bin/env bash
# Makes OUT/runs/ (replacing OUT) for the tests that read real reports: two runs of
# tests/report/failing-template, both failing (exit status 1). The first goes to the default
# runs/<time>-<seed> and starts runs/index.html; the second, OUT/runs/failing, has two timelines,
# faults, and findings against the first.
#   tests/report/make_run.sh FAULTLINE SANDBOX_AGENT OUT
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 FAULTLINE SANDBOX_AGENT OUT" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
faultline=$(realpath "$1")
export FAULTLINE_SANDBOX_AGENT=$(realpath "$2")
rm -rf "$3"
mkdir -p "$3"
cd "$3"
expect_failing_run() {
  local status=0
  "$faultline" run "$here/failing-template" --quiet "$@" || status=$?
  [ "$status" -eq 1 ] || { echo "$0: faultline run $* exited $status, not 1 (a property fails)" >&2; exit 1; }
}
expect_failing_run --duration 3s --timeline 3s --seed 7 --faults none
expect_failing_run --out runs/failing --duration 8s --timeline 4s --seed 42
