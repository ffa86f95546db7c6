/*
 * Contained runs: a command (a compiler, a check binary, bats) that may run
 * student code, bounded in wall time and output, and followed by a sweep
 * that kills and reaps every process it left.
 *
 * The strongest containment the machine allows, probed once:
 *   - namespaces (as root, or through a user namespace): the run gets its
 *     own PID namespace (its init kills everything when the command ends),
 *     IPC namespace (System V and POSIX objects die with it), network
 *     namespace (loopback only), and mount namespace with a private /tmp and
 *     /dev/shm, the kit's solutions, mutants and .git hidden, and only its own
 *     build folder visible;
 *   - as root, student code runs as a dedicated unprivileged user per slot,
 *     with RLIMIT_NPROC (which root itself ignores) against fork bombs, so
 *     it can signal neither the grader nor the test runner;
 *   - always: its own session, rlimits (CPU, address space, file size, open
 *     files, core), a wall-clock limit, an output cap, and as a child
 *     subreaper a sweep of whatever escaped the session.
 *
 * Call contain_run only from a process whose other children may be killed:
 * a lab worker, or the main process when it has no workers.
 */
#define _GNU_SOURCE
#include "grader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
    STUDENT_UID_BASE = 61000, /* no account needed: a bare, unused uid */
    STUDENT_NPROC = 1000,     /* processes (and threads) per student user */
    REPORT_CAP = 4096,
    PROC_CAP = 500,       /* processes of one run at once: more is a fork bomb */
    COUNT_EVERY_MS = 100, /* how often they are counted */
};

static struct sandbox_info info;
static bool probed;

static bool proc_live(pid_t pid, pid_t *sid, pid_t *ppid);

/* What an interrupted worker must end and remove on its way out. */
static volatile pid_t current_run;
static char scratch[4096];

void contain_set_scratch(const char *dir)
{
    snprintf(scratch, sizeof scratch, "%s", dir ? dir : "");
}

static void on_interrupt(int sig)
{
    pid_t run = current_run;
    if (run > 0) {
        kill(-run, SIGKILL);
        kill(run, SIGKILL); /* its namespace's init dies with it */
    }
    if (scratch[0])
        remove_tree(scratch); /* not async-signal-safe, but we are leaving */
    _exit(128 + sig);
}

void contain_cleanup_on_interrupt(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int contain_proc_cap(void)
{
    return PROC_CAP;
}

uid_t contain_student_uid(int slot)
{
    return (uid_t)(STUDENT_UID_BASE + (slot % 1000));
}

/* Slots are claimed machine-wide by binding an abstract Unix socket name:
 * it is freed when its last holder exits, leaves no file behind, and two
 * graders at once (a batch beside a student's `make grade`) never share a
 * student user, so neither its process limit nor its kill(-1) sweep. */
int contain_claim_slot(int wanted)
{
    for (int i = 0; i < 1000; i++) {
        int slot = (wanted + i) % 1000;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return wanted;
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        int len = snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "proclabs-slot-%d", slot);
        if (bind(fd, (struct sockaddr *)&addr,
                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) == 0)
            return slot; /* fd stays open, unlisted, until this worker exits */
        close(fd);
        if (errno != EADDRINUSE)
            return wanted;
    }
    return wanted;
}

/* ---- inside the run ------------------------------------------------------ */

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
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

/* Enter new namespaces; in a user namespace, map our own ids. */
static int enter_namespaces(void)
{
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET;
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (uid != 0)
        flags |= CLONE_NEWUSER;
    if (unshare(flags) < 0)
        return -1;
    if (uid != 0) {
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
        if (write_file("/proc/self/uid_map", map) < 0)
            return -1;
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
        if (write_file("/proc/self/gid_map", map) < 0)
            return -1;
    }
    return 0;
}

static void loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
}

static void hide(const char *path)
{
    if (is_dir(path))
        mount("proclabs-hidden", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k");
}

static void hide_kit_secrets(const char *kit)
{
    if (!kit)
        return;
    char *p = xasprintf("%s/solutions", kit);
    hide(p);
    free(p);
    p = xasprintf("%s/.git", kit);
    hide(p);
    free(p);
    p = xasprintf("%s/grader/checks", kit);
    DIR *d = opendir(p);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *m = xasprintf("%s/%s/mutants", p, e->d_name);
        hide(m);
        free(m);
    }
    if (d)
        closedir(d);
    free(p);
}

/* Private /tmp and /dev/shm, the run's own folder bound back in, a /proc of
 * the new PID namespace, secrets hidden. Returns 0 or -1. */
static int setup_mounts(const struct run_spec *spec, uid_t owner)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -1;
    int keep = spec->keep ? open(spec->keep, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    int kit = spec->kit ? open(spec->kit, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    const char *tmpfs_opts = "mode=1777,size=256m";
    if (mount("proclabs-tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_opts) < 0)
        return -1;
    if (is_dir("/dev/shm"))
        mount("proclabs-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_opts);
    if (keep >= 0) {
        mkdir_p(spec->keep);
        char from[64];
        snprintf(from, sizeof from, "/proc/self/fd/%d", keep);
        if (mount(from, spec->keep, NULL, MS_BIND, NULL) < 0)
            return -1;
        close(keep);
        if (chown(spec->keep, owner, owner) < 0 && owner != getuid())
            return -1;
    }
    if (kit >= 0) { /* the checks, the grader and the workspace: read-only inside */
        char from[64];
        snprintf(from, sizeof from, "/proc/self/fd/%d", kit);
        mkdir_p(spec->kit); /* a kit under /tmp was hidden by the private /tmp */
        if (mount(from, spec->kit, NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, spec->kit, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
            return -1;
        close(kit);
    }
    hide_kit_secrets(spec->kit);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -1;
    return 0;
}

static void become_student(uid_t uid)
{
    set_limit(RLIMIT_NPROC, STUDENT_NPROC);
    if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0) {
        dprintf(STDERR_FILENO, "grade: cannot switch to the student user %u\n", (unsigned)uid);
        _exit(126);
    }
}

static void exec_command(const struct run_spec *spec, int out, uid_t student)
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
    if (spec->student) {
        apply_student_limits(spec->timeout);
        if (info.student_uid) {
            char *uid = xasprintf("PROCLABS_STUDENT_UID=%u", (unsigned)student);
            putenv(uid);
            if (spec->as_student)
                become_student(student);
        } else if (info.nproc_limit) {
            set_limit(RLIMIT_NPROC, STUDENT_NPROC);
        }
    }
    execvp(spec->argv[0], spec->argv);
    dprintf(STDERR_FILENO, "grade: cannot run %s: %s\n", spec->argv[0], strerror(errno));
    _exit(127);
}

/* What the run left: live processes other than us, /dev/shm entries, and
 * System V objects, written to fd as "procs N" and "ipc NAME" lines. */
static void report_leftovers(int fd, int status)
{
    char report[REPORT_CAP];
    int n = snprintf(report, sizeof report, "status %d\n", status);
    int procs = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t pid = atoi(e->d_name), sid, ppid;
        procs += pid > 1 && proc_live(pid, &sid, &ppid);
    }
    if (d)
        closedir(d);
    n += snprintf(report + n, sizeof report - (size_t)n, "procs %d\n", procs);
    d = opendir("/dev/shm");
    while (d && (e = readdir(d)) && n < REPORT_CAP - 300)
        if (e->d_name[0] != '.' && strncmp(e->d_name, "bxfi_", 5)) /* Criterion's own */
            n += snprintf(report + n, sizeof report - (size_t)n, "ipc /dev/shm/%s\n", e->d_name);
    if (d)
        closedir(d);
    static const char *sysv[][2] = {{"/proc/sysvipc/shm", "System V shared memory segment"},
                                    {"/proc/sysvipc/sem", "System V semaphore set"},
                                    {"/proc/sysvipc/msg", "System V message queue"}};
    for (int i = 0; i < 3; i++) {
        char *text = read_text(sysv[i][0], 65536);
        int lines = 0;
        for (char *p = text; p && *p; p++)
            lines += *p == '\n';
        if (lines > 1 && n < REPORT_CAP - 300)
            n += snprintf(report + n, sizeof report - (size_t)n, "ipc %d %s(s)\n", lines - 1,
                          sysv[i][1]);
        free(text);
    }
    (void)!write(fd, report, (size_t)n);
}

/* pid 1 of the run's PID namespace: start the command, reap everything,
 * report what is left, and exit, which kills all that is left. */
static void run_init(const struct run_spec *spec, int out, int report, uid_t student)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the grader killed our parent: end the namespace */
    if (setup_mounts(spec, info.student_uid ? student : getuid()) < 0) {
        dprintf(out, "grade: cannot set up the sandbox's mounts: %s\n", strerror(errno));
        _exit(126);
    }
    loopback_up();
    pid_t cmd = fork();
    if (cmd < 0)
        _exit(126);
    if (cmd == 0) {
        close(report);
        exec_command(spec, out, student);
    }
    close(out);
    int status = 0;
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w == cmd) {
            status = st;
            break;
        }
        if (w < 0 && errno != EINTR)
            break;
    }
    report_leftovers(report, status);
    _exit(0);
}

/* ---- probing -------------------------------------------------------------- */

static bool probe_namespaces(char *why, size_t size)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (enter_namespaces() < 0)
            _exit(10 + (errno & 0xff ? 1 : 0));
        pid_t init = fork();
        if (init == 0) {
            if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                mount("proclabs-probe", "/tmp", "tmpfs", 0, "size=4k") < 0 ||
                mount("proc", "/proc", "proc", 0, NULL) < 0)
                _exit(20);
            _exit(getpid() == 1 ? 0 : 21);
        }
        int st;
        _exit(init > 0 && waitpid(init, &st, 0) == init && WIFEXITED(st) ? WEXITSTATUS(st) : 22);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
        snprintf(why, size, "the namespace probe did not run");
        return false;
    }
    switch (WEXITSTATUS(st)) {
    case 0:
        return true;
    case 10:
    case 11:
        snprintf(why, size, "unshare() was refused (%s)",
                 getuid() ? "unprivileged user namespaces are disabled here"
                          : "a container without CAP_SYS_ADMIN?");
        return false;
    default:
        snprintf(why, size, "mounting a private /tmp or /proc was refused");
        return false;
    }
}

static void probe(void)
{
    if (probed)
        return;
    probed = true;
    info.root = geteuid() == 0;
    if (getenv("PROCLABS_NO_NAMESPACES")) /* for testing the fallback */
        snprintf(info.why_no_ns, sizeof info.why_no_ns, "turned off by PROCLABS_NO_NAMESPACES");
    else
        info.namespaces = probe_namespaces(info.why_no_ns, sizeof info.why_no_ns);
    info.user_ns = info.namespaces && !info.root;
    info.student_uid = info.root && info.namespaces;
    if (!info.root)
        snprintf(info.why_no_uid, sizeof info.why_no_uid, "not root: student code runs as you (%u)",
                 (unsigned)getuid());
    else if (!info.namespaces)
        snprintf(info.why_no_uid, sizeof info.why_no_uid,
                 "needs the mount namespace to hand the build folder over");
    /* RLIMIT_NPROC counts all of a user's processes; as a normal user that
     * includes your desktop, so it is only set for the dedicated user. */
    info.nproc_limit = info.student_uid;
}

void contain_init(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* A student kill(0, SIGPIPE) or a closed pipe must not end the grader. */
    signal(SIGPIPE, SIG_IGN);
    probe();
}

const struct sandbox_info *contain_info(void)
{
    probe();
    return &info;
}

void contain_describe(FILE *out)
{
    probe();
    fprintf(out, "containment of student code on this machine:\n");
    fprintf(out, "  in force:  own session per run; wall-clock limit; output cap; rlimits "
                 "(CPU, address space, file size, open files, no core files);\n"
                 "             subreaper sweep of escaped processes\n");
    if (info.namespaces)
        fprintf(out,
                "  in force:  PID, IPC, network and mount namespaces per run%s: private "
                "/tmp and /dev/shm,\n"
                "             loopback-only network, solutions/mutants/.git hidden, "
                "other runs' folders invisible\n",
                info.user_ns ? " (through a user namespace)" : "");
    else
        fprintf(out, "  missing:   namespaces: %s\n", info.why_no_ns);
    if (info.student_uid)
        fprintf(out,
                "  in force:  a dedicated student user per run (uid %u and up) with "
                "RLIMIT_NPROC %d\n",
                (unsigned)STUDENT_UID_BASE, STUDENT_NPROC);
    else
        fprintf(out, "  missing:   dedicated student user: %s\n", info.why_no_uid);
}

json_t *contain_info_json(void)
{
    probe();
    json_t *j = json_pack("{s:b, s:b, s:b, s:b, s:b}", "root", info.root, "namespaces",
                          info.namespaces, "user_namespace", info.user_ns, "student_user",
                          info.student_uid, "nproc_limit", info.nproc_limit);
    if (!info.namespaces)
        json_object_set_new(j, "no_namespaces_because", json_string(info.why_no_ns));
    if (!info.student_uid)
        json_object_set_new(j, "no_student_user_because", json_string(info.why_no_uid));
    return j;
}

/* ---- the grader's side ------------------------------------------------------ */

/* The PID namespace a process is in ("pid:[4026532]"), or "" if unknown. */
static void pid_ns_of(pid_t pid, const char *which, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, which);
    ssize_t n = readlink(path, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
}

/* Live processes of the run: in its PID namespace, or else in its session. */
static int count_run_procs(const char *ns, pid_t session)
{
    int n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t pid = atoi(e->d_name);
        if (pid <= 1)
            continue;
        if (*ns) {
            char mine[64];
            pid_ns_of(pid, "pid", mine, sizeof mine);
            n += !strcmp(mine, ns);
        } else {
            pid_t sid, ppid;
            n += proc_live(pid, &sid, &ppid) && sid == session;
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* Session id and parent of a process; false if it is gone or a zombie. */
static bool proc_live(pid_t pid, pid_t *sid, pid_t *ppid)
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
    char state;
    int pp, pg, s;
    if (!p || sscanf(p + 1, " %c %d %d %d", &state, &pp, &pg, &s) != 4)
        return false;
    *sid = s;
    *ppid = pp;
    return state != 'Z';
}

/* One pass: SIGKILL every live process of the session and every child of
 * ours; reap what died. Returns how many live processes were found. */
static int kill_pass(pid_t session)
{
    pid_t self = getpid();
    int found = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t pid = atoi(e->d_name), sid, ppid;
        if (pid <= 1 || pid == self || !proc_live(pid, &sid, &ppid))
            continue;
        if ((session > 0 && sid == session) || ppid == self) {
            found++;
            kill(pid, SIGKILL);
        }
    }
    if (d)
        closedir(d);
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

/* The child of the grader: enter the namespaces and become the parent of
 * the run's init, or (without namespaces) run the command itself. */
static void start_run(const struct run_spec *spec, int out, int report)
{
    uid_t student = contain_student_uid(spec->slot);
    if (!spec->student || !info.namespaces) {
        close(report);
        exec_command(spec, out, student);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (enter_namespaces() < 0) {
        dprintf(out, "grade: cannot enter the sandbox's namespaces: %s\n", strerror(errno));
        _exit(126);
    }
    pid_t init = fork();
    if (init == 0)
        run_init(spec, out, report, student);
    close(out);
    close(report);
    int st = 125 << 8;
    while (init > 0 && waitpid(init, &st, 0) < 0 && errno == EINTR)
        ;
    /* The init exits 0 after reporting; anything else is a sandbox failure. */
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
}

static void read_report(int fd, struct run_result *res, bool have_status)
{
    char buf[REPORT_CAP + 1];
    ssize_t n = 0, r;
    while (n < REPORT_CAP &&
           ((r = read(fd, buf + n, (size_t)(REPORT_CAP - n))) > 0 || (r < 0 && errno == EINTR)))
        n += r > 0 ? r : 0;
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "status ", 7) && have_status)
            res->status = atoi(line + 7);
        else if (!strncmp(line, "procs ", 6))
            res->leftovers += atoi(line + 6);
        else if (!strncmp(line, "ipc ", 4)) {
            char *joined = xasprintf("%s%s%s", res->left_ipc ? res->left_ipc : "",
                                     res->left_ipc ? ", " : "", line + 4);
            free(res->left_ipc);
            res->left_ipc = joined;
        }
    }
}

void contain_run(const struct run_spec *spec, struct run_result *res)
{
    probe();
    memset(res, 0, sizeof *res);
    size_t cap = spec->output_cap ? spec->output_cap : 1 << 20;
    res->output = xcalloc(1, cap + 1);
    int p[2], r[2];
    if (pipe2(p, O_CLOEXEC) < 0 || pipe2(r, O_CLOEXEC) < 0) {
        append_output(res, cap, "grade: pipe failed\n", 19);
        res->status = 127 << 8;
        return;
    }
    bool namespaced = spec->student && info.namespaces;
    double start = mono_ms();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        append_output(res, cap, "grade: fork failed\n", 19);
        res->status = 127 << 8;
        close(p[0]), close(p[1]), close(r[0]), close(r[1]);
        return;
    }
    current_run = pid;
    if (pid == 0) {
        close(p[0]);
        close(r[0]);
        /* The pipes must survive exec into the init's fork; clear CLOEXEC. */
        fcntl(p[1], F_SETFD, 0);
        fcntl(r[1], F_SETFD, 0);
        start_run(spec, p[1], r[1]);
    }
    close(p[1]);
    close(r[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    double deadline = start + spec->timeout * 1000;
    bool out_open = true, exited = false;
    /* Count the run's processes now and then: a fork bomb is stopped early
     * and named, instead of running into the time limit. */
    char ns[64] = "";
    double next_count = start + COUNT_EVERY_MS;

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
        if (spec->student && wait > COUNT_EVERY_MS)
            wait = COUNT_EVERY_MS;
        if (wait > (int)left + 1)
            wait = (int)left + 1;
        if (poll(fds, 2, wait) < 0 && errno != EINTR)
            break;
        if (spec->student && mono_ms() >= next_count) {
            next_count = mono_ms() + COUNT_EVERY_MS;
            if (namespaced && !*ns)
                pid_ns_of(pid, "pid_for_children", ns, sizeof ns);
            if (count_run_procs(namespaced ? ns : "", pid) > PROC_CAP) {
                res->too_many_procs = true;
                break;
            }
        }
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
        kill(pid, SIGKILL);
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
    if (namespaced)
        read_report(r[0], res, exited);
    close(r[0]);
    res->leftovers += sweep(pid);
    current_run = 0;
}

void run_result_free(struct run_result *res)
{
    free(res->output);
    free(res->left_ipc);
    res->output = NULL;
    res->left_ipc = NULL;
}
