#!/bin/sh
# handout.sh - build the students' copy of socklab: no solutions, no hidden checks.
#
# usage: handout.sh [--output FILE] [--list] [--with-hidden] [--help]
#
# Run it from anywhere inside the kit (`make handout` does). It writes
# build/handout/socklab-handout.tar.gz, whose top directory is socklab/.
# See --help for what goes in and what stays out; docs/INSTRUCTORS.md has the
# whole story.
set -eu

prog=handout.sh

usage() {
    cat <<'EOF'
usage: common/scripts/handout.sh [--output FILE] [--list] [--with-hidden]
       make handout

Build the students' copy of socklab: build/handout/socklab-handout.tar.gz,
with socklab/ as its top directory. Students unpack it, run `make`, and grade
their work with `make grade LAB=01`.

What goes in: every file git tracks, plus new files git does not track yet
(unless .gitignore ignores them), as they are in the working tree now. Outside
a git checkout, every file except build products.

What stays out:
  solutions/             the reference solutions
  grader/labs/*/hidden.c the hidden checks (the grader builds without them)
  grader/labs/*/selftest/, grader/labs/*/selftest.c, grader/tests/programs/
                         the grader's own test programs and the suites that
                         run them: correct and buggy servers, a solution in
                         all but name
  .ci/                   the kit's CI, which runs the self-tests over solutions/

The copy's README.md starts with a note that says what this copy is, and in
it `make demo` and `make check` say that they need the full kit.

Options:
  --output FILE   write the tarball to FILE instead
  --list          print the files that would go in, one a line, and stop
  --with-hidden   keep the hidden checks (for an instructor-only copy, such
                  as the Gradescope autograder; see gradescope.sh)
  --help          this help
EOF
}

output=""
list=0
with_hidden=0
while [ $# -gt 0 ]; do
    case "$1" in
    --output)
        [ $# -ge 2 ] || { echo "$prog: --output needs a file name" >&2; exit 2; }
        output=$2
        shift 2
        ;;
    --output=*)
        output=${1#--output=}
        shift
        ;;
    --list) list=1; shift ;;
    --with-hidden) with_hidden=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *)
        echo "$prog: unknown option '$1' (try --help)" >&2
        exit 2
        ;;
    esac
done

# The top of the kit: this script lives in ROOT/common/scripts.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f Makefile ] || [ ! -d common ] || [ ! -d grader ]; then
    echo "$prog: $root does not look like the socklab kit (no Makefile, common/ or grader/)" >&2
    exit 1
fi

# Every file of the kit, one path a line, relative to the top. Paths with
# newlines do not occur in the kit; paths with spaces do not either, but
# are handled.
all_files() {
    if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
        [ "$(git rev-parse --show-toplevel)" = "$root" ]; then
        # Tracked files (a tracked file deleted in the working tree is
        # skipped), and new ones that .gitignore does not exclude.
        git ls-files --cached --others --exclude-standard | while IFS= read -r f; do
            [ -f "$f" ] && printf '%s\n' "$f"
        done
    else
        # Not a git checkout (e.g. a hand-out being handed out again): the
        # same exclusions as .gitignore, by hand. Programs built inside lab
        # directories are executables without a dot in their name.
        find . \( -path ./.git -o -path ./build -o -path ./bin -o -path ./docs/api \) -prune -o \
            -type f ! -name '*.o' ! -name '*.a' ! -name '*.d' -print |
            sed 's|^\./||' | while IFS= read -r f; do
                case "$f" in
                labs/*/* | solutions/*/*)
                    base=${f##*/}
                    if [ -x "$f" ] && [ "${base#*.}" = "$base" ]; then
                        continue
                    fi
                    ;;
                results.json | grade-*.json) continue ;;
                esac
                printf '%s\n' "$f"
            done
    fi
}

# What goes in, sorted.
handout_files() {
    all_files | while IFS= read -r f; do
        case "$f" in
        solutions/* | .ci/*) continue ;;
        grader/labs/*/selftest/* | grader/labs/*/selftest.c | grader/tests/programs/*) continue ;;
        grader/labs/*/hidden.c) [ "$with_hidden" = 1 ] || continue ;;
        esac
        printf '%s\n' "$f"
    done | LC_ALL=C sort
}

if [ "$list" = 1 ]; then
    handout_files
    exit 0
fi

[ -n "$output" ] || output=build/handout/socklab-handout.tar.gz
case "$output" in
/*) ;;
*) output=$root/$output ;;
esac

stage=$root/build/handout/stage.$$
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT TERM
rm -rf "$stage"
mkdir -p "$stage/socklab" "$(dirname "$output")"

files=$stage/files
handout_files >"$files"
count=$(wc -l <"$files" | tr -d ' ')
if [ "$count" -eq 0 ]; then
    echo "$prog: no files to hand out" >&2
    exit 1
fi

# Files git does not know yet go in too; say so, in case one is a stray.
if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    new=$(git ls-files --others --exclude-standard | grep -Fx -f "$files" || true)
    if [ -n "$new" ]; then
        echo "$prog: note: these files are not committed yet but go in the hand-out:"
        printf '%s\n' "$new" | sed 's/^/    /'
    fi
fi

# Copy through tar, which keeps modes (the scripts stay executable).
(cd "$root" && tr '\n' '\0' <"$files" | xargs -0 tar cf -) | (cd "$stage/socklab" && tar xf -)

# The students' README says first what this copy is (once: a hand-out of a
# hand-out has the note already).
readme=$stage/socklab/README.md
if [ -f "$readme" ] && ! grep -q "This is the students' copy" "$readme"; then
    awk 'NR == 1 {
             print
             print ""
             print "**This is the students'"'"' copy of socklab.** It has every lab'"'"'s guide and"
             print "skeleton and the grader, but not the reference solutions or the checks your"
             print "instructor keeps for grading. So `make demo` and `make check`, which run over the"
             print "solutions, need the full kit; here, start with `make`, then grade your work with"
             print "`make grade LAB=01`."
             next
         }
         { print }' "$readme" >"$readme.new"
    mv "$readme.new" "$readme"
fi

# A stable file order and no owner names, so that two hand-outs of the same
# tree differ only by time stamps.
tmp=$output.tmp.$$
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    (cd "$stage" && LC_ALL=C tar cf - --owner=0 --group=0 --numeric-owner --sort=name socklab)
else
    (cd "$stage" && tar cf - socklab)
fi | gzip -9 >"$tmp"
mv "$tmp" "$output"

size=$(wc -c <"$output" | tr -d ' ')
hidden_note="no solutions, no hidden checks"
[ "$with_hidden" = 1 ] && hidden_note="no solutions; hidden checks INCLUDED (not for students)"
kib=$(((size + 1023) / 1024))
printf 'handout: %s (%s KiB, %s files; %s)\n' "${output#"$root"/}" "$kib" "$count" "$hidden_note"
