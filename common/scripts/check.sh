#!/usr/bin/env bash
# check.sh - run socklab's test programs, suite by suite, and add up their results.
#
# usage: check.sh [--jobs N] [--alone-jobs M] PROGRAM...
#
# Each PROGRAM is a CUnit test program built on common/tests/cu_run.c. Asked
# with SOCKLAB_LIST_SUITES=1, it names its suites and says which of them
# measure time or CPU ("alone"). The others run N at a time (default: 2,
# the machine this kit is checked on has two cores); then the measuring
# ones run M at a time (default 1: one after another, with the machine to
# themselves), the longest first; last, the suites that load the whole
# machine ("solo": a fork bomb), one at a time with nothing beside them.
# Every line a
# suite prints comes out at once, after "[suite]", so a long suite is never
# silent for more than 10 s (its tests say when they are still running).
# The last lines are each suite's real elapsed time and the totals:
# "check: N passed, M failed".
set -u

jobs=2
alone_jobs=1
while [ $# -gt 0 ]; do
    case "$1" in
    --jobs | --alone-jobs)
        if [ $# -lt 2 ]; then
            echo "check.sh: $1 wants a number" >&2
            exit 2
        fi
        case "$2" in
        '' | *[!0-9]* | 0)
            echo "check.sh: $1 wants a number of at least 1, not '$2'" >&2
            exit 2
            ;;
        esac
        if [ "$1" = --jobs ]; then jobs=$2; else alone_jobs=$2; fi
        shift 2
        ;;
    *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    echo "usage: check.sh [--jobs N] [--alone-jobs M] PROGRAM..." >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS

# The plan: one line per suite, "PROGRAM SUITE parallel|alone|solo".
plan=$work/plan
: >"$plan"
broken=""
for prog in "$@"; do
    if ! SOCKLAB_LIST_SUITES=1 "$prog" >"$work/list" 2>&1; then
        broken="$broken $(basename "$prog")(cannot list its suites)"
        continue
    fi
    sed -n 's/^suite \([^ ]*\) \(parallel\|alone\|solo\)$/\1 \2/p' "$work/list" |
        while read -r suite mode; do
            printf '%s %s %s\n' "$prog" "$suite" "$mode"
        done >>"$plan"
done

# Run one suite: its lines prefixed, its last line and exit status kept.
run_suite() {
    local prog=$1 suite=$2 log=$work/$2.log
    local t0=$SECONDS
    { SOCKLAB_SUITE="$suite" "$prog" 2>&1; echo $? >"$work/$suite.rc"; } |
        tee "$log" | sed -u "s/^/[$suite] /"
    echo $((SECONDS - t0)) >"$work/$suite.time"
}

echo "check: $(grep -c parallel "$plan") suites $jobs at a time, then $(grep -c ' alone$' "$plan")" \
    "that measure time $alone_jobs at a time, then $(grep -c ' solo$' "$plan") by itself"
# The longest suites first, so the short ones fill in around them: each
# lab's own (the later labs are the longer ones), then its steps, then the
# rest as they were registered.
order() { # MODE: the plan's suites of that mode, in the order they start
    awk -v mode="$1" '$3 == mode {
            rank = $2 ~ /^lab/ ? 1 : $2 ~ /^steps/ ? 2 : 3
            printf "%d %s %06d %s\n", rank, (rank < 3 ? $2 : ""), NR, $0
        }' "$plan" | sort -k1,1n -k2,2r -k3,3n | cut -d' ' -f4-
}
run_all() { # N LIST: the suites of LIST, N at a time
    local n=$1 running=0 prog suite mode
    while read -r prog suite mode; do
        if [ "$running" -ge "$n" ]; then
            wait -n
            running=$((running - 1))
        fi
        run_suite "$prog" "$suite" &
        running=$((running + 1))
    done <"$2"
    wait
}
order parallel >"$work/parallel"
order alone >"$work/alone"
order solo >"$work/solo"
run_all "$jobs" "$work/parallel"
# The suites that measure time, two at a time in `make check`: each mostly
# waits on one server, and two such suites (of labs 03-05) side by side
# took what they take alone, while three busy engineers shared the machine.
run_all "$alone_jobs" "$work/alone"
run_all 1 "$work/solo"

# Add it all up.
passed=0
failed=0
echo
echo "check: elapsed time per suite"
while read -r prog suite mode; do
    log=$work/$suite.log
    status=$(tail -n 1 "$log" 2>/dev/null |
        sed -n 's/^.*: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*$/\1 \2/p')
    rc=$(cat "$work/$suite.rc" 2>/dev/null || echo 1)
    printf '  %-12s %5s s  %s\n' "$suite" "$(cat "$work/$suite.time" 2>/dev/null || echo '?')" \
        "${status:+$(echo "$status" | sed 's/ / passed, /') failed}"
    if [ -z "$status" ]; then
        # The program died before it could report: count it as one failure.
        broken="$broken $suite"
        failed=$((failed + 1))
        continue
    fi
    p=${status% *}
    f=${status#* }
    # A clean summary with a failing exit status (a sanitizer report at exit,
    # say) still counts as a failure.
    if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
        broken="$broken $suite(exit $rc)"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done <"$plan"

# The failed tests last, with the assertion each one broke, so that the
# end of a long log (all a CI page may show) still says what went wrong.
if [ "$failed" -gt 0 ]; then
    echo
    echo "check: the tests that failed"
    while read -r prog suite mode; do
        # A test's name comes when it ends; what it printed meanwhile (its
        # own account of the failure) is kept, the last 8 lines of it.
        awk -v suite="$suite" '
            function flush(   i) {
                for (i = (n > 8 ? n - 7 : 1); i <= n; i++) print "  [" suite "]     " said[i]
            }
            # (A test may print a line of its own with no newline: its
            # name then comes at the end of that line.)
            /  Test: .*\.\.\.FAILED/ {
                sub(/^.*  Test: /, ""); print "  [" suite "] " $0; flush(); n = 0; grab = 3; next
            }
            grab > 0 && /^    / { print "  [" suite "] " $0; grab--; next }
            /  Test: / || /^  \.\.\. still running/ { n = 0; grab = 0; next }
            $0 != "" { said[++n] = $0 }
            { grab = 0 }' "$work/$suite.log" 2>/dev/null
    done <"$plan"
fi
echo
[ -n "$broken" ] && echo "check: these suites did not finish:$broken"
echo "check: $passed passed, $failed failed in $((SECONDS - started)) s"
[ "$failed" -eq 0 ] && [ -z "$broken" ]
