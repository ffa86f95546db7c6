/* Lab 08 checks: worker_main (the SIGTERM handler and cleanup), terminate. */
#define _GNU_SOURCE
#include "check.h"
#include "scratch.h"
#include "terminate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(terminate, .timeout = CHECK_SUITE_TIMEOUT);

/* Bounds, not expectations: correct code takes a few milliseconds. */
enum { READY_MS = 3000, END_MS = 3000, GRACE_MS = 3000, STUBBORN_GRACE_MS = 300 };

struct seen {
    struct scratch_probe probe; /* what scratch_*() saw in the worker */
    char path[128];
    bool ready;        /* the worker got to work before it was terminated */
    bool file_existed; /* its temp file, while it worked */
    bool file_left;    /* its temp file, after it ended */
    bool ended;        /* it ended within END_MS of SIGTERM */
    int status;        /* its wait status */
    int returned;      /* worker_main()'s return value, when it returned */
    bool did_return;
    /* the terminate() checks */
    pid_t worker;
    int code;         /* terminate()'s return value */
    double took_ms;   /* how long terminate() took */
    int after;        /* 0 reaped, 1 still running, 2 left a zombie */
    int usr1_sent;    /* the interrupting worker signalled the caller */
    int usr1_handled; /* the caller's handler ran */
};

static struct seen *seen;

/* Wait at most ms for child pid to end (a real event: its pidfd turns
 * readable), and reap it. True if it ended. */
static bool reap_within(pid_t pid, int *status, double ms)
{
    double deadline = now_ms() + ms;
    int fd = pidfd_open(pid, 0);
    bool ended = false;
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR)) {
            ended = true;
            break;
        }
        double left = deadline - now_ms();
        if (left <= 0) break;
        struct pollfd p = {fd, POLLIN, 0};
        if (fd < 0 || poll(&p, 1, left < 20 ? (int)left + 1 : 20) < 0) sleep_ms(1);
    }
    if (fd >= 0) close(fd);
    return ended;
}

/* Wait (bounded) until the worker is at work, or has ended on its own. */
static bool wait_ready(pid_t pid, double ms)
{
    double deadline = now_ms() + ms;
    while (!seen->probe.writing && now_ms() < deadline) {
        int fd = pidfd_open(pid, 0);
        struct pollfd p = {fd, POLLIN, 0};
        bool gone = fd < 0 || poll(&p, 1, 0) > 0;
        if (fd >= 0) close(fd);
        if (gone) break;
        sleep_ms(1);
    }
    return seen->probe.writing;
}

static const char *how_it_ended(int status)
{
    static char text[96];
    if (WIFSIGNALED(status))
        snprintf(text, sizeof text, "was killed by signal %d (%s), exitcode %d", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), -WTERMSIG(status));
    else
        snprintf(text, sizeof text, "exited with %d", WEXITSTATUS(status));
    return text;
}

/* ---- the worker: handler, cleanup, death by SIGTERM ---------------------- */

static void run_worker(void *shared)
{
    struct seen *s = shared;
    seen = s;
    scratch_probe = &s->probe;
    snprintf(s->path, sizeof s->path, "worker-%d.tmp", (int)getpid());
    pid_t w = Fork();
    if (w == 0) {
        s->returned = worker_main(s->path);
        s->did_return = true;
        _exit(s->returned);
    }
    s->ready = wait_ready(w, READY_MS);
    s->file_existed = access(s->path, F_OK) == 0;
    kill(w, SIGTERM);
    s->ended = reap_within(w, &s->status, END_MS);
    if (!s->ended) {
        kill(w, SIGKILL);
        reap_within(w, &s->status, END_MS);
    }
    s->file_left = access(s->path, F_OK) == 0;
    unlink(s->path);
}

/* What every worker check needs first: a worker that worked and then ended. */
static void assert_worker_worked(const struct sandbox *r, const struct seen *s)
{
    sandbox_assert_returned(r, "the check's parent process");
    cr_assert(s->ready || !s->did_return,
              "worker_main() returned %d at once, before writing any record: install the "
              "handler, scratch_open() the temp file, then scratch_write() until SIGTERM",
              s->returned);
    cr_assert(s->ready,
              "the worker never started writing records within %d ms (it %s): call "
              "scratch_write() in a loop until the SIGTERM flag is set",
              READY_MS, how_it_ended(s->status));
    cr_assert(s->file_existed,
              "the temp file %s did not exist while the worker wrote: create it "
              "with scratch_open(&file, path)",
              s->path);
    cr_assert(s->ended,
              "the worker was still running %d ms after SIGTERM: the handler must set the flag "
              "that your loop checks (and that you pass to scratch_write())",
              END_MS);
}

Test(terminate, worker_removes_temp_file_on_sigterm)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(run_worker, s, 8000);
    assert_worker_worked(&r, s);
    cr_assert(!s->probe.unsafe,
              "the cleanup crashed: scratch_remove() ran inside the SIGTERM handler, while "
              "scratch_write() was busy, and the worker %s (see worker_cleans_up_outside_handler)",
              how_it_ended(s->status));
    cr_assert(!s->file_left && s->probe.removed == 1,
              "after SIGTERM the worker %s, but its temp file %s was still there: no cleanup "
              "ran. Set a flag in the handler; when the loop sees it, scratch_remove() the "
              "file.\n%s",
              how_it_ended(s->status), s->path, sandbox_tail(&r));
    cr_assert(r.output && strstr(r.output, "worker: cleaned up"),
              "the worker removed its temp file but did not log \"worker: cleaned up\".\n%s",
              sandbox_tail(&r));
}

Test(terminate, worker_cleans_up_outside_handler)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(run_worker, s, 8000);
    assert_worker_worked(&r, s);
    cr_assert(!s->probe.unsafe,
              "scratch_remove() ran inside the SIGTERM handler while scratch_write() was busy, "
              "and the worker %s: unsafe work in a signal handler. A handler interrupts the "
              "program anywhere, even inside a library call; it may only do async-signal-safe "
              "things. Set a volatile sig_atomic_t flag there, and clean up in the main loop "
              "once it sees the flag",
              how_it_ended(s->status));
    cr_assert(!s->file_left && s->probe.removed == 1,
              "the worker %s but left its temp file %s: scratch_remove() it after the loop",
              how_it_ended(s->status), s->path);
}

Test(terminate, worker_dies_by_sigterm_after_cleanup)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(run_worker, s, 8000);
    assert_worker_worked(&r, s);
    cr_assert(!s->file_left && s->probe.removed == 1,
              "the worker %s without removing its temp file %s: clean up first",
              how_it_ended(s->status), s->path);
    cr_assert(WIFSIGNALED(s->status) && WTERMSIG(s->status) == SIGTERM,
              "after its cleanup the worker %s, so its parent sees exitcode %d, not -15. To "
              "tell the parent that SIGTERM ended it, restore the default action and raise "
              "the signal again: signal(SIGTERM, SIG_DFL); raise(SIGTERM);",
              how_it_ended(s->status),
              WIFSIGNALED(s->status) ? -WTERMSIG(s->status) : WEXITSTATUS(s->status));
}

/* ---- terminate(): the check's own workers -------------------------------- */

enum kind { COOPERATIVE, STUBBORN, INTERRUPTING };

static volatile sig_atomic_t term_seen;

static void on_term(int sig)
{
    (void)sig;
    term_seen = 1;
}

static void on_usr1(int sig)
{
    (void)sig;
    __atomic_add_fetch(&seen->usr1_handled, 1, __ATOMIC_SEQ_CST);
}

/* State letter of a process (field 3 of /proc/PID/stat), '?' if unknown. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return '?';
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

static void worker(enum kind kind)
{
    if (kind == STUBBORN)
        signal(SIGTERM, SIG_IGN);
    else
        Sigaction(SIGTERM, on_term, 0);
    seen->probe.writing = 1; /* at work: the parent may terminate us now */
    while (!term_seen)
        sleep_ms(2);
    if (kind == INTERRUPTING) {
        /* Interrupt the parent while it waits for us (it sleeps then), and
         * take a while to clean up after its handler ran. */
        pid_t parent = getppid();
        double until = now_ms() + END_MS;
        while (proc_state(parent) != 'S' && now_ms() < until)
            sleep_ms(1);
        kill(parent, SIGUSR1);
        seen->usr1_sent = 1;
        while (!seen->usr1_handled && now_ms() < until)
            sleep_ms(1);
        sleep_ms(scaled_ms(1500));
    } else {
        sleep_ms(scaled_ms(300)); /* a short cleanup */
    }
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    _exit(3);
}

static void run_terminate(struct seen *s, enum kind kind, double grace)
{
    seen = s;
    /* The caller has a handler of its own, installed without SA_RESTART. */
    Sigaction(SIGUSR1, on_usr1, 0);
    s->worker = 0;
    pid_t pid = Fork(); /* not straight into shared memory: the child would write 0 there */
    if (pid == 0) worker(kind);
    s->worker = pid;
    s->ready = wait_ready(s->worker, READY_MS);
    double t0 = now_ms();
    s->code = terminate(s->worker, grace);
    s->took_ms = now_ms() - t0;
    int status;
    pid_t w = waitpid(s->worker, &status, WNOHANG);
    s->after = w == 0 ? 1 : w == s->worker ? 2 : 0;
    kill(s->worker, SIGKILL);
    reap_within(s->worker, &status, END_MS);
}

static void terminate_cooperative(void *shared)
{
    run_terminate(shared, COOPERATIVE, GRACE_MS);
}

static void terminate_stubborn(void *shared)
{
    run_terminate(shared, STUBBORN, STUBBORN_GRACE_MS);
}

static void terminate_interrupted(void *shared)
{
    run_terminate(shared, INTERRUPTING, GRACE_MS);
}

/* terminate() ended the worker and reaped it. */
static void assert_ended_and_reaped(const struct sandbox *r, const struct seen *s)
{
    sandbox_assert_returned(r, "terminate()");
    cr_assert(s->ready, "the check's worker did not start (a kit problem, not yours)");
    cr_assert(s->after != 1,
              "the worker was still running after terminate() returned %d: send it SIGTERM "
              "(kill(pid, SIGTERM)) and wait until it has ended",
              s->code);
    cr_assert(s->after != 2,
              "the worker was left a zombie after terminate() returned %d: reap it with "
              "waitpid() and take the exitcode from its status",
              s->code);
}

Test(terminate, terminate_returns_minus_15_after_graceful_exit)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(terminate_cooperative, s, 8000);
    assert_ended_and_reaped(&r, s);
    cr_assert(s->code == -15,
              "terminate() returned %d for a worker that cleaned up and then died by SIGTERM: "
              "expected -15 (-WTERMSIG(status) when WIFSIGNALED(status))",
              s->code);
    cr_assert(s->took_ms < GRACE_MS / 2.0,
              "terminate() took %.0f ms, but the worker ended about 30 ms after SIGTERM: return "
              "as soon as the worker has ended, do not sleep through the whole grace period "
              "(%d ms)",
              s->took_ms, GRACE_MS);
}

Test(terminate, terminate_escalates_to_sigkill)
{
    struct seen *s = shared_alloc(sizeof *s);
    double bound = STUBBORN_GRACE_MS + 4000;
    struct sandbox r = sandbox_run(terminate_stubborn, s, bound);
    cr_assert(!r.timed_out,
              "terminate() had not returned %.0f ms after it was called on a worker that "
              "ignores SIGTERM, with a grace period of %d ms: no escalation, it waits forever. "
              "When the grace period is over, send SIGKILL (which cannot be ignored) and wait "
              "again",
              bound, STUBBORN_GRACE_MS);
    assert_ended_and_reaped(&r, s);
    cr_assert(s->code == -9,
              "terminate() returned %d for a worker that ignores SIGTERM: expected -9, the "
              "exitcode of a worker killed by SIGKILL after the grace period",
              s->code);
    cr_assert(s->took_ms >= STUBBORN_GRACE_MS - 20,
              "terminate() killed the worker after %.0f ms, before its grace period of %d ms "
              "was over: wait the whole grace period before SIGKILL",
              s->took_ms, STUBBORN_GRACE_MS);
}

Test(terminate, terminate_retries_wait_after_eintr)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(terminate_interrupted, s, 8000);
    assert_ended_and_reaped(&r, s);
    cr_assert(s->code != -9,
              "terminate() returned -9 after %.0f ms, but the worker was cleaning up well "
              "inside its %d ms grace period. A signal (SIGUSR1; the caller has a handler for "
              "it) interrupted the wait: poll() or waitpid() failed with errno EINTR, and that "
              "was taken for the end of the grace period. On EINTR, wait again for the time "
              "that is left",
              s->took_ms, GRACE_MS);
    cr_assert(s->code == -15,
              "terminate() returned %d after %.0f ms: a signal (SIGUSR1; the caller has a "
              "handler for it) interrupted the wait with EINTR, and terminate() gave up. On "
              "EINTR, wait again for the time that is left; the worker ends by SIGTERM (-15)",
              s->code, s->took_ms);
    cr_assert(s->usr1_handled > 0, "the caller's SIGUSR1 handler never ran (a kit problem)");
}
