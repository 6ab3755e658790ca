/* main.c - bin/grade: the command line of the socklab grader.
 *
 *   bin/grade LAB [--solution | --dir DIR | --server 'CMD' | --client 'CMD']
 *                 [--only PATTERN] [--list] [--seed N] [--verbose]
 *                 [--format text|json|junit|gradescope] [--output FILE]
 *   bin/grade LAB --batch DIR [-j N] [--output OUTDIR]   (a whole class; batch.h)
 *   bin/grade --make-certs DIR                          (the TLS test CA's files)
 *
 * This contract is shared with other tools (see DESIGN.md); keep it stable. */
#include "batch/batch.h"
#include "engine/engine.h"
#include "kit/ca.h"
#include "os/proc.h"
#include "report/report.h"
#include "report/text.h"
#include "os/sandbox.h"

#include "err.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: grade LAB [--solution | --dir DIR | --server 'CMD' | --client 'CMD']\n"
        "                 [--only PATTERN] [--list] [--seed N] [--verbose]\n"
        "                 [--format text|json|junit|gradescope] [--output FILE]\n"
        "       grade LAB --batch DIR [-j N] [--output OUTDIR] [--only PATTERN] [--seed N]\n"
        "       grade --make-certs DIR\n"
        "\n"
        "Grade a socklab lab. LAB is a number (01), a name (tcp-echo) or both (01-tcp-echo).\n"
        "\n"
        "What to grade (default: your work in labs/LAB):\n"
        "  --solution        the reference solution in solutions/LAB\n"
        "  --dir DIR         a directory laid out like labs/LAB (built with make)\n"
        "  --server 'CMD'    any server, in any language: {port} in CMD is replaced by the\n"
        "                    port to listen on, {host} by the address; only server checks run.\n"
        "                    In a lab with several servers (05, 06) CMD stands for each:\n"
        "                    pick one with --only (e.g. --only 'epoll-*'), or put {args}\n"
        "                    in CMD: each check's own command line, e.g.\n"
        "                    'tcp_echo --strategy fork 5000' in lab 07\n"
        "  --client 'CMD'    any client: {host} and {port} are where to connect; only client\n"
        "                    checks run. Lab 04's clients take their own arguments: the\n"
        "                    grader appends them to CMD (use --only 'scan-*', ...)\n"
        "\n"
        "Which checks:\n"
        "  --only PATTERN    only checks whose name matches PATTERN (shell wildcards; several\n"
        "                    patterns separated by commas; 'step2' selects a whole step)\n"
        "  --list            list the lab's checks and exit\n"
        "  --instructor      run the lab's hidden checks too (instructors' runs)\n"
        "  --no-sandbox      no private network, limits or user change for the code under\n"
        "                    test (for debugging the grader)\n"
        "  --no-sanitize     build the code under test without sanitizers (AddressSanitizer\n"
        "                    and UBSan; ThreadSanitizer and UBSan in lab 06)\n"
        "\n"
        "How:\n"
        "  --seed N          seed for the random payloads (printed by every run; use it to\n"
        "                    replay a failure exactly)\n"
        "  --verbose, -v     say more about each check, passed ones too\n"
        "  --format FMT      report format: text (default), json, junit or gradescope\n"
        "  --output FILE, -o FILE\n"
        "                    write the report to FILE (the text progress still goes to the\n"
        "                    terminal); without it, json/junit/gradescope go to stdout and\n"
        "                    the progress to stderr\n"
        "  --help, -h        this help\n"
        "\n"
        "Grading a class:\n"
        "  --batch DIR       grade each subdirectory of DIR as one submission (a copy of\n"
        "                    labs/LAB, or a checkout of the kit), hidden checks included,\n"
        "                    all on the same seed; writes NAME.json and NAME.txt for each,\n"
        "                    gradebook.csv, summary.txt and summary.json into OUTDIR\n"
        "  --jobs N, -j N    grade N submissions at once (1 to 64; default: one per CPU)\n"
        "  --output OUTDIR, -o OUTDIR\n"
        "                    where the class's reports go (default: grades-NN)\n"
        "\n"
        "TLS (lab 10):\n"
        "  --make-certs DIR  write a fresh test CA into DIR: ca.pem, intermediate.pem, a\n"
        "                    server certificate for localhost and 127.0.0.1 with its chain\n"
        "                    and key, and the bad ones (expired, notyet, wrongname,\n"
        "                    selfsigned, untrusted, notca, clientonly); DIR/README.txt\n"
        "                    says which is which\n"
        "\n"
        "Environment: SOCKLAB_TIMEOUT_SCALE=3 gives every deadline 3 times longer (slow\n"
        "machines, valgrind). NO_COLOR turns colours off.\n"
        "Exit status: 0 when the score is full, 1 when not, 2 for usage errors, 3 when the\n"
        "grader itself could not run. With --batch: 0 when every submission was graded\n"
        "(whatever the scores), 1 if one could not be.\n");
}

static void list_labs(FILE *out)
{
    fprintf(out, "labs:");
    for (size_t i = 0; gr_labs[i] != NULL; i++) {
        char dir[128];
        fprintf(out, " %s", gr_lab_dirname(gr_labs[i], dir, sizeof dir));
    }
    fprintf(out, "\n");
}

/* The top of the socklab tree: the grader lives in ROOT/bin/grade. */
static char *find_root(void)
{
    const char *env = getenv("SOCKLAB_ROOT");
    if (env != NULL && *env != '\0') {
        return realpath(env, NULL);
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0) {
        return NULL;
    }
    exe[n] = '\0';
    char *bin = dirname(exe); /* ROOT/bin */
    char *root = dirname(bin);
    return strdup(root);
}

static int parse_seed(const char *s, uint64_t *seed)
{
    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    /* Keep seeds exact in JSON readers that use doubles. */
    if (errno != 0 || *end != '\0' || v > (1ULL << 53)) {
        return -1;
    }
    *seed = v;
    return 0;
}

static int parse_scale(double *scale)
{
    const char *s = getenv("SOCKLAB_TIMEOUT_SCALE");
    *scale = 1.0;
    if (s == NULL || *s == '\0') {
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !(v >= 0.1 && v <= 100.0)) {
        return -1;
    }
    *scale = v;
    return 0;
}

static void list_checks(const gr_options *opt)
{
    const gr_lab *lab = opt->op_lab;
    char dir[128];
    printf("lab %s (%s)\n", gr_lab_dirname(lab, dir, sizeof dir), lab->lab_title);
    const gr_check *plan[GR_PLAN_MAX];
    int hidden = 0;
    int hidden_points = 0;
    size_t n = gr_plan(opt, plan, GR_PLAN_MAX, &hidden, &hidden_points);
    int last_step = -1;
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        const gr_check *ck = plan[i];
        if (ck->ck_step != last_step) {
            printf("\nStep %d: %s\n", ck->ck_step,
                   (size_t)ck->ck_step <= lab->lab_nsteps ? lab->lab_steps[ck->ck_step] : "");
            last_step = ck->ck_step;
        }
        printf("  %-22s %-6s %3d pts  %s%s\n", ck->ck_name,
               gr_kind_name(ck->ck_kind), ck->ck_points,
               (ck->ck_flags & GR_HIDDEN) ? "(hidden) " : "", ck->ck_summary);
        total += ck->ck_points;
    }
    printf("\n%d points in all\n", total);
    if (hidden > 0) {
        printf("and %d hidden check%s (%d points), run when your instructor grades:\n", hidden,
               hidden == 1 ? "" : "s", hidden_points);
        char *topics = gr_plan_topics(opt);
        gr_text_indented(stdout, topics != NULL ? topics : "", "  - ");
        free(topics);
    }
}

/* What the command line asked for, beside the engine's options. */
typedef struct cli {
    gr_options cl_opt;
    const char *cl_format; /* --format */
    const char *cl_output; /* --output */
    const char *cl_batch;  /* --batch DIR, or NULL */
    int cl_jobs;           /* -j N; 0: one per CPU */
    int cl_list;           /* --list */
    int cl_targets;        /* how many of --solution, --dir, --server, --client */
    int cl_have_seed;      /* --seed was given */
    int cl_sandbox;        /* 0 with --no-sandbox */
    gr_str cl_target_args; /* the target options, shell-quoted, for replay lines */
} cli;

/* Record a target option (--solution, --dir, --server, --client). */
static void set_target(cli *c, gr_target target, const char *option, const char *value)
{
    c->cl_opt.op_target = target;
    c->cl_targets++;
    gr_str_add_word(&c->cl_target_args, option);
    if (value != NULL) {
        gr_str_add_word(&c->cl_target_args, value);
    }
}

/* One option. Returns 0, or an exit status: a usage error, or 0 after --help
 * (then *done is set). */
/* --make-certs DIR: the test CA's files, for the guide's by-hand steps. */
static int make_certs(const char *dir)
{
    char err[SL_ERR_LEN] = "";
    gr_ca *ca = gr_ca_make(err);
    int rc = ca != NULL ? gr_ca_write(ca, dir, err) : -1;
    gr_ca_free(ca);
    if (rc < 0) {
        fprintf(stderr, "grade: --make-certs: %s\n", err);
        return EXIT_INTERNAL;
    }
    printf("a fresh test CA in %s (see %s/README.txt): trust ca.pem; serve server-chain.pem "
           "with server.key\n",
           dir, dir);
    return 0;
}

static int take_option(cli *c, int opt, const char *arg, int *done)
{
    switch (opt) {
    case 'S':
        set_target(c, GR_TARGET_SOLUTION, "--solution", NULL);
        return 0;
    case 'd':
        c->cl_opt.op_dir = arg;
        set_target(c, GR_TARGET_DIR, "--dir", arg);
        return 0;
    case 's':
    case 'c':
        c->cl_opt.op_command = arg;
        set_target(c, opt == 's' ? GR_TARGET_SERVER : GR_TARGET_CLIENT,
                   opt == 's' ? "--server" : "--client", arg);
        return 0;
    case 'O':
        c->cl_opt.op_only = arg;
        return 0;
    case 'l':
        c->cl_list = 1;
        return 0;
    case 'r':
        if (parse_seed(arg, &c->cl_opt.op_seed) < 0) {
            fprintf(stderr, "grade: --seed wants a whole number from 0 to 2^53, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        c->cl_have_seed = 1;
        return 0;
    case 'v':
        c->cl_opt.op_verbose = 1;
        return 0;
    case 'I':
        c->cl_opt.op_instructor = 1;
        return 0;
    case 'N':
        c->cl_sandbox = 0;
        c->cl_opt.op_no_sandbox = 1;
        return 0;
    case 'Z':
        c->cl_opt.op_no_sanitize = 1;
        return 0;
    case 'f':
        c->cl_format = arg;
        return 0;
    case 'o':
        c->cl_output = arg;
        return 0;
    case 'B':
        c->cl_batch = arg;
        return 0;
    case 'j': {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*arg == '\0' || *end != '\0' || n < 1 || n > GR_BATCH_MAX_JOBS) {
            fprintf(stderr, "grade: --jobs wants a number from 1 to %d, not '%s'\n",
                    GR_BATCH_MAX_JOBS, arg);
            return EXIT_USAGE;
        }
        c->cl_jobs = (int)n;
        return 0;
    }
    case 'h':
        usage(stdout);
        *done = 1;
        return 0;
    case 'M':
        *done = 1;
        return make_certs(arg);
    default:
        fprintf(stderr, "grade: try 'grade --help'\n");
        return EXIT_USAGE;
    }
}

/* Parse the command line into @p c. Returns 0, or an exit status (then
 * *done is set, or it is a usage error). */
static int parse_args(int argc, char **argv, cli *c, int *done)
{
    static const struct option longopts[] = {{"solution", no_argument, NULL, 'S'},
                                             {"dir", required_argument, NULL, 'd'},
                                             {"server", required_argument, NULL, 's'},
                                             {"client", required_argument, NULL, 'c'},
                                             {"only", required_argument, NULL, 'O'},
                                             {"list", no_argument, NULL, 'l'},
                                             {"seed", required_argument, NULL, 'r'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"instructor", no_argument, NULL, 'I'},
                                             {"no-sandbox", no_argument, NULL, 'N'},
                                             {"no-sanitize", no_argument, NULL, 'Z'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"batch", required_argument, NULL, 'B'},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"make-certs", required_argument, NULL, 'M'},
                                             {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "hvo:j:", longopts, NULL)) != -1) {
        int rc = take_option(c, opt, optarg, done);
        if (rc != 0 || *done) {
            return rc;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind >= argc ? "grade: which lab? (e.g. grade 01)\n"
                                       : "grade: one lab at a time, please\n");
        list_labs(stderr);
        return EXIT_USAGE;
    }
    c->cl_opt.op_lab = gr_lab_find(argv[optind]);
    if (c->cl_opt.op_lab == NULL) {
        fprintf(stderr, "grade: no lab called '%s'\n", argv[optind]);
        list_labs(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

/* Options that do not go together, or do not fit the lab. */
static int check_combinations(const cli *c)
{
    const gr_options *opt = &c->cl_opt;
    if (c->cl_targets > 1) {
        fprintf(stderr, "grade: choose one of --solution, --dir, --server, --client\n");
        return EXIT_USAGE;
    }
    if ((c->cl_batch != NULL && (c->cl_targets > 0 || strcmp(c->cl_format, "text") != 0)) ||
        (c->cl_batch == NULL && c->cl_jobs > 0)) {
        fprintf(stderr, c->cl_batch != NULL
                            ? "grade: --batch grades each submission in its directory and writes "
                              "its own reports: it goes without --solution, --dir, --server, "
                              "--client and --format\n"
                            : "grade: --jobs goes with --batch\n");
        return EXIT_USAGE;
    }
    if ((opt->op_target == GR_TARGET_SERVER && opt->op_lab->lab_server_cmd == NULL) ||
        (opt->op_target == GR_TARGET_CLIENT && opt->op_lab->lab_client_cmd == NULL)) {
        fprintf(stderr, "grade: lab %s has no %s checks\n", opt->op_lab->lab_id,
                opt->op_target == GR_TARGET_SERVER ? "server" : "client");
        return EXIT_USAGE;
    }
    /* A lab whose client programs take arguments the checks append (lab 04)
     * has no {port} in its client command, and neither need --client's. */
    int port_needed = !(opt->op_target == GR_TARGET_CLIENT &&
                        strstr(opt->op_lab->lab_client_cmd, "{port}") == NULL);
    /* {args} brings each check's own command line, its port (or {unix}) in it. */
    int has_args = opt->op_target == GR_TARGET_SERVER && strstr(opt->op_command, "{args}") != NULL;
    if (opt->op_command != NULL && port_needed && !has_args &&
        strstr(opt->op_command, "{port}") == NULL) {
        fprintf(stderr, "grade: the command must contain {port}, where the grader puts the port "
                        "(e.g. --server './my_server {port}')\n");
        return EXIT_USAGE;
    }
    if (strcmp(c->cl_format, "text") != 0 && strcmp(c->cl_format, "json") != 0 &&
        strcmp(c->cl_format, "junit") != 0 && strcmp(c->cl_format, "gradescope") != 0) {
        fprintf(stderr, "grade: --format is text, json, junit or gradescope, not '%s'\n",
                c->cl_format);
        return EXIT_USAGE;
    }
    return 0;
}

/* The checks --only leaves, the timeout scale, and a seed when none was given. */
static int check_run(cli *c)
{
    gr_options *opt = &c->cl_opt;
    const gr_check *plan[GR_PLAN_MAX];
    int hidden = 0;
    int hidden_points = 0;
    if (gr_plan(opt, plan, GR_PLAN_MAX, &hidden, &hidden_points) == 0) {
        fprintf(stderr, "grade: no check of lab %s matches --only '%s' (see grade %s --list)\n",
                opt->op_lab->lab_id, opt->op_only != NULL ? opt->op_only : "", opt->op_lab->lab_id);
        return EXIT_USAGE;
    }
    if (parse_scale(&opt->op_scale) < 0) {
        fprintf(stderr, "grade: SOCKLAB_TIMEOUT_SCALE must be a number from 0.1 to 100, not '%s'\n",
                getenv("SOCKLAB_TIMEOUT_SCALE"));
        return EXIT_USAGE;
    }
    if (!c->cl_have_seed) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
            r = (uint32_t)getpid() ^ (uint32_t)gr_now_ms();
        }
        opt->op_seed = r % 1000000000u;
    }
    return 0;
}

/* Write the structured report (--format json, junit, gradescope). */
static int write_report(const cli *c, FILE *dst, const gr_run_result *result)
{
    char err[SL_ERR_LEN] = "";
    int rc;
    if (strcmp(c->cl_format, "json") == 0) {
        rc = gr_report_json(dst, result, err);
    } else if (strcmp(c->cl_format, "junit") == 0) {
        rc = gr_report_junit(dst, result, err);
    } else {
        /* Hidden checks show to students once grades are published. */
        rc = gr_report_gradescope(dst, result, 0, err);
    }
    if (rc < 0) {
        fprintf(stderr, "grade: could not write the %s report: %s\n", c->cl_format, err);
        return EXIT_INTERNAL;
    }
    return 0;
}

/* Where the text report goes, and whether it gets colours. */
static void choose_progress(cli *c, FILE *report)
{
    int text = strcmp(c->cl_format, "text") == 0;
    if (text) {
        c->cl_opt.op_progress = report != NULL ? report : stdout;
    } else {
        c->cl_opt.op_progress = report != NULL ? stdout : stderr;
    }
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    c->cl_opt.op_color = isatty(fileno(c->cl_opt.op_progress)) &&
                         (no_color == NULL || *no_color == '\0') &&
                         (term == NULL || strcmp(term, "dumb") != 0);
}

/* Grade one target: sandbox, engine, report. Returns the exit status. */
static int grade(cli *c)
{
    FILE *report = NULL;
    if (c->cl_output != NULL && (report = fopen(c->cl_output, "w")) == NULL) {
        fprintf(stderr, "grade: cannot write %s: %s\n", c->cl_output, strerror(errno));
        return EXIT_USAGE;
    }
    choose_progress(c, report);
    /* Before any thread exists: a network namespace needs a single-threaded
     * process. */
    gr_sandbox sb;
    gr_sandbox_init(&sb, c->cl_sandbox);
    if (sb.sb_note[0] != '\0') {
        fprintf(stderr, "grade: note: %s\n", sb.sb_note);
    }
    int status = EXIT_INTERNAL;
    gr_run_result result;
    if (gr_proc_init() < 0) {
        fprintf(stderr, "grade: cannot supervise child processes: %s\n", strerror(errno));
    } else if (gr_engine_run(&c->cl_opt, &result) == 0) {
        status = result.rr_score == result.rr_max_score ? 0 : 1;
        if (strcmp(c->cl_format, "text") != 0) {
            int rc = write_report(c, report != NULL ? report : stdout, &result);
            status = rc != 0 ? rc : status;
        }
        gr_run_result_free(&result);
    }
    if (report != NULL && fclose(report) != 0) {
        fprintf(stderr, "grade: could not write %s: %s\n", c->cl_output, strerror(errno));
        status = EXIT_INTERNAL;
    }
    return status;
}

/* Everything after the command line is understood. */
static int run(cli *c, const char *program)
{
    if (c->cl_list) {
        list_checks(&c->cl_opt);
        return 0;
    }
    int rc = check_run(c);
    if (rc != 0) {
        return rc;
    }
    char *root = find_root();
    if (root == NULL) {
        fprintf(stderr, "grade: cannot find the socklab directory (set SOCKLAB_ROOT)\n");
        return EXIT_INTERNAL;
    }
    c->cl_opt.op_root = root;
    c->cl_opt.op_program = program;
    c->cl_opt.op_target_args = gr_str_cstr(&c->cl_target_args);
    if (c->cl_batch != NULL) {
        /* Each submission gets a child grader, which sandboxes itself. */
        c->cl_opt.op_progress = stdout;
        rc = gr_batch_run(&c->cl_opt, c->cl_batch, c->cl_jobs, c->cl_output);
    } else {
        rc = grade(c);
    }
    free(root);
    return rc;
}

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    c.cl_opt.op_target = GR_TARGET_LAB;
    c.cl_format = "text";
    c.cl_sandbox = 1;
    int done = 0;
    int rc = parse_args(argc, argv, &c, &done);
    if (rc == 0 && !done) {
        rc = check_combinations(&c);
    }
    if (rc == 0 && !done) {
        if (c.cl_batch != NULL) {
            c.cl_opt.op_instructor = 1; /* a class is graded on the hidden checks too */
        }
        rc = run(&c, argv[0]);
    }
    gr_str_free(&c.cl_target_args);
    return rc;
}
