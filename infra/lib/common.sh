# shellcheck shell=bash
# infra/lib/common.sh - small helpers shared by infra/run and infra/test.
#
# Source it (infra/lib/services.sh does); do not execute it. Every function
# returns non-zero on failure instead of relying on `set -e`, so the library
# also behaves inside a plain `bash -c 'source ...'` harness.

if [[ -n "${XD_COMMON_LOADED:-}" ]]; then
  return 0
fi
XD_COMMON_LOADED=1

# Some programs misbehave when started with stdin closed (redis-server
# crashes), as CI may run us: give this shell /dev/null instead.
if [[ ! -e /dev/fd/0 ]]; then
  exec </dev/null
fi

# Repository root: two levels above this file.
XD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
XD_MIN_RUST="1.85"

xd_log() { printf '[infra] %s\n' "$*" >&2; }
xd_warn() { printf '[infra] warning: %s\n' "$*" >&2; }
xd_die() {
  printf '[infra] error: %s\n' "$*" >&2
  exit 1
}
xd_have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, else through sudo
# (non-interactive when there is no terminal to ask a password on).
xd_as_root() {
  if [[ "${EUID}" -eq 0 ]]; then
    "$@"
  elif xd_have sudo; then
    if [[ -t 0 ]]; then
      sudo "$@"
    else
      sudo -n "$@"
    fi
  else
    xd_warn "not root and sudo is missing; cannot run: $*"
    return 1
  fi
}

# Installs Debian packages (apt-get update once per process, then
# apt-get install -y --no-install-recommends).
XD_APT_UPDATED=0
xd_apt_install() {
  if [[ "$#" -eq 0 ]]; then
    return 0
  fi
  if ! xd_have apt-get; then
    xd_warn "apt-get not found; install these packages by hand: $*"
    return 1
  fi
  xd_log "installing Debian packages: $*"
  if [[ "${XD_APT_UPDATED}" -eq 0 ]]; then
    xd_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    XD_APT_UPDATED=1
  fi
  xd_as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@" || return 1
}

# version_ge A B: true when dotted version A >= B.
xd_version_ge() {
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}

# Makes sure cargo/rustc (>= XD_MIN_RUST) and a C compiler are there.
# Rust itself comes from rustup (Debian 12's rustc is too old); the C
# compiler (needed by crates such as ring) is installed from Debian.
xd_ensure_toolchain() {
  if ! xd_have cargo && [[ -x "${HOME:-/nonexistent}/.cargo/bin/cargo" ]]; then
    PATH="${HOME}/.cargo/bin:${PATH}"
    export PATH
  fi
  if ! xd_have cargo || ! xd_have rustc; then
    xd_warn "cargo/rustc not found. Install Rust ${XD_MIN_RUST} or newer with rustup:"
    xd_warn "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y"
    return 1
  fi
  local version
  version="$(cd "${XD_ROOT}" && rustc --version 2>/dev/null | awk '{print $2}')"
  version="${version%%-*}"
  if [[ -z "${version}" ]] || ! xd_version_ge "${version}" "${XD_MIN_RUST}"; then
    xd_warn "rustc ${version:-?} is too old; Xiaodai needs Rust ${XD_MIN_RUST} or newer (rustup update stable)"
    return 1
  fi
  if ! xd_have cc; then
    xd_apt_install gcc libc6-dev || return 1
  fi
}

# xd_run_foreground CMD [ARG...]
# Runs CMD like `exec` would, but keeps this shell alive so its EXIT trap
# (which stops private services) still runs. INT/TERM/HUP sent to this shell
# are forwarded to CMD (a repeated signal escalates: INT, then TERM, then
# KILL); Ctrl-C in a terminal reaches CMD directly as well. Returns CMD's
# exit status.
XD_CHILD_PID=""
XD_FORWARDED=0
xd__forward() {
  local sig="$1"
  if [[ -z "${XD_CHILD_PID}" ]]; then
    return 0
  fi
  XD_FORWARDED=$((XD_FORWARDED + 1))
  if [[ "${XD_FORWARDED}" -ge 3 ]]; then
    sig=KILL
  elif [[ "${XD_FORWARDED}" -eq 2 ]]; then
    sig=TERM
  fi
  kill -s "${sig}" "${XD_CHILD_PID}" 2>/dev/null || true
}
xd_run_foreground() {
  local saved_traps rc=0 xd_stdin
  saved_traps="$(trap -p INT TERM HUP)"
  XD_FORWARDED=0
  # An asynchronous command of a non-interactive shell starts with SIGINT
  # and SIGQUIT ignored and stdin on /dev/null; undo both (stdin may be
  # closed, as in CI: then /dev/null it is).
  if ! { exec {xd_stdin}<&0; } 2>/dev/null; then
    exec {xd_stdin}</dev/null
  fi
  (
    trap - INT QUIT TERM HUP
    exec "$@" <&"${xd_stdin}" {xd_stdin}<&-
  ) &
  XD_CHILD_PID="$!"
  exec {xd_stdin}<&-
  trap 'xd__forward INT' INT
  trap 'xd__forward TERM' TERM
  trap 'xd__forward HUP' HUP
  while :; do
    rc=0
    wait "${XD_CHILD_PID}" || rc="$?"
    # `wait` also returns when a trapped signal arrives; go on waiting
    # until the child itself has ended.
    if ! kill -0 "${XD_CHILD_PID}" 2>/dev/null; then
      break
    fi
  done
  XD_CHILD_PID=""
  trap - INT TERM HUP
  if [[ -n "${saved_traps}" ]]; then
    eval "${saved_traps}"
  fi
  return "${rc}"
}
