#!/bin/sh
# check.sh - run socklab's test programs and add up their results.
#
# usage: check.sh PROGRAM...
# Each program prints, as its last line, "NAME: N passed, M failed". This
# script runs them all (even after a failure), then prints the totals as the
# last line of `make check`.
set -u

passed=0
failed=0
broken=""
for prog in "$@"; do
    name=$(basename "$prog")
    echo "==> $name"
    log=$(mktemp)
    rcfile=$(mktemp)
    { "$prog"; echo $? >"$rcfile"; } 2>&1 | tee "$log"
    rc=$(cat "$rcfile")
    status=$(tail -n 1 "$log" | sed -n 's/^.*: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p')
    rm -f "$log" "$rcfile"
    if [ -z "$status" ]; then
        # The program died before it could report: count it as one failure.
        broken="$broken $name"
        failed=$((failed + 1))
        continue
    fi
    p=${status% *}
    f=${status#* }
    # A clean summary with a failing exit status (a sanitizer report at exit,
    # say) still counts as a failure.
    if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
        broken="$broken $name(exit $rc)"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done

echo
[ -n "$broken" ] && echo "check: these test programs did not finish:$broken"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
