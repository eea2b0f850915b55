#!/usr/bin/env bash
# Install the Debian packages the stacks need, if any is missing (one apt-get call; apt-get
# update only when the package lists are too old to install from).  The services are not
# enabled: the stack scripts run their own instances on their own ports.
#
#   bash prereqs.sh [GENERATION...]     # 19.09 also needs libsnappy-dev (python-snappy builds from source)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck disable=SC2034  # (read by log)
GEN=prereqs; T0=$SECONDS

need=()
[ -x "$PG_BIN/initdb" ] || need+=(postgresql-15)
command -v redis-server >/dev/null || need+=(redis-server)
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)  # the TLS pass makes its CA and certificates per run
command -v faketime >/dev/null || need+=(faketime)  # libfaketime: the clock-skew tests run a client 20 min behind
case " $* " in *" 19.09 "*) [ -f /usr/include/snappy-c.h ] || need+=(libsnappy-dev) ;; esac
[ ${#need[@]} = 0 ] && { log "Debian packages present"; exit 0; }

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
mkdir -p "$BAI_STACK_HOME"
apt_log="$BAI_STACK_HOME/apt.log"
export DEBIAN_FRONTEND=noninteractive
log "apt-get install ${need[*]}"
if ! $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >"$apt_log" 2>&1; then
  log "apt-get update (package lists too old)"
  $SUDO apt-get update -qq >>"$apt_log" 2>&1 || die "apt-get update failed" "$apt_log"
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$apt_log" 2>&1 \
    || die "apt-get install failed" "$apt_log"
fi
log "installed ${need[*]}"
