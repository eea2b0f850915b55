#!/usr/bin/env bash
# Stop what up.sh / up-old.sh started, by the PIDs they recorded (nothing else is touched).
#
#   bash down.sh              # every generation (same as: down.sh all)
#   bash down.sh 22.09 19.09  # only these
#   BAI_PURGE=1 bash down.sh  # also delete the state (databases, golden copies, logs); keep venvs
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

gens=("$@")
if [ ${#gens[@]} = 0 ] || [ "${gens[0]}" = all ]; then gens=(26.09 22.09 19.09); fi

for g in "${gens[@]}"; do
  gen_setup "$g"
  [ -d "$PIDS" ] || continue
  # clients before servers: webserver and agent, then the manager, then what it uses
  for name in webserver agent manager storage-proxy etcd redis; do
    stop_daemon "$name"
  done
  pg_stop
  if [ "${BAI_PURGE:-0}" = 1 ]; then
    rm -rf "$GEN_HOME"
    log "state deleted"
  fi
done
