#!/usr/bin/env bash
# Run the integration tests against real Backend.AI servers on loopback:
#   1. start the 26.9.6 stack and the older managers (22.09, 19.09) that this machine can run
#      (a generation whose Python is missing is skipped, with a "SKIP generation ..." line);
#   2. describe them in a JSON file, exported to the tests as BACKENDAI_STACK_INFO;
#   3. $PYTHON -m pytest tests/integration tests/conformance -m "integration or conformance" "$@"
#      (the conformance suite runs on both backends: the FakeManager and these servers);
#   4. stop everything it started, also when the tests fail or the run is interrupted,
#      and exit with pytest's status.
#
#   PYTHON=.venv/bin/python bash tests/integration/run.sh [PYTEST ARGS...]
#
# Settings (environment):
#   PYTHON                  interpreter with backendai_async and pytest installed (default python3)
#   BAI_STACK_HOME          venvs and server state, outside the repo (default /tmp/backendai-async-stack)
#   BAI_STACK_GENERATIONS   which to start (default "26.09 22.09 19.09")
#   BAI_STACK_PORT_BASE     first port (default 28000; a generation uses 100 ports from its base)
#   BAI_STACK_KEEP=1        leave the servers running after the tests (stop: stack/down.sh)
#   BAI_STACK_SCRIPT        run "$PYTHON $BAI_STACK_SCRIPT" instead of pytest (nox -s bench)
#   BAI_STACK_TLS=1         the 26.09 servers speak https (up.sh); pytest runs tests/integration/test_tls.py
#                           only, the other tests speak plain http
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STACK="$HERE/stack"
PYTHON="${PYTHON:-python3}"
export BAI_STACK_HOME="${BAI_STACK_HOME:-/tmp/backendai-async-stack}"
read -r -a GENS <<<"${BAI_STACK_GENERATIONS:-26.09 22.09 19.09}"
INFO="$BAI_STACK_HOME/stack-info.json"

# One run at a time per $BAI_STACK_HOME: a second one would stop the first one's servers.
# (The lock is fd 9; the stack scripts get it closed, so that no server inherits it.)
mkdir -p "$BAI_STACK_HOME"
exec 9>"$BAI_STACK_HOME/run.lock"
if ! flock -n 9; then
  echo "run.sh: another run is using $BAI_STACK_HOME; for a second one set BAI_STACK_HOME and BAI_STACK_PORT_BASE" >&2
  exit 75
fi

T0=$SECONDS
t_up="" t_tests=""
bg_pids=()
say() { printf '[run.sh %4ss] %s\n' "$((SECONDS - T0))" "$*"; }

# shellcheck disable=SC2317  # (runs from the EXIT trap)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${bg_pids[@]}"; do   # start-up jobs still running (an early failure): stop them first
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${BAI_STACK_KEEP:-0}" = 1 ]; then
    say "BAI_STACK_KEEP=1: servers left running (stop with: bash $STACK/down.sh)"
  else
    local s=$SECONDS
    bash "$STACK/down.sh" "${GENS[@]}" >"$BAI_STACK_HOME/down.log" 2>&1 9>&- \
      || say "down.sh reported a problem, see $BAI_STACK_HOME/down.log"
    say "stacks stopped ($((SECONDS - s))s)"
  fi
  say "timings: stack start-up ${t_up:-?}s, tests ${t_tests:-?}s, total $((SECONDS - T0))s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -f "$INFO"
bash "$STACK/prereqs.sh" "${GENS[@]}" 9>&-

# ---------------------------------------------------------------- start the stacks
# The older managers start in the background (each in its own process group, output to a
# file shown afterwards) while the 26.09 stack starts in the foreground.
declare -A state
record() {  # record GEN EXIT-CODE: up, skipped (no interpreter), or fail the run
  case "$2" in
    0) state[$1]=up ;;
    3) state[$1]=skipped ;;
    *) say "generation $1 failed to start (exit $2)"; exit 1 ;;
  esac
}
declare -A job
for g in "${GENS[@]}"; do
  [ "$g" = 26.09 ] && continue
  setsid bash "$STACK/up-old.sh" "$g" >"$BAI_STACK_HOME/up-$g.out" 2>&1 9>&- &
  job[$g]=$!
  bg_pids+=("$!")
done
if [[ " ${GENS[*]} " == *" 26.09 "* ]]; then
  rc=0; bash "$STACK/up.sh" 9>&- || rc=$?
  record 26.09 "$rc"
fi
for g in "${GENS[@]}"; do
  [ -n "${job[$g]:-}" ] || continue
  rc=0; wait "${job[$g]}" || rc=$?
  cat "$BAI_STACK_HOME/up-$g.out"
  record "$g" "$rc"
done
bg_pids=()
t_up=$((SECONDS - T0))

up=() skipped=()
for g in "${GENS[@]}"; do
  if [ "${state[$g]}" = up ]; then up+=("$g"); else skipped+=("$g"); fi
done
say "stacks up in ${t_up}s: ${up[*]:-none}"
[ ${#skipped[@]} = 0 ] || say "SKIPPED generations: ${skipped[*]} (see the SKIP lines above)"
[ ${#up[@]} -gt 0 ] || { say "no generation could start: nothing to test"; exit 1; }

# ---------------------------------------------------------------- describe them
"$PYTHON" - "$BAI_STACK_HOME" "$INFO" "${GENS[@]}" <<'EOF'
import json, pathlib, sys

home, out, requested = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
generations = {}
for gen in ("26.09", "22.09", "19.09"):
    d = home / gen
    if gen not in requested:
        generations[gen] = {"status": "skipped", "reason": "not in BAI_STACK_GENERATIONS"}
    elif (d / "skipped").exists():
        generations[gen] = {"status": "skipped", "reason": (d / "skipped").read_text().strip()}
    else:
        generations[gen] = json.loads((d / "info.json").read_text())
out.write_text(json.dumps({"stack_home": str(home), "generations": generations}, indent=2) + "\n")
EOF
export BACKENDAI_STACK_INFO="$INFO"
say "stack description: $INFO"

# ---------------------------------------------------------------- tests
cd "$REPO"
s=$SECONDS
rc=0
if [ -n "${BAI_STACK_SCRIPT:-}" ]; then   # e.g. a benchmark instead of the tests
  say "running: $BAI_STACK_SCRIPT"
  "$PYTHON" "$BAI_STACK_SCRIPT" || rc=$?
else
  tests=(tests/integration tests/conformance)
  [ "${BAI_STACK_TLS:-0}" = 1 ] && tests=(tests/integration/test_tls.py)
  "$PYTHON" -m pytest "${tests[@]}" -m "integration or conformance" "$@" || rc=$?
fi
t_tests=$((SECONDS - s))
exit "$rc"
