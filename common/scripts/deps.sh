#!/bin/sh
# deps.sh - make sure the system packages socklab builds with are installed.
#
# usage: deps.sh [--install] WHAT...
#   WHAT is any of: build (compiler libraries), check (unit-test library, the
#   peers used by self-tests (socat, curl), patch for the labs' steps, zip and unzip for
#   the Gradescope self-test), docs (doxygen, graphviz), tools (what the lab
#   guides use by hand: OpenBSD netcat, socat, ss, ps and pgrep, python3; only
#   `make deps` asks for these), fuzz (clang and its libFuzzer runtime, for
#   `make fuzz`), bench (wrk and nginx, for `make bench LAB=08`), browser
#   (Debian's chromium, which lab 08's browser check runs headless).
# Without --install, a missing package is reported with the one command that
# installs it, and the script fails. With --install (what `make` passes), it
# installs missing packages with apt-get when it can: as root, or through sudo
# without a password. It never asks for a password.
set -u

install=0
if [ "${1:-}" = "--install" ]; then
    install=1
    shift
fi

missing=""
need_pc() { # pkg-config module, Debian package
    pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command, Debian package
    command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
for what in "$@"; do
    case "$what" in
    build)
        need_pc openssl libssl-dev
        need_cmd openssl openssl
        need_pc jansson libjansson-dev
        need_pc libxml-2.0 libxml2-dev
        need_pc zlib zlib1g-dev
        ;;
    check)
        need_pc cunit libcunit1-dev
        need_cmd socat socat
        need_cmd curl curl
        need_cmd patch patch
        need_cmd zip zip
        need_cmd unzip unzip
        ;;
    docs)
        need_cmd doxygen doxygen
        need_cmd dot graphviz
        ;;
    bench)
        # make bench LAB=08: wrk as the load, nginx as the yardstick.
        need_cmd wrk wrk
        command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
        ;;
    browser)
        # Lab 08's browser check loads a page from the server in it.
        need_cmd chromium chromium
        ;;
    tools)
        # The guides' `nc` is OpenBSD netcat (`nc -N`); another netcat may
        # own the name nc, so look for this one by its own name.
        need_cmd nc.openbsd netcat-openbsd
        need_cmd socat socat
        need_cmd ss iproute2
        need_cmd pgrep procps
        need_cmd python3 python3
        ;;
    fuzz)
        need_cmd clang clang
        # clang links a fuzzer only with its runtime (libclang_rt.fuzzer).
        if command -v clang >/dev/null 2>&1 &&
            ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' |
            clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
            missing="$missing libclang-rt-14-dev"
        fi
        ;;
    *)
        echo "deps.sh: unknown dependency group '$what' (expected build, check, docs, tools, fuzz, bench or browser)" >&2
        exit 2
        ;;
    esac
done

[ -z "$missing" ] && exit 0

# Each package once, in a stable order.
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
cmd="apt-get install -y --no-install-recommends $missing"

if [ "$install" = 1 ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    else
        sudo="none"
    fi
    if [ "$sudo" != none ]; then
        echo "socklab: installing missing packages: $missing"
        # apt-get and debconf talk a lot even when all goes well ("delaying
        # package configuration, since apt-utils is not installed"): keep
        # what they say, and show it only if the install fails.
        log=$(mktemp "${TMPDIR:-/tmp}/socklab-apt.XXXXXX") || log=/dev/null
        # The package lists may be absent on a fresh machine; refresh them once.
        # A failed refresh is not fatal: the install below says what is wrong.
        {
            $sudo apt-get update -qq || true
            $sudo env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends $missing
        } </dev/null >"$log" 2>&1
        status=$?
        if [ "$status" = 0 ]; then
            [ "$log" = /dev/null ] || rm -f "$log"
            exit 0
        fi
        [ "$log" = /dev/null ] || { cat "$log" >&2; rm -f "$log"; }
        echo "socklab: apt-get could not install: $missing" >&2
    fi
fi

echo "socklab: missing system packages: $missing" >&2
echo "socklab: install them with:" >&2
echo "    sudo $cmd" >&2
exit 1
