/* Lab 06 checks: is_daemon, start_process, start_daemon. */
#define _GNU_SOURCE
#include "check.h"
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(daemon, .timeout = CHECK_SUITE_TIMEOUT);

/* Bounds, not expectations: a correct daemon dies within a millisecond or two
 * of its parent; these only keep a wrong one from hanging the check. */
enum { FIRST_BEAT_MS = 2000, MAIN_BOUND_MS = 3000, OUTLIVE_MS = 1500, END_MS = 2000 };

/* What the processes saw, written from whichever process saw it. */
struct seen {
    pid_t caller;       /* the process that called start_*() */
    bool caller_daemon; /* is_daemon() there, before */
    bool caller_after;  /* is_daemon() there, after start_daemon() */
    pid_t returned;     /* start_*()'s return value */
    bool ended;         /* the child ended within the bound */
    int job_runs;
    pid_t job_pid, job_ppid;
    bool job_daemon; /* is_daemon() inside the job */
    pid_t second;    /* start_process() in the caller after start_daemon() */
    int second_runs;
    /* the death checks */
    pid_t main_pid;
    int main_status;
    bool main_hung;
    bool beat_seen;
    bool outlived;
    int beats_before, beats_after;
    double gone_ms;
    /* the refusal check */
    bool tried;
    pid_t child_ret, daemon_ret;
    int child_errno, daemon_errno;
    int grandchild_runs;
    /* what the daemon's job saw of itself */
    int job_pdeathsig;   /* prctl(PR_GET_PDEATHSIG) in the daemon, -1 unknown */
    pid_t job_first_ppid; /* getppid() at its first heartbeat */
    /* the stdio and atexit check */
    int atexit_in_child;  /* the parent's atexit handler ran in another process */
    pid_t daemon2;        /* start_daemon() in the stdio check */
    int first_runs;       /* job runs after the start_process() part */
    bool daemon2_ended;
    bool refusal_on_stdout; /* the daemon's refusal went to stdout (captured apart) */
    int daemon_status;      /* the daemon's wait status (call_start_daemon), -1 unknown */
};

/* Wait at most ms for pid to end (a real event: its pidfd turns readable);
 * reap it when it is our child. True if it ended. */
static bool reap_within(pid_t pid, int *status, double ms)
{
    double deadline = now_ms() + ms;
    int fd = pidfd_open(pid, 0);
    if (fd < 0 && errno == ESRCH) return true; /* already gone and reaped */
    bool ended = false;
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid) {
            ended = true;
            break;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (w < 0 && errno == ECHILD && fd >= 0 && poll(&p, 1, 0) > 0) {
            ended = true; /* not our child, but it has ended */
            break;
        }
        double left = deadline - now_ms();
        if (left <= 0) break;
        if (fd < 0 || poll(&p, 1, left < 20 ? (int)left + 1 : 20) < 0) sleep_ms(1);
    }
    if (fd >= 0) close(fd);
    return ended;
}

static bool plausible_child(pid_t pid, const struct seen *s)
{
    return pid > 1 && pid != s->caller && pid != s->main_pid && pid != getpid();
}

/* ---- start_process ---------------------------------------------------- */

static void record_job(void *arg)
{
    struct seen *s = arg;
    __atomic_add_fetch(&s->job_runs, 1, __ATOMIC_SEQ_CST);
    s->job_pid = getpid();
    s->job_ppid = getppid();
    s->job_daemon = is_daemon();
}

static void second_job(void *arg)
{
    struct seen *s = arg;
    __atomic_add_fetch(&s->second_runs, 1, __ATOMIC_SEQ_CST);
}

static void call_start_process(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    pid_t pid = start_process(record_job, s);
    if (getpid() != s->caller)
        return; /* a child came back out of start_process(): the sandbox counts it */
    s->returned = pid;
    int st;
    if (plausible_child(s->returned, s)) s->ended = reap_within(s->returned, &st, END_MS);
}

Test(daemon, start_process_runs_job_in_child)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_start_process, s, 4000);
    cr_assert(r.stray_returns == 0,
              "%d process(es) came back out of start_process() besides the caller: the child "
              "must end with _exit(0) after job(arg), never return to the caller",
              r.stray_returns);
    sandbox_assert_returned(&r, "start_process()");
    cr_assert(s->returned > 0 || s->job_runs > 0,
              "start_process() returned %d and no child ran the job: it does not fork yet",
              (int)s->returned);
    cr_assert(s->returned != s->caller,
              "start_process() returned the caller's own pid %d: return what fork() gave the "
              "parent (the child's pid)",
              (int)s->caller);
    cr_assert(s->job_runs == 1 && s->job_pid == s->returned && s->job_ppid == s->caller,
              "the job ran %d time(s), in pid %d (parent %d), but start_process() returned %d "
              "to the caller %d: run job(arg) in the child, once",
              s->job_runs, (int)s->job_pid, (int)s->job_ppid, (int)s->returned, (int)s->caller);
    cr_assert(!s->job_daemon, "is_daemon() was true in an ordinary child started by "
                              "start_process(): only start_daemon() makes daemons");
    cr_assert(!strstr(r.output, DAEMON_CHILD_ERROR),
              "start_process() in the main process, which is no daemon, printed \"%s\": "
              "print the refusal only when is_daemon() is true.\n%s",
              DAEMON_CHILD_ERROR, sandbox_tail(&r));
    cr_assert(s->ended,
              "the child did not exit within %d ms after its job returned: end the "
              "child with _exit(0) after job(arg)",
              END_MS);
}

/* ---- the child's end: stdio flushed once, no atexit of the parent --------- */

static struct seen *atexit_seen;

static void parent_atexit(void)
{
    if (getpid() != atexit_seen->caller)
        __atomic_add_fetch(&atexit_seen->atexit_in_child, 1, __ATOMIC_SEQ_CST);
}

static void printing_job(void *arg)
{
    struct seen *s = arg;
    __atomic_add_fetch(&s->job_runs, 1, __ATOMIC_SEQ_CST);
    printf("[the job's line]\n"); /* stdout is a pipe: buffered, not yet written */
}

static void call_start_process_stdio(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    atexit_seen = s;
    atexit(parent_atexit);
    setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
    printf("[the parent's unflushed text]");
    pid_t pid = start_process(printing_job, s);
    if (getpid() != s->caller)
        return; /* a child came back out of start_process(): the sandbox counts it */
    s->returned = pid;
    int st;
    if (plausible_child(s->returned, s)) s->ended = reap_within(s->returned, &st, END_MS);
    s->first_runs = s->job_runs;
    printf("[unflushed before start_daemon]");
    pid = start_daemon(printing_job, s);
    if (getpid() != s->caller)
        return;
    s->daemon2 = pid;
    if (plausible_child(s->daemon2, s)) s->daemon2_ended = reap_within(s->daemon2, &st, END_MS);
    fflush(stdout);
}

static int count_in(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

Test(daemon, child_ends_like_python)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_start_process_stdio, s, 4000);
    sandbox_assert_returned(&r, "start_process()");
    cr_assert(s->returned > 0 && s->first_runs == 1,
              "start_process() returned %d and the job ran %d times (see "
              "start_process_runs_job_in_child: fix that first)",
              (int)s->returned, s->first_runs);
    cr_assert(s->ended, "the child did not end within %d ms after its job returned", END_MS);
    int parent_text = count_in(r.output, "[the parent's unflushed text]");
    cr_assert(parent_text == 1,
              "the parent printed \"[the parent's unflushed text]\" once, without a newline, "
              "before start_process(), and it appeared %d times: the child got a copy of the "
              "parent's stdio buffer at fork() and wrote it out again. Call fflush(NULL) before "
              "fork().\n%s",
              parent_text, sandbox_tail(&r));
    int before_daemon = count_in(r.output, "[unflushed before start_daemon]");
    cr_assert(s->daemon2 <= 0 || before_daemon == 1,
              "the parent printed \"[unflushed before start_daemon]\" once, without a newline, "
              "before start_daemon(), and it appeared %d times: the daemon got a copy of the "
              "parent's stdio buffer at fork() and wrote it out again. Call fflush(NULL) "
              "before fork() in start_daemon() too.\n%s",
              before_daemon, sandbox_tail(&r));
    cr_assert(s->atexit_in_child == 0,
              "the parent's atexit handler ran in the child when it ended: the child left with "
              "exit(), which runs the handlers the parent registered (Python's child ends with "
              "os._exit()). End the child with fflush(NULL); _exit(0);");
    int expect_lines = s->daemon2 > 0 ? 2 : 1;
    cr_assert(count_in(r.output, "[the job's line]") == expect_lines,
              "the job printed \"[the job's line]\\n\" (stdout is a pipe here, so stdio "
              "buffered it), and it %s: the child must fflush(NULL) before _exit(0), which "
              "drops whatever stdio still holds.\n%s",
              count_in(r.output, "[the job's line]") > expect_lines ? _("appeared more than once")
              : count_in(r.output, "[the job's line]") == 0         ? _("never appeared")
                                                                    : _("was lost in one child"),
              sandbox_tail(&r));
}

/* ---- start_daemon: who is a daemon ------------------------------------- */

static void call_start_daemon(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    s->caller_daemon = is_daemon();
    pid_t pid = start_daemon(record_job, s);
    if (getpid() != s->caller)
        return; /* the daemon came back out of start_daemon(): the sandbox counts it */
    s->returned = pid;
    int st = -1;
    if (plausible_child(s->returned, s)) s->ended = reap_within(s->returned, &st, END_MS);
    s->daemon_status = s->ended ? st : -1;
    s->caller_after = is_daemon();
    pid = start_process(second_job, s);
    if (getpid() != s->caller) return;
    s->second = pid;
    if (plausible_child(s->second, s)) reap_within(s->second, &st, END_MS);
}

Test(daemon, daemon_runs_job_in_child)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_start_daemon, s, 6000);
    cr_assert(r.stray_returns == 0,
              "%d process(es) came back out of start_daemon() besides the caller: when its job "
              "returns, the daemon must end with _exit(0), never return to the caller",
              r.stray_returns);
    sandbox_assert_returned(&r, "start_daemon()");
    cr_assert(s->returned > 0 || s->job_runs > 0,
              "start_daemon() returned %d and no daemon ran the job: it does not fork yet",
              (int)s->returned);
    int ds = s->daemon_status;
    cr_assert(!(s->job_runs == 0 && s->returned > 0 && ds != -1 && WIFEXITED(ds) &&
                WEXITSTATUS(ds) != 0),
              "daemon %d exited with status %d before running its job, while its parent %d was "
              "alive and waiting: the check after prctl() took the living parent for gone. "
              "Compare getppid() with the parent's pid saved with getpid() before fork() (in "
              "the child, getpid() is the child's own pid, and the value must come from before "
              "fork())",
              (int)s->returned, ds != -1 ? WEXITSTATUS(ds) : -1, (int)s->caller);
    cr_assert(s->job_runs == 1 && s->job_pid == s->returned && s->job_ppid == s->caller,
              "the job ran %d time(s), in pid %d (parent %d), but start_daemon() returned %d "
              "to the caller %d: run job(arg) in the child, once",
              s->job_runs, (int)s->job_pid, (int)s->job_ppid, (int)s->returned, (int)s->caller);
    cr_assert(!s->caller_daemon, "is_daemon() was true in the main process before any daemon "
                                 "was started: it must start out false");
    cr_assert(s->job_daemon, "is_daemon() was false inside the daemon: set the daemon flag in "
                             "the child, where fork() returned 0");
    cr_assert(!s->caller_after,
              "is_daemon() became true in the main process after start_daemon(): the flag was "
              "set before fork() or in the parent's branch, so the main process now counts as "
              "a daemon. Set it only in the child, where fork() returned 0");
    cr_assert(s->second > 0 && s->second_runs == 1,
              "after start_daemon(), start_process() in the main process returned %d (its job "
              "ran %d times): the main process is no daemon and may start children",
              (int)s->second, s->second_runs);
    cr_assert(s->ended,
              "the daemon did not exit within %d ms after its job returned: end it "
              "with _exit(0) after job(arg)",
              END_MS);
}

/* ---- start_daemon: no daemon outlives its parent ------------------------ */

enum end_how { END_EXIT, END_KILL, END_KILL_AT_ONCE };

static int beat[2]; /* the daemon writes a byte per heartbeat */

static void heartbeat_job(void *arg)
{
    struct seen *s = arg;
    /* A job may handle or ignore SIGTERM (a graceful shutdown, lab 08): the
     * daemon must die with its parent all the same. */
    signal(SIGTERM, SIG_IGN);
    int sig = -1;
    if (prctl(PR_GET_PDEATHSIG, &sig) < 0) sig = -1;
    s->job_pdeathsig = sig;
    s->job_first_ppid = getppid();
    for (;;) {
        __atomic_add_fetch(&s->job_runs, 1, __ATOMIC_SEQ_CST);
        (void)!write(beat[1], "b", 1);
        sleep_ms(5);
    }
}

/* Fork handler for the race check: the new child waits (bounded) until its
 * parent has died before it returns from fork(), so the parent is surely
 * gone before the child can set up its death signal. */
static pid_t hold_parent;

static void hold_until_parent_died(void)
{
    int fd = pidfd_open(hold_parent, 0);
    if (fd < 0) return;
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, MAIN_BOUND_MS);
    close(fd);
}

/* The main process: start a daemon, wait for its first heartbeat, then end. */
static void main_process(struct seen *s, enum end_how how)
{
    if (how == END_KILL_AT_ONCE) {
        hold_parent = getpid();
        pthread_atfork(NULL, NULL, hold_until_parent_died);
    }
    pid_t me = getpid(), pid = start_daemon(heartbeat_job, s);
    if (getpid() != me) _exit(0); /* the daemon came back out of start_daemon() */
    s->returned = pid;
    if (how == END_KILL_AT_ONCE) raise(SIGKILL);
    close(beat[1]); /* now only the daemon writes: EOF when it is gone */
    struct pollfd p = {beat[0], POLLIN, 0};
    char b;
    s->beat_seen = poll(&p, 1, FIRST_BEAT_MS) > 0 && read(beat[0], &b, 1) == 1;
    if (how == END_EXIT) exit(0); /* a normal exit: atexit handlers run */
    raise(SIGKILL);
    _exit(99);
}

/* The body: a subreaper, so that the daemon, orphaned when the main process
 * dies, becomes our child and we see it end. */
static void watch_main(struct seen *s, enum end_how how)
{
    s->caller = getpid();
    s->job_pdeathsig = -1;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    Pipe(beat);
    fcntl(beat[1], F_SETFL, O_NONBLOCK);
    pid_t pid = Fork(); /* not straight into shared memory: the child would write 0 there */
    if (pid == 0) main_process(s, how);
    s->main_pid = pid;
    close(beat[0]);
    close(beat[1]);
    if (!reap_within(s->main_pid, &s->main_status, MAIN_BOUND_MS)) {
        s->main_hung = true;
        kill(s->main_pid, SIGKILL);
        reap_within(s->main_pid, &s->main_status, MAIN_BOUND_MS);
    }
    pid_t d = s->returned;
    if (!plausible_child(d, s)) return;
    s->beats_before = s->job_runs;
    double t0 = now_ms();
    int st;
    s->outlived = !reap_within(d, &st, OUTLIVE_MS);
    s->gone_ms = now_ms() - t0;
    s->beats_after = s->job_runs;
    if (s->outlived) {
        kill(d, SIGKILL);
        reap_within(d, &st, OUTLIVE_MS);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static void watch_exit(void *shared)
{
    watch_main(shared, END_EXIT);
}

static void watch_kill(void *shared)
{
    watch_main(shared, END_KILL);
}

static void watch_kill_at_once(void *shared)
{
    watch_main(shared, END_KILL_AT_ONCE);
}

/* What every death check needs first: a daemon that ran, a parent that ended. */
static void assert_daemon_started(const struct sandbox *r, const struct seen *s, bool need_beat)
{
    sandbox_assert_returned(r, "the check's watcher");
    cr_assert(!s->main_hung,
              "the main process was still inside start_daemon() after %d ms: the parent must "
              "return the daemon's pid at once, not wait for the daemon",
              MAIN_BOUND_MS);
    cr_assert(s->returned > 0, "start_daemon() returned %d: it does not fork a daemon yet",
              (int)s->returned);
    cr_assert(!need_beat || s->beat_seen,
              "the daemon's job never ran (no heartbeat within %d ms of start_daemon()): run "
              "job(arg) in the child",
              FIRST_BEAT_MS);
}

Test(daemon, daemon_dies_when_parent_exits)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(watch_exit, s, 8000);
    assert_daemon_started(&r, s, true);
    cr_assert(!s->outlived || s->job_pdeathsig != 0,
              "daemon %d was still alive %d ms after its parent exited normally (it beat %d "
              "more times), and it had no death signal: prctl(PR_GET_PDEATHSIG) inside its job "
              "gave 0. A daemon must die with its parent: in the child (where fork() returned "
              "0), before the job, call prctl(PR_SET_PDEATHSIG, SIGKILL)",
              (int)s->returned, OUTLIVE_MS, s->beats_after - s->beats_before);
    cr_assert(!s->outlived,
              "daemon %d was still alive %d ms after its parent exited normally (it beat %d "
              "more times), although its death signal was %d (%s): a daemon must die with its "
              "parent. Ask for SIGKILL, which the job cannot catch or ignore",
              (int)s->returned, OUTLIVE_MS, s->beats_after - s->beats_before, s->job_pdeathsig,
              s->job_pdeathsig > 0 ? strsignal(s->job_pdeathsig) : "?");
}

Test(daemon, daemon_dies_when_parent_killed)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(watch_kill, s, 8000);
    assert_daemon_started(&r, s, true);
    cr_assert(!s->outlived,
              "daemon %d was still alive %d ms after its parent was killed with SIGKILL (it "
              "beat %d more times; its death signal, prctl(PR_GET_PDEATHSIG) in the job, was "
              "%d): a SIGKILLed parent runs no atexit handler and no cleanup, so whatever the "
              "parent does on its way out is never done. Let the kernel kill the daemon: "
              "prctl(PR_SET_PDEATHSIG, SIGKILL) in the child",
              (int)s->returned, OUTLIVE_MS, s->beats_after - s->beats_before, s->job_pdeathsig);
}

Test(daemon, daemon_dies_if_parent_died_first)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(watch_kill_at_once, s, 8000);
    assert_daemon_started(&r, s, false);
    cr_assert(!s->outlived || s->job_pdeathsig != 0,
              "daemon %d was still alive %d ms after its parent died (it beat %d times), and "
              "it had no death signal at all: prctl(PR_GET_PDEATHSIG) inside its job gave 0 "
              "(see daemon_dies_when_parent_exits: fix that first)",
              (int)s->returned, OUTLIVE_MS, s->beats_after);
    cr_assert(!s->outlived,
              "daemon %d was still alive %d ms after its parent died (it beat %d times). Here "
              "the parent %d was killed right after fork(), before the daemon called "
              "prctl(PR_SET_PDEATHSIG): the death-signal race. A death signal asked for after "
              "the parent is gone never comes, and the job ran with getppid() = %d, the "
              "process that adopted it. After prctl(), compare getppid() with the parent's "
              "pid saved before fork(), and _exit() if they differ (not with 1: an orphan is "
              "adopted by the nearest subreaper, which is seldom pid 1)",
              (int)s->returned, OUTLIVE_MS, s->beats_after, (int)s->main_pid,
              (int)s->job_first_ppid);
}

/* ---- a daemon may not have children ------------------------------------- */

static void grandchild_job(void *arg)
{
    struct seen *s = arg;
    __atomic_add_fetch(&s->grandchild_runs, 1, __ATOMIC_SEQ_CST);
}

static void try_children(void *arg)
{
    struct seen *s = arg;
    int st;
    pid_t me = getpid();
    /* stdout goes to a pipe of its own meanwhile: the refusal belongs on
     * stderr, and what reaches stdout is seen apart. */
    int out[2] = {-1, -1}, saved = -1;
    fflush(stdout);
    if (pipe(out) == 0) {
        fcntl(out[1], F_SETFL, O_NONBLOCK);
        fcntl(out[0], F_SETFL, O_NONBLOCK);
        saved = dup(STDOUT_FILENO);
        dup2(out[1], STDOUT_FILENO);
    }
    errno = 0;
    pid_t pid = start_process(grandchild_job, s);
    if (getpid() != me) _exit(0); /* a child came back out of start_process() */
    s->child_ret = pid;
    s->child_errno = errno;
    if (plausible_child(s->child_ret, s)) reap_within(s->child_ret, &st, END_MS);
    errno = 0;
    pid = start_daemon(grandchild_job, s);
    if (getpid() != me) _exit(0);
    s->daemon_ret = pid;
    s->daemon_errno = errno;
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
        close(out[1]);
        char text[512];
        ssize_t n = read(out[0], text, sizeof text - 1);
        text[n > 0 ? n : 0] = '\0';
        s->refusal_on_stdout = strstr(text, DAEMON_CHILD_ERROR) != NULL;
        if (n > 0) /* not ours to judge: let it be seen in the output */
            (void)!write(STDERR_FILENO, text, (size_t)n);
        close(out[0]);
    }
    if (plausible_child(s->daemon_ret, s)) reap_within(s->daemon_ret, &st, END_MS);
    s->tried = true;
}

static void call_daemon_with_children(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    pid_t pid = start_daemon(try_children, s);
    if (getpid() != s->caller) return;
    s->returned = pid;
    int st;
    if (plausible_child(s->returned, s))
        s->ended = reap_within(s->returned, &st, 2 * END_MS + 1000);
}

Test(daemon, daemon_cannot_start_children)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_daemon_with_children, s, 8000);
    sandbox_assert_returned(&r, "start_daemon()");
    cr_assert(s->returned > 0, "start_daemon() returned %d: it does not fork a daemon yet",
              (int)s->returned);
    cr_assert(s->tried, "the daemon's job did not finish trying to start children (%s)",
              s->ended ? _("the daemon ended early") : _("the daemon never ended"));
    cr_assert(s->child_ret < 0,
              "a daemon started a child: start_process() in the daemon returned %d (the child "
              "ran its job %d times). Daemonic processes are not allowed to have children: "
              "check is_daemon() first and refuse",
              (int)s->child_ret, s->grandchild_runs);
    cr_assert(s->daemon_ret < 0,
              "a daemon started a daemon: start_daemon() in the daemon returned %d. Daemonic "
              "processes are not allowed to have children, daemons included: refuse it too",
              (int)s->daemon_ret);
    cr_assert(s->grandchild_runs == 0,
              "start_*() in the daemon returned -1, but a child ran the job %d times anyway: "
              "refuse before fork(), not after",
              s->grandchild_runs);
    cr_assert(s->child_errno == EPERM && s->daemon_errno == EPERM,
              "the refusals set errno to %d (%s) and %d, not EPERM (%d): set errno = EPERM "
              "before returning -1",
              s->child_errno, strerror(s->child_errno), s->daemon_errno, EPERM);
    cr_assert(!s->refusal_on_stdout,
              "the daemon's refusal \"%s\" was printed on stdout: error messages go to "
              "stderr (fprintf(stderr, ...)), as Python prints its AssertionError there, so "
              "that they are seen even when stdout is a pipe or a file",
              DAEMON_CHILD_ERROR);
    cr_assert(r.output && strstr(r.output, DAEMON_CHILD_ERROR),
              "the refusal printed no clear error: print DAEMON_CHILD_ERROR (\"%s\") on "
              "stderr.\n%s",
              DAEMON_CHILD_ERROR, sandbox_tail(&r));
}
