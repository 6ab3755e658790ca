#!/usr/bin/env bash
# bench-tls.sh - lab 10's benchmark: the lab's tls_echo_server against
# OpenSSL's own servers, in the same run, on loopback, with the test CA's
# certificate (bin/grade --make-certs).
#
# usage: bench-tls.sh [--duration SECONDS] [--mib N] DIR
#   DIR holds tls_echo_server (solutions/10-tls, or a student's lab).
#
# Two figures per server: full handshakes per second (openssl s_time -new,
# one connection at a time, against tls_echo_server and openssl s_server),
# and echo throughput in MiB/s (a Python ssl client writes N MiB and reads
# them back at once, against tls_echo_server and socat's OPENSSL-LISTEN
# with cat behind it). Each server is pinned to CPU 0 and its load to CPU 1
# when the machine has two. Before timing, one echo is compared, so that a
# fast wrong answer is never a figure.
set -u

duration=5
mib=64
usage() {
    echo "usage: bench-tls.sh [--duration SECONDS] [--mib N] DIR" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) duration=${2:-}; shift 2 || usage ;;
    --mib) mib=${2:-}; shift 2 || usage ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench-tls.sh: unknown option '$1'" >&2; usage ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || usage
dir=$1
for n in "$duration" "$mib"; do
    case "$n" in
    '' | *[!0-9]* | 0) echo "bench-tls.sh: '$n' is not a positive whole number" >&2; exit 2 ;;
    esac
done
[ -x "$dir/tls_echo_server" ] || { echo "bench-tls.sh: no $dir/tls_echo_server: run make" >&2; exit 2; }
for tool in openssl socat python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench-tls.sh: $tool is missing" >&2; exit 2; }
done
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d) || exit 1
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
"$top/bin/grade" --make-certs "$work/certs" >/dev/null || exit 1
c=$work/certs
pin0='' pin1=''
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    pin0='taskset -c 0' pin1='taskset -c 1'
fi
port=$((20000 + RANDOM % 20000))

wait_port() { # PORT: until something listens there (5 s at most)
    for _ in $(seq 50); do
        ss -ltn "sport = :$1" | grep -q LISTEN && return 0
        sleep 0.1
    done
    echo "bench-tls.sh: nothing listens on port $1" >&2
    exit 1
}
start() { # PORT COMMAND...: start a server, wait until it listens
    local p=$1
    shift
    $pin0 "$@" >/dev/null 2>&1 &
    pids+=($!)
    wait_port "$p"
}
handshakes() { # PORT: full handshakes per second
    $pin1 openssl s_time -connect "127.0.0.1:$1" -new -time "$duration" -CAfile "$c/ca.pem" \
        2>/dev/null | sed -n 's/.* \([0-9.]*\) connections\/user sec.*/\1/p' | head -1
}
throughput() { # PORT: MiB/s of an echo of $mib MiB
    $pin1 python3 - "$1" "$mib" "$c/ca.pem" <<'PY'
import socket, ssl, sys, threading, time
port, mib, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
chunk = bytes(range(256)) * 256
total = mib * 1024 * 1024
got = [0]
def reader():
    while got[0] < total:
        data = s.recv(1 << 16)
        if not data:
            break
        got[0] += len(data)
t0 = time.monotonic()
r = threading.Thread(target=reader)
r.start()
for _ in range(total // len(chunk)):
    s.sendall(chunk)
r.join()
elapsed = time.monotonic() - t0
print(f"{total / 1048576 / elapsed:.0f}" if got[0] == total else "lost bytes")
PY
}
check_echo() { # PORT: one echo, compared
    local got
    got=$(printf 'bench\n' | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$1" \
        -CAfile "$c/ca.pem" -verify_return_error -servername localhost 2>/dev/null | head -c 6)
    [ "$got" = "bench" ] || { echo "bench-tls.sh: port $1 does not echo" >&2; exit 1; }
}

p1=$port p2=$((port + 1)) p3=$((port + 2))
start "$p1" "$dir/tls_echo_server" --chain "$c/intermediate.pem" "$p1" "$c/server.pem" "$c/server.key"
start "$p2" openssl s_server -quiet -accept "$p2" -cert "$c/server.pem" -cert_chain "$c/intermediate.pem" -key "$c/server.key"
start "$p3" socat "OPENSSL-LISTEN:$p3,reuseaddr,fork,cert=$c/server-chain.pem,key=$c/server.key,verify=0" EXEC:cat
check_echo "$p1"
check_echo "$p3"
echo "bench-tls: $duration s per figure, ECDSA P-256 certificate, $(openssl version)"
printf '%-38s %14s %12s\n' server "handshakes/s" "echo MiB/s"
printf '%-38s %14s %12s\n' "tls_echo_server ($dir)" "$(handshakes "$p1")" "$(throughput "$p1")"
printf '%-38s %14s %12s\n' "openssl s_server" "$(handshakes "$p2")" "-"
printf '%-38s %14s %12s\n' "socat OPENSSL-LISTEN + cat" "-" "$(throughput "$p3")"
