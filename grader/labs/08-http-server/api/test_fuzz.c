/* test_fuzz.c - `make check`'s bounded run of lab 08's parser fuzzer: the
 * libFuzzer program (fuzz_http_parser.c, built by the top Makefile when
 * clang's fuzzer runtime is there) runs for FUZZ_TIME seconds (20 unless
 * the environment says otherwise) from the kit's seeds, and the suite
 * passes when it found nothing. Without the fuzzer runtime it says what
 * to install and passes: the fuzzer is a tool of the kit, not of a lab. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cu_run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FUZZ_BIN
#error "build with -DFUZZ_BIN=\"path of the fuzzer\" -DFUZZ_SEEDS=\"its seed folder\""
#endif

/* The fuzzer may take this much longer than its time before it is killed. */
#define FUZZ_GRACE_S 60

/* The last lines of @p path that say how the run went: its figures. */
static void show_figures(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512], last[512] = "", done[512] = "";
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, " cov: ") != NULL) {
            snprintf(last, sizeof last, "%s", line);
        }
        if (strncmp(line, "Done ", 5) == 0) {
            snprintf(done, sizeof done, "%s", line);
        }
    }
    fclose(f);
    printf("    fuzzer: %s    fuzzer: %s", last[0] ? last : "(no figures)\n",
           done[0] ? done : "(no summary)\n");
}

/* The whole log, when the fuzzer found something. */
static void show_log(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        printf("    | %s", line);
    }
    if (f != NULL) {
        fclose(f);
    }
}

static void test_fuzz_run(void)
{
    if (access(FUZZ_BIN, X_OK) != 0) {
        printf("    skipped: no fuzzer at %s: clang's libFuzzer runtime is missing "
               "(apt-get install clang libclang-rt-14-dev, then make check again)\n",
               FUZZ_BIN);
        return;
    }
    const char *t = getenv("FUZZ_TIME");
    int secs = t != NULL && atoi(t) > 0 ? atoi(t) : 20;
    char corpus[] = FUZZ_BIN "-corpus", log[] = FUZZ_BIN ".log", timearg[64];
    char artifacts[] = "-artifact_prefix=" FUZZ_BIN;
    /* A crashing input is written beside the fuzzer, not in the kit's top. */
    *(strrchr(artifacts, '/') + 1) = '\0';
    snprintf(timearg, sizeof timearg, "-max_total_time=%d", secs);
    if (mkdir(corpus, 0755) < 0 && errno != EEXIST) {
        CU_FAIL("cannot make the fuzzer's corpus folder");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        alarm((unsigned)(secs + FUZZ_GRACE_S));
        execl(FUZZ_BIN, FUZZ_BIN, timearg, "-timeout=10", "-rss_limit_mb=1024",
              "-print_final_stats=1", artifacts, corpus, FUZZ_SEEDS, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    CU_ASSERT_FATAL(pid > 0 && waitpid(pid, &status, 0) == pid);
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok) {
        show_figures(log);
    } else {
        show_log(log);
    }
    CU_EXPECT(ok, __LINE__,
              "the fuzzer found an input that breaks the parser (status 0x%x): its "
              "log is above, the input in the file it names",
              (unsigned)status);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    static const cu_test fuzz[] = {
        {"lab 08's parser under libFuzzer: no crash, no broken promise", test_fuzz_run},
        {NULL, NULL}};
    if (cu_add_suite("fuzz-http-parser", fuzz) < 0) {
        CU_cleanup_registry();
        return 1;
    }
    return cu_run("test_fuzz");
}
