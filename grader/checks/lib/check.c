/* sandbox_run: run student code in a contained child (see check.h). */
#define _GNU_SOURCE
#include "check.h"
#include "jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { OUTPUT_CAP = 256 * 1024 };

/* Every process of a check run (Criterion's workers too) speaks the
 * student's language: the grader passes LANGUAGE, LC_ALL and the folder of
 * the catalogues, which the box shows read-only under the judge's view. */
__attribute__((constructor)) static void check_language(void)
{
    setlocale(LC_ALL, "");
    const char *dir = getenv("PROCLABS_LOCALEDIR");
    bindtextdomain("proclabs", dir && *dir ? dir : "/proclabs/judge/grader/build/locale");
    bind_textdomain_codeset("proclabs", "UTF-8");
    textdomain("proclabs");
}

char *check_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    return msg ? msg : (char *)fmt; /* out of memory: the untranslated words, at least */
}

/* What the body's own processes report (only what no outside look can
 * see: a child that came back from the body instead of exiting). */
struct control {
    int stray_returns;
};

/* Fields 4 (ppid) and 5 (pgrp) of /proc/PID/stat; the command name may hold
 * spaces and parentheses, so parse after the last ')'. */
static bool read_stat(const char *pid, char *state, pid_t *ppid, pid_t *pgrp)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int pp, pg;
    if (!p || sscanf(p + 1, " %c %d %d", state, &pp, &pg) != 3)
        return false;
    *ppid = pp;
    *pgrp = pg;
    return true;
}

/* Count processes matching a parent or a group; zombies only when asked. */
static int count_procs(pid_t parent, pid_t group, bool with_zombies)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char state;
        pid_t ppid, pgrp;
        if (!read_stat(e->d_name, &state, &ppid, &pgrp))
            continue;
        if (state == 'Z' && !with_zombies)
            continue;
        if ((parent && ppid == parent) || (group && pgrp == group))
            n++;
    }
    closedir(d);
    return n;
}

int count_children_of(pid_t pid)
{
    return count_procs(pid, 0, true);
}

struct children children_of(pid_t pid)
{
    struct children c = {0, 0, 0};
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t child = atoi(e->d_name), ppid = 0;
        char st = child > 0 ? process_state(child, &ppid) : 0;
        if (!st || ppid != pid)
            continue;
        c.last = child;
        if (st == 'Z')
            c.zombies++;
        else
            c.alive++;
    }
    if (d)
        closedir(d);
    return c;
}

/* The grader's dedicated student user, when it gave us one; else 0 (student
 * code then runs as we do, with the student filter only). */
static uid_t student_uid(void)
{
    const char *s = getenv("PROCLABS_STUDENT_UID");
    return s ? (uid_t)atoi(s) : 0;
}

/* Kill the body's process group and, with a student user, everything of
 * that user: also what escaped the group with setsid(). The judge may not
 * signal the student's processes itself. */
static void kill_run(pid_t group)
{
    kill(-group, SIGKILL);
    if (student_uid())
        jail_kill_student(student_uid());
}

/* Runs in the test runner and its workers before any test: nobody may read
 * or trace them (their pipes and socket carry the results). */
__attribute__((constructor)) static void harden_runner(void)
{
    prctl(PR_SET_DUMPABLE, 0);
}

/* Student code must not reach the runner through descriptors the worker
 * inherited or opened: its socket to the runner, its event fds, its arena,
 * its stdin pipe (both ends). Descriptors the check itself opened (pipes,
 * files, socket pairs) stay. */
static void close_runner_fds(void)
{
    char in[256] = "";
    ssize_t k = readlink("/proc/self/fd/0", in, sizeof in - 1);
    in[k > 0 ? k : 0] = '\0';
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (fd <= 2 || fd == self || e->d_name[0] == '.')
            continue;
        char path[64], target[256];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        bool runner = !strncmp(target, "anon_inode:", 11) || strstr(target, "/bxf") ||
                      strstr(target, "criterion") || (*in && !strcmp(target, in));
        if (!runner && !strncmp(target, "socket:", 7)) {
            struct sockaddr_un peer;
            socklen_t len = sizeof peer;
            memset(&peer, 0, sizeof peer);
            runner = getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
                     strstr(peer.sun_path, "criterion");
        }
        if (runner)
            close(fd);
    }
    closedir(d);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
}

static void run_body(struct control *ctl, sandbox_body body, void *shared, int out, int done)
{
    setpgid(0, 0);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    close(out);
    close_runner_fds();
    uid_t uid = student_uid();
    if (jail_become_student(uid ? uid : getuid()) < 0) {
        dprintf(STDERR_FILENO, "check: cannot become the student user %u: %s\n", (unsigned)uid,
                strerror(errno));
        _exit(126);
    }
    /* The student's processes may look at each other in /proc (diagnoses
     * run in the body), the judge's stay closed to them. */
    prctl(PR_SET_DUMPABLE, 1);
    pid_t self = getpid(); /* not in shared memory: student code cannot change it */
    body(shared);
    fflush(NULL);
    if (getpid() != self) {
        /* A child of the student code came back here: it should have exited. */
        __atomic_add_fetch(&ctl->stray_returns, 1, __ATOMIC_SEQ_CST);
        _exit(0);
    }
    /* Back from the body: say so and stop, so that the judge counts our
     * children itself, from /proc. What this process wrote to memory after
     * student code ran could be anything. */
    (void)!write(done, "r", 1);
    raise(SIGSTOP);
    _exit(0); /* never return into Criterion */
}

static void append(struct sandbox *r, const char *buf, size_t n)
{
    size_t room = OUTPUT_CAP - r->output_len;
    if (n > room) {
        n = room;
        r->output_truncated = true;
        kill_run(r->pid); /* a flood: stop it rather than read it to the deadline */
    }
    memcpy(r->output + r->output_len, buf, n);
    r->output_len += n;
    r->output[r->output_len] = '\0';
}

/* ---- what a timed-out run was doing --------------------------------------
 * An endless loop and a deadlock both hit the deadline; the student needs
 * to know which. Before the kill, each process of the group is sampled
 * twice: CPU used in between means spinning, else the call it sleeps in. */

struct proc_sample {
    pid_t pid;
    char state;
    long long ticks; /* utime + stime */
};

enum { MAX_SAMPLED = 64 };

static int sample_group(pid_t group, struct proc_sample *s, int max)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        char path[300], buf[1024];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = e->d_name[0] >= '0' && e->d_name[0] <= '9' ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len <= 0)
            continue;
        buf[len] = '\0';
        char *p = strrchr(buf, ')'), state;
        int pgrp;
        unsigned long long ut, st;
        /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
        if (!p || sscanf(p + 1, " %c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state,
                         &pgrp, &ut, &st) != 4)
            continue;
        if (pgrp != group || state == 'Z')
            continue;
        s[n++] = (struct proc_sample){atoi(e->d_name), state, (long long)(ut + st)};
    }
    if (d)
        closedir(d);
    return n;
}

/* The call a sleeping process is in, in words a student knows, or NULL. */
static const char *sleeping_in(pid_t pid, char *buf, size_t size)
{
    static const struct {
        long nr;
        const char *name;
    } calls[] = {
        {SYS_read, "read"},
        {SYS_write, "write"},
        {SYS_wait4, N_("wait4 (waitpid)")},
        {SYS_waitid, "waitid"},
        {SYS_futex, N_("futex (a semaphore, lock or condition wait)")},
        {SYS_accept4, "accept"},
        {SYS_ppoll, "poll"},
        {SYS_pselect6, "select"},
        {SYS_clock_nanosleep, N_("clock_nanosleep (a sleep)")},
        {SYS_nanosleep, N_("nanosleep (a sleep)")},
        {SYS_rt_sigsuspend, "sigsuspend"},
        {SYS_rt_sigtimedwait, "sigwait"},
        {SYS_semtimedop, N_("semop (a System V semaphore)")},
        {SYS_recvfrom, "recv"},
        {SYS_recvmsg, "recvmsg"},
        {SYS_sendto, "send"},
        {SYS_connect, "connect"},
        {SYS_epoll_pwait, "epoll_wait"},
        {SYS_flock, "flock"},
        {SYS_fcntl, N_("fcntl (a lock)")},
#ifdef SYS_poll
        {SYS_poll, "poll"},
        {SYS_select, "select"},
        {SYS_pause, "pause"},
        {SYS_accept, "accept"},
        {SYS_epoll_wait, "epoll_wait"},
        {SYS_semop, "semop"},
#endif
    };
    /* wchan names for when the system call number is not readable. */
    static const struct {
        const char *prefix, *name;
    } kernel[] = {
        {"do_wait", N_("wait4 (waitpid)")},
        {"pipe_read", N_("read on a pipe")},
        {"pipe_write", N_("write on a pipe")},
        {"pipe_wait", N_("a pipe")},
        {"futex", N_("futex (a semaphore, lock or condition wait)")},
        {"do_sys_poll", "poll"},
        {"do_select", "select"},
        {"hrtimer_nanosleep", N_("a sleep")},
        {"do_nanosleep", N_("a sleep")},
        {"sigsuspend", "sigsuspend"},
        {"sys_pause", "pause"},
        {"__x64_sys_pause", "pause"},
        {"unix_stream", N_("read on a socket")},
        {"sk_wait_data", N_("read on a socket")},
        {"inet_csk_accept", "accept"},
        {"unix_accept", "accept"},
        {"do_semtimedop", "semop"},
        {"ep_poll", "epoll_wait"},
        {"wait_woken", N_("a socket or terminal")},
    };
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0)
        close(fd);
    long nr = -1;
    unsigned long arg0 = 0;
    if (n > 0) {
        text[n] = '\0';
        if (sscanf(text, "%ld %lx", &nr, &arg0) < 1)
            nr = -1;
    }
    for (size_t i = 0; nr >= 0 && i < sizeof calls / sizeof calls[0]; i++) {
        if (calls[i].nr != nr)
            continue;
        if (nr != SYS_read && nr != SYS_write)
            return _(calls[i].name);
        /* read and write: on what? */
        char fdpath[64], target[128];
        snprintf(fdpath, sizeof fdpath, "/proc/%d/fd/%lu", (int)pid, arg0);
        ssize_t t = readlink(fdpath, target, sizeof target - 1);
        target[t > 0 ? t : 0] = '\0';
        const char *on = !strncmp(target, "pipe:", 5)     ? _(" on a pipe")
                         : !strncmp(target, "socket:", 7) ? _(" on a socket")
                                                          : "";
        snprintf(buf, size, "%s%s", _(calls[i].name), on);
        return buf;
    }
    if (nr >= 0) {
        snprintf(buf, size, _("system call %ld"), nr);
        return buf;
    }
    snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return NULL;
    text[n] = '\0';
    if (!strcmp(text, "0"))
        return NULL;
    for (size_t i = 0; i < sizeof kernel / sizeof kernel[0]; i++)
        if (strstr(text, kernel[i].prefix))
            return _(kernel[i].name);
    snprintf(buf, size, "%.60s", text);
    return buf;
}

/* Fill r->stuck: sampled over 100 ms while the group is still alive. */
static void describe_stuck(struct sandbox *r)
{
    struct proc_sample a[MAX_SAMPLED], b[MAX_SAMPLED];
    int na = sample_group(r->pid, a, MAX_SAMPLED);
    if (na == 0)
        return;
    sleep_ms(100);
    int nb = sample_group(r->pid, b, MAX_SAMPLED);
    long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
    int spinning = 0, asleep = 0;
    double cpu_s = 0;
    char calls[4][64];
    int ncalls = 0;
    for (int i = 0; i < nb; i++) {
        long long before = -1;
        for (int k = 0; k < na; k++)
            if (a[k].pid == b[i].pid)
                before = a[k].ticks;
        bool running = b[i].state == 'R' || (before >= 0 && b[i].ticks > before);
        if (running) {
            spinning++;
            cpu_s += (double)b[i].ticks / (double)hz;
            continue;
        }
        asleep++;
        char buf[64];
        const char *in = b[i].state == 'T' || b[i].state == 't'
                             ? _("a stop (SIGSTOP or SIGTSTP)")
                             : sleeping_in(b[i].pid, buf, sizeof buf);
        bool dup = !in;
        for (int k = 0; k < ncalls && !dup; k++)
            dup = !strcmp(calls[k], in);
        if (!dup && ncalls < 4)
            snprintf(calls[ncalls++], sizeof calls[0], "%s", in);
    }
    char where[200] = "";
    for (int k = 0; k < ncalls; k++)
        snprintf(where + strlen(where), sizeof where - strlen(where), "%s%s",
                 k == 0            ? _(" in ")
                 : k == ncalls - 1 ? _(" and ")
                                   : _(", "),
                 calls[k]);
    if (spinning && !asleep)
        snprintf(r->stuck, sizeof r->stuck,
                 _("%s spinning (used %.1f s of CPU%s: an endless loop?)"),
                 spinning == 1 ? _("the process was") : _("its processes were"), cpu_s,
                 spinning == 1 ? "" : _(" in all"));
    else if (asleep && !spinning)
        snprintf(r->stuck, sizeof r->stuck,
                 _("%s asleep%s: a deadlock? (waiting for something that never happens)"),
                 asleep == 1 ? _("the process was") : _("its processes were"), where);
    else if (asleep)
        snprintf(r->stuck, sizeof r->stuck,
                 _("%d process%s spinning (used %.1f s of CPU) and %d asleep%s: a busy-wait, or "
                   "an endless loop the others wait for?"),
                 spinning, spinning == 1 ? " was" : "es were", cpu_s, asleep, where);
}

/* Wait for the body's process, reading its output, until it ends or the
 * deadline passes. Returns true if it ended by itself. */
/* The body said it is back (done is readable): wait for it to stop, then
 * count its children, alive or zombies, from outside. 1 when it stopped, 0
 * when it ended instead (status set), -1 at the deadline. */
static int body_stopped(struct sandbox *r, double deadline)
{
    while (now_ms() < deadline) {
        int st;
        pid_t w = waitpid(r->pid, &st, WNOHANG | WUNTRACED);
        if (w == r->pid && WIFSTOPPED(st)) {
            r->unreaped = count_children_of(r->pid);
            r->status = 0; /* it returned: as if it had exited 0 */
            return 1;
        }
        if (w == r->pid) {
            r->status = st;
            return 0;
        }
        sleep_ms(1);
    }
    return -1;
}

/* Wait for the body's process, reading its output, until it is back from
 * the body (stopped), ends, or the deadline passes. Returns true unless the
 * deadline passed. */
static bool wait_body(struct sandbox *r, int out, int done, double deadline)
{
    int pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
    fcntl(out, F_SETFL, O_NONBLOCK);
    bool out_open = true, ended = false;
    for (;;) {
        pid_t w = waitpid(r->pid, &r->status, WNOHANG);
        if (w == r->pid) {
            ended = true;
            break;
        }
        double left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd fds[3] = {
            {out_open ? out : -1, POLLIN, 0}, {pidfd, POLLIN, 0}, {done, POLLIN, 0}};
        /* Without a pidfd, wake up now and then to look at the child. */
        int slice = pidfd >= 0 ? (int)left + 1 : 5;
        if (poll(fds, 3, slice < (int)left + 1 ? slice : (int)left + 1) < 0 && errno != EINTR)
            break;
        if (fds[2].revents & POLLIN) {
            int how = body_stopped(r, deadline);
            r->returned = how == 1;
            ended = how >= 0;
            break;
        }
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) {
            char buf[8192];
            ssize_t n = read(out, buf, sizeof buf);
            if (n > 0)
                append(r, buf, (size_t)n);
            else if (n == 0)
                out_open = false;
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    return ended;
}

/* The judge may not look into the student's processes (/proc/PID/syscall
 * and fd need the same user): a child that becomes the student looks. */
static void describe_stuck_as_student(struct sandbox *r)
{
    uid_t uid = student_uid();
    if (!uid) {
        describe_stuck(r);
        return;
    }
    struct sandbox *seen = shared_alloc(sizeof *seen);
    *seen = *r;
    pid_t pid = fork();
    if (pid == 0) {
        if (jail_become_student(uid) == 0)
            describe_stuck(seen);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    memcpy(r->stuck, seen->stuck, sizeof r->stuck);
    shared_free(seen, sizeof *seen);
}

struct sandbox sandbox_run(sandbox_body body, void *shared, double timeout_ms)
{
    struct sandbox r;
    memset(&r, 0, sizeof r);
    r.timeout_ms = timeout_ms;
    r.output = calloc(1, OUTPUT_CAP + 1);
    struct control *ctl = shared_alloc(sizeof *ctl);
    int p[2], done[2];
    Pipe(p);
    if (pipe2(done, O_CLOEXEC) < 0) {
        perror("pipe2");
        abort();
    }
    fflush(NULL);
    double start = now_ms();
    r.pid = Fork();
    if (r.pid == 0) {
        close(p[0]);
        close(done[0]);
        run_body(ctl, body, shared, p[1], done[1]);
    }
    setpgid(r.pid, r.pid); /* also here: no race with the child's own call */
    close(p[1]);
    close(done[1]);

    if (!wait_body(&r, p[0], done[0], start + timeout_ms)) {
        r.timed_out = true;
        r.returned = false;
        describe_stuck_as_student(&r); /* before the kill: spinning or asleep, and where */
        kill_run(r.pid);
        Waitpid(r.pid, &r.status, 0);
    }
    r.elapsed_ms = now_ms() - start;
    /* What is still running in the body's group, but the stopped body. */
    r.leftovers = count_procs(0, r.pid, false) - (r.returned ? 1 : 0);
    kill_run(r.pid);
    if (r.returned)
        waitpid(r.pid, NULL, 0); /* the stopped body, killed just now */
    /* Collect what is still buffered in the pipe, without waiting for
     * killed stragglers that may hold its write end. */
    char buf[8192];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        append(&r, buf, (size_t)n);
    close(p[0]);
    close(done[0]);

    r.stray_returns = ctl->stray_returns;
    shared_free(ctl, sizeof *ctl);
    return r;
}

const char *sandbox_describe(const struct sandbox *r)
{
    static char text[512];
    if (r->output_truncated)
        snprintf(text, sizeof text,
                 _("printed more than %d KiB and was stopped (a loop that prints without end?)"),
                 OUTPUT_CAP / 1024);
    else if (r->timed_out && r->stuck[0])
        snprintf(text, sizeof text, _("timed out after %.0f ms: %s"), r->timeout_ms, r->stuck);
    else if (r->timed_out)
        snprintf(text, sizeof text,
                 _("timed out after %.0f ms (an endless loop, or a deadlock: a process waits "
                   "for something that never happens)"),
                 r->timeout_ms);
    else if (WIFSIGNALED(r->status))
        snprintf(text, sizeof text, _("was killed by signal %d (%s)"), WTERMSIG(r->status),
                 strsignal(WTERMSIG(r->status)));
    else if (!r->returned)
        snprintf(text, sizeof text, _("called exit(%d) instead of returning"),
                 WEXITSTATUS(r->status));
    else
        snprintf(text, sizeof text, _("returned normally"));
    return text;
}

const char *sandbox_tail(const struct sandbox *r)
{
    static char text[1200];
    if (r->output_len == 0)
        return _("(it printed nothing)");
    const char *start = r->output;
    if (r->output_len > 1000) {
        start = r->output + r->output_len - 1000;
        const char *nl = strchr(start, '\n');
        if (nl)
            start = nl + 1;
    }
    snprintf(text, sizeof text, _("Its output ended with:\n%s"), start);
    return text;
}

static void *watcher(void *arg)
{
    struct watch *w = arg;
    while (!__atomic_load_n(&w->done, __ATOMIC_SEQ_CST) && now_ms() < w->deadline)
        sleep_ms(5);
    if (__atomic_load_n(&w->done, __ATOMIC_SEQ_CST))
        return NULL;
    /* Still inside the student's call: diagnose, then end the body (the
     * sandbox kills what is left of the run). */
    w->diagnose(w->arg);
    kill(getpid(), SIGKILL);
    return NULL;
}

void watch_start(struct watch *w, double ms, void (*diagnose)(void *arg), void *arg)
{
    w->done = 0;
    w->deadline = now_ms() + ms;
    w->diagnose = diagnose;
    w->arg = arg;
    /* Without a thread (no resources left) the call is merely not
     * diagnosed: the sandbox's deadline still bounds it. */
    w->running = pthread_create(&w->thread, NULL, watcher, w) == 0;
}

void watch_done(struct watch *w)
{
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    if (w->running)
        pthread_join(w->thread, NULL);
}
