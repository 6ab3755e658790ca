#!/usr/bin/env bash
# bench-http.sh - lab 08's benchmark: wrk against the lab's http_server and
# against nginx with one worker, serving the same DOCROOT, in the same run.
# http_server is timed with its default strategy (a thread per connection)
# and, when its --help offers it, with --strategy epoll (one thread, an
# epoll loop: the reference's fast variant).
#
# usage: bench-http.sh [--duration SECONDS] [--connections N] [--runs N] DIR
#   DIR holds http_server (solutions/08-http-server, or a student's lab).
#   --runs N: N rounds, each timing every server in turn, so that a load
#   that comes and goes on the machine falls on all of them; each figure is
#   then the median of the N, and the ratio the median of each round's
#   ratio, with its lowest and highest (the spread).
#
# Each server is pinned to CPU 0 and wrk to CPU 1 (when the machine has two
# or more), so that neither server gets more of the machine than the other:
# nginx runs one worker, and a thread-per-connection server could otherwise
# spread over every core. Two targets, each with keep-alive: a 1 KiB file
# and the JSON API (GET /api; nginx answers it with a fixed `return 200`).
# Before timing, each answer is fetched once and compared, so that a fast
# wrong answer is never a figure. Prints requests per second, p50 and p99
# latency for each server and target, and each http_server's ratio to nginx.
set -u

duration=10
connections=50
runs=1
usage() {
    echo "usage: bench-http.sh [--duration SECONDS] [--connections N] [--runs N] DIR" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) duration=${2:-}; shift 2 || usage ;;
    --connections) connections=${2:-}; shift 2 || usage ;;
    --runs) runs=${2:-}; shift 2 || usage ;;
    -h | --help)
        sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    -*) echo "bench-http.sh: unknown option '$1'" >&2; usage ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || usage
dir=$1
for n in "$duration" "$connections" "$runs"; do
    case "$n" in
    '' | *[!0-9]* | 0) echo "bench-http.sh: '$n' is not a positive whole number" >&2; exit 2 ;;
    esac
done
server=$dir/http_server
[ -x "$server" ] || { echo "bench-http.sh: $server is not built (run make)" >&2; exit 1; }
for tool in wrk nginx curl python3; do
    command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
    command -v "$tool" >/dev/null 2>&1 || {
        echo "bench-http.sh: $tool is missing (make deps-bench installs it)" >&2
        exit 1
    }
done

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The DOCROOT, readable by nginx's unprivileged worker.
docroot=$work/docroot
mkdir -p "$docroot"
head -c 1024 /dev/urandom >"$docroot/1k.bin"
chmod 755 "$work" "$docroot"
chmod 644 "$docroot/1k.bin"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait (bounded: 10 s) until something answers HTTP on the port.
wait_http() {
    local port=$1 i
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/1k.bin" && return 0
        sleep 0.1
    done
    echo "bench-http.sh: nothing answers on port $port after 10 s" >&2
    return 1
}

cpus=$(nproc)
pin_server=()
pin_wrk=()
if [ "$cpus" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    pin_server=(taskset -c 0)
    pin_wrk=(taskset -c 1)
fi

# The servers timed: name, then the command line's options.
ours=(thread)
if "$server" --help 2>/dev/null | grep -q 'epoll'; then
    ours+=(epoll)
fi
declare -A port_of
for strategy in "${ours[@]}"; do
    port_of[$strategy]=$(free_port)
    "${pin_server[@]}" "$server" --strategy "$strategy" "${port_of[$strategy]}" "$docroot" \
        >"$work/ours-$strategy.log" 2>&1 &
    pids+=($!)
done

nginx_port=$(free_port)
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx-body;
    server {
        listen 127.0.0.1:$nginx_port;
        root $docroot;
        location = /api {
            default_type application/json;
            return 200 '{"message": "Hello from API"}';
        }
    }
}
EOF
"${pin_server[@]}" nginx -c "$work/nginx.conf" -p "$work" >"$work/nginx.log" 2>&1 &
pids+=($!)

for strategy in "${ours[@]}"; do
    wait_http "${port_of[$strategy]}" || { cat "$work/ours-$strategy.log" >&2; exit 1; }
done
wait_http "$nginx_port" || { cat "$work/nginx.log" "$work/nginx-error.log" >&2; exit 1; }

# Each answer once, compared, before it is timed.
for port in "${port_of[@]}" "$nginx_port"; do
    curl -s "http://127.0.0.1:$port/1k.bin" | cmp -s - "$docroot/1k.bin" || {
        echo "bench-http.sh: the server on port $port does not serve 1k.bin right" >&2
        exit 1
    }
    api=$(curl -s "http://127.0.0.1:$port/api")
    python3 -c 'import json, sys; assert json.loads(sys.argv[1]) == {"message": "Hello from API"}' \
        "$api" 2>/dev/null || {
        echo "bench-http.sh: GET /api on port $port answers '$api'" >&2
        exit 1
    }
done

# A wrk latency figure in milliseconds ("850.00us", "1.20ms", "2.00s").
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

# run_wrk PORT PATH NAME: one timed run; adds "rps p50 p99" to $work/NAME.
run_wrk() {
    local port=$1 path=$2 name=$3
    local out=$work/$name.wrk
    "${pin_wrk[@]}" wrk -t1 -c"$connections" -d"${duration}s" --latency \
        "http://127.0.0.1:$port$path" >"$out" 2>&1 || {
        cat "$out" >&2
        return 1
    }
    if grep -q 'Non-2xx\|Socket errors' "$out"; then
        echo "bench-http.sh: $name: $(grep 'Non-2xx\|Socket errors' "$out")" >&2
    fi
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    echo "$rps $p50 $p99" >>"$work/$name"
}

# median NAME: the run of $work/NAME with the median requests per second.
median() {
    sort -n -k1 "$work/$1" | sed -n "$(((runs + 1) / 2))p"
}

# ratio NAME: NAME's requests per second over nginx's, round by round: the
# median, and with more than one round the lowest and the highest.
ratio() {
    paste -d' ' "$work/$1-$key" "$work/nginx-$key" | awk '{ print $1 / $4 }' | sort -n |
        awk '{ r[NR] = $1 } END {
            printf "%.2fx nginx", r[int((NR + 1) / 2)]
            if (NR > 1) printf " (%.2f to %.2f)", r[1], r[NR] }'
}

echo "lab 08 benchmark: wrk -t1 -c$connections -d${duration}s with keep-alive," \
    "${pin_server:+servers on CPU 0, wrk on CPU 1,} $runs round(s), medians"
printf '%-8s %-30s %10s %8s %8s\n' target server 'req/s' 'p50 ms' 'p99 ms'
nginx_name="nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), 1 worker"
status=0
for target in /1k.bin /api; do
    key=${target//[^a-z0-9]/}
    for ((round = 0; round < runs && status == 0; round++)); do
        run_wrk "$nginx_port" "$target" "nginx-$key" || status=1
        for strategy in "${ours[@]}"; do
            run_wrk "${port_of[$strategy]}" "$target" "$strategy-$key" || status=1
        done
    done
    [ "$status" = 0 ] || break
    read -r rps p50 p99 <<<"$(median "nginx-$key")"
    printf '%-8s %-30s %10s %8s %8s\n' "$target" "$nginx_name" "$rps" "$p50" "$p99"
    for strategy in "${ours[@]}"; do
        read -r rps p50 p99 <<<"$(median "$strategy-$key")"
        printf '%-8s %-30s %10s %8s %8s  %s\n' "$target" "http_server --strategy $strategy" \
            "$rps" "$p50" "$p99" "$(ratio "$strategy")"
    done
done
exit $status
