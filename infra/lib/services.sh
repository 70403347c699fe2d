# shellcheck shell=bash
# infra/lib/services.sh - PostgreSQL and Redis for infra/run and infra/test.
#
# Source it, then call:
#   services_up [DB...]       find or start PostgreSQL + Redis, create the
#                             role `xiaodai` and the databases DB... (default
#                             `xiaodai`), export DATABASE_URL (first DB),
#                             REDIS_URL and XIAODAI_SERVICES_MODE, and install
#                             an EXIT/INT/TERM trap that calls services_down.
#   services_reset_db DB      drop and recreate DB (owned by xiaodai) and point
#                             DATABASE_URL at it; does nothing when the
#                             PostgreSQL came from the user's DATABASE_URL.
#   services_db_url DB        print the URL of database DB.
#   services_down             stop the private instances this shell started
#                             (never a server it did not start). Idempotent.
#
# Where the services come from, per service, first match wins:
#   1. existing: DATABASE_URL / REDIS_URL are set and answer -> used as they are.
#   2. local standard ports: PostgreSQL on 127.0.0.1:5432 (reachable as a
#      superuser) / Redis on 127.0.0.1:6379.
#   3. private: Debian packages installed if missing, instances started under
#      target/services/ on free ports, stopped on exit.
# XIAODAI_PRIVATE_SERVICES=1 skips 1 and 2.
#
# Call services_up from the main shell (not in $(...) or a pipeline), or the
# exports and the trap are lost.

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -n "${XD_SERVICES_LOADED:-}" ]]; then
  return 0
fi
XD_SERVICES_LOADED=1

XD_DB_ROLE="xiaodai"
XD_DB_PASSWORD="xiaodai" # fixed local development password, printed on purpose
XD_SVC_USER="xiaodai-svc"
XD_SERVICES_DIR="${XD_ROOT}/target/services"
XD_PG_PORT_BASE=55432
XD_REDIS_PORT_BASE=56379
XD_READY_SECONDS=60

XD_PG_MODE=""    # existing | local | private
XD_REDIS_MODE="" # existing | local | private
XD_PG_PORT=""    # local/private: port on 127.0.0.1
XD_REDIS_PORT=""
XD_PG_ADMIN=()    # command prefix running psql as a PostgreSQL superuser
XD_PRIVATE_DIR="" # target/services/run-PID of this shell, once created
XD_PRIVATE_OWNER=""

# ---------------------------------------------------------------- probes ---

# Hides the password of a URL: scheme://user:secret@host -> scheme://user:***@host
xd_mask_url() {
  # shellcheck disable=SC2001
  sed -E 's#^([a-zA-Z][a-zA-Z0-9+.-]*://[^/?#@:]*):[^/?#@]*@#\1:***@#' <<<"$1"
}

# Prints "HOST PORT" of a URL (DEFAULT_PORT when none), for the /dev/tcp probe.
xd_url_hostport() {
  local rest="${1#*://}" default_port="$2" host port
  rest="${rest%%[/?#]*}"
  rest="${rest##*@}"
  if [[ "${rest}" == \[* ]]; then
    host="${rest%%]*}"
    host="${host#[}"
    port="${rest#*]}"
    port="${port#:}"
  else
    host="${rest%%:*}"
    port=""
    if [[ "${rest}" == *:* ]]; then
      port="${rest##*:}"
    fi
  fi
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-${default_port}}"
}

# True when something accepts TCP connections on HOST PORT.
xd_tcp_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# True when the PostgreSQL behind URL accepts connections.
xd_pg_answers_url() {
  if xd_have pg_isready; then
    pg_isready -q -t 3 -d "$1" >/dev/null 2>&1
  else
    local hp
    hp="$(xd_url_hostport "$1" 5432)"
    # shellcheck disable=SC2086
    xd_tcp_open ${hp}
  fi
}

# True when PostgreSQL accepts connections on 127.0.0.1:PORT.
xd_pg_answers() {
  if xd_have pg_isready; then
    pg_isready -q -t 3 -h 127.0.0.1 -p "$1" >/dev/null 2>&1
  else
    xd_tcp_open 127.0.0.1 "$1"
  fi
}

# True when the Redis behind URL answers PING.
xd_redis_answers_url() {
  if xd_have redis-cli; then
    [[ "$(timeout 5 redis-cli --no-auth-warning -u "$1" ping 2>/dev/null)" == "PONG" ]]
  else
    local hp
    hp="$(xd_url_hostport "$1" 6379)"
    # shellcheck disable=SC2086
    xd_tcp_open ${hp}
  fi
}

# True when a Redis on 127.0.0.1:PORT answers PING without a password.
xd_redis_ping() {
  if xd_have redis-cli; then
    [[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == "PONG" ]]
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "PING\r\n" >&3
      IFS= read -r -t 2 line <&3 || exit 1
      [[ "${line}" == "+PONG"* ]]' _ "$1" 2>/dev/null
  fi
}

# Prints the first port >= BASE on which nothing listens on 127.0.0.1.
xd_free_port() {
  local port
  for ((port = $1; port < $1 + 200; port++)); do
    if ! xd_tcp_open 127.0.0.1 "${port}"; then
      printf '%s\n' "${port}"
      return 0
    fi
  done
  xd_warn "no free port in ${1}..$(($1 + 199))"
  return 1
}

# ------------------------------------------------------------ postgresql ---

# Runs psql as the superuser found by xd_pg_find_admin; extra args follow.
xd_pg_admin() {
  "${XD_PG_ADMIN[@]}" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

xd_ensure_psql() {
  if ! xd_have psql; then
    xd_apt_install postgresql-client || return 1
  fi
}

# Finds a way to run psql as a superuser of the server on 127.0.0.1:PORT:
# TCP as `postgres`, then the local socket as the postgres OS user.
xd_pg_find_admin() {
  local port="$1" is_super
  xd_ensure_psql || return 1
  local -a candidates=()
  XD_PG_ADMIN=(env -u PGSERVICE psql -w -h 127.0.0.1 -p "${port}" -U postgres -d postgres)
  is_super="$(xd_pg_admin -c 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null || true)"
  if [[ "${is_super}" == "t" ]]; then
    return 0
  fi
  if id -u postgres >/dev/null 2>&1; then
    if [[ "${EUID}" -eq 0 ]]; then
      candidates=(runuser -u postgres --)
    elif xd_have sudo; then
      if [[ -t 0 ]]; then
        candidates=(sudo -u postgres)
      else
        candidates=(sudo -n -u postgres)
      fi
    fi
  fi
  if [[ "${#candidates[@]}" -gt 0 ]]; then
    XD_PG_ADMIN=(xd_in_root_dir "${candidates[@]}" env -u PGHOST -u PGHOSTADDR -u PGUSER -u PGSERVICE psql -w -p "${port}" -d postgres)
    is_super="$(xd_pg_admin -c 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null || true)"
    if [[ "${is_super}" == "t" ]]; then
      return 0
    fi
  fi
  XD_PG_ADMIN=()
  return 1
}

# Runs a command from / (another OS user may not be able to read our cwd).
xd_in_root_dir() {
  (cd / && "$@")
}

# Creates (or repairs) the LOGIN CREATEROLE CREATEDB role xiaodai/xiaodai
# (CREATEDB: the tenant export/import test restores into a fresh database).
xd_pg_ensure_role() {
  xd_pg_admin <<SQL
DO \$do\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${XD_DB_ROLE}') THEN
    BEGIN
      CREATE ROLE ${XD_DB_ROLE} LOGIN CREATEROLE CREATEDB PASSWORD '${XD_DB_PASSWORD}';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by another run
    END;
  END IF;
END
\$do\$;
ALTER ROLE ${XD_DB_ROLE} WITH LOGIN CREATEROLE CREATEDB PASSWORD '${XD_DB_PASSWORD}';
SQL
}

xd_check_db_name() {
  if [[ ! "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    xd_warn "bad database name '$1' (use a-z, 0-9, _)"
    return 1
  fi
}

xd_pg_create_db_sql() {
  printf "CREATE DATABASE %s OWNER %s ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;\n" \
    "$1" "${XD_DB_ROLE}"
}

# Creates database DB owned by xiaodai unless it exists (then fixes owner).
xd_pg_ensure_db() {
  local db="$1" exists
  xd_check_db_name "${db}" || return 1
  exists="$(xd_pg_admin -c "select 1 from pg_database where datname = '${db}'")" || return 1
  if [[ "${exists}" != "1" ]]; then
    if ! xd_pg_create_db_sql "${db}" | xd_pg_admin 2>/dev/null; then
      # Lost a race with a concurrent run? Then it exists now.
      exists="$(xd_pg_admin -c "select 1 from pg_database where datname = '${db}'")" || return 1
      if [[ "${exists}" != "1" ]]; then
        xd_pg_create_db_sql "${db}" | xd_pg_admin || return 1
      fi
    fi
  fi
  xd_pg_admin -c "ALTER DATABASE ${db} OWNER TO ${XD_DB_ROLE}" || return 1
}

# Prints the URL of database DB (in the existing mode: DATABASE_URL as given).
services_db_url() {
  if [[ "${XD_PG_MODE}" == "existing" ]]; then
    printf '%s\n' "${DATABASE_URL}"
  else
    printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "${XD_DB_ROLE}" "${XD_DB_PASSWORD}" "${XD_PG_PORT}" "$1"
  fi
}

# Drops and recreates DB so a run starts clean, and exports DATABASE_URL for it.
services_reset_db() {
  local db="$1"
  if [[ -z "${XD_PG_MODE}" ]]; then
    xd_warn "services_reset_db: call services_up first"
    return 1
  fi
  if [[ "${XD_PG_MODE}" == "existing" ]]; then
    xd_log "DATABASE_URL given by the user: using it as it is (nothing dropped)"
    return 0
  fi
  xd_check_db_name "${db}" || return 1
  xd_pg_admin -c "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" || return 1
  xd_pg_create_db_sql "${db}" | xd_pg_admin || return 1
  DATABASE_URL="$(services_db_url "${db}")"
  export DATABASE_URL
  xd_log "database ${db} recreated: DATABASE_URL=${DATABASE_URL}"
}

# --------------------------------------------------------- private mode ---

# Start time of process PID (to tell a live owner from a reused PID).
xd_proc_start() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  awk '{print $20}' <<<"${stat}"
}

# True when process PID exists and is not a zombie.
xd_pid_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != "Z" ]]
}

# Runs a command as the OS user that owns the private PostgreSQL.
xd_as_pg_user() {
  local user="$1"
  shift
  if [[ -n "${user}" && "${user}" != "$(id -un)" ]]; then
    xd_in_root_dir runuser -u "${user}" -- "$@"
  else
    "$@"
  fi
}

# Newest /usr/lib/postgresql/N/bin that has the server binaries.
xd_pg_bindir() {
  local dir best=""
  while IFS= read -r dir; do
    if [[ -x "${dir}/initdb" && -x "${dir}/pg_ctl" && -x "${dir}/postgres" ]]; then
      best="${dir}"
    fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  [[ -n "${best}" ]] && printf '%s\n' "${best}"
}

# Stops whatever a private run directory (this run's or a dead run's) started.
xd_private_stop_dir() {
  local dir="$1" data bindir user pid i tmp
  if [[ -f "${dir}/pg.data" ]]; then
    data="$(cat "${dir}/pg.data")"
    bindir="$(cat "${dir}/pg.bindir" 2>/dev/null || true)"
    user="$(cat "${dir}/pg.user" 2>/dev/null || true)"
    if [[ -f "${data}/postmaster.pid" ]]; then
      if [[ -x "${bindir}/pg_ctl" ]]; then
        xd_as_pg_user "${user}" "${bindir}/pg_ctl" -D "${data}" -m fast -w -t 30 stop </dev/null >/dev/null 2>&1 ||
          xd_as_pg_user "${user}" "${bindir}/pg_ctl" -D "${data}" -m immediate -w -t 30 stop </dev/null >/dev/null 2>&1 || true
      fi
      pid="$(head -n1 "${data}/postmaster.pid" 2>/dev/null || true)"
      if [[ "${pid}" =~ ^[0-9]+$ ]] && grep -q postgres "/proc/${pid}/cmdline" 2>/dev/null; then
        kill -KILL "${pid}" 2>/dev/null || true
      fi
    fi
  fi
  if [[ -f "${dir}/pg.tmp" ]]; then
    tmp="$(cat "${dir}/pg.tmp")"
    if [[ "${tmp}" == /tmp/xiaodai-pg.* ]]; then
      rm -rf "${tmp}" # the /tmp fallback directory of this run
    fi
  fi
  if [[ -f "${dir}/redis/redis.pid" ]]; then
    pid="$(cat "${dir}/redis/redis.pid" 2>/dev/null || true)"
    if [[ "${pid}" =~ ^[0-9]+$ ]] && grep -q redis-server "/proc/${pid}/cmdline" 2>/dev/null; then
      kill -TERM "${pid}" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        xd_pid_alive "${pid}" || break
        sleep 0.1
      done
      kill -KILL "${pid}" 2>/dev/null || true
    fi
  fi
  rm -rf "${dir}"
}

# Cleans up run directories whose owning shell is gone (e.g. killed -9).
xd_private_reap_stale() {
  local dir owner pid start
  for dir in "${XD_SERVICES_DIR}"/run-*; do
    [[ -d "${dir}" ]] || continue
    owner="$(cat "${dir}/owner" 2>/dev/null || true)"
    pid="${owner%% *}"
    start="${owner#* }"
    if [[ "${pid}" =~ ^[0-9]+$ && -n "${start}" && "$(xd_proc_start "${pid}" || true)" == "${start}" ]]; then
      continue # its owner still runs
    fi
    xd_log "cleaning up stale private services in ${dir}"
    xd_private_stop_dir "${dir}"
  done
}

# Creates target/services/run-PID for this shell.
xd_private_dir() {
  if [[ -n "${XD_PRIVATE_DIR}" ]]; then
    return 0
  fi
  mkdir -p "${XD_SERVICES_DIR}" || return 1
  xd_private_reap_stale
  local me="${BASHPID}"
  local dir="${XD_SERVICES_DIR}/run-${me}" new="${XD_SERVICES_DIR}/new-${me}"
  # Built under another name and renamed, so that a concurrent run never
  # sees a run-* directory without its owner file.
  rm -rf "${dir}" "${new}"
  mkdir -p "${new}" || return 1
  printf '%s %s\n' "${me}" "$(xd_proc_start "${me}")" >"${new}/owner" || return 1
  chmod 755 "${XD_SERVICES_DIR}" "${new}" || return 1
  mv -T "${new}" "${dir}" || return 1
  XD_PRIVATE_OWNER="${me}"
  XD_PRIVATE_DIR="${dir}"
}

# The OS user that runs the private PostgreSQL: ourselves, or when root the
# unprivileged system user xiaodai-svc (created if missing).
xd_pg_os_user() {
  if [[ "${EUID}" -ne 0 ]]; then
    id -un
    return 0
  fi
  if ! id -u "${XD_SVC_USER}" >/dev/null 2>&1; then
    xd_log "creating system user ${XD_SVC_USER} to run the private PostgreSQL"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "${XD_SVC_USER}" >&2 ||
      id -u "${XD_SVC_USER}" >/dev/null 2>&1 || return 1
  fi
  printf '%s\n' "${XD_SVC_USER}"
}

xd_private_pg_start() {
  local bindir user pgdir data sock port attempt log
  bindir="$(xd_pg_bindir)"
  if [[ -z "${bindir}" ]] || ! xd_have psql; then
    local -a pkgs=()
    [[ -n "${bindir}" ]] || pkgs+=(postgresql)
    xd_have psql || pkgs+=(postgresql-client)
    xd_apt_install "${pkgs[@]}" || return 1
    bindir="$(xd_pg_bindir)"
    [[ -n "${bindir}" ]] || {
      xd_warn "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
      return 1
    }
  fi
  user="$(xd_pg_os_user)" || return 1
  xd_private_dir || return 1

  pgdir="${XD_PRIVATE_DIR}/pg"
  mkdir -p "${pgdir}" || return 1
  chown "${user}:" "${pgdir}" || return 1
  chmod 700 "${pgdir}" || return 1
  # The server user must reach pgdir, and the socket path must stay short.
  if ! xd_as_pg_user "${user}" test -w "${pgdir}" || [[ "${#pgdir}" -gt 80 ]]; then
    rm -rf "${pgdir}"
    pgdir="$(mktemp -d /tmp/xiaodai-pg.XXXXXX)" || return 1
    printf '%s\n' "${pgdir}" >"${XD_PRIVATE_DIR}/pg.tmp"
    chown "${user}:" "${pgdir}" || return 1
    pgdir="${pgdir}/pg"
    xd_as_pg_user "${user}" mkdir -m 700 "${pgdir}" || return 1
  fi
  data="${pgdir}/data"
  sock="${pgdir}/sock"
  log="${pgdir}/postgres.log"
  printf '%s\n' "${data}" >"${XD_PRIVATE_DIR}/pg.data"
  printf '%s\n' "${bindir}" >"${XD_PRIVATE_DIR}/pg.bindir"
  printf '%s\n' "${user}" >"${XD_PRIVATE_DIR}/pg.user"

  xd_as_pg_user "${user}" mkdir -p -m 700 "${sock}" || return 1
  if ! xd_as_pg_user "${user}" "${bindir}/initdb" -D "${data}" -U postgres \
    --auth-local=trust --auth-host=trust -E UTF8 --no-locale --no-sync \
    </dev/null >"${XD_PRIVATE_DIR}/initdb.log" 2>&1; then
    cat "${XD_PRIVATE_DIR}/initdb.log" >&2
    return 1
  fi

  for attempt in 1 2 3; do
    port="$(xd_free_port "$((XD_PG_PORT_BASE + (attempt - 1) * 7))")" || return 1
    # Settings go into the file, which quotes paths safely.
    xd_as_pg_user "${user}" tee -a "${data}/postgresql.conf" >/dev/null <<CONF
# --- xiaodai private instance (infra/lib/services.sh), attempt ${attempt}
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${sock}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    if xd_as_pg_user "${user}" "${bindir}/pg_ctl" -D "${data}" -l "${log}" -w -t "${XD_READY_SECONDS}" start </dev/null >/dev/null 2>&1; then
      break
    fi
    port=""
    xd_warn "private PostgreSQL did not start (attempt ${attempt}); log tail:"
    tail -n 5 "${log}" >&2 2>/dev/null || true
  done
  [[ -n "${port}" ]] || return 1

  local i
  for ((i = 0; i < XD_READY_SECONDS * 5; i++)); do
    xd_pg_answers "${port}" && break
    sleep 0.2
  done
  if ! xd_pg_answers "${port}"; then
    xd_warn "private PostgreSQL on port ${port} is not ready; log tail:"
    tail -n 20 "${log}" >&2 2>/dev/null || true
    return 1
  fi
  XD_PG_PORT="${port}"
  XD_PG_ADMIN=(env -u PGSERVICE psql -w -h 127.0.0.1 -p "${port}" -U postgres -d postgres)
}

xd_private_redis_start() {
  local dir port attempt i pid got
  if ! xd_have redis-server || ! xd_have redis-cli; then
    xd_apt_install redis-server || return 1
  fi
  xd_private_dir || return 1
  dir="${XD_PRIVATE_DIR}/redis"
  mkdir -p "${dir}" || return 1
  for attempt in 1 2 3; do
    port="$(xd_free_port "$((XD_REDIS_PORT_BASE + (attempt - 1) * 7))")" || return 1
    rm -f "${dir}/redis.pid"
    # stdin from /dev/null: redis-server crashes when started with fd 0
    # closed (as under CI without standard input).
    if redis-server --port "${port}" --bind 127.0.0.1 --save "" --appendonly no \
      --daemonize yes --dir "${dir}" --pidfile "${dir}/redis.pid" \
      --logfile "${dir}/redis.log" </dev/null >/dev/null 2>&1; then
      for ((i = 0; i < XD_READY_SECONDS * 5; i++)); do
        pid="$(cat "${dir}/redis.pid" 2>/dev/null || true)"
        if [[ -z "${pid}" && "${i}" -ge 25 ]]; then
          break # no pidfile after 5 s: it died at start
        fi
        if [[ -n "${pid}" ]] && xd_redis_ping "${port}"; then
          # Make sure the server on that port is ours, not a concurrent run's.
          got="$(timeout 5 redis-cli -h 127.0.0.1 -p "${port}" config get dir 2>/dev/null | sed -n 2p)"
          if [[ "${got}" == "${dir}" ]]; then
            XD_REDIS_PORT="${port}"
            return 0
          fi
          break
        fi
        if [[ -n "${pid}" ]] && ! xd_pid_alive "${pid}"; then
          break
        fi
        sleep 0.2
      done
    fi
    xd_warn "private Redis did not start on port ${port} (attempt ${attempt}); log tail:"
    tail -n 5 "${dir}/redis.log" >&2 2>/dev/null || true
    pid="$(cat "${dir}/redis.pid" 2>/dev/null || true)"
    if [[ "${pid}" =~ ^[0-9]+$ ]] && grep -q redis-server "/proc/${pid}/cmdline" 2>/dev/null; then
      kill -KILL "${pid}" 2>/dev/null || true
    fi
  done
  return 1
}

# -------------------------------------------------------------- up/down ---

# Stops the private instances started by this shell. Safe to call twice.
services_down() {
  if [[ -n "${XD_PRIVATE_DIR}" && "${XD_PRIVATE_OWNER}" == "${BASHPID}" ]]; then
    # Silent: the last line of infra/test must stay the test summary.
    xd_private_stop_dir "${XD_PRIVATE_DIR}"
    XD_PRIVATE_DIR=""
  fi
}

xd__services_on_signal() {
  trap - EXIT
  services_down
  exit "$1"
}

xd_services_install_trap() {
  trap 'services_down' EXIT
  trap 'xd__services_on_signal 130' INT
  trap 'xd__services_on_signal 143' TERM
}

xd_mode_name() {
  case "$1" in
    existing) printf 'existing' ;;
    local) printf 'local standard ports' ;;
    private) printf 'private' ;;
  esac
}

services_up() {
  local -a dbs=("$@")
  local db
  if [[ "${#dbs[@]}" -eq 0 ]]; then
    dbs=(xiaodai)
  fi
  for db in "${dbs[@]}"; do
    xd_check_db_name "${db}" || return 1
  done
  XD_PG_MODE=""
  XD_REDIS_MODE=""

  if [[ "${XIAODAI_PRIVATE_SERVICES:-0}" == "1" ]]; then
    if [[ -n "${DATABASE_URL:-}" || -n "${REDIS_URL:-}" ]]; then
      xd_log "XIAODAI_PRIVATE_SERVICES=1: ignoring DATABASE_URL/REDIS_URL from the environment"
    fi
  else
    # 1. what the user gave us
    if [[ -n "${DATABASE_URL:-}" ]]; then
      if xd_pg_answers_url "${DATABASE_URL}"; then
        XD_PG_MODE="existing"
      else
        xd_warn "DATABASE_URL ($(xd_mask_url "${DATABASE_URL}")) does not answer; looking elsewhere"
      fi
    fi
    if [[ -n "${REDIS_URL:-}" ]]; then
      if xd_redis_answers_url "${REDIS_URL}"; then
        XD_REDIS_MODE="existing"
      else
        xd_warn "REDIS_URL ($(xd_mask_url "${REDIS_URL}")) does not answer; looking elsewhere"
      fi
    fi
    # 2. servers on the standard local ports
    if [[ -z "${XD_PG_MODE}" ]] && xd_pg_answers 5432; then
      if xd_pg_find_admin 5432; then
        XD_PG_MODE="local"
        XD_PG_PORT=5432
      else
        xd_warn "PostgreSQL on 127.0.0.1:5432 answers but no superuser access (postgres over TCP or the postgres OS user); starting a private one"
      fi
    fi
    if [[ -z "${XD_REDIS_MODE}" ]] && xd_redis_ping 6379; then
      XD_REDIS_MODE="local"
      XD_REDIS_PORT=6379
    fi
  fi

  # 3. private instances for whatever is still missing
  xd_services_install_trap
  if [[ -z "${XD_PG_MODE}" ]]; then
    xd_private_pg_start || {
      xd_warn "could not start a private PostgreSQL"
      return 1
    }
    XD_PG_MODE="private"
  fi
  if [[ -z "${XD_REDIS_MODE}" ]]; then
    xd_private_redis_start || {
      xd_warn "could not start a private Redis"
      return 1
    }
    XD_REDIS_MODE="private"
  fi

  if [[ "${XD_PG_MODE}" != "existing" ]]; then
    xd_pg_ensure_role || {
      xd_warn "could not create the role ${XD_DB_ROLE}"
      return 1
    }
    for db in "${dbs[@]}"; do
      xd_pg_ensure_db "${db}" || {
        xd_warn "could not create the database ${db}"
        return 1
      }
    done
    DATABASE_URL="$(services_db_url "${dbs[0]}")"
  fi
  if [[ "${XD_REDIS_MODE}" != "existing" ]]; then
    REDIS_URL="redis://127.0.0.1:${XD_REDIS_PORT}"
  fi
  export DATABASE_URL REDIS_URL

  local shown
  if [[ "${XD_PG_MODE}" == "${XD_REDIS_MODE}" ]]; then
    XIAODAI_SERVICES_MODE="${XD_PG_MODE}"
    shown="$(xd_mode_name "${XD_PG_MODE}")"
  else
    XIAODAI_SERVICES_MODE="postgres=${XD_PG_MODE},redis=${XD_REDIS_MODE}"
    shown="$(xd_mode_name "${XD_PG_MODE}") (PostgreSQL) + $(xd_mode_name "${XD_REDIS_MODE}") (Redis)"
  fi
  export XIAODAI_SERVICES_MODE
  if [[ -n "${XD_PRIVATE_DIR}" ]]; then
    shown="${shown}, in ${XD_PRIVATE_DIR#"${XD_ROOT}/"} (stopped on exit)"
  fi
  # Only a URL the user gave can hold a real password: mask those.
  local db_shown="${DATABASE_URL}" redis_shown="${REDIS_URL}"
  [[ "${XD_PG_MODE}" != "existing" ]] || db_shown="$(xd_mask_url "${DATABASE_URL}")"
  [[ "${XD_REDIS_MODE}" != "existing" ]] || redis_shown="$(xd_mask_url "${REDIS_URL}")"
  xd_log "services: ${shown}; DATABASE_URL=${db_shown} REDIS_URL=${redis_shown}"
}
