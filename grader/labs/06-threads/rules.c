/* rules.c - lab 06's checks of the chat protocol's table at its edges: the
 * names just inside the rule (1 and 16 characters, every kind of allowed
 * character, names that differ only in case) must be taken, and the ones
 * just outside (17 characters, a byte of UTF-8 or Latin-1, a NUL, a tab, a
 * dot) refused; a line's text is any bytes but the newline, passed on as it
 * is. A server that refuses what the guide allows is as wrong as one that
 * takes what it forbids. RULES.md lists every rule and the check that
 * probes it. */
#include "lab06.h"

#include <stdio.h>
#include <string.h>

/* ---- step 1: names at the edges of the rule --------------------------------------- */

int lab06_check_chat_name_limits(gr_ctx *ctx)
{
    gr_conn m[4];
    gr_conn_none(m, 4);
    int rc = -1;
    if (lab06_join(ctx, &m[0], "alice", NULL, 0) < 0 ||
        gr_connect(ctx, &m[1], "newcomer", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
        goto out;
    }
    /* Just outside, all in one send(): 17 characters; an e with an accent
     * in UTF-8, then in Latin-1; a NUL in the middle; a tab; a dot. */
    static const char bad[] = "abcdefghijklmnopq\n"
                              "caf\xc3\xa9\n"
                              "caf\xe9\n"
                              "al\0ce\n"
                              "tab\tbed\n"
                              "dot.ted\n";
    static const char errs[] = "ERR invalid name\nERR invalid name\nERR invalid name\n"
                               "ERR invalid name\nERR invalid name\nERR invalid name\n";
    gr_conn_plan(&m[1], bad, sizeof bad - 1, errs, sizeof errs - 1, 0);
    gr_conn *one[1] = {&m[1]};
    int r = gr_mux_run(ctx, one, 1, gr_deadline(ctx), "names just outside the rule");
    if (r <= 0) {
        if (r == 0) {
            gr_conn_fail(ctx, &m[1], "names just outside the rule: the check's time ran out");
        }
        gr_fail(ctx, "(each line is one name that breaks the rule: 17 characters; \"cafe\" with "
                     "an accented e, in UTF-8 and in Latin-1 (only A-Z a-z 0-9 _ - are "
                     "allowed); a NUL byte; a tab; a dot)");
        lab06_server_cause(ctx);
        goto out;
    }
    /* Just inside: names compare byte for byte, so Alice is not alice. */
    gr_conn *joined[3] = {&m[0], &m[1], &m[2]};
    if (lab06_scene(ctx, "Alice, while alice is in the room",
                    (part[]){{&m[1], "Alice\n", "OK Alice\n"}, {&m[0], NULL, "* Alice joined\n"}},
                    2) < 0) {
        gr_fail(ctx, "(names are compared byte for byte: Alice and alice are two names)");
        goto out;
    }
    /* One character, and sixteen of every kind allowed. */
    if (lab06_join(ctx, &m[2], "x", joined, 2) < 0) {
        gr_fail(ctx, "(a name of 1 character is the shortest allowed)");
        goto out;
    }
    if (lab06_join(ctx, &m[3], "Zz09_-abcdefghij", joined, 3) < 0) {
        gr_fail(ctx, "(a name of 16 characters, the longest allowed, with a capital, a small "
                     "letter, digits, _ and -)");
        goto out;
    }
    rc = lab06_scene(ctx, "the member of 16 characters talks",
                     (part[]){{&m[3], "my name is whole\n", NULL},
                              {&m[0], NULL, "Zz09_-abcdefghij: my name is whole\n"},
                              {&m[1], NULL, "Zz09_-abcdefghij: my name is whole\n"},
                              {&m[2], NULL, "Zz09_-abcdefghij: my name is whole\n"}},
                     4);
out:
    gr_close_all(m, 4);
    return rc;
}

/* ---- step 2: a line's text is any bytes but the newline ---------------------------- */

int lab06_check_chat_line_bytes(gr_ctx *ctx)
{
    gr_conn a, b;
    gr_conn_none(&b, 1);
    int rc = -1;
    gr_conn *joined[1] = {&a};
    if (lab06_join(ctx, &a, "alice", NULL, 0) < 0 || lab06_join(ctx, &b, "bob", joined, 1) < 0) {
        goto out;
    }
    /* A NUL, a tab, a CR that is not before the newline, UTF-8, bytes that
     * are no UTF-8 at all; then CR LF alone, an empty line, which says
     * nothing. */
    static const char out[] = "nul \0 tab \t cr \r in the middle, caf\xc3\xa9, \xff\x80\xfe end\n"
                              "\r\n"
                              "after\n";
    static const char want[] =
        "alice: nul \0 tab \t cr \r in the middle, caf\xc3\xa9, \xff\x80\xfe "
        "end\n"
        "alice: after\n";
    gr_conn_plan(&a, out, sizeof out - 1, NULL, 0, 0);
    gr_conn_plan(&b, NULL, 0, want, sizeof want - 1, 0);
    gr_conn *both[2] = {&a, &b};
    int r = gr_mux_run(ctx, both, 2, gr_deadline(ctx), "a line of bytes of every kind");
    if (r > 0) {
        rc = 0;
    } else {
        if (r == 0) {
            gr_conn_fail(ctx, &b, "a line of bytes of every kind: the check's time ran out");
        }
        gr_fail(ctx, "(alice's line holds a NUL, a tab, a CR in the middle, UTF-8 and bytes "
                     "that are not UTF-8: a line's text is every byte up to the newline, passed "
                     "on unchanged; then \"\\r\\n\", an empty line, which says nothing)");
        lab06_server_cause(ctx);
    }
out:
    gr_close(&a);
    gr_close(&b);
    return rc;
}
