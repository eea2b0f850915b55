#!/usr/bin/env bash
# Start an OLDER real Backend.AI manager on loopback, for version negotiation and auth tests:
#   22.09  backend.ai-manager 22.9.23 on Python 3.10, advertises v6.20220615
#   19.09  backend.ai-manager 19.9.27 on Python 3.6,  advertises v4.20190615 (also accepts v1-v3)
# Manager only (own PostgreSQL, Redis, etcd): no agent, webserver or storage proxy, so no
# compute sessions or vfolder transfers on these.
#
#   bash up-old.sh 22.09   # exit 0: up (writes $BAI_STACK_HOME/22.09/info.json)
#                          # exit 3: skipped, no Python 3.10 ("SKIP generation 22.09: ...")
#   bash down.sh 22.09
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
case "${1:-}" in
  22.09 | 19.09) gen_setup "$1" ;;
  *) echo "usage: up-old.sh 22.09|19.09" >&2; exit 2 ;;
esac

PY=$(find_python) || skip "no python$PY_VERSION (pyenv install $PY_VERSION, or set BAI_PYTHON_${GEN//./_})"
bash "$STACK_DIR/down.sh" "$GEN" >/dev/null   # whatever an earlier run left behind

STAMP=$(golden_stamp "${BASH_SOURCE[0]}")
have_golden "$STAMP" || purge_state
reset_run_dirs
for bin in "$PG_BIN/initdb" redis-server etcd etcdctl curl; do
  command -v "$bin" >/dev/null || die "$bin is missing: run prereqs.sh"
done
if [ "$GEN" = 19.09 ] && [ ! -f /usr/include/snappy-c.h ]; then
  die "libsnappy-dev is missing (python-snappy builds from source on Python 3.6): run prereqs.sh 19.09"
fi

REQS=("backend.ai-manager==$PKG_VERSION")
[ "$GEN" = 19.09 ] && REQS+=(setuptools)   # its alembic imports pkg_resources
ensure_venv "$PY" "$STACK_DIR/constraints/$GEN.txt" "${REQS[@]}"
NS="old${GEN//./}"                                 # etcd namespace
if [ "$GEN" = 19.09 ]; then   # before the monorepo: its own console script, server run as a module
  MGR_CLI=("$VENV/bin/backend.ai-manager")
  MGR_SERVER=("$VENV/bin/python" -m ai.backend.gateway.server)
  EXTRA_KEYS=""
else                          # the `mgr` group loads its config before start-server reads its own -f
  MGR_CLI=("$VENV/bin/backend.ai" mgr)
  MGR_SERVER=("$VENV/bin/backend.ai" mgr -f "$ETC/manager.toml" start-server)
  EXTRA_KEYS="id = \"i-old-${GEN//./}\"
ipc-base-path = \"$RUN/ipc\""
fi

# ---------------------------------------------------------------- configs
cat >"$ETC/manager.toml" <<EOF
[etcd]
namespace = "$NS"
addr = { host = "127.0.0.1", port = $PORT_ETCD }
user = ""
password = ""

[db]
type = "postgresql"
addr = { host = "127.0.0.1", port = $PORT_PG }
name = "backend"
user = "postgres"
password = "$PG_PASSWORD"

[manager]
num-proc = 1
service-addr = { host = "127.0.0.1", port = $PORT_MANAGER }
ssl-enabled = false
heartbeat-timeout = 40.0
pid-file = "$RUN/manager.pid"
hide-agents = true
disabled-plugins = []
aiomonitor-port = $PORT_AIOMON
$EXTRA_KEYS

[docker-registry]
ssl-verify = false

$LOGGING_TOML

[debug]
enabled = false
EOF
# 22.09 runs alembic on asyncpg; the 19.09 schema CLI uses a sync engine (psycopg2).
dialect=postgresql+asyncpg; [ "$GEN" = 19.09 ] && dialect=postgresql
cat >"$RUN/alembic.ini" <<EOF
[alembic]
script_location = ai.backend.manager.models:alembic
sqlalchemy.url = $dialect://postgres:$PG_PASSWORD@127.0.0.1:$PORT_PG/backend

[loggers]
keys = root,sqlalchemy,alembic
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARN
handlers = console
qualname =
[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine
[logger_alembic]
level = INFO
handlers =
qualname = alembic
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic
[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
EOF
cat >"$ETC/etcd.config.json" <<EOF
{
  "system": {"timezone": "UTC"},
  "redis": {"addr": "127.0.0.1:$PORT_REDIS"},
  "docker": {"registry": {"cr.backend.ai": {"": "https://cr.backend.ai", "type": "harbor2", "project": "stable"}}},
  "network": {"subnet": {"agent": "0.0.0.0/0", "container": "0.0.0.0/0"}},
  "watcher": {"token": "local-watcher-token"},
  "plugins": {"accelerator": {}, "scheduler": {"fifo": {"num_retries_to_skip": 3}}}
}
EOF
if [ "$GEN" = 19.09 ]; then   # before the storage proxy, vfolders were host directories
  mkdir -p "$GEN_HOME/vfroot/local"
  echo "{\"_mount\": \"$GEN_HOME/vfroot\", \"_default_host\": \"local\"}" >"$ETC/etcd.volumes.json"
else                          # nothing listens there: no storage proxy runs for this generation
  cat >"$ETC/etcd.volumes.json" <<EOF
{
  "_types": {"group": "", "user": ""},
  "default_host": "local:volume1",
  "proxies": {"local": {"client_api": "http://127.0.0.1:$PORT_STORAGE_CLIENT",
                        "manager_api": "https://127.0.0.1:$PORT_STORAGE_MANAGER",
                        "secret": "no-storage-proxy-here", "ssl_verify": "false"}},
  "exposed_volume_info": "percentage"
}
EOF
fi

# (the schema commands read ./alembic.ini)
mgr() { (cd "$RUN" && "${MGR_CLI[@]}" -f "$ETC/manager.toml" "$@"); }

# ---------------------------------------------------------------- PostgreSQL, Redis, etcd
pg_start
redis_start
etcd_start

# ---------------------------------------------------------------- database: golden copy or build
if have_golden "$STAMP"; then
  restore_golden_db
else
  s=$SECONDS
  log "building the database and etcd config (first run)"
  psql_ -d postgres -qc 'create database backend'
  etcd_put_json "/sorna/$NS/config" "$ETC/etcd.config.json"
  etcd_put_json "/sorna/$NS/volumes" "$ETC/etcd.volumes.json"
  step mgr schema oneshot
  step mgr fixture populate "$STACK_DIR/fixtures/base-$GEN.json"
  save_golden "$STAMP"
  log "database built ($((SECONDS - s))s)"
fi

# ---------------------------------------------------------------- manager
port_free "$PORT_MANAGER" "$PORT_AIOMON"
start_daemon manager "$RUN" "${MGR_SERVER[@]}" -f "$ETC/manager.toml"
WAIT_PID=manager wait_for 120 manager curl -sf "http://127.0.0.1:$PORT_MANAGER/"

hello=$(curl -sf "http://127.0.0.1:$PORT_MANAGER/")
cat >"$GEN_HOME/info.json" <<EOF
{
  "status": "up",
  "package_version": "$PKG_VERSION",
  "hello": $hello,
  "endpoint": "http://127.0.0.1:$PORT_MANAGER",
  "webserver": null,
  "logs": {"manager": "$LOGS/manager.log"},
  "users": $(users_json)
}
EOF
log "up: $hello"
