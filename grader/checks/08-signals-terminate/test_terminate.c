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
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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
    int records_at_term; /* records finished when SIGTERM was sent */
    bool term_sent;      /* the early-SIGTERM check sent its signal */
    double term_to_end_ms; /* from SIGTERM to the worker's end */
    int fds_before, fds_after; /* open descriptors around terminate() */
    /* the exit(N) check: another child of the caller, ended before terminate() */
    pid_t decoy;
    int decoy_left;   /* 1 still waitable after terminate(), 0 reaped by it, -1 never ended */
    int decoy_status; /* its wait status, when the body reaped it */
    /* where terminate() was stuck, seen by the watch */
    bool stuck;
    long sys_nr;         /* the system call it was in, -1 running, -2 unknown */
    long sys_ms;         /* that call's time limit in ms, -1 none or unknown */
    double stuck_at_ms;  /* when it was seen there, after the call began */
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
        snprintf(text, sizeof text, _("was killed by signal %d (%s), exitcode %d"),
                 WTERMSIG(status), strsignal(WTERMSIG(status)), -WTERMSIG(status));
    else
        snprintf(text, sizeof text, _("exited with %d"), WEXITSTATUS(status));
    return text;
}

/* The temp folder as the body sees it: $TMPDIR if the body may write there,
 * else /tmp. Computed inside the run, never by the judge. */
static const char *run_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t && access(t, W_OK | X_OK) == 0 ? t : "/tmp";
}

/* ---- the worker: handler, cleanup, death by SIGTERM ---------------------- */

static void run_worker(void *shared)
{
    struct seen *s = shared;
    seen = s;
    scratch_probe = &s->probe;
    snprintf(s->path, sizeof s->path, "%s/worker-%d.tmp", run_tmpdir(), (int)getpid());
    pid_t w = Fork();
    if (w == 0) {
        s->returned = worker_main(s->path);
        s->did_return = true;
        _exit(s->returned);
    }
    s->ready = wait_ready(w, READY_MS);
    s->file_existed = access(s->path, F_OK) == 0;
    s->records_at_term = s->probe.records;
    double t0 = now_ms();
    kill(w, SIGTERM);
    s->ended = reap_within(w, &s->status, END_MS);
    s->term_to_end_ms = now_ms() - t0;
    if (!s->ended) {
        kill(w, SIGKILL);
        reap_within(w, &s->status, END_MS);
    }
    s->file_left = access(s->path, F_OK) == 0;
    unlink(s->path);
}

/* The check sends SIGTERM to the worker's pid only: a parent killed by
 * SIGTERM after the worker's cleanup got it from the worker. */
static void assert_no_group_kill(const struct sandbox *r, const struct seen *s)
{
    cr_assert(r->returned || r->timed_out || !WIFSIGNALED(r->status) ||
                  WTERMSIG(r->status) != SIGTERM || s->probe.removed == 0,
              "the worker cleaned up, then its parent (the check, which sent SIGTERM to the "
              "worker's pid alone) was killed by SIGTERM too: the worker sent it to its whole "
              "process group, as kill(0, SIGTERM) or killpg() do. To end by its own signal, "
              "the worker raises it on itself only: signal(SIGTERM, SIG_DFL); raise(SIGTERM);");
}

/* What every worker check needs first: a worker that worked and then ended. */
static void assert_worker_worked(const struct sandbox *r, const struct seen *s)
{
    assert_no_group_kill(r, s);
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
    cr_assert(s->ended || s->probe.records != s->records_at_term,
              "the worker was still running %d ms after SIGTERM, inside the same "
              "scratch_write() it was in when the signal came: a record takes 20 s unless the "
              "flag passed to it is set. Pass the address of the flag your handler sets: "
              "scratch_write(&file, n, &flag)",
              END_MS);
    cr_assert(s->ended,
              "the worker was still running %d ms after SIGTERM and wrote %d more record(s) "
              "after it: SIGTERM did not end the loop. The handler must set the flag that the "
              "loop tests (while (!flag) ...)",
              END_MS, s->probe.records - s->records_at_term);
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
              "after SIGTERM the worker %s, but its temp file %s was still there "
              "(scratch_remove() was not called). Set a flag in the handler; when the loop "
              "sees it, scratch_remove() the file.\n%s",
              how_it_ended(s->status), s->path, sandbox_tail(&r));
    double record_ms = scaled_ms(20000);
    cr_assert(s->term_to_end_ms < record_ms / 2,
              "the worker ended %.0f ms after SIGTERM, about the time one record takes (%.0f ms "
              "here): it stayed inside the same scratch_write() until the record was done, so "
              "the flag did not reach it. Pass the address of the flag your handler sets: "
              "scratch_write(&file, n, &flag)",
              s->term_to_end_ms, record_ms);
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

/* SIGTERM comes at once: right after scratch_open() has created the file
 * (scratch_open() waits there until the signal is sent). */
static void run_worker_term_at_once(void *shared)
{
    struct seen *s = shared;
    seen = s;
    scratch_probe = &s->probe;
    s->probe.hold = 1;
    snprintf(s->path, sizeof s->path, "%s/worker-%d.tmp", run_tmpdir(), (int)getpid());
    pid_t w = Fork();
    if (w == 0) {
        s->returned = worker_main(s->path);
        s->did_return = true;
        _exit(s->returned);
    }
    double deadline = now_ms() + READY_MS;
    while (!s->probe.opened && now_ms() < deadline && !reap_within(w, &s->status, 1))
        ;
    s->ready = s->probe.opened;
    s->file_existed = access(s->path, F_OK) == 0;
    if (s->ready) {
        kill(w, SIGTERM);
        s->term_sent = true;
    }
    s->probe.hold = 2; /* the signal is pending: let scratch_open() return */
    s->ended = reap_within(w, &s->status, END_MS);
    if (!s->ended) {
        kill(w, SIGKILL);
        reap_within(w, &s->status, END_MS);
    }
    s->file_left = access(s->path, F_OK) == 0;
    unlink(s->path);
}

Test(terminate, worker_handles_sigterm_at_once)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(run_worker_term_at_once, s, 8000);
    assert_no_group_kill(&r, s);
    sandbox_assert_returned(&r, "the check's parent process");
    cr_assert(s->ready,
              "the worker did not create its temp file within %d ms (it %s): call "
              "scratch_open(&file, path) first",
              READY_MS, s->did_return ? _("returned") : how_it_ended(s->status));
    cr_assert(s->ended,
              "the worker was still running %d ms after SIGTERM, which came right "
              "after scratch_open(): test the flag before each scratch_write()",
              END_MS);
    cr_assert(!(WIFSIGNALED(s->status) && WTERMSIG(s->status) == SIGTERM && !s->probe.removed),
              "SIGTERM came right after scratch_open() had created %s, and the worker was "
              "killed by it without any cleanup (the temp file was %s): at that moment no "
              "handler was installed, so the signal's default action ended the worker. "
              "Install the handler first, before scratch_open(): a SIGTERM may come at any "
              "time once the worker runs",
              s->path, s->file_left ? _("left behind") : _("gone"));
    cr_assert(!s->file_left && s->probe.removed == 1,
              "SIGTERM came right after scratch_open(), and the worker %s leaving its temp "
              "file %s: once the flag is set, the loop must not start and the cleanup must "
              "still run",
              how_it_ended(s->status), s->path);
    cr_assert(WIFSIGNALED(s->status) && WTERMSIG(s->status) == SIGTERM,
              "SIGTERM came right after scratch_open(); the worker cleaned up and then %s, "
              "not by SIGTERM (-15)",
              how_it_ended(s->status));
}

/* The temp file cannot be made: the folder does not exist. */
static void run_worker_no_folder(void *shared)
{
    struct seen *s = shared;
    seen = s;
    scratch_probe = &s->probe;
    snprintf(s->path, sizeof s->path, "%s/no-such-folder-%d/worker.tmp", run_tmpdir(),
             (int)getpid());
    pid_t w = Fork();
    if (w == 0) {
        s->returned = worker_main(s->path);
        s->did_return = true;
        _exit(s->returned);
    }
    s->ended = reap_within(w, &s->status, END_MS);
    if (!s->ended) {
        kill(w, SIGKILL);
        reap_within(w, &s->status, END_MS);
    }
}

Test(terminate, worker_returns_1_without_temp_file)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(run_worker_no_folder, s, 8000);
    sandbox_assert_returned(&r, "the check's parent process");
    /* Returning 1 proves something only after trying to open the file. */
    cr_assert(s->probe.tries > 0,
              "worker_main(\"%s\") never called scratch_open(): open the temp file first; when "
              "scratch_open() returns -1 (here the folder does not exist), return 1",
              s->path);
    cr_assert(s->ended,
              "worker_main(\"%s\"), whose folder does not exist, was still running %d ms "
              "later (%d record(s) written): scratch_open() returned -1 there. Check its "
              "result and return 1",
              s->path, END_MS, s->probe.records);
    cr_assert(s->did_return && s->returned == 1,
              "worker_main(\"%s\"), whose folder does not exist, %s instead of returning 1: "
              "when scratch_open() returns -1, return 1",
              s->path,
              s->did_return ? (s->returned == 0 ? _("returned 0") : _("returned another value"))
                            : how_it_ended(s->status));
}

/* ---- terminate(): the check's own workers -------------------------------- */

enum kind { COOPERATIVE, STUBBORN, INTERRUPTING, NAGGING, EXITING };

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

enum { NAG_MS = 50, NAGS = 30, WORKER_EXIT = 3, DECOY_EXIT = 7 };

/* A worker that ignores SIGTERM and interrupts its parent's wait every
 * NAG_MS, NAGS times: a grace period started over after each EINTR would
 * never end while it nags. */
static void nagging_worker(void)
{
    signal(SIGTERM, SIG_IGN);
    pid_t parent = getppid();
    seen->probe.writing = 1;
    for (int i = 0; i < NAGS; i++) {
        double until = now_ms() + 1000;
        while (proc_state(parent) != 'S' && now_ms() < until)
            sleep_ms(1);
        sleep_ms(NAG_MS);
        kill(parent, SIGUSR1);
        seen->usr1_sent++;
    }
    for (;;)
        pause();
}

static void worker(enum kind kind)
{
    if (kind == NAGGING)
        nagging_worker();
    if (kind == STUBBORN)
        signal(SIGTERM, SIG_IGN);
    else
        Sigaction(SIGTERM, on_term, 0);
    seen->probe.writing = 1; /* at work: the parent may terminate us now */
    while (!term_seen)
        sleep_ms(2);
    if (kind == EXITING) {
        /* Like a Python child whose SIGTERM handler calls sys.exit(3). */
        sleep_ms(scaled_ms(300));
        _exit(WORKER_EXIT);
    }
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

static int count_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 256; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

/* ---- where a stuck terminate() waits (the watch's diagnosis) ------------- */

static pid_t body_tid;
static double call_start;

static long ts_ms(const void *p)
{
    const struct timespec *t = p;
    return p ? (long)t->tv_sec * 1000 + t->tv_nsec / 1000000 : -1;
}

/* Read /proc/self/task/TID/syscall of the thread inside terminate(): the
 * call it is blocked in and, for the usual waits, its time limit (the
 * arguments point into our own memory, so they can be read here). */
static void diagnose_terminate(void *arg)
{
    struct seen *s = arg;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)body_tid);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) close(fd);
    s->sys_nr = -2;
    s->sys_ms = -1;
    s->stuck = true;
    s->stuck_at_ms = now_ms() - call_start;
    if (n <= 0) return;
    buf[n] = '\0';
    if (!strncmp(buf, "running", 7)) {
        s->sys_nr = -1;
        return;
    }
    unsigned long a[6] = {0};
    long nr;
    if (sscanf(buf, "%ld %lx %lx %lx %lx %lx %lx", &nr, &a[0], &a[1], &a[2], &a[3], &a[4],
               &a[5]) < 1)
        return;
    s->sys_nr = nr;
    switch (nr) {
    case SYS_poll: s->sys_ms = (long)(int)a[2]; break;
    case SYS_ppoll: s->sys_ms = ts_ms((void *)a[2]); break;
    case SYS_epoll_wait: s->sys_ms = (long)(int)a[3]; break;
    case SYS_nanosleep: s->sys_ms = ts_ms((void *)a[0]); break;
    case SYS_clock_nanosleep: s->sys_ms = (a[1] & TIMER_ABSTIME) ? -1 : ts_ms((void *)a[2]); break;
    case SYS_rt_sigtimedwait: s->sys_ms = ts_ms((void *)a[2]); break;
    default: break;
    }
}

static const char *syscall_name(long nr)
{
    switch (nr) {
    case SYS_poll: return "poll()";
    case SYS_ppoll: return "ppoll()";
    case SYS_epoll_wait: return "epoll_wait()";
    case SYS_nanosleep: return "nanosleep() (sleep, usleep)";
    case SYS_clock_nanosleep: return "clock_nanosleep() (sleep, usleep)";
    case SYS_rt_sigtimedwait: return "sigtimedwait()";
    case SYS_wait4: return "waitpid()";
    case SYS_waitid: return "waitid()";
    case SYS_pause: return "pause()";
    case SYS_rt_sigsuspend: return "sigsuspend()";
    case SYS_read: return "read()";
    default: return NULL;
    }
}

/* What the watch saw, as a sentence for a terminate() that did not return. */
static const char *stuck_text(const struct seen *s, double grace)
{
    static char text[700];
    const char *name = syscall_name(s->sys_nr);
    if (s->sys_nr == -1)
        snprintf(text, sizeof text,
                 _("%.0f ms after it was called, terminate() was running on the CPU, not "
                   "waiting: a loop that never ends (the grace period of %.0f ms was long over)"),
                 s->stuck_at_ms, grace);
    else if (s->sys_nr == SYS_wait4 || s->sys_nr == SYS_waitid)
        snprintf(text, sizeof text,
                 _("%.0f ms after it was called, terminate() was blocked in %s with no time "
                   "limit, waiting for a worker that ignores SIGTERM: no escalation, it waits "
                   "forever. Wait at most grace_ms (poll() on a pidfd with a timeout), then send "
                   "SIGKILL (which cannot be ignored) and wait again"),
                 s->stuck_at_ms, name);
    else if (name && s->sys_ms > 2 * grace)
        snprintf(text, sizeof text,
                 _("%.0f ms after it was called with a grace period of %.0f ms, terminate() was "
                   "blocked in %s with a time limit of %ld ms, far longer than the grace period. "
                   "Is grace_ms turned into the wrong unit? It is in milliseconds; poll() takes "
                   "milliseconds, a struct timespec seconds and nanoseconds"),
                 s->stuck_at_ms, grace, name, s->sys_ms);
    else if (name && s->sys_ms >= 0)
        snprintf(text, sizeof text,
                 _("%.0f ms after it was called with a grace period of %.0f ms, terminate() was "
                   "still waiting, in %s with a time limit of %ld ms: the grace period never "
                   "ends. Compute the deadline once, deadline = now_ms() + grace_ms, wait for "
                   "deadline - now_ms() each time round, and send SIGKILL when it is <= 0"),
                 s->stuck_at_ms, grace, name, s->sys_ms);
    else if (name)
        snprintf(text, sizeof text,
                 _("%.0f ms after it was called with a grace period of %.0f ms, terminate() was "
                   "still blocked in %s: the grace period never ends, and no SIGKILL was sent"),
                 s->stuck_at_ms, grace, name);
    else
        snprintf(text, sizeof text,
                 _("%.0f ms after it was called with a grace period of %.0f ms, terminate() was "
                   "still inside system call %ld: the grace period never ends, and no SIGKILL was "
                   "sent"),
                 s->stuck_at_ms, grace, s->sys_nr);
    return text;
}

static void run_terminate(struct seen *s, enum kind kind, double grace)
{
    seen = s;
    /* The caller has a handler of its own, installed without SA_RESTART. */
    Sigaction(SIGUSR1, on_usr1, 0);
    s->worker = 0;
    s->decoy = 0;
    if (kind == EXITING) {
        /* Another child of the caller, that has already ended (a zombie
         * when terminate() is called): not terminate()'s to reap. */
        pid_t d = Fork();
        if (d == 0) _exit(DECOY_EXIT);
        s->decoy = d;
        siginfo_t info;
        int fd = pidfd_open(d, 0);
        struct pollfd p = {fd, POLLIN, 0};
        if (fd >= 0) {
            while (poll(&p, 1, END_MS) < 0 && errno == EINTR)
                ;
            close(fd);
        }
        memset(&info, 0, sizeof info);
        s->decoy_left = waitid(P_PID, (id_t)d, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                                info.si_pid == d
                            ? 1
                            : -1;
    }
    pid_t pid = Fork(); /* not straight into shared memory: the child would write 0 there */
    if (pid == 0) worker(kind);
    s->worker = pid;
    s->ready = wait_ready(s->worker, READY_MS);
    body_tid = (pid_t)syscall(SYS_gettid);
    /* The body runs as the student: let it read its own /proc/self/task
     * files (a uid change made them root's). */
    prctl(PR_SET_DUMPABLE, 1);
    struct watch watch;
    call_start = now_ms();
    /* The watch's thread blocks every signal: the worker's SIGUSR1 must
     * reach the thread that waits inside terminate(). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    watch_start(&watch, grace + 2500, diagnose_terminate, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    s->fds_before = count_fds();
    s->code = terminate(s->worker, grace);
    s->fds_after = count_fds();
    watch_done(&watch);
    s->took_ms = now_ms() - call_start;
    int status;
    pid_t w = waitpid(s->worker, &status, WNOHANG);
    s->after = w == 0 ? 1 : w == s->worker ? 2 : 0;
    kill(s->worker, SIGKILL);
    reap_within(s->worker, &status, END_MS);
    if (s->decoy > 0 && s->decoy_left == 1) {
        w = waitpid(s->decoy, &s->decoy_status, WNOHANG);
        s->decoy_left = w == s->decoy ? 1 : 0;
    }
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

static void terminate_exiting(void *shared)
{
    run_terminate(shared, EXITING, GRACE_MS);
}

static void terminate_nagged(void *shared)
{
    run_terminate(shared, NAGGING, STUBBORN_GRACE_MS);
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
    cr_assert(!s->stuck, "terminate() did not return: %s", stuck_text(s, GRACE_MS));
    assert_ended_and_reaped(&r, s);
    cr_assert(s->code != -9,
              "terminate() returned -9 after %.0f ms: it sent SIGKILL, although the worker "
              "ends by itself about 30 ms after SIGTERM, well inside its grace period of %d "
              "ms. The grace period ended too early: grace_ms is in milliseconds (poll() "
              "takes milliseconds too); wait until the deadline now_ms() + grace_ms",
              s->took_ms, GRACE_MS);
    cr_assert(s->code != SIGTERM,
              "terminate() returned 15 for a worker that died by SIGTERM: the exitcode of a "
              "process killed by signal S is -S, the minus included (-WTERMSIG(status))");
    cr_assert(s->code == -15,
              "terminate() returned %d for a worker that cleaned up and then died by SIGTERM: "
              "expected -15 (-WTERMSIG(status) when WIFSIGNALED(status))",
              s->code);
    cr_assert(s->fds_after <= s->fds_before,
              "after terminate() this process held %d more open descriptor(s) than before: "
              "close() the pidfd (or whatever terminate() opened) before returning, or every "
              "call leaks one",
              s->fds_after - s->fds_before);
    cr_assert(s->took_ms < GRACE_MS / 2.0,
              "terminate() took %.0f ms, but the worker ended about 30 ms after SIGTERM: return "
              "as soon as the worker has ended, do not sleep through the whole grace period "
              "(%d ms)",
              s->took_ms, GRACE_MS);
}

Test(terminate, terminate_escalates_to_sigkill)
{
    struct seen *s = shared_alloc(sizeof *s);
    double bound = STUBBORN_GRACE_MS + 5000;
    struct sandbox r = sandbox_run(terminate_stubborn, s, bound);
    cr_assert(!s->stuck, "terminate() on a worker that ignores SIGTERM did not return: %s",
              stuck_text(s, STUBBORN_GRACE_MS));
    assert_ended_and_reaped(&r, s);
    cr_assert(s->code != SIGKILL,
              "terminate() returned 9, not -9, for a worker killed by SIGKILL (the minus is "
              "missing: see terminate_returns_minus_15_after_graceful_exit, the same cause)");
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
    cr_assert(!s->stuck, "terminate() did not return: %s", stuck_text(s, GRACE_MS));
    assert_ended_and_reaped(&r, s);
    cr_assert(s->code != SIGTERM,
              "terminate() returned 15, not -15 (the minus is missing: see "
              "terminate_returns_minus_15_after_graceful_exit, the same cause)");
    cr_assert(s->code != -9 || s->usr1_handled > 0,
              "terminate() returned -9 after %.0f ms, before any signal had interrupted its "
              "wait: the grace period of %d ms ended too early (see "
              "terminate_returns_minus_15_after_graceful_exit, the same cause)",
              s->took_ms, GRACE_MS);
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

Test(terminate, terminate_keeps_one_deadline)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(terminate_nagged, s, 8000);
    cr_assert(!s->stuck, "terminate() on a worker that ignores SIGTERM did not return: %s",
              stuck_text(s, STUBBORN_GRACE_MS));
    assert_ended_and_reaped(&r, s);
    cr_assert(s->took_ms < STUBBORN_GRACE_MS + 1000,
              "terminate() on a worker that ignores SIGTERM, with a grace period of %d ms, "
              "took %.0f ms, while a signal with a handler (SIGUSR1) interrupted its wait "
              "every %d ms (%d times): each interrupted wait started the grace period over. "
              "Keep one deadline: compute now_ms() + grace_ms once, before the loop, and wait "
              "for deadline - now_ms() each time round",
              STUBBORN_GRACE_MS, s->took_ms, NAG_MS, s->usr1_handled);
    cr_assert(s->code != SIGKILL,
              "terminate() returned 9, not -9 (the minus is missing: see "
              "terminate_returns_minus_15_after_graceful_exit, the same cause)");
    cr_assert(s->code == -9,
              "terminate() returned %d for a worker that ignores SIGTERM (while SIGUSR1 "
              "interrupted the wait): expected -9 once the grace period was over",
              s->code);
}

Test(terminate, terminate_returns_exit_n_of_its_own_child)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(terminate_exiting, s, 8000);
    cr_assert(!s->stuck, "terminate() did not return: %s", stuck_text(s, GRACE_MS));
    sandbox_assert_returned(&r, "terminate()");
    cr_assert(s->ready, "the check's worker did not start (a kit problem, not yours)");
    cr_assert(s->decoy_left != -1, "the check's other child did not end (a kit problem, not yours)");
    cr_assert(s->decoy_left == 1,
              "terminate(%d, ...) reaped another child of the caller: pid %d, which had "
              "exited with %d before terminate() was called, could no longer be waited for "
              "afterwards (terminate() returned %d). wait() and waitpid(-1, ...) take any "
              "child; wait for the one you terminate: waitpid(pid, &status, ...)",
              (int)s->worker, (int)s->decoy, DECOY_EXIT, s->code);
    assert_ended_and_reaped(&r, s);
    cr_assert(s->code != WORKER_EXIT << 8,
              "terminate() returned %d for a worker that called exit(%d) after SIGTERM: that is "
              "the raw wait status from waitpid(), not the exitcode. When WIFEXITED(status), "
              "the exitcode is WEXITSTATUS(status)",
              s->code, WORKER_EXIT);
    cr_assert(s->code == WORKER_EXIT,
              "terminate() returned %d for a worker that called exit(%d) after SIGTERM: the "
              "exitcode of a child that exits is N for exit(N) (Python's exitcode), -S only "
              "when a signal S ended it. Return WIFSIGNALED(status) ? -WTERMSIG(status) : "
              "WEXITSTATUS(status)",
              s->code, WORKER_EXIT);
}
