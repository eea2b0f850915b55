#!/usr/bin/env bash
# Start the real Backend.AI 26.9.6 stack on loopback, without Docker: manager, webserver,
# dummy agent (fake kernels, no containers) and storage proxy (plain "vfs" volume), on
# PostgreSQL, Redis and etcd from Debian (prereqs.sh installs them).
#
#   bash up.sh        # exit 0: up (writes $BAI_STACK_HOME/26.09/info.json)
#                     # exit 3: skipped, no Python 3.13 (prints "SKIP generation 26.09: ...")
#   bash down.sh 26.09
#
# First run ~1.5 min (venv + database); later runs reuse the venv and restore the database
# from its golden copy (~25 s).  BAI_WITH_STORAGE=0 leaves out the storage proxy.
# BAI_STACK_TLS=1: the manager, webserver and storage proxy serve https, with certificates made
# for this run (make_tls in common.sh); the manager and webserver trust their CAs through
# SSL_CERT_FILE, and info.json names the https endpoints and the CA files.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gen_setup 26.09
WITH_STORAGE="${BAI_WITH_STORAGE:-1}"
IMAGE="cr.backend.ai/stable/python:3.9-ubuntu20.04"
VFOLDER_HOST="local:volume1"   # <storage proxy name in etcd>:<[volume.X] in storage-proxy.toml>

PY=$(find_python) || skip "no python$PY_VERSION (pyenv install $PY_VERSION, or set BAI_PYTHON_26_09)"
bash "$STACK_DIR/down.sh" "$GEN" >/dev/null   # whatever an earlier run left behind

STAMP=$(golden_stamp "${BASH_SOURCE[0]}")
have_golden "$STAMP" || purge_state
reset_run_dirs
[ "${BAI_STACK_TLS:-0}" = 1 ] && make_tls
SCHEME=$(scheme)
TRUST=()   # the environment of the daemons that call another one: trust the run's CAs
tls_on && TRUST=(env "SSL_CERT_FILE=$TLS_DIR/bundle.pem")
for bin in "$PG_BIN/initdb" redis-server etcd etcdctl curl; do
  command -v "$bin" >/dev/null || die "$bin is missing: run prereqs.sh"
done

PKGS=(backend.ai-manager backend.ai-webserver backend.ai-agent)
[ "$WITH_STORAGE" = 1 ] && PKGS+=(backend.ai-storage-proxy)
ensure_venv "$PY" "" "${PKGS[@]/%/==$PKG_VERSION}"
BAI="$VENV/bin/backend.ai"

# ---------------------------------------------------------------- configs
cat >"$ETC/manager.toml" <<EOF
[etcd]
namespace = "local"
addr = { host = "127.0.0.1", port = $PORT_ETCD }
user = ""
password = ""

[db]
type = "postgresql"
addr = { host = "127.0.0.1", port = $PORT_PG }
name = "backend"
user = "postgres"
password = "$PG_PASSWORD"
pool-recycle = 50
pool-pre-ping = false

[manager]
num-proc = 1
service-addr = { host = "127.0.0.1", port = $PORT_MANAGER }
internal-addr = { host = "127.0.0.1", port = $PORT_MANAGER_INTERNAL }
$(tls_toml server)
heartbeat-timeout = 40.0
pid-file = "$RUN/manager.pid"
ipc-base-path = "$RUN/ipc-manager"
rpc-auth-manager-keypair = "$GEN_HOME/keys/manager.key_secret"
aiomonitor-termui-port = $PORT_AIOMON
aiomonitor-webui-port = $((PORT_AIOMON + 1))
disabled-plugins = ["overlay"]
hide-agents = true
agent-selection-resource-priority = ["cpu", "mem"]

[docker-registry]
ssl-verify = false

[pyroscope]
enabled = false

$LOGGING_TOML

[debug]
enabled = false

[otel]
enabled = false
EOF

cat >"$ETC/alembic.ini" <<EOF
[alembic]
script_location = ai.backend.manager.models:alembic
sqlalchemy.url = postgresql+asyncpg://postgres:$PG_PASSWORD@127.0.0.1:$PORT_PG/backend

[loggers]
keys = root,alembic
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARN
handlers = console
qualname =
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

# Shared config in etcd (under /sorna/local/...): written once, then part of the golden snapshot.
cat >"$ETC/etcd.config.json" <<EOF
{
  "system": {"timezone": "UTC"},
  "redis": {
    "addr": "127.0.0.1:$PORT_REDIS",
    "redis_helper_config": {"socket_timeout": 5.0, "socket_connect_timeout": 2.0, "reconnect_poll_timeout": 0.3}
  },
  "network": {"subnet": {"agent": "0.0.0.0/0", "container": "0.0.0.0/0"}},
  "watcher": {"token": "local-watcher-token"},
  "plugins": {"accelerator": {}, "scheduler": {"fifo": {"num_retries_to_skip": 3}}}
}
EOF
# Storage proxies known to the manager (read once at manager start-up).
cat >"$ETC/etcd.volumes.json" <<EOF
{
  "_types": {"group": "", "user": ""},
  "default_host": "$VFOLDER_HOST",
  "proxies": {"local": {"client_api": "http://127.0.0.1:$PORT_STORAGE_CLIENT",
                        "manager_api": "http://127.0.0.1:$PORT_STORAGE_MANAGER",
                        "secret": "$STORAGE_SECRET", "ssl_verify": "false"}},
  "exposed_volume_info": "percentage"
}
EOF

mgr() { (cd "$RUN" && "$BAI" mgr -f "$ETC/manager.toml" "$@"); }

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
  # the role presets are rendered from files in the package: no database needed, so meanwhile
  mkdir -p "$RUN/rbac/fixtures/manager"
  mgr permissions emit --repository "$RUN/rbac" >"$LOGS/build-emit.log" 2>&1 &
  emit=$!
  # ZeroMQ CURVE keypairs for manager <-> agent RPC (what `mgr generate-rpc-keypair` writes)
  mkdir -p "$GEN_HOME/keys"
  step "$VENV/bin/python" -c 'import sys, zmq.auth
for name in ("manager", "agent"): zmq.auth.create_certificates(sys.argv[1], name)' "$GEN_HOME/keys"
  # shared config in etcd (/sorna/local/...), what `mgr etcd put-json` would write
  etcd_put_json /sorna/local/config "$ETC/etcd.config.json"
  etcd_put_json /sorna/local/volumes "$ETC/etcd.volumes.json"
  step mgr schema oneshot -f "$ETC/alembic.ini"
  log "schema created ($((SECONDS - s))s)"
  # Our own minimal fixture for the 26.9 schema (the upstream example fixtures do not load).
  step mgr fixture populate "$STACK_DIR/fixtures/base-26.09.json"
  wait "$emit" || die "permissions emit failed" "$LOGS/build-emit.log"
  step mgr fixture populate "$RUN/rbac/fixtures/manager/example-role-presets.json"
  step mgr permissions provision
  step psql_ -d backend -q -f "$STACK_DIR/fixtures/image-26.09.sql"
  (cd "$RUN" && step "$VENV/bin/python" "$STACK_DIR/fixtures/provision-26.09.py" "$ETC/manager.toml")
  save_golden "$STAMP"
  log "database built ($((SECONDS - s))s)"
fi
if tls_on; then   # (the golden etcd names the storage proxy over http: this run only, https, verified)
  for api in client_api:$PORT_STORAGE_CLIENT manager_api:$PORT_STORAGE_MANAGER; do
    etcdctl_ put "/sorna/local/volumes/proxies/local/${api%:*}" "https://127.0.0.1:${api#*:}" >/dev/null
  done
  etcdctl_ put /sorna/local/volumes/proxies/local/ssl_verify true >/dev/null
fi

# ---------------------------------------------------------------- storage proxy
# Started first and in the background: it needs only etcd and Redis, and comes up while the
# manager imports.  The config must sit in its working directory and the prometheus dir must
# be absolute (the proxy chdir()s to the config's directory after creating it relatively).
if [ "$WITH_STORAGE" = 1 ]; then
  SP="$GEN_HOME/storage"; mkdir -p "$SP/vfroot/volume1" "$SP/ipc"
  echo 3 >"$SP/vfroot/volume1/version.txt"   # current (v3) vfolder layout
  cat >"$SP/storage-proxy.toml" <<EOF
[etcd]
namespace = "local"
addr = { host = "127.0.0.1", port = $PORT_ETCD }
user = ""
password = ""

[storage-proxy]
node-id = "i-storage-proxy-01"
num-proc = 1
pid-file = "$SP/storage-proxy.pid"
ipc-base-path = "$SP/ipc"
event-loop = "uvloop"
scandir-limit = 1000
max-upload-size = "100g"
secret = "local-storage-jwt-secret"
session-expire = "1d"
use-watcher = false
aiomonitor-termui-port = $((PORT_AIOMON + 4))
aiomonitor-webui-port = $((PORT_AIOMON + 5))

[api.client]
service-addr = { host = "127.0.0.1", port = $PORT_STORAGE_CLIENT }
$(tls_toml storage)

[api.manager]
service-addr = { host = "127.0.0.1", port = $PORT_STORAGE_MANAGER }
internal-addr = { host = "127.0.0.1", port = $PORT_STORAGE_INTERNAL }
announce-addr = { host = "127.0.0.1", port = $PORT_STORAGE_MANAGER }
$(tls_toml storage)
secret = "$STORAGE_SECRET"

[debug]
enabled = false

[pyroscope]
enabled = false

[otel]
enabled = false

$LOGGING_TOML

[volume.volume1]
backend = "vfs"
path = "$SP/vfroot/volume1"
EOF
  port_free "$PORT_STORAGE_CLIENT" "$PORT_STORAGE_MANAGER" "$PORT_STORAGE_INTERNAL"
  start_daemon storage-proxy "$SP" \
    env BACKENDAI_PROMETHEUS_DIR="$SP/run/prometheus" "$BAI" storage start-server -f "$SP/storage-proxy.toml"
fi

# ---------------------------------------------------------------- manager
port_free "$PORT_MANAGER" "$PORT_MANAGER_INTERNAL"
# (`mgr -f X start-server` ignores the group-level -f: start-server takes its own)
start_daemon manager "$RUN" "${TRUST[@]}" "$BAI" mgr start-server -f "$ETC/manager.toml"

# ---------------------------------------------------------------- dummy agent
AG="$GEN_HOME/agent"; mkdir -p "$AG"
cat >"$AG/agent.toml" <<EOF
[etcd]
namespace = "local"
addr = { host = "127.0.0.1", port = $PORT_ETCD }
user = ""
password = ""

[agent]
backend = "dummy"
id = "i-dummy-01"
rpc-listen-addr = { host = "127.0.0.1", port = $PORT_AGENT_RPC }
service-addr = { host = "127.0.0.1", port = $PORT_AGENT_SERVICE }
agent-sock-port = $PORT_AGENT_SOCK
metadata-server-bind-host = "127.0.0.1"
metadata-server-port = $PORT_AGENT_METADATA
aiomonitor-termui-port = $((PORT_AIOMON + 2))
aiomonitor-webui-port = $((PORT_AIOMON + 3))
ssl-enabled = false
initial-resource-group-name = "default"
pid-file = "$AG/agent.pid"
ipc-base-path = "$AG/ipc"
var-base-path = "$AG/var"
image-commit-path = "$AG/commit"
mount-path = "$AG/vfroot"
rpc-auth-manager-public-key = "$GEN_HOME/keys/manager.key"
rpc-auth-agent-keypair = "$GEN_HOME/keys/agent.key_secret"

[container]
port-range = [$PORT_CONTAINERS, $((PORT_CONTAINERS + 9))]
kernel-uid = -1
kernel-gid = -1
bind-host = "127.0.0.1"
sandbox-type = "docker"
scratch-type = "hostdir"
scratch-root = "$AG/scratches"
scratch-size = "1G"

[pyroscope]
enabled = false

$LOGGING_TOML

[resource]
reserved-cpu = 0
reserved-mem = "0"
reserved-disk = "0"
allocation-order = ["cpu", "mem"]
affinity-policy = "INTERLEAVED"

[debug]
enabled = false

[otel]
enabled = false
EOF
# The dummy backend reads ./agent.dummy.toml from its working directory: short fake delays,
# 4 CPUs and 8 GiB to hand out, and a code runner that does nothing (execute answers 500).
cat >"$AG/agent.dummy.toml" <<'EOF'
[agent.delay]
scan-image = 0.1
pull-image = 0.1
push-image = 0.1
purge-images = 0.1
destroy-kernel = 0.1
clean-kernel = 0.1
create-network = 0.1
destroy-network = 0.1

[agent.image]
already-have = []
need-to-pull = []
missing = []

[agent.resource.cpu]
num-core = 4

[agent.resource.memory]
size = 8589934592

[kernel-creation-ctx.delay]
prepare-scratch = 0.1
prepare-ssh = 0.1
spawn = 0.1
start-container = 0.5
mount-krunner = 0.1

[kernel]
use-fake-code-runner = true

[kernel.delay]
check-status = 0.1
get-completions = 0.1
get-logs = 0.1
interrupt-kernel = 0.1
start-service = 0.1
start-model-service = 0.1
shutdown-service = 0.1
commit = 1.0
get-service-apps = 0.1
accept-file = 0.1
download-file = 0.1
download-single = 0.1
list-files = 0.1
EOF
port_free "$PORT_AGENT_RPC" "$PORT_AGENT_SERVICE" "$PORT_AGENT_SOCK" "$PORT_AGENT_METADATA"
start_daemon agent "$AG" "$BAI" ag start-server -f "$AG/agent.toml"

# ---------------------------------------------------------------- webserver
WEB="$GEN_HOME/web"; mkdir -p "$WEB"
cat >"$WEB/webserver.toml" <<EOF
[service]
ip = "127.0.0.1"
port = $PORT_WEB
$(tls_toml server)
wsproxy.url = ""
mode = "webui"
enable_signup = false
allow_anonymous_change_password = false
allow_project_resource_monitor = false
allow_change_signin_mode = false
allow_manual_image_name_for_session = false
allow_signup_without_confirmation = false
always_enqueue_compute_session = false
webui_debug = false
mask_user_info = false
enable_2FA = false
force_2FA = false

[resources]
open_port_to_public = false
allow_non_auth_tcp = false
allow_preferred_port = false
max_cpu_cores_per_container = 64
max_memory_per_container = 64
max_cuda_devices_per_container = 16
max_cuda_shares_per_container = 16
max_shm_per_container = 2
max_file_upload_size = 4294967296

[security]
cookie_secure = $(tls_on && echo true || echo false)

[environments]

[plugin]

[ui]
menu_blocklist = "pipeline"

[api]
domain = "default"
endpoint = "$SCHEME://127.0.0.1:$PORT_MANAGER"
text = "Backend.AI (local)"
ssl_verify = $(tls_on && echo true || echo false)
auth_token_name = "sToken"

[session]
max_age = 604800
flush_on_startup = false
login_block_time = 1200
login_allowed_fail_count = 10
max_count_for_preopen_ports = 10

[session.redis]
addr = "127.0.0.1:$PORT_REDIS"

[webserver]
ipc-base-path = "$WEB/ipc"

$LOGGING_TOML

[debug]
enabled = false

[otel]
enabled = false

[apollo-router]
enabled = false
EOF
port_free "$PORT_WEB"
start_daemon webserver "$WEB" "${TRUST[@]}" "$BAI" web start-server -f "$WEB/webserver.toml"

# ---------------------------------------------------------------- readiness
# All four start at once (their start-up is mostly imports); now wait for each.
if [ "$WITH_STORAGE" = 1 ]; then
  WAIT_PID=storage-proxy wait_for 90 "storage proxy" ready storage-proxy
fi
WAIT_PID=manager wait_for 120 manager ready manager
# The agent registers through etcd and the manager's RPC; ready once the manager has it ALIVE.
WAIT_PID=agent wait_for 120 "agent (ALIVE)" ready agent
WAIT_PID=webserver wait_for 60 webserver ready webserver

# ---------------------------------------------------------------- what is running
hello=$(curl_ -sf "$SCHEME://127.0.0.1:$PORT_MANAGER/")
cat >"$GEN_HOME/info.json" <<EOF
{
  "status": "up",
  "package_version": "$PKG_VERSION",
  "hello": $hello,
  "endpoint": "$SCHEME://127.0.0.1:$PORT_MANAGER",
  "webserver_port": $PORT_WEB,
  "webserver": "$SCHEME://127.0.0.1:$PORT_WEB",
  "storage_proxy": $([ "$WITH_STORAGE" = 1 ] && echo "\"$SCHEME://127.0.0.1:$PORT_STORAGE_CLIENT\"" || echo null),
  "tls": $(tls_on && printf '{"ca": "%s", "storage_ca": "%s", "bundle": "%s"}' "$TLS_DIR/ca.pem" \
    "$TLS_DIR/storage-ca.pem" "$TLS_DIR/bundle.pem" || echo null),
  "vfolder_host": $([ "$WITH_STORAGE" = 1 ] && echo "\"$VFOLDER_HOST\"" || echo null),
  "image": "$IMAGE",
  "logs": {
    "manager": "$LOGS/manager.log",
    "webserver": "$LOGS/webserver.log",
    "agent": "$LOGS/agent.log"$([ "$WITH_STORAGE" = 1 ] && printf ',\n    "storage-proxy": "%s"' "$LOGS/storage-proxy.log")
  },
  "users": $(users_json)
}
EOF
log "up: $hello"
