/* programs.c - can the programs of a run be started at all?
 *
 * Before the first check, every command template the plan starts (the
 * lab's server and client, each check's program, or a --server/--client
 * command) is looked at the way the sandbox will run it: is its program
 * there, executable, reachable by the sandbox's user, not hidden by its
 * private /tmp? A program that cannot run is said once, up front, with what
 * to do, and every check that needs it fails with one short line, instead
 * of the same shell error under each check. A program that fails the same
 * way at run time (the shell's 126 and 127) is remembered the same way
 * (engine_program_failed()). */
#include "engine/ctx.h"

#include "os/sandbox.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The interpreters whose first argument is a script that must exist. */
static const char *const interpreters[] = {"python3", "python", "node", "perl", "ruby",
                                           "php",     "bash",   "sh",   "java"};

/* The next shell word of @p *p (quotes removed, no expansion) into @p out;
 * 0 when there is none. */
static int next_word(const char **p, char *out, size_t cap)
{
    const char *s = *p + strspn(*p, " \t");
    size_t n = 0;
    char quote = '\0';
    for (; *s != '\0' && (quote != '\0' || (*s != ' ' && *s != '\t')); s++) {
        if (quote == '\0' && (*s == '\'' || *s == '"')) {
            quote = *s;
        } else if (quote != '\0' && *s == quote) {
            quote = '\0';
        } else if (n + 1 < cap) {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
    *p = s;
    return n > 0;
}

/* Is @p word a VAR=value assignment before a command? */
static int assignment(const char *word)
{
    const char *eq = strchr(word, '=');
    return eq != NULL && eq > word && strcspn(word, "/") > (size_t)(eq - word);
}

/* Does @p cmd use the shell for more than one plain command? Then its
 * words are not looked at: the run itself will say what went wrong. */
static int shell_program(const char *cmd)
{
    return strpbrk(cmd, ";&|<>()$`\\\n*?[~") != NULL;
}

/* A path as the program will see it: relative to its working directory. */
static void resolve(const gr_ctx *ctx, const char *word, char *out, size_t cap)
{
    if (word[0] == '/') {
        snprintf(out, cap, "%s", word);
    } else {
        snprintf(out, cap, "%s/%s", gr_server_dir(ctx), word);
    }
}

/* Is there an executable file @p name in a directory of PATH? */
static int in_path(const char *name)
{
    const char *path = getenv("PATH");
    char dir[2 * PATH_MAX + 2];
    for (const char *p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0';) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s/%s", (int)n, n > 0 ? p : ".", name);
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISREG(st.st_mode) && access(dir, X_OK) == 0) {
            return 1;
        }
        p += n + (p[n] == ':');
    }
    return 0;
}

/* What is wrong with the file @p path that a command names as @p word, or
 * NULL. */
static const char *file_problem(const gr_ctx *ctx, const char *path, const char *word,
                                int must_execute, char *why, size_t cap)
{
    struct stat st;
    if (stat(path, &st) < 0 && errno == ENOENT && ctx->cx_build_failed) {
        snprintf(why, cap, "%s was not built: the build failed (see the compiler output above)",
                 word);
        return why;
    }
    if (stat(path, &st) < 0) {
        snprintf(why, cap, "%s: %s", word, strerror(errno));
        return why;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "%s is a directory, not a program", word);
        return why;
    }
    if (must_execute && access(path, X_OK) < 0) {
        snprintf(why, cap, "%s is not executable (chmod +x %s, or name its interpreter first)",
                 word, word);
        return why;
    }
    if (gr_sandbox_current()->sb_drop_user && !gr_sandbox_reachable(path)) {
        /* The sandbox's user could not get there: run as the grader's. */
        gr_sandbox_keep_user();
        fprintf(stderr,
                "grade: note: %s is not reachable by an unprivileged user, so the programs run "
                "as the grader's user\n",
                word);
    }
    return NULL;
}

/* Look at the program a command starts; write what prevents it from
 * running into @p why and return it, or return NULL. */
static const char *command_problem(const gr_ctx *ctx, const char *cmd, char *why, size_t cap)
{
    char word[PATH_MAX];
    const char *p = cmd;
    if (shell_program(cmd)) {
        return NULL;
    }
    while (next_word(&p, word, sizeof word) && (strcmp(word, "exec") == 0 || assignment(word))) {
    }
    if (word[0] == '\0' || strchr(word, '{') != NULL) {
        return NULL;
    }
    char path[PATH_MAX + 256];
    if (strchr(word, '/') != NULL) {
        resolve(ctx, word, path, sizeof path);
        return file_problem(ctx, path, word, 1, why, cap);
    }
    if (!in_path(word)) {
        snprintf(why, cap, "%s: command not found (not in PATH)", word);
        return why;
    }
    for (size_t i = 0; i < sizeof interpreters / sizeof interpreters[0]; i++) {
        if (strcmp(word, interpreters[i]) == 0) {
            char script[PATH_MAX];
            if (next_word(&p, script, sizeof script) && script[0] != '-' &&
                strchr(script, '{') == NULL) {
                resolve(ctx, script, path, sizeof path);
                return file_problem(ctx, path, script, 0, why, cap);
            }
        }
    }
    return NULL;
}

/* The problem already known for @p tmpl, or NULL. */
static engine_program *known(gr_ctx *ctx, const char *tmpl)
{
    for (size_t i = 0; i < ctx->cx_nprograms; i++) {
        if (ctx->cx_programs[i].ep_tmpl == tmpl) {
            return &ctx->cx_programs[i];
        }
    }
    return NULL;
}

/* Remember that @p tmpl cannot run, for @p why. */
static void remember(gr_ctx *ctx, const char *tmpl, const char *why)
{
    engine_program *ep = known(ctx, tmpl);
    if (ep == NULL && ctx->cx_nprograms < ENGINE_MAX_PROGRAMS) {
        ep = &ctx->cx_programs[ctx->cx_nprograms++];
        ep->ep_tmpl = tmpl;
    }
    if (ep != NULL && ep->ep_problem[0] == '\0') {
        snprintf(ep->ep_problem, sizeof ep->ep_problem, "%s", why);
    }
}

const char *engine_program_problem(gr_ctx *ctx, const char *tmpl)
{
    engine_program *ep = known(ctx, tmpl);
    return ep != NULL && ep->ep_problem[0] != '\0' ? ep->ep_problem : NULL;
}

const char *engine_command_problem(gr_ctx *ctx, const char *cmd)
{
    if (known(ctx, cmd) == NULL) {
        char why[PATH_MAX + 512];
        const char *problem = command_problem(ctx, cmd, why, sizeof why);
        remember(ctx, cmd, problem != NULL ? problem : "");
    }
    return engine_program_problem(ctx, cmd);
}

void engine_shell_failure(gr_ctx *ctx, const char *tmpl, int status, const char *err, size_t len)
{
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 126 && WEXITSTATUS(status) != 127) ||
        err == NULL) {
        return;
    }
    /* A program may exit 127 itself: the shell's words say it did not. */
    static const char *const words[] = {"not found", "Permission denied", "Exec format error",
                                        "No such file"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strstr(err, words[i]) != NULL) {
            char why[512];
            engine_last_line(err, len, why, sizeof why);
            remember(ctx, tmpl, why);
            return;
        }
    }
}

void engine_last_line(const char *text, size_t len, char *out, size_t cap)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ')) {
        len--;
    }
    size_t start = len;
    while (start > 0 && text[start - 1] != '\n') {
        start--;
    }
    snprintf(out, cap, "%.*s", (int)(len - start), text + start);
}

/* The command template check @p ck starts (its program, or the lab's). */
static const char *template_of(const gr_ctx *ctx, const gr_check *ck)
{
    if (ck->ck_kind == GR_CLIENT) {
        return ctx->cx_client_cmd;
    }
    if (ck->ck_kind == GR_SOURCE) {
        return NULL; /* it builds its own program (gr_test_build()) */
    }
    if (ck->ck_program != NULL && ctx->cx_opt->op_target != GR_TARGET_SERVER) {
        return ck->ck_program->pg_cmd;
    }
    return ctx->cx_server_cmd;
}

const char *engine_check_problem(gr_ctx *ctx, const gr_check *ck)
{
    const char *tmpl = template_of(ctx, ck);
    return tmpl != NULL ? engine_program_problem(ctx, tmpl) : NULL;
}

int engine_programs_check(gr_ctx *ctx, const gr_check *const *plan, size_t n, gr_str *report)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const char *tmpl = template_of(ctx, plan[i]);
        if (tmpl == NULL || known(ctx, tmpl) != NULL) {
            continue;
        }
        char why[PATH_MAX + 512];
        const char *problem = command_problem(ctx, tmpl, why, sizeof why);
        remember(ctx, tmpl, problem != NULL ? problem : "");
        if (problem != NULL) {
            gr_str_addf(report, "cannot run %s: %s\n", tmpl, problem);
            bad++;
        }
    }
    return bad;
}
