#!/bin/sh
# demo.sh - grade the reference solution of every lab and print a scorecard.
#
# usage: demo.sh GRADER SOLUTION_DIR...
# Each lab's full report goes to build/demo/LAB.txt; the scorecard sums up.
set -u

grader=$1
shift
mkdir -p build/demo
status=0
rows=""
for dir in "$@"; do
    lab=$(basename "$dir")
    log=build/demo/$lab.txt
    start=$(date +%s.%N)
    "$grader" "$lab" --solution >"$log" 2>&1
    rc=$?
    end=$(date +%s.%N)
    score=$(sed -n 's/^Score: \([0-9]*\/[0-9]*\).*/\1/p' "$log" | tail -n 1)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    if [ "$rc" -eq 0 ]; then
        verdict="full marks"
    else
        verdict="NOT full marks (see $log)"
        status=1
    fi
    rows="$rows$(printf '  %-22s %9s  %6ss  %s' "$lab" "${score:-?}" "$secs" "$verdict")
"
    echo "graded $lab: ${score:-?}"
done

echo
echo "socklab scorecard: the grader over every lab's reference solution"
printf '  %-22s %9s  %7s  %s\n' "lab" "score" "time" "result"
printf '%s' "$rows"
echo
echo "Full reports: build/demo/. Grade your own work with: make grade LAB=01"
exit $status
