/* Lab 05 checks: /proc states, zombies, a SIGCHLD reaper, orphans. */
#define _GNU_SOURCE
#include "check.h"
#include "states.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdio_ext.h> /* __fpending */
#include <sys/prctl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(states, .timeout = CHECK_SUITE_TIMEOUT);

enum { NAMES = 3, COALESCE = 5 };

static const char *odd_names[NAMES] = {"plain", "my worker 2", "a) b (c"};

struct seen {
    pid_t caller, caller_parent;
    char self_comm[64];
    int rc_self, rc_missing, errno_missing;
    int fds_before, fds_after; /* open descriptors around the student's calls */
    char fd_text[256];
    struct proc_stat self;
    int rc_odd[NAMES];
    struct proc_stat odd[NAMES];
    pid_t odd_pid[NAMES];
    char odd_line[NAMES][128]; /* the stat line as the kernel wrote it */
    pid_t zombie;
    char zombie_state, state_after_reap;
    pid_t zombie_ppid, waited;
    bool handler_installed;
    int reaped, zombies_left, errno_before, errno_after;
    int start_rc, release_rc;
    struct orphan o;
    pid_t ppid_before, ppid_after, middle_parent;
    char middle_state_before, middle_state_after, orphan_state_after;
    volatile bool life_ran; /* set by orphan_life, in the orphan */
    /* the reaper with a child still running */
    bool stuck;
    long sys_nr;      /* where the handler was: a system call, -1 running, -2 unknown */
    char stuck_state; /* the state of the thread in the handler */
    double handler_ms;
    char runner_state;    /* the running child, after the handler */
    bool zombie_released; /* make_zombie() returned (its child may exit now) */
    int sa_flags;         /* SIGCHLD's flags after install_reaper() */
    size_t stdio_pending; /* bytes in stdout's buffer after the handler ran */
};

/* Open descriptors of this process, and a description of those >= from. */
static int count_fds(int from, char *text, size_t size)
{
    int n = 0;
    if (text && size)
        text[0] = '\0';
    for (int fd = 0; fd < 256; fd++) {
        if (fcntl(fd, F_GETFD) < 0)
            continue;
        n++;
        if (text && fd >= from) {
            char path[64], target[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            ssize_t k = readlink(path, target, sizeof target - 1);
            target[k > 0 ? k : 0] = '\0';
            size_t used = strlen(text);
            snprintf(text + used, size - used, "%sfd %d -> %s", used ? ", " : "", fd, target);
        }
    }
    return n;
}

/* ---- the test's own reading of /proc, independent of the student's ---- */

static bool stat_line(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0;
}

/* State and parent of pid; state '-' when the process is gone. */
static char state_of(pid_t pid, pid_t *ppid)
{
    pid_t pp = -1;
    char st = process_state(pid, &pp);
    if (ppid)
        *ppid = pp;
    return st ? st : '-';
}

/* Wait (bounded) until a process that is not our child is gone. */
static void wait_gone(pid_t pid, int ms)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return;
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, ms);
    close(fd);
}

static const char *state_text(char c)
{
    static char buf[4][48];
    static int k;
    char *b = buf[k++ % 4];
    if (c == '-')
        return _("gone (no /proc entry)");
    snprintf(b, 48, "'%c'", c);
    return b;
}

/* ---- step 1 ------------------------------------------------------------- */

static void read_self(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    s->caller_parent = getppid();
    int fd = open("/proc/self/comm", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, s->self_comm, sizeof s->self_comm - 1) : 0;
    if (fd >= 0)
        close(fd);
    if (n > 0 && s->self_comm[n - 1] == '\n')
        s->self_comm[n - 1] = '\0';
    s->fds_before = count_fds(0, NULL, 0);
    s->rc_self = read_proc_stat(getpid(), &s->self);
    for (int i = 0; i < 20; i++) {
        struct proc_stat again;
        read_proc_stat(getpid(), &again);
    }
    s->fds_after = count_fds(0, NULL, 0);
    errno = 0;
    struct proc_stat gone;
    s->rc_missing = read_proc_stat(INT_MAX, &gone); /* above any pid_max */
    s->errno_missing = errno;
}

Test(states, read_proc_stat_self)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(read_self, s, 2000);
    sandbox_assert_returned(&r, "read_proc_stat()");
    cr_assert(s->rc_self == 0,
              "read_proc_stat(getpid()) returned %d: open /proc/PID/stat, read "
              "it and parse \"PID (COMM) STATE PPID ...\"",
              s->rc_self);
    cr_assert(s->self.pid == s->caller && s->self.state == 'R' && s->self.ppid == s->caller_parent,
              "for the calling process (pid %d, parent %d, running) read_proc_stat() gave pid "
              "%d, state %s, ppid %d: fields 1, 3 and 4 of the line",
              (int)s->caller, (int)s->caller_parent, (int)s->self.pid, state_text(s->self.state),
              (int)s->self.ppid);
    cr_assert(!strcmp(s->self.comm, s->self_comm),
              "comm is \"%s\", but the command is \"%s\": copy what is between the parentheses, "
              "without them",
              s->self.comm, s->self_comm);
    cr_assert(s->fds_after == s->fds_before,
              "after 21 calls of read_proc_stat() this process had %d more open descriptors "
              "than before: close() the /proc/PID/stat file after reading it, or every call "
              "leaks one",
              s->fds_after - s->fds_before);
    cr_assert(s->rc_missing == -1,
              "read_proc_stat() of a pid that does not exist returned %d, not -1", s->rc_missing);
    cr_assert(s->errno_missing == ENOENT,
              "read_proc_stat() of a pid that does not exist returned -1 with errno %s (%s), "
              "not ENOENT: open() of /proc/PID/stat sets ENOENT; return -1 without changing "
              "errno after it",
              strerrorname_np(s->errno_missing) ? strerrorname_np(s->errno_missing) : "0",
              strerror(s->errno_missing));
}

/* Children named odd_names[i] that exit at once: zombies keep their comm. */
static void read_odd(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    for (int i = 0; i < NAMES; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_NAME, odd_names[i]);
            _exit(0);
        }
        s->odd_pid[i] = pid;
        siginfo_t info;
        waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT); /* exited, still a zombie */
        stat_line(pid, s->odd_line[i], sizeof s->odd_line[i]);
        s->odd[i].state = '?';
        memset(s->odd[i].comm, 'X', sizeof s->odd[i].comm - 1); /* what a stack may hold */
        s->rc_odd[i] = read_proc_stat(pid, &s->odd[i]);
        waitpid(pid, NULL, 0);
    }
}

Test(states, read_proc_stat_odd_names)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(read_odd, s, 2000);
    sandbox_assert_returned(&r, "read_proc_stat()");
    static const char *why[NAMES] = {
        "",
        "A command name may hold spaces: reading it with %s (or splitting the line at spaces) "
        "stops at the first space.",
        "A command name may hold ')' itself, so it does not end at the first ')'."};
    for (int i = 0; i < NAMES; i++) {
        size_t len = strlen(odd_names[i]);
        cr_assert(s->rc_odd[i] != 0 || strncmp(s->odd[i].comm, odd_names[i], len) ||
                      s->odd[i].comm[len] == '\0',
                  "for a zombie child named \"%s\" read_proc_stat() copied the name, but comm "
                  "then goes on with what was in the caller's struct before (the check filled "
                  "it with 'X'): \"%.40s\". The name is not ended with '\\0': after copying "
                  "len bytes, set comm[len] = '\\0'",
                  odd_names[i], s->odd[i].comm);
    }
    for (int i = 0; i < NAMES; i++) {
        struct proc_stat *st = &s->odd[i];
        bool ok = s->rc_odd[i] == 0 && !strcmp(st->comm, odd_names[i]) && st->state == 'Z' &&
                  st->ppid == s->caller && st->pid == s->odd_pid[i];
        char got[160];
        if (s->rc_odd[i] == 0)
            snprintf(got, sizeof got, _("comm \"%s\", state %s, ppid %d"), st->comm,
                     state_text(st->state), (int)st->ppid);
        else
            snprintf(got, sizeof got, "%d (failed)", s->rc_odd[i]);
        cr_assert(ok,
                  "for a zombie child named \"%s\", whose stat line begins\n    %.60s\n"
                  "read_proc_stat() gave %s instead of comm \"%s\", state 'Z', ppid %d. %s "
                  "The name runs from the first '(' to the LAST ')' (strrchr); parse state and "
                  "ppid after that last ')'",
                  odd_names[i], s->odd_line[i], got, odd_names[i], (int)s->caller, why[i]);
    }
}

/* ---- step 2 ------------------------------------------------------------- */

/* Given scaffolding for the race: the child of make_zombie() does not exit
 * before its parent is asleep (waiting for it) or has returned from
 * make_zombie(), so a make_zombie() that does not wait is caught on every
 * run. Bounded: after 2 s it goes on anyway. */
static struct seen *zombie_seen;
static pid_t zombie_parent;

/* The child waits until its parent is blocked waiting for it (not in a
 * sleep: a make_zombie() that sleeps "long enough" and returns shows its
 * child alive), or make_zombie() returned, at most 1 s (a make_zombie()
 * that polls the state still gets a zombie in time). */
static void hold_zombie_child(void)
{
    double end = now_ms() + 1000;
    while (!zombie_seen->zombie_released && now_ms() < end && waits_for_child(zombie_parent) == 0)
        sleep_ms(1);
}

static void zombie(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    zombie_seen = s;
    zombie_parent = getpid();
    pthread_atfork(NULL, NULL, hold_zombie_child);
    s->zombie = make_zombie();
    if (s->zombie <= 0)
        return;
    s->zombie_state = state_of(s->zombie, &s->zombie_ppid);
    s->zombie_released = true;
    s->waited = waitpid(s->zombie, NULL, WNOHANG);
    if (s->waited == 0) /* still running: let it end */
        s->waited = waitpid(s->zombie, NULL, 0);
    s->state_after_reap = state_of(s->zombie, NULL);
}

Test(states, make_zombie_leaves_zombie)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(zombie, s, 3000);
    cr_assert(r.stray_returns == 0,
              "a second process came back out of make_zombie(): the child must end with "
              "_exit(0), never return to the caller");
    sandbox_assert_returned(&r, "make_zombie()");
    cr_assert(s->zombie > 0, "make_zombie() returned %d: fork a child that calls _exit(0)",
              (int)s->zombie);
    cr_assert(s->zombie_state != '-',
              "make_zombie() returned pid %d, but it was already gone from /proc: you reaped it "
              "(waitpid), and a reaped child is no zombie. Wait until it exited WITHOUT reaping "
              "it: waitid(P_PID, pid, &info, WEXITED | WNOWAIT)",
              (int)s->zombie);
    cr_assert(s->zombie_state == 'Z',
              "when make_zombie() returned, its child %d was in state %s, not 'Z': it had not "
              "exited yet. Return only once it has exited: waitid(P_PID, pid, &info, WEXITED | "
              "WNOWAIT) waits for that without reaping it",
              (int)s->zombie, state_text(s->zombie_state));
    cr_assert(s->zombie_ppid == s->caller && s->waited == s->zombie,
              "the zombie %d has parent %d (caller %d) and waitpid() on it gave %d: it must be a "
              "child of the caller",
              (int)s->zombie, (int)s->zombie_ppid, (int)s->caller, (int)s->waited);
    cr_assert(s->state_after_reap == '-', "after waitpid() the zombie %d is still in /proc (%s)",
              (int)s->zombie, state_text(s->state_after_reap));
}

/* ---- step 3 ------------------------------------------------------------- */

/* Children end while SIGCHLD is blocked: when it is unblocked, ONE signal
 * arrives for all of them (standard signals do not queue). */
static void coalesce(struct seen *s, int n)
{
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    install_reaper();
    struct sigaction sa;
    sigaction(SIGCHLD, NULL, &sa);
    s->handler_installed = sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN;
    s->sa_flags = sa.sa_flags;
    fflush(stdout); /* nothing of ours pending: what is, the handler left */
    sigprocmask(SIG_BLOCK, &chld, &old);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            if (i == n - 1 && n > 1)
                raise(SIGKILL); /* the last one is killed: a child reaped all the same */
            _exit(0);
        }
        siginfo_t info;
        waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
    }
    s->errno_before = EDOM;
    errno = EDOM;                         /* what the main code was about to look at */
    sigprocmask(SIG_SETMASK, &old, NULL); /* the handler runs now */
    s->errno_after = errno;
    s->reaped = reaped_children;
    s->zombies_left = count_children_of(getpid());
    s->stdio_pending = __fpending(stdout);
}

static void reap_many(void *shared)
{
    coalesce(shared, COALESCE);
}

Test(states, reaper_reaps_coalesced_children)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(reap_many, s, 2000);
    sandbox_assert_returned(&r, "install_reaper() or on_sigchld()");
    cr_assert(s->handler_installed,
              "after install_reaper() SIGCHLD still has its default action: install on_sigchld "
              "with sigaction()");
    cr_assert((s->sa_flags & SA_RESTART) && (s->sa_flags & SA_NOCLDSTOP),
              "install_reaper() installed on_sigchld without %s: %s. Pass SA_RESTART | "
              "SA_NOCLDSTOP as the flags (states.h says so)",
              !(s->sa_flags & SA_RESTART) ? "SA_RESTART" : "SA_NOCLDSTOP",
              !(s->sa_flags & SA_RESTART)
                  ? _("then every SIGCHLD makes a read(), a waitpid() or a sleep that the main "
                      "program is in fail with EINTR")
                  : _("then a child that is only stopped (SIGSTOP) sends SIGCHLD too"));
    cr_assert(s->stdio_pending == 0,
              "after on_sigchld() ran, stdout's buffer held %zu bytes the check never wrote: "
              "the handler calls printf() (or another stdio function). stdio is not "
              "async-signal-safe: a SIGCHLD that comes while the main program is inside "
              "printf() can deadlock on stdio's lock or corrupt its buffer. Print nothing in "
              "the handler (write(2) is safe, if you must)",
              s->stdio_pending);
    cr_assert(!(s->zombies_left == 0 && s->reaped == COALESCE - 1),
              "%d children ended while SIGCHLD was blocked (the last killed by SIGKILL), your "
              "handler reaped them all, but reaped_children went up by %d: the killed child was "
              "not counted. Count every child waitpid() returns, however it ended (exit or "
              "signal)",
              COALESCE, s->reaped);
    cr_assert(s->zombies_left != 0 || s->reaped == COALESCE,
              "%d children ended while SIGCHLD was blocked, and your handler reaped them all, "
              "but reaped_children went up by %d, not %d: add one for each child reaped (inside "
              "the loop), not one per signal",
              COALESCE, s->reaped, COALESCE);
    cr_assert(!(s->reaped == 1 && s->zombies_left == COALESCE - 1),
              "%d children ended while SIGCHLD was blocked, so ONE SIGCHLD stood for all of them "
              "(signals do not queue). Your handler reaped 1 and left %d children unreaped: "
              "reaping one child per SIGCHLD misses the rest. Loop in the handler until "
              "waitpid() finds no more ended children: while (waitpid(-1, NULL, WNOHANG) > 0)",
              COALESCE, s->zombies_left);
    cr_assert(s->reaped == COALESCE && s->zombies_left == 0,
              "%d children ended while SIGCHLD was blocked, so ONE SIGCHLD stood for all of them "
              "(signals do not queue). Your handler counted %d reaped and %d children were left "
              "unreaped: the handler must reap every child that has ended. Run "
              "labs/05-zombie-orphan/bin/reaper 8 to see it",
              COALESCE, s->reaped, s->zombies_left);
}

static void reap_one(void *shared)
{
    coalesce(shared, 1);
}

Test(states, reaper_preserves_errno)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(reap_one, s, 2000);
    sandbox_assert_returned(&r, "install_reaper() or on_sigchld()");
    cr_assert(s->handler_installed && s->reaped == 1 && s->zombies_left == 0,
              "a child ended, but the SIGCHLD handler counted %d reaped and %d children were "
              "left unreaped (see reaper_reaps_coalesced_children: the same cause fails both; "
              "fix it first)",
              s->reaped, s->zombies_left);
    cr_assert(s->errno_after == s->errno_before,
              "errno was EDOM when SIGCHLD arrived and %s (%s) after the handler ran: the "
              "handler clobbers errno (its last waitpid() fails with ECHILD), which breaks the "
              "code it interrupted. Save errno at the start of the handler and restore it at "
              "the end",
              strerrorname_np(s->errno_after) ? strerrorname_np(s->errno_after) : "?",
              strerror(s->errno_after));
}

/* A child that has ended and one that still runs when SIGCHLD comes: the
 * handler must reap the first and return at once, leaving the second. */
static pid_t handler_tid;
static double handler_start;

static void diagnose_handler(void *arg)
{
    struct seen *s = arg;
    char path[64], buf[256];
    s->stuck = true;
    s->handler_ms = now_ms() - handler_start;
    s->sys_nr = -2;
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)handler_tid);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n > 0) {
        buf[n] = '\0';
        long nr;
        if (!strncmp(buf, "running", 7))
            s->sys_nr = -1;
        else if (sscanf(buf, "%ld", &nr) == 1)
            s->sys_nr = nr;
    }
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)handler_tid);
    fd = open(path, O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    char *p = strrchr(buf, ')');
    s->stuck_state = p && p[1] == ' ' ? p[2] : '?';
}

static void reap_with_one_running(void *shared)
{
    struct seen *s = shared;
    sigset_t chld, old, all;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    install_reaper();
    struct sigaction sa;
    sigaction(SIGCHLD, NULL, &sa);
    s->handler_installed = sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN;
    int hold[2];
    Pipe(hold);
    sigprocmask(SIG_BLOCK, &chld, &old);
    pid_t runner = fork(); /* runs until hold reaches EOF */
    if (runner == 0) {
        char c;
        close(hold[1]);
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(hold[0]);
    pid_t ended = fork();
    if (ended == 0)
        _exit(0);
    siginfo_t info;
    waitid(P_PID, (id_t)ended, &info, WEXITED | WNOWAIT);
    /* The watch's thread blocks every signal, so the handler runs here. */
    prctl(PR_SET_DUMPABLE, 1); /* our own /proc/self/task files, as the student user */
    handler_tid = (pid_t)syscall(SYS_gettid);
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    struct watch w;
    watch_start(&w, 1500, diagnose_handler, s);
    handler_start = now_ms();
    sigprocmask(SIG_SETMASK, &old, NULL); /* the handler runs now */
    watch_done(&w);
    s->handler_ms = now_ms() - handler_start;
    s->reaped = reaped_children;
    s->runner_state = state_of(runner, NULL);
    s->zombies_left = state_of(ended, NULL) != '-';
    close(hold[1]);
}

Test(states, reaper_returns_while_children_run)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(reap_with_one_running, s, 4000);
    if (s->stuck) {
        cr_assert(s->sys_nr != SYS_wait4 && s->sys_nr != SYS_waitid,
                  "one child had ended and another was still running when SIGCHLD came; "
                  "%.0f ms later on_sigchld() had not returned: it was blocked in waitpid(), "
                  "waiting for the child that still runs. A handler must reap only children "
                  "that have ended: waitpid(-1, NULL, WNOHANG) returns 0 instead of waiting "
                  "when the children left are all running",
                  s->handler_ms);
        cr_assert(s->sys_nr != -1 && s->stuck_state != 'R',
                  "one child had ended and another was still running when SIGCHLD came; "
                  "%.0f ms later on_sigchld() had not returned and was running on the CPU, "
                  "not waiting: a loop that never ends. With WNOHANG, waitpid() returns 0 as "
                  "long as the children left are all running, so a loop must stop there: "
                  "while (waitpid(-1, NULL, WNOHANG) > 0), not >= 0 or != -1",
                  s->handler_ms);
        cr_assert(false,
                  "one child had ended and another was still running when SIGCHLD came; "
                  "%.0f ms later on_sigchld() had not returned (its thread was in state '%c', "
                  "system call %ld). The handler must reap what has ended and return",
                  s->handler_ms, s->stuck_state, s->sys_nr);
    }
    sandbox_assert_returned(&r, "install_reaper() or on_sigchld()");
    cr_assert(s->handler_installed,
              "after install_reaper() SIGCHLD still has its default action: install on_sigchld "
              "with sigaction()");
    cr_assert(s->runner_state != '-' && s->runner_state != 'Z',
              "on_sigchld() ended a child that was still running (it was %s afterwards)",
              state_text(s->runner_state));
    cr_assert(s->reaped == 1 && !s->zombies_left,
              "one child had ended and another was still running when SIGCHLD came; the "
              "handler returned, but counted %d reaped and left the ended child %s",
              s->reaped, s->zombies_left ? _("unreaped") : _("reaped"));
}

/* ---- step 4 ------------------------------------------------------------- */

static int stop[2]; /* the orphan lives until this pipe reaches EOF */
static struct seen *orphan_seen;

static int orphan_life(void *arg)
{
    (void)arg;
    char c;
    orphan_seen->life_ran = true; /* evidence that it runs, not only that it has not ended */
    close(stop[1]);
    while (read(stop[0], &c, 1) > 0)
        ;
    return 0;
}

/* Given scaffolding for the release race: the middle child is stopped
 * (SIGSTOP) before orphan_release(), and this thread lets it go on (SIGCONT)
 * only once the caller sleeps in its wait, or has returned. So the middle
 * has surely not exited when orphan_release() first looks: a release that
 * does not wait for it is seen on every run. */
struct release_hold {
    pid_t middle, caller;
    volatile int returned;
};

static void *continue_middle(void *arg)
{
    struct release_hold *h = arg;
    double end = now_ms() + 2000;
    while (!h->returned && now_ms() < end && state_of(h->caller, NULL) != 'S')
        sleep_ms(1);
    kill(h->middle, SIGCONT);
    return NULL;
}

static void orphan(void *shared)
{
    struct seen *s = shared;
    struct orphan o = {-1, -1, -1}; /* private: the student's children may write to theirs */
    s->caller = getpid();
    orphan_seen = s;
    Pipe(stop);
    int from = stop[1] + 1;
    s->fds_before = count_fds(0, NULL, 0);
    s->start_rc = orphan_start(&o, orphan_life, NULL);
    s->o = o;
    if (s->start_rc == 0 && o.orphan > 0 && o.middle > 0) {
        /* Wait (bounded) until the middle child waits for its release, or
         * has ended: a middle child that exits early is seen on every run. */
        double end = now_ms() + 2000;
        char m;
        while ((m = state_of(o.middle, NULL)) != 'S' && m != 'Z' && m != '-' && now_ms() < end)
            sleep_ms(1);
        /* The same for the orphan: it runs life(arg), which waits on a pipe.
         * Not yet run at all ('R' on a busy machine) is not alive yet: wait
         * for life(arg) itself, longer (only correct code waits here). */
        end = now_ms() + 4000;
        while (!((m = state_of(o.orphan, NULL)) == 'S' && s->life_ran) && m != 'Z' && m != '-' &&
               now_ms() < end)
            sleep_ms(1);
        state_of(o.orphan, &s->ppid_before);
        s->middle_state_before = state_of(o.middle, &s->middle_parent);
        struct release_hold h = {o.middle, getpid(), 0};
        pthread_t t;
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        kill(o.middle, SIGSTOP);
        siginfo_t info;
        waitid(P_PID, (id_t)o.middle, &info, WSTOPPED | WNOWAIT); /* it is stopped now */
        bool held = pthread_create(&t, NULL, continue_middle, &h) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!held)
            kill(o.middle, SIGCONT);
        s->release_rc = orphan_release(&o);
        h.returned = 1;
        if (held)
            pthread_join(t, NULL);
        wait_gone(o.middle, 1000); /* ended (a zombie) or reaped: either is final */
        s->middle_state_after = state_of(o.middle, NULL);
        s->orphan_state_after = state_of(o.orphan, &s->ppid_after);
        s->fds_after = count_fds(from, s->fd_text, sizeof s->fd_text);
    }
    close(stop[1]);
    close(stop[0]);
    if (o.orphan > 0)
        wait_gone(o.orphan, 1000);
    if (o.middle > 0)
        waitpid(o.middle, NULL, WNOHANG);
}

Test(states, orphan_parent_changes)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(orphan, s, 9000);
    sandbox_assert_returned(&r, "orphan_start() or orphan_release()");
    cr_assert(s->start_rc == 0 && s->o.orphan > 0 && s->o.middle > 0,
              "orphan_start() returned %d with middle %d and orphan %d", s->start_rc,
              (int)s->o.middle, (int)s->o.orphan);
    cr_assert(s->middle_parent == s->caller && s->middle_state_before != 'Z' &&
                  s->middle_state_before != '-',
              "after orphan_start() the middle child %d is %s with parent %d (caller %d): it "
              "must be the caller's child and still be running, waiting (alive) until "
              "orphan_release() lets it exit",
              (int)s->o.middle, state_text(s->middle_state_before), (int)s->middle_parent,
              (int)s->caller);
    cr_assert(s->ppid_before == s->o.middle,
              "after orphan_start() the parent of the orphan %d is %d, not the middle child %d: "
              "the middle child forks it and sends you its pid",
              (int)s->o.orphan, (int)s->ppid_before, (int)s->o.middle);
    cr_assert(!(s->release_rc == -1 && s->middle_state_after == 'Z'),
              "orphan_release() returned -1 and left the middle child %d a zombie: when it "
              "tried to reap it, the middle had not exited yet (here it is held until the "
              "caller sleeps in its wait), so it did not wait for the middle to exit. "
              "waitpid(o->middle, NULL, 0) waits; WNOHANG returns at once when the child has "
              "not ended yet",
              (int)s->o.middle);
    cr_assert(s->middle_state_after == '-',
              "after orphan_release() the middle child %d is still in /proc (%s): it was not "
              "reaped. orphan_release() must let it exit (close the pipe it waits on) and then "
              "waitpid() for it",
              (int)s->o.middle, state_text(s->middle_state_after));
    cr_assert(s->release_rc == 0, "orphan_release() returned %d", s->release_rc);
    cr_assert(s->life_ran,
              "the orphan %d is %s and never ran life(arg) (given up to 4 s): it must live on "
              "running life(arg), adopted by another process: the grandchild calls "
              "exit(life(arg))",
              (int)s->o.orphan, state_text(s->orphan_state_after));
    cr_assert(s->orphan_state_after != '-' && s->orphan_state_after != 'Z' &&
                  s->ppid_after != s->o.middle,
              "after the middle child exited the orphan %d is %s with parent %d: it must live "
              "on (it runs life(arg)), adopted by another process",
              (int)s->o.orphan, state_text(s->orphan_state_after), (int)s->ppid_after);
    cr_assert(s->fds_after == s->fds_before,
              "after orphan_start() and orphan_release() the caller holds %d more open "
              "descriptors than before (%s): close every pipe end you no longer use (the "
              "read end of the pid pipe once read, the ends meant for the middle child)",
              s->fds_after - s->fds_before, s->fd_text[0] ? s->fd_text : _("none new"));
}
