#!/bin/sh
# curl_fetch.sh - curl behind lab 09's command line: a correct client that
# nobody on the team wrote. It maps fetch's options to curl's, writes -o
# FILE through a temporary name as the guide asks (curl writes in place),
# and maps curl's exit codes to the guide's statuses. The checks it fails
# are listed in RULES.md (curl is lenient where the guide is strict).
set -u
usage() { echo "usage: curl_fetch.sh [fetch's options] URL..." >&2; exit 2; }
# --parallel: each URL's body in a file of its own, written out in URL
# order at the end (curl -Z writes them as they arrive).
pdir='' n=0
for a in "$@"; do
    case "$a" in -Z|--parallel) pdir=$(mktemp -d) || exit 1 ;; esac
done
set -- "$@" --end-of-fetch-options
output='' follow=-L redirs=10 urls='' method=''
while [ "$1" != --end-of-fetch-options ]; do
    case "$1" in
    -o|--output) output=$2; shift 2 ;;
    -I|--head) method=head; shift ;;
    -d|--data) set -- "$@" --data-raw "$2"; shift 2 ;;
    --json) set -- "$@" --json "$2"; shift 2 ;;
    -H|--header)
        case "$2" in
        *"$(printf '\r')"*|*"
"*) echo "fetch: a header with CR or LF is refused" >&2; exit 2 ;;
        esac
        set -- "$@" -H "$2"; shift 2 ;;
    -i|--include) set -- "$@" -i; shift ;;
    -f|--fail) set -- "$@" -f; shift ;;
    --max-redirs) redirs=$2; shift 2 ;;
    --no-follow) follow=''; shift ;;
    --connect-timeout) set -- "$@" --connect-timeout "$2"; shift 2 ;;
    --read-timeout) set -- "$@" --speed-limit 10 --speed-time "${2%.*}"; shift 2 ;;
    --retries) set -- "$@" --retry "$2"; shift 2 ;;
    --backoff) shift 2 ;; # curl waits 1 s before its first retry, doubling
    -Z|--parallel) set -- "$@" --parallel --parallel-max "$2"; follow=''; shift 2 ;;
    --query)
        case "$2" in
        =*|*=*) ;;
        *) echo "fetch: --query \"$2\" is not NAME=VALUE" >&2; exit 2 ;;
        esac
        case "$2" in =*) echo "fetch: --query \"$2\" has no name" >&2; exit 2 ;; esac
        set -- "$@" --url-query "$2"; shift 2 ;;
    -F|--form) set -- "$@" -F "$2"; shift 2 ;;
    --cacert) set -- "$@" --cacert "$2"; shift 2 ;;
    -h|--help) echo "usage: curl_fetch.sh [fetch's options] URL..."; exit 0 ;;
    -*) usage ;;
    *) urls="$urls $1"; n=$((n + 1)); set -- "$@" "$1"
       [ -n "$pdir" ] && set -- "$@" -o "$pdir/$n"
       shift ;;
    esac
done
shift # the marker; "$@" is now curl's arguments
[ -n "$urls" ] || usage
tmp=''
if [ -n "$output" ]; then
    tmp=$(mktemp "$output.XXXXXX") || exit 1
    set -- "$@" -o "$tmp"
elif [ "$method" = head ]; then
    set -- "$@" -o /dev/null
fi
[ "$method" = head ] && set -- "$@" -I
errors=$(mktemp) || exit 1
# -b '': the cookie engine on, with no file to read (fetch's jar lasts one run).
curl --no-progress-meter -b '' $follow --proto =http,https --proto-redir =http,https --max-redirs "$redirs" "$@" 2>"$errors"
rc=$?
cat "$errors" >&2
# curl's status 1 is a URL it will not fetch, or a response it cannot read.
[ $rc -eq 1 ] && ! grep -q 'Protocol' "$errors" && rc=8
# curl's status 56 is any failed receive: over TLS, a stream cut without close_notify.
[ $rc -eq 56 ] && grep -q 'SSL' "$errors" && rc=1009
rm -f "$errors"
if [ -n "$pdir" ]; then
    i=1
    while [ $i -le $n ]; do [ -f "$pdir/$i" ] && cat "$pdir/$i"; i=$((i + 1)); done
    rm -rf "$pdir"
fi
if [ -n "$tmp" ]; then
    if [ $rc -eq 0 ]; then mv "$tmp" "$output" || rc=1000; else rm -f "$tmp"; fi
fi
case $rc in
0) exit 0 ;;
1|3) status=3 ;;
6|7) status=4 ;;
28) status=5 ;;
22) status=6 ;;
47) status=7 ;;
52) status=4 ;; # an empty reply: the connection was lost before a response
8|18|56) status=8 ;;
35|58|59|60|77|83|90|91|1009) status=9 ;; # TLS: a certificate refused, a handshake failed
*) status=1 ;;
esac
echo "fetch:$urls: curl exited with status $rc" >&2
exit $status
