#!/bin/sh
# soak.sh - grade a lab's reference solution many times in a row, each run
# on its own seed, and say whether every run got full marks: the evidence
# that no check is flaky, which `make check` (one run per lab) cannot give.
#
# usage: soak.sh GRADER LAB [RUNS]     (make soak LAB=05 [RUNS=20])
#
# Prints one line per run; at the end, the checks that ever failed, with the
# seeds that replay them. Exit status 0 when every run got full marks.
set -u

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: soak.sh GRADER LAB [RUNS]   (e.g. make soak LAB=05 RUNS=20)" >&2
    exit 2
fi
grader=$1
lab=$2
runs=${3:-20}
case "$runs" in
'' | *[!0-9]* | 0)
    echo "soak.sh: RUNS wants a number of at least 1, not '$runs'" >&2
    exit 2
    ;;
esac
if ! "$grader" "$lab" --list >/dev/null 2>&1; then
    "$grader" "$lab" --list >/dev/null
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
full=0
failures=$work/failures
: >"$failures"
started=$(date +%s)
i=1
while [ "$i" -le "$runs" ]; do
    t0=$(date +%s.%N)
    "$grader" "$lab" --solution --seed "$i" --format json --output "$work/run.json" \
        >/dev/null 2>"$work/stderr"
    rc=$?
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    score=$(sed -n 's/^  "score": \([0-9]*\),$/\1/p' "$work/run.json" 2>/dev/null | head -n 1)
    max=$(sed -n 's/^  "max_score": \([0-9]*\),$/\1/p' "$work/run.json" 2>/dev/null | head -n 1)
    failed=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(t["name"] for t in d["tests"] if t["status"] != "passed"))' "$work/run.json" 2>/dev/null)
    if [ "$rc" -eq 0 ]; then
        full=$((full + 1))
        echo "run $i/$runs (seed $i): ${score:-?}/${max:-?} in ${secs} s"
    else
        echo "run $i/$runs (seed $i): ${score:-?}/${max:-?} in ${secs} s, FAILED: ${failed:-the grader did not finish}"
        for name in ${failed:-grader}; do
            echo "$name $i" >>"$failures"
        done
    fi
    i=$((i + 1))
done

echo
echo "soak: $full of $runs runs of lab $lab's solution at full marks in $(($(date +%s) - started)) s"
if [ -s "$failures" ]; then
    echo "checks that failed (replay: $grader $lab --solution --seed SEED --only CHECK):"
    sort "$failures" | awk '{seeds[$1] = seeds[$1] " " $2; n[$1]++}
        END {for (c in n) printf "  %-24s %d time(s), seeds%s\n", c, n[c], seeds[c]}'
fi
[ "$full" -eq "$runs" ]
