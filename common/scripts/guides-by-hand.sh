#!/usr/bin/env bash
# guides-by-hand.sh - run the "try it by hand" commands of the lab guides
# (labs/NN-name/README.md) against the reference solutions, and check that
# they print what the guides say.
#
# usage: common/scripts/guides-by-hand.sh [DIR]
#   DIR is solutions (the default) or labs, at the top of the tree; run
#   `make` first. The tools are those of `make deps` (OpenBSD netcat, socat,
#   ss, pgrep, python3, openssl, curl). Ports: PORT (default 9400) up to PORT+20, which must
#   be free. Everything it starts, it stops. Ends with "N passed, M failed".
set -u

cd "$(dirname "$0")/../.." || exit 2
top=$(pwd)
dir=${1:-solutions}
base=${PORT:-9400}

for tool in nc.openbsd socat ss python3 openssl curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "guides-by-hand: $tool is missing: run make deps" >&2
        exit 2
    fi
done
nc=nc.openbsd
ncx() { # nc in the foreground, never for ever
    timeout 10 nc.openbsd "$@"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/guides-by-hand.XXXXXX") || exit 2
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # name expected actual
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1))
        printf '  ok    %s\n' "$1"
    else
        failed=$((failed + 1))
        printf '  FAIL  %s\n        expected: %q\n        got:      %q\n' "$1" "$2" "$3"
    fi
}
start() { # command... : run in the background, remember its pid
    "$@" </dev/null >>"$work/servers.log" 2>&1 &
    pids+=("$!")
}
stop_last() {
    local last=${pids[${#pids[@]}-1]}
    kill "$last" 2>/dev/null
    wait "$last" 2>/dev/null
    unset 'pids[${#pids[@]}-1]'
}
wait_tcp() { # port: until something listens there (at most 5 s)
    local i
    for i in $(seq 50); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    return 1
}
wait_udp() {
    local i
    for i in $(seq 50); do
        ss -Huln "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    return 1
}
wait_unix() { # @name or a path: until a Unix socket is bound there (at most 5 s)
    local i
    for i in $(seq 50); do
        case $1 in
        @*) ss -Hxl | grep -q " $1 " && return 0 ;;
        *) [ -S "$1" ] && return 0 ;;
        esac
        sleep 0.1
    done
    return 1
}
stop_status() { # stop the last server with SIGTERM; its exit status into $status
    local last=${pids[${#pids[@]}-1]}
    kill "$last" 2>/dev/null
    wait "$last"
    status=$?
    unset 'pids[${#pids[@]}-1]'
}

cd "$work" || exit 2
p=$base

echo "lab 01"
d=$top/$dir/01-tcp-echo
start socat TCP-LISTEN:$p,reuseaddr,fork PIPE
wait_tcp $p
check "client through socat" "$(printf 'one\ntwo\nthree' | od -c)" \
    "$(printf 'one\ntwo\nthree' | "$d/echo_client" localhost $p | od -c)"
head -c 300000 /dev/urandom | tr -d '\n' >long
echo >>long
check "client, a long line" same "$("$d/echo_client" 127.0.0.1 $p <long | cmp - long && echo same)"
stop_last
check "client, refused" "echo_client: connect to 127.0.0.1:$p: Connection refused" \
    "$("$d/echo_client" 127.0.0.1 $p 2>&1)"
start "$nc" -N -l $p
wait_tcp $p
check "client, a server that hangs up" "echo_client: server closed the connection after 0 of 6 bytes" \
    "$(printf 'hello\n' | "$d/echo_client" 127.0.0.1 $p 2>&1 >/dev/null)"
stop_last
start "$d/echo_server" $p
wait_tcp $p
check "nc -N" hello "$(printf 'hello\n' | ncx -N 127.0.0.1 $p)"
head -c 1000000 /dev/urandom >a
ncx -N 127.0.0.1 $p <a >b
check "nc -N, a megabyte" identical "$(cmp a b && echo identical)"
fds=$(ls "/proc/${pids[${#pids[@]}-1]}/fd" | wc -l)
for i in $(seq 200); do printf 'x\n' | ncx -N 127.0.0.1 $p >/dev/null; done
check "no fd leak after 200 clients" "$fds" "$(ls "/proc/${pids[${#pids[@]}-1]}/fd" | wc -l)"
head -c 1000000000 /dev/zero | timeout 0.5 nc.openbsd 127.0.0.1 $p >/dev/null
check "alive after a reset" "still there?" "$(printf 'still there?\n' | ncx -N 127.0.0.1 $p)"
stop_last

echo "lab 02"
p=$((base + 1))
d=$top/$dir/02-framing
start "$d/file_server" $p received
wait_tcp $p
check "upload" "OK DONE 6" "$(printf 'hello.txt|6\nhello\n' | ncx -N 127.0.0.1 $p | tr '\n' ' ' | sed 's/ $//')"
check "slash" "ERR slash in name" "$(printf '../x|3\nabc' | ncx -N 127.0.0.1 $p)"
check "bad size" "ERR bad size" "$(printf 'x| 10\n' | ncx -N 127.0.0.1 $p)"
check "long header" "ERR header too long" "$(head -c 2000 /dev/zero | tr '\0' a | ncx -N 127.0.0.1 $p)"
out=$(printf 'cut.bin|100\nonly ten b' | ncx -N 127.0.0.1 $p | head -n 1)
check "cut upload: OK first" OK "$out"
check "cut upload: nothing left" "hello.txt" "$(ls -A received | tr '\n' ' ' | sed 's/ $//')"
head -c 3M /dev/urandom >big.bin
"$d/file_send" 127.0.0.1 $p big.bin 2>/dev/null
check "file_send" same "$(cmp big.bin received/big.bin && echo same)"
stop_last

echo "lab 03"
p=$((base + 2))
d=$top/$dir/03-udp
start "$d/udp_echo" $p
wait_udp $p
check "nc -u" hello "$(echo hello | ncx -u -w1 127.0.0.1 $p)"
head -c 65507 /dev/urandom >big.bin
check "socat, 65507 bytes" 65507 "$(socat -b 65536 -t 1 - UDP:127.0.0.1:$p <big.bin | wc -c)"
check "an empty datagram" 0 "$(python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1); s.sendto(b"", ("127.0.0.1", int(sys.argv[1]))); print(len(s.recv(65535)))' $p)"
check "udp_ping" "5 sent, 5 received" \
    "$("$d/udp_ping" 127.0.0.1 $p 5 --interval 200 | tail -n 1 | cut -d, -f1-2)"
stop_last
check "udp_ping, refused" "udp_ping: 127.0.0.1:$p: Connection refused" "$("$d/udp_ping" 127.0.0.1 $p 5 2>&1 >/dev/null)"

echo "lab 04"
p=$((base + 3))
d=$top/$dir/04-addressing
check "hostinfo 127.0.0.5" "ipv4 127.0.0.5 -" "$("$d/hostinfo" 127.0.0.5 | tail -n 1)"
"$d/hostinfo" no-such-host.invalid >/dev/null 2>&1
check "hostinfo, no such host" 1 "$?"
"$d/echo_dual" $p echo.sock >dual.log 2>&1 &
pids+=("$!")
wait_tcp $p
check "echo_dual, IPv4" v4 "$(printf 'v4\n' | ncx -N 127.0.0.1 $p)"
check "echo_dual, IPv6" v6 "$(printf 'v6\n' | ncx -N -6 ::1 $p)"
check "echo_dual, nc -U" unix "$(printf 'unix\n' | ncx -N -U echo.sock)"
check "echo_dual, socat" socat "$(printf 'socat\n' | socat - UNIX-CONNECT:echo.sock)"
stop_last
check "echo_dual removes its socket" gone "$([ -e echo.sock ] || echo gone)"
start "$nc" -lk 127.0.0.1 $((p + 1))
start "$nc" -lk 127.0.0.1 $((p + 3))
wait_tcp $((p + 1))
wait_tcp $((p + 3))
check "portscan" "$((p + 1)) open $((p + 3)) open" \
    "$("$d/portscan" 127.0.0.1 $p $((p + 5)) 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
stop_last
stop_last
q=$((p + 9))
start python3 -c 'import socket, sys, time; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(0); time.sleep(60)' $q
wait_tcp $q
start "$nc" 127.0.0.1 $q
sleep 0.3
start "$nc" 127.0.0.1 $q
sleep 0.3
check "a full accept queue" "1 no answer" \
    "$("$d/portscan" 127.0.0.1 $q $q --timeout 500 2>&1 | sed 's/.*closed, //; s/ in .*//')"
stop_last
stop_last
stop_last

echo "lab 05"
p=$((base + 13))
d=$top/$dir/05-select
for prog in echo_select echo_poll echo_epoll; do
    start "$d/$prog" $p
    server=${pids[${#pids[@]}-1]}
    wait_tcp $p
    start "$nc" 127.0.0.1 $p
    start "$nc" 127.0.0.1 $p
    sleep 0.3
    check "$prog: echo" hello "$(printf 'hello\n' | ncx -N 127.0.0.1 $p)"
    # The flags are octal: O_NONBLOCK (04000) is the fourth digit from the right.
    check "$prog: listener O_NONBLOCK" 4 "$(awk '/^flags:/ {print substr($2, length($2) - 3, 1)}' /proc/$server/fdinfo/3)"
    stop_last
    stop_last
    stop_last
done

echo "lab 06"
p=$((base + 14))
d=$top/$dir/06-threads
start "$d/chat_server" $p
wait_tcp $p
(printf 'alice\n'; sleep 1; printf 'hi bob\n'; sleep 1) | ncx -N 127.0.0.1 $p >alice.out &
alice=$!
sleep 0.3
(printf 'bo b\nalice\nbob\n'; sleep 2) | ncx -N 127.0.0.1 $p >bob.out
wait "$alice"
check "chat: alice" "OK alice|* bob joined" "$(tr '\n' '|' <alice.out | sed 's/|$//')"
check "chat: bob" "ERR invalid name|ERR name taken|OK bob|alice: hi bob|* alice left" "$(tr '\n' '|' <bob.out | sed 's/|$//')"
stop_last
start "$d/pool_server" $p
wait_tcp $p
check "pool_server: 9 threads" "9" "$(awk '/^Threads:/ {print $2}' /proc/${pids[${#pids[@]}-1]}/status)"
stop_last
start "$d/fork_server" $p
wait_tcp $p
check "fork_server: echo" hello "$(printf 'hello\n' | ncx -N 127.0.0.1 $p)"
ncx -N 127.0.0.1 $p </dev/null
sleep 0.2
check "fork_server: no zombies" "" "$(ps -o stat= --ppid ${pids[${#pids[@]}-1]} | grep Z)"
stop_last

echo "lab 07"
p=$((base + 15))
d=$top/$dir/07-socketserver
start "$d/tcp_echo" --strategy thread $p
wait_tcp $p
check "tcp_echo --strategy thread: nc -N" hello "$(echo hello | ncx -N 127.0.0.1 $p)"
stop_status
check "tcp_echo: SIGTERM, exit status 0" 0 "$status"
start "$d/udp_echo" $((p + 1))
wait_udp $((p + 1))
check "udp_echo: nc -u" ping "$(echo ping | ncx -u -w1 127.0.0.1 $((p + 1)))"
stop_last
start "$d/unix_echo" @lab07
wait_unix @lab07
check "unix_echo @lab07: socat" hi "$(echo hi | timeout 10 socat - ABSTRACT-CONNECT:lab07)"
stop_last
start "$d/unix_echo" --dgram echo07.sock
wait_unix echo07.sock
check "unix_echo --dgram: socat" hi "$(echo hi | timeout 10 socat - UNIX-SENDTO:echo07.sock,bind=me.sock)"
stop_status
check "unix_echo --dgram: SIGTERM, exit status 0" 0 "$status"
check "unix_echo removes its socket" gone "$([ -e echo07.sock ] || echo gone)"
start "$d/tcp_echo" --strategy pool --threads 1 --queue 1 $p
wait_tcp $p
# Both at once: one for the only worker, one for the queue, though the
# worker may not have taken the first when the second comes.
start "$nc" 127.0.0.1 $p
start "$nc" 127.0.0.1 $p
sleep 0.3
check "a full pool: BUSY" BUSY "$(ncx -N 127.0.0.1 $p </dev/null)"
stop_last
stop_last
stop_status
check "the pool: SIGTERM once its clients left, exit status 0" 0 "$status"
start "$d/tcp_echo" --deny 127.0.0.1 $((p + 1))
wait_tcp $((p + 1))
check "tcp_echo --deny 127.0.0.1: closed without a byte" "" "$(echo hi | ncx -N 127.0.0.1 $((p + 1)))"
stop_last

echo "lab 10"
p=$((base + 18))
d=$top/$dir/10-tls
"$top/bin/grade" --make-certs certs >/dev/null
check "grade --make-certs" yes "$([ -f certs/README.txt ] && [ -f certs/server-chain.pem ] && echo yes)"
start openssl s_server -quiet -accept $p -cert certs/server.pem -cert_chain certs/intermediate.pem \
    -key certs/server.key
wait_tcp $p
check "tls_client against openssl s_server: exit 0" 0 \
    "$("$d/tls_client" --cafile certs/ca.pem --servername localhost 127.0.0.1 $p >/dev/null 2>&1; echo $?)"
stop_last
start openssl s_server -quiet -accept $p -cert certs/expired.pem -cert_chain certs/intermediate.pem \
    -key certs/expired.key
wait_tcp $p
out=$("$d/tls_client" --cafile certs/ca.pem --servername localhost 127.0.0.1 $p 2>&1 >/dev/null)
rc=$?
check "tls_client, an expired certificate: exit 4" 4 "$rc"
check "tls_client, an expired certificate: why" "certificate refused: certificate has expired" \
    "${out#*: *: }"
stop_last
start "$d/tls_echo_server" --chain certs/intermediate.pem $p certs/server.pem certs/server.key
wait_tcp $p
check "tls_client against tls_echo_server" "hello, TLS" \
    "$("$d/tls_client" --cafile certs/ca.pem --servername localhost 127.0.0.1 $p 2>/dev/null)"
check "openssl s_client verifies tls_echo_server" "Verification: OK" \
    "$(timeout 10 openssl s_client -connect 127.0.0.1:$p -CAfile certs/ca.pem -verify_return_error \
        -servername localhost -brief -no_ign_eof </dev/null 2>&1 | grep -o 'Verification: OK')"
stop_last

echo "labs 08 and 09: HTTPS"
p=$((base + 19))
mkdir -p www && echo "hello, HTTPS" > www/index.html
start "$top/$dir/08-http-server/http_server" --cert certs/server.pem --key certs/server.key \
    --chain certs/intermediate.pem $p www
wait_tcp $p
check "curl --cacert against http_server --cert" "hello, HTTPS" \
    "$(curl -s --max-time 5 --cacert certs/ca.pem https://localhost:$p/index.html)"
f=$top/$dir/09-http-client/fetch
check "fetch --cacert, by name" "hello, HTTPS" "$("$f" --cacert certs/ca.pem https://localhost:$p/ 2>/dev/null)"
check "fetch --cacert, by IP address" "hello, HTTPS" \
    "$("$f" --cacert certs/ca.pem https://127.0.0.1:$p/ 2>/dev/null)"
check "fetch without the root: exit 9" 9 "$("$f" https://localhost:$p/ >/dev/null 2>&1; echo $?)"
check "plain HTTP to the HTTPS port: closed, no answer" "" \
    "$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | ncx -N 127.0.0.1 $p)"
stop_last

echo "guides-by-hand: $passed passed, $failed failed"
[ "$failed" = 0 ]
