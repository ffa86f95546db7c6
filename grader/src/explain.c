/*
 * `grade explain LAB [CHECK] [--html FILE] [--mutant NAME]`: grade the lab
 * as usual, then run one check (the first failing one by default) again
 * under strace, in the same sandbox, and draw what its processes did.
 *
 * Safety (docs/threat-model.md, "Explain mode"): only in this command the
 * judge's filter lets ptrace through, for strace; student code keeps the
 * student filter, which refuses ptrace, on top. The traced run never gives
 * a verdict: it is shown beside the untraced one, and when they differ the
 * picture says so.
 */
#define _GNU_SOURCE
#include "explain.h"
#include "selfstudy.h"
#include "trace_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TRACE_CAP = 64 << 20 };

/* The calls that make the picture: process life, descriptors, signals,
 * IPC, sockets, uid changes (who became the student), and the waits that
 * are not in those classes (futex: sem_wait; sleeps). One list, for the
 * Criterion runner here and for check.bash's wrapper (PROCLABS_TRACE_FLAGS). */
static const char *const strace_flags[] = {
    "-f",
    "-ttt",
    "-T", /* how long each call took: the waits drawn as blocked */
    "-y",
    "-q",
    "-s",
    "48",
    "--seccomp-bpf",
    "-e",
    "trace=%process,%desc,%signal,%ipc,%net,%creds,futex,nanosleep,clock_nanosleep,ptrace,"
    "process_vm_readv,process_vm_writev",
    NULL};

static const char strace_path[] = "/usr/bin/strace";

bool explain_lab_number(int number)
{
    return (number >= 1 && number <= 8) || number == 10 || (number >= 12 && number <= 16) ||
           number == 19;
}

bool explain_supported(const struct lab_spec *lab)
{
    return explain_lab_number(atoi(lab->id));
}

struct traced {
    char **argv;
    char **env;
};

static char *trace_dir(const struct build_env *b)
{
    return xasprintf("%s/.explain", b->dir);
}

struct traced *trace_wrap(const struct build_env *b, enum check_kind kind, char **argv,
                          struct run_spec *spec)
{
    struct trace_req *req = b->kit->trace;
    if (!req)
        return NULL;
    /* The trace folder: made by us after the build, so the student never
     * owned it; the judge gets it (hand_over keeps 0700) and no one else
     * may enter it, so student code can neither read nor forge a trace. */
    char *dir = trace_dir(b);
    bool here = req->tracing && (mkdir(dir, 0700) == 0 || (errno == EEXIST && is_dir(dir)));
    bool wrap = req->tracing && kind == req->kind && here;
    int n = 0;
    while (argv[n])
        n++;
    struct traced *t = xcalloc(1, sizeof *t);
    t->argv = xcalloc((size_t)n + 24, sizeof *t->argv);
    int k = 0;
    if (wrap && kind == KIND_CRITERION) {
        t->argv[k++] = xstrdup(strace_path);
        for (const char *const *f = strace_flags; *f; f++)
            t->argv[k++] = xstrdup(*f);
        t->argv[k++] = xstrdup("-o");
        t->argv[k++] = xasprintf("%s/criterion.trace", dir);
    }
    for (int i = 0; i < n; i++) {
        t->argv[k++] = xstrdup(argv[i]);
        /* Only the one check runs: Criterion's --filter, bats' -f (after
         * the kit's runner's script, when bash runs it). */
        if (kind == KIND_BATS && i == (strcmp(argv[0], "bash") ? 0 : 1)) {
            t->argv[k++] = xstrdup("-f");
            t->argv[k++] = xasprintf("^%s$", req->check);
        }
    }
    if (kind == KIND_CRITERION) {
        t->argv[k++] = xstrdup("--filter");
        t->argv[k++] = xasprintf("*/%s", req->check);
    }
    spec->argv = t->argv;
    if (wrap && kind == KIND_BATS) {
        int e = 0;
        while (spec->setenv && spec->setenv[e])
            e++;
        t->env = xcalloc((size_t)e + 3, sizeof *t->env);
        for (int i = 0; i < e; i++)
            t->env[i] = xstrdup(spec->setenv[i]);
        t->env[e] = xasprintf("PROCLABS_TRACE_OUT=%s/bats.trace", dir);
        char *flags = xstrdup("");
        for (const char *const *f = strace_flags; *f; f++) {
            char *more = xasprintf("%s%s%s", flags, *flags ? " " : "", *f);
            free(flags);
            flags = more;
        }
        t->env[e + 1] = xasprintf("PROCLABS_TRACE_FLAGS=%s", flags);
        free(flags);
        spec->setenv = t->env;
    }
    spec->may_trace = wrap;
    free(dir);
    return t;
}

void trace_unwrap(struct traced *t)
{
    if (!t)
        return;
    for (char **a = t->argv; *a; a++)
        free(*a);
    free(t->argv);
    for (char **e = t->env; e && *e; e++)
        free(*e);
    free(t->env);
    free(t);
}

void trace_collect(const struct build_env *b)
{
    struct trace_req *req = b->kit->trace;
    if (!req || !req->tracing || !b->dir[0])
        return;
    char *path =
        xasprintf("%s/.explain/%s.trace", b->dir, req->kind == KIND_BATS ? "bats" : "criterion");
    free(req->text);
    req->text = read_text(path, TRACE_CAP);
    free(path);
}

/* ---- the command ---------------------------------------------------------- */

static const struct check_result *find_check(const struct lab_result *r, const char *name)
{
    for (int i = 1; i < r->nchecks; i++)
        if (!strcmp(r->checks[i].name, name))
            return &r->checks[i];
    return NULL;
}

/* Why explain cannot trace on this machine, or NULL. */
static const char *cannot_trace(void)
{
    const struct sandbox_info *info = contain_info();
    if (access(strace_path, X_OK) != 0)
        return want_chinese()
                   ? "没有 strace（跟踪器）：以 root 运行 'make setup'（或 apt-get install strace）"
                   : "strace (the tracer) is not installed: run 'make setup' as root "
                     "(or apt-get install strace)";
    if (!info->student_uid)
        return want_chinese()
                   ? "这台机器上学生代码与评测者同一个用户（不是 "
                     "root）：跟踪器会与学生代码同一用户，"
                     "学生代码就能改动它。请以 root 运行 explain"
                   : "student code would run as the same user as the tracer here (no second user: "
                     "not root), and could then tamper with the tracer: run explain as root";
    return NULL;
}

static void usage(void)
{
    fputs("usage: grade explain LAB [CHECK] [--html FILE] [--mutant NAME] [--dir DIR | "
          "--solutions]\n"
          "       grade explain --trace FILE [--html FILE]   draw a saved strace -f -ttt -y "
          "output\n"
          "  re-runs one check of LAB (the first failing one by default) under strace and\n"
          "  draws what its processes did: who forked whom, who held which pipe end, where\n"
          "  each process was blocked, which signals went where.\n",
          stderr);
}

static char *mutant_ws(const struct kit *kit, const struct lab_spec *lab, const char *name,
                       char **tmp)
{
    char dir[256];
    lab_dirname(lab, dir, sizeof dir);
    char *mutdir = xasprintf("%s/grader/checks/%s/mutants/%s", kit->root, dir, name);
    if (!is_dir(mutdir)) {
        fprintf(stderr, "grade: lab %s has no mutant '%s' (see grader/checks/%s/mutants/)\n",
                lab->id, name, dir);
        free(mutdir);
        return NULL;
    }
    const char *base = getenv("TMPDIR");
    *tmp = xasprintf("%s/proclabs-explain.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(*tmp)) {
        fprintf(stderr, "grade: cannot make a folder in %s: %s\n", base ? base : "/tmp",
                strerror(errno));
        free(mutdir);
        return NULL;
    }
    bool applies = false;
    char *ws = mutant_workspace(kit, lab, mutdir, *tmp, 0, &applies);
    free(mutdir);
    if (!applies) {
        fprintf(stderr, "grade: mutant %s of lab %s no longer applies to the solution\n", name,
                lab->id);
        free(ws);
        return NULL;
    }
    return ws;
}

/* The findings, the timeline and the details of one trace; the page too. */
static int explain_show(const char *text, const char *title, const char *html)
{
    bool zh = want_chinese();
    struct trace_model m;
    trace_parse(text, &m);
    char *findings = trace_findings(&m, zh);
    printf("\n%s\n%s", zh ? "看这里：" : "What to look at:",
           *findings ? findings : (zh ? "  没有发现问题。\n" : "  nothing stands out.\n"));
    putchar('\n');
    timeline_print(stdout, &m, 100, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"), zh);
    int rc = 0;
    if (html) {
        if (timeline_html(html, &m, title, findings)) {
            printf("\n%s %s\n", zh ? "网页：" : "page:", html);
        } else {
            fprintf(stderr, "grade: cannot write %s: %s\n", html, strerror(errno));
            rc = 2;
        }
    }
    free(findings);
    trace_model_free(&m);
    return rc;
}

static int explain_run(struct kit *kit, const struct lab_spec *lab, const char *want,
                       const char *html)
{
    bool zh = want_chinese();
    /* A named check runs alone, also untraced; else the whole lab is graded
     * to find the first failing one. */
    struct trace_req only = {.check = want};
    kit->trace = want ? &only : NULL;
    struct lab_result plain;
    grade_lab(kit, lab, &plain);
    kit->trace = NULL;
    const struct check_result *c = NULL;
    if (want) {
        c = find_check(&plain, want);
        if (!c) {
            fprintf(stderr, "grade: lab %s has no check '%s'; its checks:", lab->id, want);
            for (int i = 1; i < plain.nchecks; i++)
                fprintf(stderr, " %s", plain.checks[i].name);
            fputc('\n', stderr);
            lab_result_free(&plain);
            return 2;
        }
    } else {
        for (int i = 1; i < plain.nchecks && !c; i++)
            if (plain.checks[i].status != ST_PASSED)
                c = &plain.checks[i];
        if (!c && plain.nchecks > 1)
            c = &plain.checks[1];
    }
    if (!plain.built || !c) {
        fprintf(stderr, "grade: lab %s %s, so there is nothing to run and show: %s\n", lab->id,
                plain.built ? "has no checks" : "does not build",
                plain.error ? plain.error : "see 'grader/grade' for the compiler's messages");
        lab_result_free(&plain);
        return 1;
    }
    if (c->kind != KIND_CRITERION && c->kind != KIND_BATS) {
        fprintf(stderr, "grade: check %s did not run (%s): nothing to show\n", c->name,
                c->message ? c->message : "no result");
        lab_result_free(&plain);
        return 1;
    }

    struct trace_req req = {.check = c->name, .kind = c->kind, .tracing = true};
    kit->trace = &req;
    struct lab_result traced;
    grade_lab(kit, lab, &traced);
    kit->trace = NULL;
    const struct check_result *tc = find_check(&traced, c->name);
    enum check_status ts = tc ? tc->status : ST_ERROR;

    printf("%s %s %s, %s %s\n", zh ? "实验" : "lab", lab->id, lab->slug, zh ? "检查" : "check",
           c->name);
    printf("  %s: %s   %s: %s%s\n", zh ? "不跟踪" : "untraced", status_name(c->status),
           zh ? "跟踪下" : "traced", status_name(ts),
           ts == c->status ? (zh ? "（相同）" : " (the same)")
                           : (zh ? "（不同：跟踪改变了时序，下图可能没有出现那个错误）"
                                 : " (they differ: tracing changed the timing, the picture may "
                                   "not show the failure)"));
    if (c->status != ST_PASSED && c->message) {
        char *msg = xstrdup(c->message);
        keep_lines(msg, 4);
        printf("  %s: %s\n", zh ? "消息" : "message", msg);
        free(msg);
    }
    int rc = 0;
    if (!req.text || !*req.text) {
        printf("\n%s\n",
               zh ? "跟踪器没有产生任何输出：沙箱拒绝了 ptrace，或者该检查没有运行学生代码。"
                  : "The tracer wrote nothing: the sandbox refused ptrace here, or the check "
                    "ran no student code.");
        rc = 1;
    } else {
        const char *raw = getenv("PROCLABS_EXPLAIN_RAW"); /* the tracer's output, for tests */
        FILE *f = raw ? fopen(raw, "w") : NULL;
        if (f) {
            fputs(req.text, f);
            fclose(f);
        }
        char *title = xasprintf("lab %s %s: %s", lab->id, lab->slug, c->name);
        rc = explain_show(req.text, title, html);
        free(title);
    }
    free(req.text);
    lab_result_free(&traced);
    lab_result_free(&plain);
    return rc;
}

int cmd_explain(struct kit *kit, const struct cli *cli)
{
    if (cli->trace) { /* a saved strace output: drawn, nothing run */
        char *text = read_text(cli->trace, TRACE_CAP);
        if (!text) {
            fprintf(stderr, "grade: cannot read %s: %s\n", cli->trace, strerror(errno));
            return 2;
        }
        printf("%s %s\n", want_chinese() ? "跟踪文件" : "trace", cli->trace);
        int rc = explain_show(text, cli->trace, cli->html);
        free(text);
        return rc;
    }
    if (cli->nnames < 1 || cli->nnames > 2) {
        usage();
        return 2;
    }
    const struct lab_spec *lab = manifest_find(&kit->manifest, cli->names[0]);
    if (!lab) {
        fprintf(stderr, "grade: no lab '%s'\n", cli->names[0]);
        return 2;
    }
    if (!explain_supported(lab)) {
        fprintf(
            stderr,
            want_chinese()
                ? "grade: explain 展示关于进程、管道、信号和阻塞的实验（01-08、10、12-16、19）；"
                  "实验 %s 不在其中\n"
                : "grade: explain shows the labs about processes, pipes, signals and blocking "
                  "(01-08, 10, 12-16, 19); lab %s is not one of them\n",
            lab->id);
        return 2;
    }
    char *missing = missing_dependencies(kit);
    if (missing) {
        fprintf(stderr, "grade: %s\n", missing);
        free(missing);
        return 2;
    }
    const char *why = cannot_trace();
    if (why) {
        fprintf(stderr, "grade: explain cannot trace: %s\n", why);
        return 2;
    }
    const char *want = cli->nnames == 2 ? cli->names[1] : NULL;
    bool known = !want;
    for (int i = 0; i < lab->nchecks && !known; i++)
        known = !strcmp(lab->checks[i].name, want);
    if (!known) {
        fprintf(stderr, "grade: lab %s has no check '%s'; its checks:", lab->id, want);
        for (int i = 0; i < lab->nchecks; i++)
            fprintf(stderr, " %s", lab->checks[i].name);
        fputc('\n', stderr);
        return 2;
    }
    char *tmp = NULL;
    if (cli->mutant) {
        char *ws = mutant_ws(kit, lab, cli->mutant, &tmp);
        if (!ws) {
            if (tmp)
                remove_tree(tmp);
            free(tmp);
            return 2;
        }
        snprintf(kit->workspace, sizeof kit->workspace, "%s", ws);
        free(ws);
    }
    int rc = explain_run(kit, lab, want, cli->html);
    if (tmp)
        remove_tree(tmp);
    free(tmp);
    return rc;
}
