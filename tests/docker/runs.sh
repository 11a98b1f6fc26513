#!/usr/bin/env bash
# `faultline run` and `faultline env up` on the Docker backend, end to end, on the daemon at
# $FAULTLINE_TEST_DOCKER_HOST (the suite's fixture): the etcd example under faults, the tutorial's
# own image-only layout unchanged, and nothing left on the daemon after Ctrl-C or SIGKILL.
#
#   runs.sh FAULTLINE_BIN etcd|tutorial|interrupt|sigkill
set -euo pipefail
faultline=$1 case_name=$2
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ -n "${FAULTLINE_TEST_DOCKER_HOST:-}" ] || { echo "FAULTLINE_TEST_DOCKER_HOST is not set"; exit 1; }
export DOCKER_HOST=$FAULTLINE_TEST_DOCKER_HOST
socket=${DOCKER_HOST#unix://}
work=$(mktemp -d)
children=()
cleanup() {
  for pid in "${children[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The properties named after the run directory pass in its report.json.
properties_pass() {
  python3 - "$@" <<'PY'
import json, sys
report = json.load(open(sys.argv[1] + "/report.json"))
status = {p["name"]: p["status"] for p in report["properties"]}
wanted = sys.argv[2:]
bad = [f"{name}: {status.get(name, 'missing')}" for name in wanted if status.get(name) != "passed"]
faults = sum(report["faults"].values()) if isinstance(report["faults"], dict) else len(report["faults"])
print(f"faults injected: {faults}")
if bad:
    sys.exit("properties not passing: " + "; ".join(bad))
PY
}

# The tutorial's five properties.
tutorial_properties=("Client can make successful put requests" "Client put requests can fail"
  "Client can make successful get requests" "Client get requests can fail" "Database key values stay consistent")

# How many containers, networks and volumes carry faultline.project=$1.
leftovers() {
  local filter n=0
  filter=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"label": ["faultline.project=" + sys.argv[1]]})))' "$1")
  for kind in "containers/json?all=1&" "networks?" ; do
    n=$((n + $(curl -s --unix-socket "$socket" "http://d/${kind}filters=$filter" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')))
  done
  n=$((n + $(curl -s --unix-socket "$socket" "http://d/volumes?filters=$filter" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Volumes"] or []))')))
  echo "$n"
}

# Waits (bounded: $2 s) until nothing of project $1 is on the daemon.
await_gone() {
  local deadline=$((SECONDS + $2))
  while [ "$(leftovers "$1")" -ne 0 ]; do
    [ $SECONDS -lt $deadline ] || { echo "left on the daemon after $2 s: $(leftovers "$1") things of $1"; return 1; }
    sleep 0.2  # polling the daemon: there is no event to await
  done
}

# Waits (bounded: $3 s) until file $1 holds text $2.
await_text() {
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "no \"$2\" in $1 after $3 s:"; cat "$1"; return 1; }
    sleep 0.2
  done
}

case $case_name in
  etcd)
    # Faults often enough that some requests fail (the two "can fail" properties need them).
    "$faultline" run "$root/examples/etcd" --backend docker --duration 70s --faults all --fault-rate 20 \
      --seed 7 --out "$work/run" --quiet || true
    properties_pass "$work/run" "${tutorial_properties[@]}"
    await_gone etcd 30
    ;;
  tutorial)
    # The layout runs as written: set-up completes, the template comes out of the client image and
    # runs in the clients only (the health checker, a one-shot, holds none), and what the
    # tutorial asserts always holds.
    "$faultline" run "$here/tutorial" --backend docker --duration 45s --faults network,pause,kill --seed 3 \
      --out "$work/run" --quiet || true
    properties_pass "$work/run" "setup completes" "Client can make successful put requests" \
      "Client can make successful get requests" "Database key values stay consistent"
    python3 - "$work/run/events.jsonl" <<'PY'
import json, sys
services = {e["service"] for e in map(json.loads, open(sys.argv[1])) if e.get("type") == "command_started"}
print("commands ran in", sorted(services))
if not services or not services <= {"client1", "client2"}:
    sys.exit("commands must run in client1 and client2 only")
PY
    await_gone tutorial 30
    ;;
  interrupt)
    mkdir -p "$work/proj"
    cat > "$work/proj/compose.yaml" <<'YAML'
services:
  a: {image: "faultline/busybox:test"}
  b: {image: "faultline/busybox:test", depends_on: [a]}
YAML
    "$faultline" env up --backend docker -p fltinterrupt "$work/proj" > "$work/up.log" 2>&1 &
    children+=($!)
    await_text "$work/up.log" "is up" 60
    [ "$(leftovers fltinterrupt)" -gt 0 ]
    kill -INT "${children[0]}"
    status=0
    wait "${children[0]}" || status=$?
    echo "env up ended with status $status after Ctrl-C"
    [ "$status" -eq 130 ] || { cat "$work/up.log"; exit 1; }
    [ "$(leftovers fltinterrupt)" -eq 0 ] || { echo "left after Ctrl-C: $(leftovers fltinterrupt)"; exit 1; }
    ;;
  sigkill)
    mkdir -p "$work/proj"
    cat > "$work/proj/compose.yaml" <<'YAML'
services:
  a: {image: "faultline/busybox:test"}
YAML
    # As its own process group, so that only the runner gets the signal (a terminal would kill
    # the group; the reaper is in a session of its own either way).
    setsid "$faultline" env up --backend docker -p fltsigkill "$work/proj" > "$work/up.log" 2>&1 &
    children+=($!)
    await_text "$work/up.log" "is up" 60
    runner=$(pgrep -f -n "env up --backend docker -p fltsigkill")
    kill -KILL "$runner"
    await_gone fltsigkill 60
    ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
echo "ok: $case_name"
