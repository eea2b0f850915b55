# shellcheck shell=bash disable=SC2034  # (sets variables for the scripts that source it)
# Shared settings and helpers for the stack scripts (sourced, not run).
#
# Layout under $BAI_STACK_HOME (outside the repository; delete it to start from nothing):
#   venvs/<gen>/   server virtualenvs, kept between runs (the slow part to build)
#   tools/         uv, used to install the server packages quickly; uv-cache/ its downloads
#   <gen>/         state of one generation: pg/ (data, incl. the "golden" template DB),
#                  golden/ (etcd snapshot + stamp), logs/, pids/, etc/, run/, ...
#   stack-info.json  what run.sh found running (exported to the tests as BACKENDAI_STACK_INFO)
#
# Generations: 26.09 (manager 26.9.6 + webserver + dummy agent + storage proxy),
#              22.09 and 19.09 (older managers only, for version negotiation).
# Every daemon listens on 127.0.0.1 only, on ports BASE+offset (see gen_setup).

BAI_STACK_HOME="${BAI_STACK_HOME:-/tmp/backendai-async-stack}"
BAI_STACK_PORT_BASE="${BAI_STACK_PORT_BASE:-28000}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PASSWORD="develove"
STORAGE_SECRET="local-storage-manager-secret"   # manager <-> storage proxy shared secret
STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKIP_EXIT=3   # exit status of an up script that skipped its generation (missing interpreter)

# Public example credentials (the AWS documentation key pair and its siblings); the same
# fixture users exist on every generation.
ADMIN_EMAIL="admin@lablup.com";          ADMIN_PW="wJalrXUt"
ADMIN_AK="AKIAIOSFODNN7EXAMPLE";         ADMIN_SK="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DADMIN_EMAIL="domain-admin@lablup.com";  DADMIN_PW="cWbsM_vB"
DADMIN_AK="AKIAHUKCHDEZGEXAMPLE";        DADMIN_SK="cWbsM_vBB4CzTW7JdORRMx8SjGI3-wEXAMPLEKEY"
USER_EMAIL="user@lablup.com";            USER_PW="C8qnIo29"
USER_AK="AKIANABBDUSEREXAMPLE";          USER_SK="C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf"

# The [logging] tables of every server config: INFO and up from Backend.AI, plain text to stdout
# (which start_daemon sends to $LOGS/<daemon>.log).
LOGGING_TOML='[logging]
level = "INFO"
drivers = ["console"]

[logging.console]
colored = false
format = "simple"

[logging.pkg-ns]
"" = "WARNING"
"aiohttp" = "INFO"
"ai.backend" = "INFO"'

users_json() {  # the "users" object of a generation's info.json
  local role email pw ak sk sep=""
  printf '{'
  while read -r role email pw ak sk; do
    printf '%s\n    "%s": {"email": "%s", "password": "%s", "access_key": "%s", "secret_key": "%s"}' \
      "$sep" "$role" "$email" "$pw" "$ak" "$sk"
    sep=","
  done <<EOF
superadmin $ADMIN_EMAIL $ADMIN_PW $ADMIN_AK $ADMIN_SK
domain_admin $DADMIN_EMAIL $DADMIN_PW $DADMIN_AK $DADMIN_SK
user $USER_EMAIL $USER_PW $USER_AK $USER_SK
EOF
  printf '\n  }'
}

# gen_setup KEY: the generation's package, Python, directories and ports.
gen_setup() {
  GEN=$1
  local slot
  case "$GEN" in
    26.09) slot=0; PKG_VERSION=26.9.6;  PY_VERSION=3.13 ;;
    22.09) slot=1; PKG_VERSION=22.9.23; PY_VERSION=3.10 ;;
    19.09) slot=2; PKG_VERSION=19.9.27; PY_VERSION=3.6 ;;
    *) echo "unknown generation '$GEN' (known: 26.09 22.09 19.09)" >&2; return 2 ;;
  esac
  GEN_HOME="$BAI_STACK_HOME/$GEN"
  VENV="$BAI_STACK_HOME/venvs/$GEN"
  LOGS="$GEN_HOME/logs"; PIDS="$GEN_HOME/pids"; ETC="$GEN_HOME/etc"; RUN="$GEN_HOME/run"
  GOLDEN="$GEN_HOME/golden"; PGDATA="$GEN_HOME/pg/data"
  TLS_DIR="$RUN/tls"   # certificates of a run with BAI_STACK_TLS=1 (see make_tls)
  # The manager builds an aiodocker client at start-up, which asserts that a Docker host is
  # configured; nothing needs to listen there.
  export DOCKER_HOST="unix://$RUN/no-docker.sock"
  local p=$((BAI_STACK_PORT_BASE + 100 * slot))
  PORT_WEB=$p
  PORT_MANAGER=$((p + 1));        PORT_MANAGER_INTERNAL=$((p + 2))
  PORT_PG=$((p + 3));             PORT_REDIS=$((p + 4))
  PORT_ETCD=$((p + 5));           PORT_ETCD_PEER=$((p + 6))
  PORT_AGENT_RPC=$((p + 7));      PORT_AGENT_SERVICE=$((p + 8)); PORT_AGENT_SOCK=$((p + 9))
  PORT_STORAGE_CLIENT=$((p + 10)); PORT_STORAGE_MANAGER=$((p + 11)); PORT_STORAGE_INTERNAL=$((p + 12))
  PORT_AGENT_METADATA=$((p + 13))
  PORT_AIOMON=$((p + 20))         # +20 .. +25: aiomonitor consoles (manager, agent, storage proxy)
  PORT_CONTAINERS=$((p + 50))     # +50 .. +59: the agent's container port range (unused by the dummy)
  T0=${T0:-$SECONDS}
}

log() { printf '[stack %s %4ss] %s\n' "$GEN" "$((SECONDS - T0))" "$*"; }

# die MESSAGE [LOGFILE]: report, show the end of the log that explains it, exit 1.
die() {
  log "ERROR: $1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "---- last 30 lines of $2"; tail -n 30 "$2"; echo "----"
  fi
  exit 1
}

# skip REASON: this generation cannot run on this machine; say so loudly and exit $SKIP_EXIT.
skip() {
  echo "SKIP generation $GEN: $1"
  mkdir -p "$GEN_HOME"
  rm -f "$GEN_HOME/info.json"
  printf '%s\n' "$1" >"$GEN_HOME/skipped"
  exit "$SKIP_EXIT"
}

# find_python: print an interpreter of exactly $PY_VERSION (override: BAI_PYTHON_<gen>, e.g.
# BAI_PYTHON_19_09).  pyenv shims exist even for versions that are not selected, so every
# candidate is run, not just looked up.
find_python() {
  local var="BAI_PYTHON_${GEN//./_}" c
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  for c in ${!var:-} $(printf '%s\n' "$root/versions/$PY_VERSION".*/bin/python3 | sort -V -r) \
           "python$PY_VERSION"; do
    "$c" -c "import sys; sys.exit('%d.%d' % sys.version_info[:2] != '$PY_VERSION')" 2>/dev/null \
      && { echo "$c"; return 0; }
  done
  return 1
}

# ensure_venv PYTHON CONSTRAINTS REQUIREMENT...: the generation's server venv, built once and
# reused while the requirements and constraints stay the same.  uv installs the ~150 server
# wheels in a third of pip's time.  Bytecode is compiled at install time: with
# PYTHONDONTWRITEBYTECODE set, nothing would cache it later and every start would recompile.
ensure_venv() {
  local py=$1 constraints=$2; shift 2
  local want="$*"
  [ -z "$constraints" ] || want="$want $(sha256sum <"$constraints" | cut -c1-16)"
  if [ -f "$VENV/.requirements" ] && [ "$(cat "$VENV/.requirements")" = "$want" ]; then
    log "venv $VENV reused"
    return 0
  fi
  ensure_uv "$py"
  export UV_CACHE_DIR="${UV_CACHE_DIR:-$BAI_STACK_HOME/uv-cache}"   # (venvs hard-link into it)
  log "installing $* into $VENV"
  local s=$SECONDS
  rm -rf "$VENV"
  "$py" -m venv --without-pip "$VENV"
  "$UV" pip install --python "$VENV/bin/python" --quiet \
    ${constraints:+--constraint "$constraints"} "$@" >"$LOGS/pip.log" 2>&1 \
    || die "installing $* failed" "$LOGS/pip.log"
  # (not uv's --compile-bytecode: it cannot drive Python 3.6; some old files do not compile)
  "$VENV/bin/python" -m compileall -q -j 0 "$VENV/lib" >"$LOGS/compileall.log" 2>&1 || true
  echo "$want" >"$VENV/.requirements"
  log "installed in $((SECONDS - s))s"
}

# ensure_uv PYTHON: uv in its own small venv under $BAI_STACK_HOME/tools (needs Python >= 3.8;
# for the 3.6 generation another interpreter, python3, bootstraps it).  The up scripts run in
# parallel: the first one installs it, under a lock, while the others wait.
ensure_uv() {
  UV="$BAI_STACK_HOME/tools/venv/bin/uv"
  mkdir -p "$BAI_STACK_HOME/tools"
  (
    flock 8
    [ -x "$UV" ] && exit 0
    for c in "$1" python3; do
      "$c" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null || continue
      "$c" -m venv "$BAI_STACK_HOME/tools/venv" \
        && "$BAI_STACK_HOME/tools/venv/bin/pip" install -q uv >"$BAI_STACK_HOME/tools/pip.log" 2>&1 \
        && exit 0
      rm -rf "$BAI_STACK_HOME/tools/venv"
    done
    exit 1
  ) 8>"$BAI_STACK_HOME/tools/lock" || die "could not install uv" "$BAI_STACK_HOME/tools/pip.log"
}

# ---------------------------------------------------------------- processes
# A PID file holds "PID START-TIME"; a process counts as ours only while both still match,
# so a recycled PID is never signalled.
proc_start() { ps -o lstart= -p "$1" 2>/dev/null; }
record_pid() { printf '%s %s\n' "$2" "$(proc_start "$2")" >"$PIDS/$1.pid"; }
our_pid() {  # our_pid NAME: print the recorded PID if that process is still alive and not a zombie
  local f="$PIDS/$1.pid" pid started
  [ -f "$f" ] || return 1
  read -r pid started <"$f"
  [ -n "$pid" ] && [ "$(proc_start "$pid")" = "$started" ] \
    && [ "$(ps -o stat= -p "$pid" | cut -c1)" != Z ] && echo "$pid"
}
alive() { our_pid "$1" >/dev/null; }

# start_daemon NAME WORKDIR COMMAND...: run in the background in its own session (setsid),
# output to $LOGS/NAME.log.  Own session because a Backend.AI server that fails to initialise
# calls os.kill(0, SIGINT), which would otherwise hit this script and everything it started.
# The working directory and command are kept in $PIDS/NAME.cmd, for service.sh to start it again.
start_daemon() {
  local name=$1 dir=$2; shift 2
  (cd "$dir" && exec setsid "$@") </dev/null >>"$LOGS/$name.log" 2>&1 &
  record_pid "$name" $!
  { printf 'DAEMON_DIR=%q\n' "$dir"; printf 'DAEMON_CMD=('; printf '%q ' "$@"; printf ')\n'; } >"$PIDS/$name.cmd"
}

# ready NAME: the daemon answers (the probes up.sh and service.sh wait on).
ready() {
  case "$1" in
    manager) curl_ -sf "$(scheme)://127.0.0.1:$PORT_MANAGER/" ;;
    webserver) curl_ -sf "$(scheme)://127.0.0.1:$PORT_WEB/func/" ;;
    storage-proxy) curl_ -sf -H "X-BackendAI-Storage-Auth-Token: $STORAGE_SECRET" \
      "$(scheme)://127.0.0.1:$PORT_STORAGE_MANAGER/volumes" ;;
    agent) PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PORT_PG" -U postgres -d backend -Atc \
      "select status from agents where id='i-dummy-01'" | grep -qx ALIVE ;;
    *) echo "ready: unknown daemon '$1'" >&2; return 2 ;;
  esac
}

# group_alive PGID: some non-zombie process of that process group is left
group_alive() { ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {found = 1} END {exit !found}'; }

# stop_daemon NAME: TERM the daemon's process group, wait up to 30 s, then KILL what is left.
stop_daemon() {
  local name=$1 pid i
  if pid=$(our_pid "$name"); then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do group_alive "$pid" || break; sleep 0.5; done
    if group_alive "$pid"; then
      log "$name (pid $pid) did not stop in 30 s: KILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$PIDS/$name.pid"
}

# wait_for SECONDS WHAT COMMAND...: poll until COMMAND succeeds.  With WAIT_PID=NAME, fail
# at once if that daemon dies (its log is shown).
wait_for() {
  local limit=$1 what=$2 start=$SECONDS; shift 2
  until "$@" >/dev/null 2>&1; do
    if [ -n "${WAIT_PID:-}" ] && ! alive "$WAIT_PID"; then
      die "$what exited during start-up" "$LOGS/$WAIT_PID.log"
    fi
    ((SECONDS - start < limit)) || die "$what not ready after ${limit}s" "${WAIT_PID:+$LOGS/$WAIT_PID.log}"
    sleep 0.3
  done
  log "$what ready ($((SECONDS - start))s)"
}

# step COMMAND...: run one build step, its output appended to $LOGS/build.log.
step() {
  local s=$SECONDS
  "$@" >>"$LOGS/build.log" 2>&1 || die "failed: $*" "$LOGS/build.log"
  echo "== $((SECONDS - s))s: $*" >>"$LOGS/build.log"
}

# port_free PORT...: fail early, and clearly, if something else already listens there.
port_free() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is already in use (another stack? set BAI_STACK_PORT_BASE to move ours)"
    fi
  done
}

# ---------------------------------------------------------------- TLS (BAI_STACK_TLS=1)
# make_tls: two CAs and their server certificates for 127.0.0.1 and localhost, in $TLS_DIR:
# ca.pem signs server.pem (manager, webserver), storage-ca.pem signs storage.pem (storage proxy,
# so that a client can trust one and not the other); bundle.pem holds both CAs.  A run's TLS is
# on while $TLS_DIR/ca.pem exists (reset_run_dirs removes it): the probes then speak https.
make_tls() {
  local name
  mkdir -p "$TLS_DIR"
  for name in ca storage-ca; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 -subj "/CN=backendai-async test $name" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$TLS_DIR/$name.key" -out "$TLS_DIR/$name.pem" 2>>"$LOGS/tls.log"
  done
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" "subjectKeyIdentifier=hash" \
    "authorityKeyIdentifier=keyid:always" >"$TLS_DIR/server.ext"
  for name in server:ca storage:storage-ca; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$TLS_DIR/${name%:*}.key" -out "$TLS_DIR/${name%:*}.csr" 2>>"$LOGS/tls.log"
    openssl x509 -req -in "$TLS_DIR/${name%:*}.csr" -CA "$TLS_DIR/${name#*:}.pem" -CAkey "$TLS_DIR/${name#*:}.key" \
      -CAcreateserial -days 3 -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/${name%:*}.pem" 2>>"$LOGS/tls.log"
  done
  cat "$TLS_DIR/ca.pem" "$TLS_DIR/storage-ca.pem" >"$TLS_DIR/bundle.pem"
  [ -s "$TLS_DIR/server.pem" ] && [ -s "$TLS_DIR/storage.pem" ] || die "could not make the certificates" "$LOGS/tls.log"
}
tls_on() { [ -f "$TLS_DIR/ca.pem" ]; }
scheme() { if tls_on; then echo https; else echo http; fi; }
curl_() { if tls_on; then curl --cacert "$TLS_DIR/bundle.pem" "$@"; else curl "$@"; fi; }
# tls_toml CERT: the ssl-* lines of a server's listening section (CERT: server or storage)
tls_toml() {
  if tls_on; then
    printf 'ssl-enabled = true\nssl-cert = "%s"\nssl-privkey = "%s"' "$TLS_DIR/$1.pem" "$TLS_DIR/$1.key"
  else
    printf 'ssl-enabled = false'
  fi
}

# ---------------------------------------------------------------- PostgreSQL, Redis, etcd
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_() { PGPASSWORD=$PG_PASSWORD PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$PORT_PG" -U postgres -v ON_ERROR_STOP=1 "$@"; }

pg_start() {
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$GEN_HOME/pg"
    echo "$PG_PASSWORD" >"$GEN_HOME/pg/pwfile"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$GEN_HOME/pg"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=scram-sha-256 --pwfile="$GEN_HOME/pg/pwfile" \
      -E UTF8 >"$LOGS/initdb.log" 2>&1 || die "initdb failed" "$LOGS/initdb.log"
  fi
  port_free "$PORT_PG"
  touch "$LOGS/postgres.log"
  [ "$(id -u)" = 0 ] && chown postgres: "$LOGS/postgres.log"
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -w start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT_PG -c unix_socket_directories=$GEN_HOME/pg -c fsync=off" \
    >/dev/null || die "postgres did not start" "$LOGS/postgres.log"
  record_pid postgres "$(head -1 "$PGDATA/postmaster.pid")"
  wait_for 30 postgres psql_ -d postgres -Atc 'select 1'
}

pg_stop() {  # our cluster (its data directory is ours), whether or not its PID file survived
  if [ -f "$PGDATA/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    log "stopped postgres"
  fi
  stop_daemon postgres   # only acts if pg_ctl could not stop it
}

redis_start() {  # in the foreground under setsid, no persistence: every run starts empty
  port_free "$PORT_REDIS"
  start_daemon redis "$RUN" redis-server --bind 127.0.0.1 --port "$PORT_REDIS" --daemonize no \
    --dir "$RUN" --save '' --appendonly no
  WAIT_PID=redis wait_for 15 redis redis-cli -p "$PORT_REDIS" ping
}

etcdctl_() { ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$PORT_ETCD" "$@"; }

# etcd_start: a fresh data directory every run, restored from the golden snapshot if there is one.
etcd_start() {
  local name="bai${GEN//./}" peer="http://127.0.0.1:$PORT_ETCD_PEER"
  rm -rf "$GEN_HOME/etcd"
  if [ -f "$GOLDEN/etcd.db" ]; then
    etcdctl_ snapshot restore "$GOLDEN/etcd.db" --data-dir "$GEN_HOME/etcd" --name "$name" \
      --initial-cluster "$name=$peer" --initial-advertise-peer-urls "$peer" >"$LOGS/etcd-restore.log" 2>&1 \
      || die "etcd snapshot restore failed" "$LOGS/etcd-restore.log"
  fi
  port_free "$PORT_ETCD" "$PORT_ETCD_PEER"
  start_daemon etcd "$RUN" etcd --name "$name" --data-dir "$GEN_HOME/etcd" \
    --listen-client-urls "http://127.0.0.1:$PORT_ETCD" --advertise-client-urls "http://127.0.0.1:$PORT_ETCD" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "$name=$peer"
  WAIT_PID=etcd wait_for 30 etcd etcdctl_ endpoint health
}

# etcd_put_json PREFIX FILE: write a JSON document under PREFIX as one key per leaf.
etcd_put_json() {
  local key value
  "$VENV/bin/python" "$STACK_DIR/fixtures/etcd-leaves.py" "$1" "$2" >"$RUN/leaves.tsv" \
    || die "cannot read $2"
  while IFS=$'\t' read -r key value; do
    step etcdctl_ put "$key" "$value"
  done <"$RUN/leaves.tsv"
}

# ---------------------------------------------------------------- golden state
# The first run builds the database and the etcd config (schema, fixtures: ~40 s), then keeps
# them as a template database "backend_golden" and an etcd snapshot.  Every run starts from a
# copy of that, so each test run sees the same clean server state and starts in seconds.
# STAMP identifies what built it (versions + the scripts and fixtures); a change rebuilds it.
golden_stamp() {  # golden_stamp UP-SCRIPT (the ports are in the etcd config, hence the base)
  { cat "$STACK_DIR"/common.sh "$STACK_DIR"/fixtures/* "$1"; echo "$BAI_STACK_PORT_BASE"; } | sha256sum | cut -c1-16
}

have_golden() {  # have_golden STAMP
  [ -f "$GOLDEN/stamp" ] && [ "$(cat "$GOLDEN/stamp")" = "$1" ] && [ -f "$PGDATA/PG_VERSION" ]
}

# Forget all state of this generation (the venv stays).
purge_state() { rm -rf "$GEN_HOME"; mkdir -p "$GEN_HOME"; chmod 755 "$GEN_HOME"; }

# save_golden STAMP: snapshot etcd and copy the database (no connections to it may be open).
save_golden() {
  mkdir -p "$GOLDEN"
  etcdctl_ snapshot save "$GOLDEN/etcd.db" >"$LOGS/etcd-snapshot.log" 2>&1 \
    || die "etcd snapshot failed" "$LOGS/etcd-snapshot.log"
  psql_ -d postgres -qc 'drop database if exists backend_golden' -c 'create database backend_golden template backend'
  echo "$1" >"$GOLDEN/stamp"
  log "golden state saved (template DB backend_golden, etcd snapshot)"
}

restore_golden_db() {
  psql_ -d postgres -qc 'drop database if exists backend' -c 'create database backend template backend_golden'
  log "database reset from the golden copy"
}

# Fresh per-run directories: logs, PIDs, sockets, scratch space.  Keeps pg/ and golden/.
reset_run_dirs() {
  mkdir -p "$GEN_HOME"; chmod 755 "$GEN_HOME"
  chmod a+x "$BAI_STACK_HOME"   # postgres (runuser) must traverse it
  rm -rf "$LOGS" "$RUN" "$GEN_HOME/agent" "$GEN_HOME/storage" "$GEN_HOME/web" "$GEN_HOME/skipped" \
    "$GEN_HOME/info.json"
  mkdir -p "$LOGS" "$PIDS" "$ETC" "$RUN"
}
