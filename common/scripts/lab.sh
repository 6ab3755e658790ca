# lab.sh - shared by the instructor scripts (gradescope.sh, classroom.sh):
# find a lab from what the user typed. Source it from the top of the tree,
# with $prog set to the calling script's name.

# The labs there are, as " 01-tcp-echo 03-udp ...".
labs_list() {
    for d in labs/*/; do
        [ -f "$d/Makefile" ] && printf ' %s' "$(basename "$d")"
    done
}

# resolve_lab ARG TARGET: set $labdir (e.g. 01-tcp-echo) and $num (01) from
# ARG (01, tcp-echo or 01-tcp-echo), or exit 2 with a usage message naming
# the make TARGET.
resolve_lab() {
    if [ -z "$1" ]; then
        echo "usage: make $2 LAB=NN   (e.g. make $2 LAB=01; --help says more)" >&2
        echo "labs:$(labs_list)" >&2
        exit 2
    fi
    labdir=""
    for d in labs/*/; do
        name=$(basename "$d")
        [ -f "$d/Makefile" ] || continue
        case "$1" in
        "$name" | "${name%%-*}" | "${name#*-}") labdir=$name ;;
        esac
    done
    if [ -z "$labdir" ]; then
        echo "$prog: no lab called '$1'" >&2
        echo "labs:$(labs_list)" >&2
        exit 2
    fi
    num=${labdir%%-*}
}
