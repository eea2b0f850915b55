#!/usr/bin/env bash
# Stop or start one daemon of a running stack, for the fault tests (a restart in the middle of calls).
#
#   bash service.sh 26.09 stop manager     # TERM its process group, wait until it is gone
#   bash service.sh 26.09 start manager    # start it again as up.sh did, wait until it answers
#
# Daemons: manager, webserver, storage-proxy, agent.  The log is appended to, not replaced.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# = 3 ] || { echo "usage: service.sh GENERATION stop|start NAME" >&2; exit 2; }
gen_setup "$1"
action=$2 name=$3
case "$action" in
  stop) stop_daemon "$name" ;;
  start)
    [ -f "$PIDS/$name.cmd" ] || die "no recorded command for $name (was the stack started by up.sh?)"
    alive "$name" && die "$name is already running"
    DAEMON_DIR="" DAEMON_CMD=()
    # shellcheck disable=SC1090
    source "$PIDS/$name.cmd"
    start_daemon "$name" "$DAEMON_DIR" "${DAEMON_CMD[@]}"
    WAIT_PID=$name wait_for 120 "$name" ready "$name"
    ;;
  *) echo "usage: service.sh GENERATION stop|start NAME" >&2; exit 2 ;;
esac
