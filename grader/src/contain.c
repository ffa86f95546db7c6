/*
 * Contained runs: a command (a compiler, a check binary, bats) that may run
 * student code, bounded in wall time and output, in its own session, and
 * followed by a sweep that kills and reaps every process it left.
 *
 * This process is a child subreaper, so orphans that escape the session
 * (setsid, double fork) are re-parented here and the sweep finds them.
 * Call contain_run only from a process whose other children may be killed:
 * a lab worker, or the main process when it has no workers.
 */
#define _GNU_SOURCE
#include "grader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void contain_init(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* A student kill(0, SIGPIPE) or a closed pipe must not end the grader. */
    signal(SIGPIPE, SIG_IGN);
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl = {value, value};
    setrlimit(resource, &rl);
}

/* Limits for processes that run student code (inherited by all they fork). */
static void apply_student_limits(double timeout)
{
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_CPU, (rlim_t)timeout + 5);
    set_limit(RLIMIT_FSIZE, 64 << 20);
    set_limit(RLIMIT_NOFILE, 1024);
    set_limit(RLIMIT_AS, (rlim_t)4 << 30);
}

/* Session id (field 6 of /proc/PID/stat) and state; false if gone. */
static bool proc_session(pid_t pid, pid_t *sid, pid_t *ppid, char *state)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold ')' */
    int pp, pg, s;
    if (!p || sscanf(p + 1, " %c %d %d %d", state, &pp, &pg, &s) != 4)
        return false;
    *sid = s;
    *ppid = pp;
    return true;
}

/* One pass: SIGKILL every live process of the session and every child of
 * ours; reap what died. Returns how many live processes were found. */
static int kill_pass(pid_t session)
{
    pid_t self = getpid();
    int found = 0;
    DIR *d = opendir("/proc");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9')
                continue;
            pid_t pid = atoi(e->d_name), sid, ppid;
            char state;
            if (pid == self || !proc_session(pid, &sid, &ppid, &state))
                continue;
            if ((session > 0 && sid == session) || ppid == self) {
                if (state != 'Z') {
                    found++;
                    kill(pid, SIGKILL);
                }
            }
        }
        closedir(d);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    return found;
}

/* Kill until nothing of the session and no child of ours is left. */
static int sweep(pid_t session)
{
    int first = kill_pass(session);
    int found = first;
    for (int round = 0; found > 0 && round < 5000; round++) {
        usleep(round < 10 ? 200 : 2000); /* let SIGKILL land, then look again */
        found = kill_pass(session);
    }
    return first;
}

int contain_sweep(void)
{
    return sweep(0);
}

static void exec_child(const struct run_spec *spec, int out)
{
    setsid();
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    /* Close every other descriptor: the grader's pipes must not leak in. */
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    signal(SIGPIPE, SIG_DFL);
    if (spec->cwd && chdir(spec->cwd) < 0) {
        dprintf(STDERR_FILENO, "grade: cannot enter %s\n", spec->cwd);
        _exit(126);
    }
    for (char *const *e = spec->setenv; e && *e; e++)
        putenv(*e);
    if (spec->student)
        apply_student_limits(spec->timeout);
    execvp(spec->argv[0], spec->argv);
    dprintf(STDERR_FILENO, "grade: cannot run %s: %s\n", spec->argv[0], strerror(errno));
    _exit(127);
}

static void append_output(struct run_result *res, size_t cap, const char *buf, size_t n)
{
    if (res->output_len + n > cap) {
        n = cap - res->output_len;
        res->output_overflow = true;
    }
    memcpy(res->output + res->output_len, buf, n);
    res->output_len += n;
    res->output[res->output_len] = '\0';
}

void contain_run(const struct run_spec *spec, struct run_result *res)
{
    memset(res, 0, sizeof *res);
    size_t cap = spec->output_cap ? spec->output_cap : 1 << 20;
    res->output = xcalloc(1, cap + 1);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        append_output(res, cap, "grade: pipe failed\n", 19);
        res->status = 127 << 8;
        return;
    }
    double start = mono_ms();
    pid_t pid = fork();
    if (pid < 0) {
        append_output(res, cap, "grade: fork failed\n", 19);
        res->status = 127 << 8;
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0)
        exec_child(spec, p[1]);
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    double deadline = start + spec->timeout * 1000;
    bool out_open = true, exited = false;

    while (!exited) {
        if (waitpid(pid, &res->status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        double left = deadline - mono_ms();
        if (left <= 0) {
            res->timed_out = true;
            break;
        }
        struct pollfd fds[2] = {{out_open ? p[0] : -1, POLLIN, 0}, {pidfd, POLLIN, 0}};
        int wait = pidfd >= 0 ? (int)left + 1 : 10; /* no pidfd: look now and then */
        if (wait > (int)left + 1)
            wait = (int)left + 1;
        if (poll(fds, 2, wait) < 0 && errno != EINTR)
            break;
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) {
            char buf[65536];
            ssize_t n = read(p[0], buf, sizeof buf);
            if (n > 0)
                append_output(res, cap, buf, (size_t)n);
            else if (n == 0)
                out_open = false;
            if (res->output_overflow)
                break; /* a flood: stop it now */
        }
    }
    if (!exited) {
        kill(-pid, SIGKILL);
        waitpid(pid, &res->status, 0);
    }
    res->elapsed_ms = mono_ms() - start;
    /* What is still buffered, without waiting on stragglers holding the pipe. */
    char buf[65536];
    ssize_t n;
    while (!res->output_overflow && (n = read(p[0], buf, sizeof buf)) > 0)
        append_output(res, cap, buf, (size_t)n);
    close(p[0]);
    if (pidfd >= 0)
        close(pidfd);
    res->leftovers = sweep(pid);
}

void run_result_free(struct run_result *res)
{
    free(res->output);
    res->output = NULL;
}
