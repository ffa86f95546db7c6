/* Lab 07 checks: spawn_piped, read_until_eof, wait_exitcode, run_capture. */
#define _GNU_SOURCE
#include "capture.h"
#include "check.h"

#include <dirent.h>
#include <malloc.h> /* malloc_usable_size */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(capture, .timeout = CHECK_SUITE_TIMEOUT);

enum { OUT_CAP = 2 << 20, MAX_FDS = 64 };

/* What the body saw, in shared memory so the test can read it. */
struct seen {
    bool normal_ok; /* run_capture({"echo", "ok"}) worked, before fork() was made to fail */
    int ret;      /* run_capture()'s or spawn_piped()'s return value */
    pid_t caller; /* the body's pid */
    size_t len;   /* the length the student reported */
    int out_null; /* the output pointer was NULL */
    bool data_past_len; /* read_until_eof() read the data past the length it reported */
    int status;   /* the exit code the student reported */
    int codes[4]; /* wait_exitcode() results */
    char other_state;  /* another child of the caller, a zombie, after those calls */
    int slow_code;     /* wait_exitcode() of a child that ends only once it is waited for */
    char slow_state;   /* that child's state right after wait_exitcode() returned */
    int nul_ok;   /* out[len] == '\0' */
    int got_eof;  /* our own reader saw EOF */
    int rdonly;   /* the fd given back is a read end */
    int fd_still_open; /* read_until_eof() left its fd open */
    int usr1_handled;  /* the EINTR check's handler ran */
    int read_signalled, wait_signalled; /* the signal came while the caller slept */
    int fork_refused;   /* the check could make fork() fail */
    int cap_out_null;   /* run_capture() left cap->out NULL when it could not start */
    int capture_ret;
    /* The watcher's diagnosis when the student code hung. */
    int stuck;        /* the call had not returned at the deadline */
    int children;     /* children of the caller at that moment */
    int child_alive;  /* ... of which still running (blocked writing, say) */
    int child_zombie; /* ... of which exited but not reaped */
    pid_t child_pid;  /* one of them */
    int both_ends;    /* the caller held both ends of one new pipe */
    int end_fds[2];   /* those two fds */
    int new_fds;      /* fds opened by the student code and left open */
    char new_fd_text[512];
    char out[OUT_CAP + 1]; /* the captured output (first OUT_CAP bytes) */
};

static struct seen *seen;

/* ---- looking at processes and descriptors through /proc ------------------ */

/* Children of this process: how many, running, zombies. */
static void look_at_children(struct seen *s)
{
    struct children c = children_of(getpid());
    s->children += c.alive + c.zombies;
    s->child_alive += c.alive;
    s->child_zombie += c.zombies;
    if (c.last)
        s->child_pid = c.last;
}

/* Which fds are open: open[fd] is 1 for each. */
static void fd_snapshot(char open_fds[MAX_FDS])
{
    for (int fd = 0; fd < MAX_FDS; fd++)
        open_fds[fd] = fcntl(fd, F_GETFD) >= 0;
}

static void fd_target(int fd, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
}

/* fds open now that were not open in before[]: counted and described; and
 * whether two of them are the two ends of the same pipe. */
static void new_fds(struct seen *s, const char before[MAX_FDS])
{
    char target[MAX_FDS][64];
    int fds[MAX_FDS], n = 0;
    s->new_fds = 0;
    s->new_fd_text[0] = '\0';
    for (int fd = 0; fd < MAX_FDS; fd++) {
        if (before[fd] || fcntl(fd, F_GETFD) < 0)
            continue;
        fd_target(fd, target[n], sizeof target[n]);
        fds[n++] = fd;
        size_t used = strlen(s->new_fd_text);
        snprintf(s->new_fd_text + used, sizeof s->new_fd_text - used, "%sfd %d -> %s",
                 used ? ", " : "", fd, target[n - 1]);
    }
    s->new_fds = n;
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++)
            if (!strncmp(target[i], "pipe:", 5) && !strcmp(target[i], target[k])) {
                s->both_ends = 1;
                s->end_fds[0] = fds[i];
                s->end_fds[1] = fds[k];
            }
}

/* ---- the watcher's diagnosis of a call that hangs (see watch_start) ----- */

struct diagnosis {
    struct seen *s;
    const char *before; /* fds open before the student code ran */
};

/* Still inside the student's call: record who waits for whom. */
static void diagnose_hang(void *arg)
{
    struct diagnosis *d = arg;
    look_at_children(d->s);
    new_fds(d->s, d->before);
    d->s->stuck = 1;
}

/* Run the student's run_capture() under the watcher; keep what it gave. */
static void watched_capture(struct seen *s, char *const argv[], double ms)
{
    char before[MAX_FDS];
    fd_snapshot(before);
    struct diagnosis d = {s, before};
    struct watch w;
    watch_start(&w, ms, diagnose_hang, &d);
    struct capture cap = {NULL, 0, -1000};
    pid_t self = getpid();
    s->ret = run_capture(argv, &cap);
    if (getpid() != self)
        return; /* a child came back from the call: the sandbox counts it */
    watch_done(&w);
    s->status = cap.status;
    s->len = cap.len;
    s->out_null = cap.out == NULL;
    if (cap.out) {
        size_t n = cap.len < OUT_CAP ? cap.len : OUT_CAP;
        memcpy(s->out, cap.out, n);
        s->out[n] = '\0';
        s->nul_ok = cap.out[cap.len] == '\0';
    }
    new_fds(s, before);
}

/* The words for a call that hung, from what the watcher saw. */
static const char *stuck_reason(const struct seen *s)
{
    static char text[1024];
    if (s->child_alive)
        snprintf(text, sizeof text,
                 _("the child (pid %d) is still alive, blocked writing into the full pipe, and "
                   "nobody reads it: the parent waits for the child before reading its output. A "
                   "pipe holds only 64 KiB; read until EOF first, then waitpid()"),
                 (int)s->child_pid);
    else if (s->child_zombie && s->both_ends)
        snprintf(text, sizeof text,
                 _("read never saw EOF: the child has exited, but this process still holds fd %d "
                   "and fd %d, both ends of the same pipe. Its own copy of the write end keeps "
                   "the pipe open: close(fds[1]) in the parent right after fork()"),
                 s->end_fds[0], s->end_fds[1]);
    else if (s->child_zombie)
        snprintf(text, sizeof text,
                 _("read never saw EOF although the child has exited: some process still holds "
                   "the pipe's write end (this process holds: %s)"),
                 s->new_fds ? s->new_fd_text : _("no new descriptors"));
    else
        snprintf(text, sizeof text, _("it hung with no child process left (it holds: %s)"),
                 s->new_fds ? s->new_fd_text : _("no new descriptors"));
    return text;
}

#define assert_not_stuck(s, what)                                                                  \
    cr_assert(!(s)->stuck, "%s did not return within the time limit: %s", (what), stuck_reason(s))

/* ---- step 1: spawn_piped ------------------------------------------------- */

static void call_spawn(void *shared)
{
    struct seen *s = shared;
    char *argv[] = {"sh", "-c", "echo to-the-pipe; echo to-stderr >&2", NULL};
    int fd = -1;
    s->caller = getpid();
    pid_t pid = spawn_piped(argv, &fd);
    s->ret = (int)pid;
    if (pid <= 0 || fd < 0)
        return;
    s->rdonly = (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY;
    /* Our own bounded reader: until EOF or the deadline. */
    double deadline = now_ms() + 1500;
    size_t n = 0;
    while (n < 4096 && now_ms() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0)
            continue;
        ssize_t got = read(fd, s->out + n, 4096 - n);
        if (got <= 0) {
            s->got_eof = got == 0;
            break;
        }
        n += (size_t)got;
    }
    s->len = n;
    /* Reap the child, bounded: the sandbox kills it if it lingers. */
    while (now_ms() < deadline && waitpid(pid, NULL, WNOHANG) == 0)
        sleep_ms(5);
}

Test(capture, spawn_redirects_stdout)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_spawn, seen, 4000);
    cr_assert(r.stray_returns == 0,
              "a second process came back from spawn_piped(): the child must exec (and "
              "_exit if exec fails), never return");
    sandbox_assert_returned(&r, "spawn_piped()");
    cr_assert(seen->ret != -1, "spawn_piped() returned -1: it does not fork yet");
    cr_assert(seen->ret != seen->caller,
              "spawn_piped() returned the caller's own pid %d: return what fork() gave the "
              "parent",
              (int)seen->caller);
    cr_assert(seen->rdonly, "*read_fd is not the read end of the pipe: fds[0] is the read end, "
                            "fds[1] the write end");
    bool in_pipe = strstr(seen->out, "to-the-pipe") != NULL;
    cr_assert(in_pipe || !strstr(r.output, "to-the-pipe"),
              "the command's output went to the parent's stdout, not into the pipe (the pipe "
              "gave %zu bytes): in the child, dup2(fds[1], STDOUT_FILENO) before execvp()",
              seen->len);
    cr_assert(in_pipe,
              "the pipe gave \"%s\" (%zu bytes), not the command's output \"to-the-pipe\\n\": "
              "the child must dup2(fds[1], STDOUT_FILENO) and then execvp(argv[0], argv)",
              seen->out, seen->len);
    cr_assert(!strstr(seen->out, "to-stderr"),
              "the command's stderr came through the pipe too: redirect only stdout "
              "(STDOUT_FILENO)");
}

/* The command's own descriptors: on the capture pipe, only its stdout. */
static void call_capture_fds(void *shared)
{
    char *argv[] = {"sh", "-c", "for f in /proc/$$/fd/*; do echo \"${f##*/} $(readlink $f)\"; done",
                    NULL};
    watched_capture(shared, argv, 1500);
}

Test(capture, command_holds_only_its_stdout)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_capture_fds, seen, 4000);
    assert_not_stuck(seen, "run_capture(sh -c 'list my descriptors')");
    sandbox_assert_returned(&r, "run_capture()");
    /* The pipe the command writes to: what its fd 1 points at. */
    char pipe_name[64] = "";
    const char *one = strstr(seen->out, "\n1 ");
    if (!one && !strncmp(seen->out, "1 ", 2))
        one = seen->out - 1;
    if (one)
        sscanf(one + 3, "%63s", pipe_name);
    cr_assert(!strncmp(pipe_name, "pipe:", 5),
              "the command's stdout (fd 1) was not a pipe (\"%s\"); it listed its "
              "descriptors as:\n%s",
              pipe_name, seen->out);
    int same = 0;
    bool stderr_too = false;
    char extra[256] = "";
    for (const char *line = seen->out; *line;) {
        int fd;
        char target[64];
        if (sscanf(line, "%d %63s", &fd, target) == 2 && !strcmp(target, pipe_name) && fd == 2)
            stderr_too = true;
        else if (sscanf(line, "%d %63s", &fd, target) == 2 && !strcmp(target, pipe_name) &&
                 fd != 1) {
            same++;
            size_t used = strlen(extra);
            snprintf(extra + used, sizeof extra - used, "%sfd %d", used ? ", " : "", fd);
        }
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    cr_assert(!stderr_too,
              "the command's stderr (fd 2) was the capture pipe too: redirect only stdout "
              "(dup2(fds[1], STDOUT_FILENO)); stderr is inherited unchanged. It listed its "
              "descriptors as:\n%s",
              seen->out);
    cr_assert(same == 0,
              "the command held the capture pipe not only as its stdout but also as %s (it "
              "listed its descriptors as:\n%s): the child kept pipe descriptors it no longer "
              "needs. After dup2(fds[1], STDOUT_FILENO), close both fds[0] and fds[1] before "
              "execvp()",
              extra, seen->out);
}

/* fork() fails (the process limit is lowered to what runs now). */
static void call_spawn_no_fork(void *shared)
{
    struct seen *s = shared;
    /* First a command that can start: the error path proves something only
     * in code that runs commands at all. */
    char *ok_argv[] = {"echo", "ok", NULL};
    struct capture ok = {NULL, 0, 0};
    s->normal_ok = run_capture(ok_argv, &ok) == 0 && ok.out && !strcmp(ok.out, "ok\n");
    free(ok.out);
    struct rlimit old, none;
    getrlimit(RLIMIT_NPROC, &old);
    none = old;
    none.rlim_cur = 0;
    setrlimit(RLIMIT_NPROC, &none);
    pid_t probe = fork();
    if (probe == 0)
        _exit(0);
    if (probe > 0) { /* the limit does not hold here (root): nothing to see */
        waitpid(probe, NULL, 0);
        setrlimit(RLIMIT_NPROC, &old);
        return;
    }
    s->fork_refused = 1;
    char before[MAX_FDS];
    fd_snapshot(before);
    char *argv[] = {"echo", "never", NULL};
    int fd = -1;
    s->ret = (int)spawn_piped(argv, &fd);
    struct capture cap = {(char *)"untouched", 7, 0};
    s->capture_ret = run_capture(argv, &cap);
    s->cap_out_null = cap.out == NULL;
    new_fds(s, before);
    setrlimit(RLIMIT_NPROC, &old);
}

Test(capture, spawn_fails_cleanly)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_spawn_no_fork, seen, 4000);
    sandbox_assert_returned(&r, "spawn_piped() with fork() failing");
    cr_assert(seen->normal_ok,
              "this check needs run_capture() to work first: run_capture({\"echo\", \"ok\"}) "
              "did not return 0 with the output \"ok\\n\" (see capture_returns_output_and_status)");
    if (!seen->fork_refused)
        return; /* fork() cannot be made to fail here */
    cr_assert(seen->ret == -1,
              "spawn_piped() returned %d although fork() failed (EAGAIN, the process limit): "
              "return -1 when fork() fails",
              seen->ret);
    cr_assert(seen->new_fds == 0,
              "fork() failed, and spawn_piped() and run_capture() left %d descriptor(s) open "
              "(%s): when fork() fails, close both ends of the pipe before returning -1",
              seen->new_fds, seen->new_fd_text);
    cr_assert(seen->capture_ret == -1 && seen->cap_out_null,
              "fork() failed, and run_capture() returned %d with cap->out %s: the contract "
              "says -1, and cap->out NULL, when the command could not be started",
              seen->capture_ret, seen->cap_out_null ? "NULL" : _("not NULL"));
}

/* ---- step 2: read_until_eof ----------------------------------------------- */

enum { PATTERN_LEN = 300000 };

static char pattern_byte(size_t i)
{
    return (char)((i * 7) % 251); /* holds NUL bytes: the length is not strlen() */
}

static void call_read_until_eof(void *shared)
{
    struct seen *s = shared;
    int fds[2];
    Pipe(fds);
    pid_t pid = Fork();
    if (pid == 0) { /* our writer: 300000 bytes in 1000-byte pieces */
        close(fds[0]);
        char buf[1000];
        for (size_t off = 0; off < PATTERN_LEN; off += sizeof buf) {
            for (size_t i = 0; i < sizeof buf; i++)
                buf[i] = pattern_byte(off + i);
            if (write_all(fds[1], buf, sizeof buf) < 0)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    char *out = read_until_eof(fds[0], &len);
    s->len = len;
    s->out_null = out == NULL;
    s->ret = -1; /* the first byte that differs, -1 if none */
    if (out) {
        for (size_t i = 0; i < len && i < PATTERN_LEN; i++)
            if (out[i] != pattern_byte(i)) {
                s->ret = (int)i;
                break;
            }
        s->nul_ok = out[len] == '\0';
        /* Was the data read past the length reported? (strlen() stops at a
         * NUL byte of the data.) Looked at only inside the allocation. */
        s->data_past_len = len + 17 <= PATTERN_LEN && malloc_usable_size(out) >= len + 17;
        for (size_t i = len + 1; s->data_past_len && i < len + 17; i++)
            s->data_past_len = out[i] == pattern_byte(i);
    }
    s->fd_still_open = fcntl(fds[0], F_GETFD) >= 0;
    close(fds[0]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

Test(capture, read_until_eof_reads_everything)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_read_until_eof, seen, 4000);
    sandbox_assert_returned(&r, "read_until_eof()");
    cr_assert(!seen->out_null, "read_until_eof() returned NULL for a pipe with 300000 bytes in "
                               "it: read until read() returns 0 and return the buffer");
    size_t first_nul = 0; /* where the data holds its first NUL byte */
    while (first_nul < PATTERN_LEN && pattern_byte(first_nul) != '\0')
        first_nul++;
    cr_assert(!(seen->len < PATTERN_LEN && seen->len == first_nul && seen->ret < 0 &&
                seen->data_past_len),
              "read_until_eof() reported %zu of the 300000 bytes written, which is just where "
              "the data holds its first NUL byte: the length was measured with strlen() (or the "
              "reading stopped at a NUL). A command's output may hold NUL bytes: the length is "
              "the sum of what the read() calls returned",
              seen->len);
    size_t room = seen->len + 1; /* a full buffer of a power of two bytes, less the NUL */
    bool full_buffer = room >= 256 && (room & (room - 1)) == 0 && seen->len < PATTERN_LEN;
    cr_assert(seen->len == PATTERN_LEN,
              "read_until_eof() gave %zu of the 300000 bytes written, and stopped before EOF "
              "(the writer sends them in 1000-byte pieces): one read() gives only what is in "
              "the pipe at that moment (at most 64 KiB); loop until read() returns 0 (EOF), "
              "growing the buffer%s",
              seen->len,
              full_buffer ? _(". It stopped with a full buffer of a power of two bytes: if the "
                              "buffer did not grow (realloc() without a new capacity), the "
                              "next read() asks for 0 bytes, and read() of 0 bytes returns 0, "
                              "which looks like EOF")
                          : "");
    cr_assert(seen->ret < 0,
              "read_until_eof() gave 300000 bytes but byte %d differs from what was written: "
              "append each read at the end of what you have (buf + n), and do not stop at a "
              "NUL byte",
              seen->ret);
    cr_assert(seen->nul_ok, "the buffer is not NUL-terminated: set buf[len] = '\\0'");
    cr_assert(seen->fd_still_open,
              "read_until_eof() closed the descriptor it was given: the contract says it does "
              "not close fd. The caller closes it (run_capture() does, after reading); a "
              "second close() may close a descriptor that another part of the program has "
              "opened in the meantime");
}

/* ---- steps 2 and 3: a signal interrupts the read and the wait ------------ */

static void on_usr1(int sig)
{
    (void)sig;
    __atomic_add_fetch(&seen->usr1_handled, 1, __ATOMIC_SEQ_CST);
}

/* In a child: wait (bounded) until the parent sleeps (blocked in a call),
 * send it SIGUSR1 and wait until its handler has run. */
static bool interrupt_parent(int handled_before)
{
    pid_t parent = getppid();
    double until = now_ms() + 2000;
    while (process_state(parent, NULL) != 'S' && now_ms() < until)
        sleep_ms(1);
    if (process_state(parent, NULL) != 'S')
        return false;
    kill(parent, SIGUSR1);
    while (seen->usr1_handled == handled_before && now_ms() < until)
        sleep_ms(1);
    return seen->usr1_handled > handled_before;
}

static void call_interrupted(void *shared)
{
    struct seen *s = shared;
    Sigaction(SIGUSR1, on_usr1, 0); /* no SA_RESTART: blocked calls fail with EINTR */
    int fds[2];
    Pipe(fds);
    pid_t writer = Fork();
    if (writer == 0) { /* interrupts the parent's read(), then writes */
        close(fds[0]);
        s->read_signalled = interrupt_parent(0);
        double until = now_ms() + 1000; /* give a retried read() time to block again */
        while (process_state(getppid(), NULL) != 'S' && now_ms() < until)
            sleep_ms(1);
        (void)!write(fds[1], "after the signal\n", 17);
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    char *out = read_until_eof(fds[0], &len);
    s->out_null = out == NULL;
    s->len = out ? len : 0;
    if (out)
        memcpy(s->out, out, len < 64 ? len : 64);
    free(out);
    close(fds[0]);
    waitpid(writer, NULL, 0);

    pid_t child = Fork();
    if (child == 0) { /* interrupts the parent's wait, then exits with 7 */
        s->wait_signalled = interrupt_parent(s->usr1_handled);
        _exit(7);
    }
    s->status = wait_exitcode(child);
    while (waitpid(child, NULL, WNOHANG) == 0)
        sleep_ms(1);
}

Test(capture, read_and_wait_retry_after_eintr)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_interrupted, seen, 6000);
    sandbox_assert_returned(&r, "read_until_eof() or wait_exitcode()");
    cr_assert(seen->read_signalled, "the check could not interrupt read_until_eof() (a kit "
                                    "problem, not yours)");
    cr_assert(!seen->out_null,
              "read_until_eof() returned NULL after a signal handler (SIGUSR1, installed "
              "without SA_RESTART) interrupted its read(): read() then fails with errno EINTR, "
              "which is no error. Retry the read() on EINTR");
    cr_assert(seen->len == 17 && !memcmp(seen->out, "after the signal\n", 17),
              "read_until_eof() gave %zu bytes (\"%.*s\") instead of the 17 bytes \"after the "
              "signal\\n\" written after a signal handler interrupted its read(): on EINTR, "
              "retry the read(); stop only at EOF (read() returns 0)",
              seen->len, (int)(seen->len < 40 ? seen->len : 40), seen->out);
    cr_assert(seen->wait_signalled, "the check could not interrupt wait_exitcode() (a kit "
                                    "problem, not yours)");
    cr_assert(seen->status == 7,
              "wait_exitcode() gave %d for a child that exited with 7 after a signal handler "
              "(SIGUSR1, without SA_RESTART) interrupted the waitpid(): waitpid() then fails "
              "with errno EINTR, and the child has not ended yet. Retry the waitpid() on EINTR",
              seen->status);
}

/* ---- step 3: wait_exitcode ------------------------------------------------ */

static void call_wait_exitcode(void *shared)
{
    struct seen *s = shared;
    static const int how[4] = {3, 0, -SIGTERM, 255}; /* exit code, or -signal */
    /* Another child of the caller that has already ended: a zombie, not
     * the one wait_exitcode() is asked about. */
    pid_t other = Fork();
    if (other == 0)
        _exit(42);
    siginfo_t info;
    waitid(P_PID, (id_t)other, &info, WEXITED | WNOWAIT);
    for (int i = 0; i < 4; i++) {
        pid_t pid = Fork();
        if (pid == 0) {
            if (how[i] < 0) {
                sigset_t all;
                sigfillset(&all);
                sigprocmask(SIG_UNBLOCK, &all, NULL);
                signal(-how[i], SIG_DFL);
                raise(-how[i]);
            }
            _exit(how[i] < 0 ? 99 : how[i]);
        }
        s->codes[i] = wait_exitcode(pid);
    }
    char st = process_state(other, NULL);
    s->other_state = st ? st : '-';
    waitpid(other, NULL, 0);
    /* A child that ends only once its parent is blocked waiting for it (at
     * most 1 s): a wait_exitcode() that only looks (WNOHANG) finds it
     * running. */
    pid_t me = getpid(), slow = Fork();
    if (slow == 0) {
        double until = now_ms() + 1000;
        while (now_ms() < until && waits_for_child(me) == 0)
            sleep_ms(1);
        _exit(6);
    }
    s->slow_code = wait_exitcode(slow);
    st = process_state(slow, NULL);
    s->slow_state = st ? st : '-';
    waitpid(slow, NULL, 0);
}

Test(capture, wait_exitcode_decodes_status)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_wait_exitcode, seen, 4000);
    sandbox_assert_returned(&r, "wait_exitcode()");
    cr_assert(seen->other_state == 'Z',
              "wait_exitcode(pid) reaped another child of the caller (it had ended, a zombie; "
              "then it was %s) and gave codes %d, %d, %d, %d for children that exited with 3, "
              "0, -15 and 255: it waits for any child, waitpid(-1, ...) or wait(). Wait for "
              "the pid it was given: waitpid(pid, &status, 0)",
              seen->other_state == '-' ? _("gone") : _("not a zombie"), seen->codes[0],
              seen->codes[1], seen->codes[2], seen->codes[3]);
    cr_assert(seen->slow_state == '-' || seen->slow_state == 'Z' || seen->slow_code == 6,
              "wait_exitcode(pid) returned %d while the child was still running (the check's "
              "child ends only once its parent waits for it): it did not wait. waitpid(pid, "
              "&status, WNOHANG) only looks; waitpid(pid, &status, 0) blocks until the child "
              "has ended",
              seen->slow_code);
    cr_assert(r.unreaped == 0, "%d children were left unreaped: wait_exitcode() must waitpid()",
              r.unreaped);
    cr_assert(seen->codes[0] != 3 << 8,
              "wait_exitcode() gave 768 for a child that called exit(3): that is the raw wait "
              "status; decode it with WIFEXITED() and WEXITSTATUS()");
    cr_assert(seen->codes[0] == 3 && seen->codes[1] == 0 && seen->codes[3] == 255,
              "wait_exitcode() gave %d, %d and %d for children that exited with 3, 0 and 255: "
              "return WEXITSTATUS(status) when WIFEXITED(status)",
              seen->codes[0], seen->codes[1], seen->codes[3]);
    cr_assert(seen->codes[2] == -SIGTERM,
              "wait_exitcode() gave %d for a child killed by SIGTERM (15): death by signal N is "
              "-N (as Python's returncode): return -WTERMSIG(status) when WIFSIGNALED(status)",
              seen->codes[2]);
    cr_assert(seen->slow_code == 6,
              "wait_exitcode(pid) gave %d for a child that exited with 6", seen->slow_code);
}

/* ---- step 4: run_capture ---------------------------------------------------- */

static void call_capture_small(void *shared)
{
    char *argv[] = {"sh", "-c", "printf 'one\\ntwo\\n'; exit 5", NULL};
    watched_capture(shared, argv, 1500);
}

Test(capture, capture_returns_output_and_status)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_capture_small, seen, 4000);
    assert_not_stuck(seen, "run_capture(sh -c \"printf 'one\\ntwo\\n'; exit 5\")");
    sandbox_assert_returned(&r, "run_capture()");
    cr_assert(seen->ret == 0, "run_capture() returned %d: it must start the command and return 0",
              seen->ret);
    cr_assert(!seen->out_null, "cap->out is NULL: store the buffer read_until_eof() gave");
    cr_assert(seen->len == 8 && !strcmp(seen->out, "one\ntwo\n"),
              "captured \"%s\" (%zu bytes), not \"one\\ntwo\\n\" (8 bytes)", seen->out, seen->len);
    cr_assert(seen->status == 5, "cap->status is %d for a command that ended with exit 5",
              seen->status);
}

static void call_capture_echo(void *shared)
{
    char *argv[] = {"echo", "hello", NULL};
    watched_capture(shared, argv, 1500);
}

Test(capture, capture_reaches_eof)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_capture_echo, seen, 4000);
    assert_not_stuck(seen, "run_capture(echo hello)");
    sandbox_assert_returned(&r, "run_capture(echo hello)");
    cr_assert(!(seen->status == EXEC_FAILED && strstr(r.output, "cannot run")),
              "run_capture(echo hello) could not run echo (status 127, and stderr says "
              "\"cannot run\"): the command name is searched in PATH, as a shell does. "
              "execvp(argv[0], argv) does that; execv() takes the name for a path.\n%s",
              sandbox_tail(&r));
    cr_assert(seen->ret == 0 && seen->len == 6 && !strcmp(seen->out, "hello\n"),
              "run_capture(echo hello) returned %d and captured \"%s\" (%zu bytes), not "
              "\"hello\\n\"",
              seen->ret, seen->out, seen->len);
    cr_assert(seen->status == 0, "cap->status is %d for echo, which exits with 0", seen->status);
}

enum { SEQ_N = 200000 };

static void call_capture_large(void *shared)
{
    char *argv[] = {"seq", "1", "200000", NULL};
    watched_capture(shared, argv, 2500);
}

Test(capture, large_output_does_not_deadlock)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_capture_large, seen, 5000);
    assert_not_stuck(seen, "run_capture(seq 1 200000), 1.3 MB of output,");
    sandbox_assert_returned(&r, "run_capture(seq 1 200000)");
    /* What seq writes, to compare. */
    char *want = malloc(OUT_CAP);
    size_t n = 0;
    for (int i = 1; i <= SEQ_N; i++)
        n += (size_t)sprintf(want + n, "%d\n", i);
    size_t same = 0;
    while (same < n && same < seen->len && want[same] == seen->out[same])
        same++;
    free(want);
    cr_assert(seen->len == n && same == n,
              "run_capture(seq 1 200000) captured %zu bytes, %zu of them right, instead of %zu: "
              "read until EOF, appending every read() to the buffer",
              seen->len, same, n);
    cr_assert(seen->status == 0, "cap->status is %d; seq exits with 0", seen->status);
}

/* ---- exec failure ------------------------------------------------------------- */

static void call_capture_missing(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    /* Text in the parent's stdio buffer at fork time: exit() in the child
     * would flush its copy of it into the pipe. */
    setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
    printf("[parent's unflushed text]");
    char *argv[] = {"no-such-command-for-lab-07", "x", NULL};
    watched_capture(s, argv, 1500);
    fflush(stdout);
}

Test(capture, exec_failure_reports_127)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_capture_missing, seen, 4000);
    cr_assert(r.stray_returns == 0,
              "exec failed and %d extra process(es) came back from run_capture(): after "
              "execvp() fails the child must _exit(EXEC_FAILED), or it goes on running the "
              "parent's code",
              r.stray_returns);
    assert_not_stuck(seen, "run_capture(no-such-command)");
    sandbox_assert_returned(&r, "run_capture(no-such-command)");
    cr_assert(!strstr(seen->out, "unflushed"),
              "the pipe gave \"%s\": the child called exit() after exec failed, and exit() "
              "flushed its copy of the parent's stdio buffer into the pipe. Use _exit(127) "
              "in the child",
              seen->out);
    cr_assert(seen->ret == 0,
              "run_capture(no-such-command) returned %d: a command that cannot be run still "
              "returns 0, with cap->status 127",
              seen->ret);
    cr_assert(seen->status == EXEC_FAILED,
              "exec failed but the status is %d: after execvp() fails the child must "
              "_exit(EXEC_FAILED), 127, as shells do, so the caller can tell",
              seen->status);
    cr_assert(!strstr(seen->out, "cannot run"),
              "the \"cannot run\" line came through the pipe (\"%s\"): it was written to stdout, "
              "which is the pipe once dup2() has run. Write it to stderr: "
              "dprintf(STDERR_FILENO, \"capture: cannot run %%s: %%s\\n\", ...)",
              seen->out);
    cr_assert(seen->len == 0, "exec failed but %zu bytes were captured: \"%s\"", seen->len,
              seen->out);
    cr_assert(strstr(r.output, "cannot run"),
              "the child printed no \"capture: cannot run NAME: REASON\" line on stderr when "
              "exec failed: print it with strerror(errno) before _exit(127).\n%s",
              sandbox_tail(&r));
}

/* ---- nothing left behind ------------------------------------------------------ */

static void call_capture_thrice(void *shared)
{
    struct seen *s = shared;
    char before[MAX_FDS];
    fd_snapshot(before);
    struct diagnosis d = {s, before};
    struct watch w;
    watch_start(&w, 2000, diagnose_hang, &d);
    pid_t self = getpid();
    for (int i = 0; i < 3; i++) {
        char *argv[] = {"echo", "hi", NULL};
        struct capture cap = {NULL, 0, 0};
        if (run_capture(argv, &cap) == 0)
            s->ret++;
        if (getpid() != self)
            return; /* a child came back from the call: the sandbox counts it */
        free(cap.out);
    }
    watch_done(&w);
    new_fds(s, before);
}

Test(capture, capture_closes_fds_and_reaps)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_capture_thrice, seen, 4000);
    assert_not_stuck(seen, "run_capture(echo hi)");
    sandbox_assert_returned(&r, "run_capture()");
    cr_assert(seen->ret == 3, "run_capture(echo hi) succeeded %d times of 3", seen->ret);
    cr_assert(seen->new_fds == 0,
              "after 3 calls of run_capture() this process holds %d more open descriptors (%s): "
              "close the read end when you are done reading, or every call leaks one",
              seen->new_fds, seen->new_fd_text);
    cr_assert(r.unreaped == 0,
              "%d children were left unreaped after 3 calls of run_capture(): wait for the "
              "child after reading its output",
              r.unreaped);
}
