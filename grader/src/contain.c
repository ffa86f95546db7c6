/*
 * Contained runs: a command (a compiler, a check binary, bats) that may run
 * student code, bounded in wall time and output, and followed by a sweep
 * that kills and reaps every process it left.
 *
 * The strongest containment the machine allows, probed once:
 *   - namespaces (as root, or through a user namespace): the run gets its
 *     own PID namespace (its init kills everything when the command ends),
 *     IPC namespace (System V and POSIX objects die with it), network
 *     namespace (loopback only), and mount namespace whose root is a fresh
 *     tmpfs holding only the system's read-only directories, its own build
 *     folder, the kit's common/ and, for the judge alone, the checks
 *     (box_setup below: the whole file view in one place);
 *   - as root, two dedicated users per slot (jail.h): the judge (the test
 *     runners) and the student; the judge keeps only the power to become the
 *     student, and student code can neither signal, trace nor write anything
 *     of the judge's; RLIMIT_NPROC (which root ignores) bounds fork bombs;
 *   - always: a system-call filter (no ptrace, mount, namespaces, keyrings,
 *     bpf), its own session, rlimits (CPU, address space, file size, open
 *     files, core), a wall-clock limit, an output cap, and as a child
 *     subreaper a sweep of whatever escaped the session.
 *
 * Call contain_run only from a process whose other children may be killed:
 * a lab worker, or the main process when it has no workers.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "../checks/lib/jail.h"

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
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/statvfs.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each folder a run may write: the box's /tmp, /var/tmp and /run/lock, and
 * the build folder (contain_limit_scratch). Its files too: an empty file
 * takes no block, so a size alone lets a run make them without end, each
 * one's inode and name the machine's memory (a lab makes a few dozen). */
#define SCRATCH_SIZE "256m"
#define SCRATCH_LIMITS "size=" SCRATCH_SIZE ",nr_inodes=16384"

enum {
    REPORT_CAP = 4096,
    PROC_CAP = 500,       /* processes of one run at once: more is a fork bomb */
    COUNT_EVERY_MS = 100, /* how often they are counted */
};

static struct sandbox_info info;
static bool probed;

static bool proc_live(pid_t pid, pid_t *sid, pid_t *ppid);
static void probe(void);

/* What an interrupted worker must end and remove on its way out. */
static volatile pid_t current_run;
static pid_t spared; /* contain_spare() */
static char scratch[4096];

void contain_set_scratch(const char *dir)
{
    snprintf(scratch, sizeof scratch, "%s", dir ? dir : "");
}

/* The build folder lives on the disk the grader's TMPDIR is on, where the
 * size limit of one file (RLIMIT_FSIZE) does not bound many files, nor a
 * file unlinked and still written: a submission could fill the disk under
 * every other grade running on the machine. As root with namespaces the
 * folder becomes a tmpfs of its own, capped like the box's /tmp, mounted in
 * a mount namespace of this process (made the first time, private: it and
 * its mounts end with the grader, however it ends). */
bool contain_limit_scratch(const char *dir)
{
    static bool unshared;
    probe();
    if (!info.namespaces || geteuid() != 0)
        return false;
    if (!unshared) {
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            return false;
        unshared = true;
    }
    return mount("proclabs-build", dir, "tmpfs", MS_NOSUID | MS_NODEV,
                 "mode=700," SCRATCH_LIMITS) == 0;
}

void contain_remove_scratch(const char *dir)
{
    umount2(dir, MNT_DETACH); /* not a mount point (no namespaces): nothing to do */
    remove_tree(dir);
}

static void on_interrupt(int sig)
{
    pid_t run = current_run;
    if (run > 0) {
        kill(-run, SIGKILL);
        kill(run, SIGKILL); /* its namespace's init dies with it */
    }
    if (scratch[0])
        contain_remove_scratch(scratch); /* not async-signal-safe, but we are leaving */
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
    return jail_student_uid(slot);
}

/* Slots are claimed machine-wide by binding an abstract Unix socket name:
 * it is freed when its last holder exits, leaves no file behind, and two
 * graders at once (a batch beside a student's `make grade`) never share a
 * student user, so neither its process limit nor its kill(-1) sweep. */
/* Bind the slot's abstract name: its fd, or -1 when another holds it. */
static int bind_slot(int slot)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int len = snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "proclabs-slot-%d", slot);
    if (bind(fd, (struct sockaddr *)&addr,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) == 0)
        return fd;
    close(fd);
    return -1;
}

int contain_claim_slot(int wanted)
{
    for (int i = 0; i < JAIL_SLOTS; i++) {
        int fd = bind_slot((wanted + i) % JAIL_SLOTS);
        if (fd >= 0)
            return (wanted + i) % JAIL_SLOTS; /* fd stays open, unlisted, until we exit */
        if (errno != EADDRINUSE)
            return wanted;
    }
    return wanted;
}

int contain_claim_side_slot(int slot)
{
    return contain_claim_slot((slot + JAIL_SLOTS / 2) % JAIL_SLOTS);
}

/* ---- inside the run ------------------------------------------------------ */

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
    if (uid != 0 && jail_map_self(uid, gid) < 0)
        return -1;
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

/* ---- the box: the file view of a contained run --------------------------- */

/* Where the kit's parts are seen inside the box: common/ for everyone, the
 * grader's checks and build only under a folder the judge alone may enter. */
#define BOX_KIT "/proclabs"
#define BOX_JUDGE BOX_KIT "/judge"

char *contain_kit_path(const char *kit, const char *rel)
{
    probe();
    if (!info.namespaces)
        return xasprintf("%s/%s", kit, rel);
    if (!strncmp(rel, "grader/", 7))
        return xasprintf("%s/%s", BOX_JUDGE, rel);
    return xasprintf("%s/%s", BOX_KIT, rel);
}

static int bind_fd(int fd, const char *to, bool readonly)
{
    char from[64];
    snprintf(from, sizeof from, "/proc/self/fd/%d", fd);
    if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0)
        return -1;
    if (!readonly)
        return 0;
    /* A remount must keep the flags the original mount has (a user
     * namespace may not drop them). */
    struct statvfs sv;
    unsigned long keep = statvfs(to, &sv) == 0 && (sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0;
    return mount(NULL, to, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | keep,
                 NULL);
}

/* The system's directory /name, the same way into the new root: a link
 * stays a link (merged /usr), a folder is bound read-only. */
static int box_system_dir(const char *root, const char *name)
{
    char host[64], inside[4200], target[256];
    snprintf(host, sizeof host, "/%s", name);
    snprintf(inside, sizeof inside, "%s/%s", root, name);
    ssize_t n = readlink(host, target, sizeof target - 1);
    if (n > 0) {
        target[n] = '\0';
        return symlink(target, inside);
    }
    if (!is_dir(host))
        return 0;
    int fd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || mkdir(inside, 0755) < 0)
        return -1;
    int rc = bind_fd(fd, inside, true);
    close(fd);
    return rc;
}

static int box_tmpfs(const char *root, const char *rel, const char *mode)
{
    char *path = xasprintf("%s/%s", root, rel);
    char *opts = xasprintf("mode=%s," SCRATCH_LIMITS, mode);
    mkdir_p(path);
    int rc = mount("proclabs-tmp", path, "tmpfs", MS_NOSUID | MS_NODEV, opts);
    free(path);
    free(opts);
    return rc;
}

/* /dev with the harmless devices only. */
static int box_dev(const char *root)
{
    char *dev = xasprintf("%s/dev", root);
    int rc = mkdir(dev, 0755) < 0 || mount("proclabs-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
                                           "mode=755,size=64k,nr_inodes=256");
    static const char *nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    for (size_t i = 0; !rc && i < sizeof nodes / sizeof *nodes; i++) {
        char *host = xasprintf("/dev/%s", nodes[i]), *inside = xasprintf("%s/%s", dev, nodes[i]);
        int fd = open(inside, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd >= 0)
            close(fd);
        rc = fd < 0 || mount(host, inside, NULL, MS_BIND, NULL) < 0;
        free(host);
        free(inside);
    }
    static const char *links[][2] = {{"/proc/self/fd", "fd"},
                                     {"/proc/self/fd/0", "stdin"},
                                     {"/proc/self/fd/1", "stdout"},
                                     {"/proc/self/fd/2", "stderr"}};
    for (size_t i = 0; !rc && i < sizeof links / sizeof *links; i++) {
        char *inside = xasprintf("%s/%s", dev, links[i][1]);
        rc = symlink(links[i][0], inside) < 0;
        free(inside);
    }
    if (!rc)
        rc = box_tmpfs(root, "dev/shm", "1777") < 0;
    if (!rc) {
        char *mq = xasprintf("%s/mqueue", dev);
        mkdir(mq, 01777);
        rc = mount("mqueue", mq, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0;
        free(mq);
    }
    free(dev);
    return rc ? -1 : 0;
}

/* The whole file view of a run, made by its init (root of the mount
 * namespace) before anything else runs: a fresh tmpfs as /, the system's
 * directories read-only, private /tmp, /var/tmp, /run/lock, /dev/shm and
 * /dev/mqueue, the run's own folder at its own path, the kit's common/ at
 * /proclabs/common, and for the judge the kit's grader/checks and
 * grader/build under /proclabs/judge, a folder only the judge may enter.
 * No home, no other copy of the kit, no solutions, no .git. */
static int box_setup(const struct run_spec *spec, uid_t judge)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -1;
    /* Everything to bind is opened first: it may live under /tmp, which the
     * new root's tmpfs hides. */
    int keep = spec->keep ? open(spec->keep, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    int common = -1, checks = -1, built = -1;
    if (spec->kit) {
        char *p = xasprintf("%s/common", spec->kit);
        common = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        free(p);
        if (spec->as_judge) {
            p = xasprintf("%s/grader/checks", spec->kit);
            checks = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
            free(p);
            p = xasprintf("%s/grader/build", spec->kit);
            built = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
            free(p);
        }
    }
    const char *root = "/tmp";
    if (mount("proclabs-root", root, "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=755,size=1m,nr_inodes=4096") < 0)
        return -1;
    static const char *system_dirs[] = {"usr",   "bin",   "sbin",   "lib",
                                        "lib32", "lib64", "libx32", "etc"};
    for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++)
        if (box_system_dir(root, system_dirs[i]) < 0)
            return -1;
    /* Criterion links libgit2, whose start-up parses the system's CA bundle
     * (200 KB) in every test process, 10 ms each; no run needs TLS (its
     * network is loopback only), so the box shows an empty folder there. */
    char certs[4200];
    snprintf(certs, sizeof certs, "%s/etc/ssl/certs", root);
    if (is_dir(certs) && mount("proclabs-no-certs", certs, "tmpfs",
                               MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k") < 0)
        return -1;
    if (box_dev(root) < 0 || box_tmpfs(root, "tmp", "1777") < 0 ||
        box_tmpfs(root, "var/tmp", "1777") < 0 || box_tmpfs(root, "run/lock", "1777") < 0)
        return -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/proc", root);
    if (mkdir(path, 0555) < 0 ||
        mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -1;
    if (keep >= 0) {
        snprintf(path, sizeof path, "%s%s", root, spec->keep);
        if (!mkdir_p(path) || bind_fd(keep, path, false) < 0)
            return -1;
        close(keep);
    }
    if (common >= 0) {
        snprintf(path, sizeof path, "%s%s/common", root, BOX_KIT);
        if (!mkdir_p(path) || bind_fd(common, path, true) < 0)
            return -1;
        close(common);
    }
    if (checks >= 0 && built >= 0) {
        snprintf(path, sizeof path, "%s%s", root, BOX_JUDGE);
        if (!mkdir_p(path) ||
            mount("proclabs-judge", path, "tmpfs", MS_NOSUID | MS_NODEV,
                  "mode=700,size=64m,nr_inodes=4096") < 0 ||
            chown(path, judge, judge) < 0)
            return -1;
        snprintf(path, sizeof path, "%s%s/grader/checks", root, BOX_JUDGE);
        if (!mkdir_p(path) || bind_fd(checks, path, true) < 0)
            return -1;
        snprintf(path, sizeof path, "%s%s/grader/build", root, BOX_JUDGE);
        if (!mkdir_p(path) || bind_fd(built, path, true) < 0)
            return -1;
        close(checks);
        close(built);
    }
    /* The root itself read-only; then it becomes / and the old one is gone. */
    if (mount(NULL, root, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=755") < 0 ||
        chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
        chdir("/") < 0)
        return -1;
    return 0;
}

/* The run's own folder belongs to whoever runs in it: the student while it
 * compiles, then the judge, so that nothing student code runs later can
 * change what the judge links or runs. For the judge's runs the folder
 * itself is sticky and open to all, like /tmp: student code may create its
 * files there (the labs' relative paths), never replace the judge's; a
 * folder inside keeps the mode its maker gave it. */
static void hand_over(const char *dir, uid_t to, mode_t top)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    if (lchown(dir, to, to) == 0)
        chmod(dir, top);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        /* Only what the run made (ours or the slot's users'), never a hard
         * link to someone else's file that student code slipped in. */
        bool ours = lstat(p, &st) == 0 && (st.st_uid == 0 || jail_slot_of(st.st_uid) >= 0) &&
                    (S_ISDIR(st.st_mode) || st.st_nlink == 1);
        if (ours && S_ISDIR(st.st_mode))
            hand_over(p, to, st.st_mode & 07777); /* a folder keeps its mode */
        else if (ours && lchown(p, to, to) == 0 && S_ISREG(st.st_mode))
            chmod(p, st.st_mode & 0755);
        free(p);
    }
    closedir(d);
}

/* A contained run sees none of the grader's environment but the language,
 * the terminal and TMPDIR, before what the run's spec sets: the rest may
 * hold anything of the person or the service grading (tokens, keys, paths),
 * and student code could print it into its own report. The search path is
 * the system's: the caller's may name folders the box does not have, or
 * put a program first that needs the caller's environment (bats-core's
 * libexec/bats, first in PATH under bats, needs its BATS_ variables). */
static void plain_environment(void)
{
    static const char *keep[] = {"LANG",       "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES",
                                 "LC_NUMERIC", "TERM",     "TZ",     "TMPDIR",   NULL};
    char *kept[sizeof keep / sizeof *keep];
    int n = 0;
    for (const char **k = keep; *k; k++) {
        const char *v = getenv(*k);
        if (v)
            kept[n++] = xasprintf("%s=%s", *k, v);
    }
    clearenv();
    for (int i = 0; i < n; i++)
        putenv(kept[i]);
    setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
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
    if (close_range(3, ~0U, 0) < 0)
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
    signal(SIGPIPE, SIG_DFL);
    if (spec->cwd && chdir(spec->cwd) < 0) {
        dprintf(STDERR_FILENO, "grade: cannot enter %s\n", spec->cwd);
        _exit(126);
    }
    if (spec->student)
        plain_environment();
    for (char *const *e = spec->setenv; e && *e; e++)
        putenv(*e);
    if (spec->student) {
        if (info.namespaces) /* the box has its own /tmp: the outside TMPDIR is not there */
            setenv("TMPDIR", "/tmp", 1);
        apply_student_limits(spec->timeout);
        int rc = 0;
        if (info.student_uid) {
            set_limit(RLIMIT_NPROC, JAIL_STUDENT_NPROC);
            char *uid = xasprintf("PROCLABS_STUDENT_UID=%u", (unsigned)student);
            putenv(uid);
            rc = !spec->as_judge   ? jail_become_student(student)
                 : spec->may_trace ? jail_become_judge_tracing(student + 1, student)
                                   : jail_become_judge(student + 1, student);
        } else {
            if (info.namespaces && spec->as_judge)
                setenv("PROCLABS_JUDGE_DIR", BOX_JUDGE, 1);
            rc =
                spec->as_judge ? jail_filter(1, 0, info.namespaces) : jail_become_student(getuid());
        }
        if (rc < 0) {
            dprintf(STDERR_FILENO, "grade: cannot become the %s user: %s\n",
                    spec->as_judge ? "judge" : "student", strerror(errno));
            _exit(126);
        }
        /* The judge's own files (Criterion's socket in /tmp, bats' state):
         * never writable by the student user, who cannot connect to a socket
         * it may not write. What a check makes for student code to write,
         * it makes writable on purpose. */
        if (spec->as_judge)
            umask(022);
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
    prctl(PR_SET_DUMPABLE, 0);        /* root here: nobody may trace or read us */
    if (box_setup(spec, info.student_uid ? student + 1 : getuid()) < 0) {
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

/* ---- what a run or a killed grader left --------------------------------- */

/* Slots this cleaner holds while it cleans them: a slot nobody held when we
 * looked must not be claimed by a starting grader while we kill its users'
 * processes. Claims are abstract socket names, freed when the holder dies. */
static int held[JAIL_SLOTS];
static int nheld;

static bool known[JAIL_SLOTS], free_slot[JAIL_SLOTS];

/* True when the slot was free: it is ours now, until release_slots(). */
static bool hold_slot(int slot)
{
    if (!known[slot]) {
        int fd = bind_slot(slot);
        known[slot] = true;
        free_slot[slot] = fd >= 0;
        if (fd >= 0)
            held[nheld++] = fd;
    }
    return free_slot[slot];
}

static void release_slots(void)
{
    while (nheld > 0)
        close(held[--nheld]);
    memset(known, 0, sizeof known);
}

/* Does uid belong to a slot that `mine` names (>= 0), or, with mine < 0, to
 * a slot nobody else holds (which we then hold)? */
static bool uid_to_clean(uid_t uid, int mine)
{
    int slot = jail_slot_of(uid);
    if (slot < 0)
        return false;
    return mine >= 0 ? slot == mine : hold_slot(slot);
}

/* System V objects of those users: the uid column of /proc/sysvipc/KIND. */
static void remove_sysv(const char *kind, int mine)
{
    char *path = xasprintf("/proc/sysvipc/%s", kind);
    char *text = read_text(path, 1 << 20);
    free(path);
    if (!text)
        return;
    int uid_col = -1, col = 0;
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    for (char *w = line ? strtok(line, " ") : NULL; w; w = strtok(NULL, " "), col++)
        if (!strcmp(w, "uid"))
            uid_col = col;
    while (uid_col > 0 && (line = strtok_r(NULL, "\n", &save))) {
        long f[16] = {0};
        int n = 0;
        for (char *w = strtok(line, " "); w && n < 16; w = strtok(NULL, " "))
            f[n++] = atol(w);
        if (n <= uid_col || !uid_to_clean((uid_t)f[uid_col], mine))
            continue;
        if (!strcmp(kind, "shm"))
            shmctl((int)f[1], IPC_RMID, NULL);
        else if (!strcmp(kind, "sem"))
            semctl((int)f[1], 0, IPC_RMID);
        else
            msgctl((int)f[1], IPC_RMID, NULL);
    }
    free(text);
}

/* Entries of a shared folder owned by those users. */
static void remove_owned(const char *dir, int mine, const char *prefix, const char *keep)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (prefix && strncmp(e->d_name, prefix, strlen(prefix)))
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if ((!keep || strcmp(p, keep)) && lstat(p, &st) == 0 && uid_to_clean(st.st_uid, mine))
            remove_tree(p);
        free(p);
    }
    if (d)
        closedir(d);
}

/* Kill every process of those users; a process of ours is never theirs. */
static void kill_owned(int mine)
{
    for (int round = 0; round < 50; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            pid_t pid = atoi(e->d_name);
            char path[64];
            struct stat st;
            snprintf(path, sizeof path, "/proc/%d", (int)pid);
            if (pid > 1 && stat(path, &st) == 0 && uid_to_clean(st.st_uid, mine)) {
                kill(pid, SIGKILL);
                found++;
            }
        }
        if (d)
            closedir(d);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (!found)
            break;
        usleep(2000);
    }
}

/* Everything of a slot's users (mine >= 0) but the folder keep, or of every
 * unheld slot (-1). */
static void clean_slots(int mine, const char *keep)
{
    if (!info.student_uid)
        return;
    kill_owned(mine);
    remove_sysv("shm", mine);
    remove_sysv("sem", mine);
    remove_sysv("msg", mine);
    static const char *shared[] = {"/dev/shm", "/dev/mqueue", "/var/tmp", "/run/lock", "/tmp"};
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        remove_owned(shared[i], mine, NULL, keep);
    const char *tmp = getenv("TMPDIR");
    if (tmp && *tmp && mine < 0)
        remove_owned(tmp, mine, "proclabs-", NULL);
}

void contain_clean_stale(void)
{
    probe();
    if (info.root)
        clean_slots(-1, NULL);
    release_slots();
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

/* Without namespaces the judge and student users see the real file system:
 * they can work only if every folder above the kit lets others through. */
static bool kit_reachable_by_others(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    for (char *slash = strrchr(exe, '/'); slash && slash > exe; slash = strrchr(exe, '/')) {
        *slash = '\0';
        struct stat st;
        if (stat(exe, &st) < 0 || !(st.st_mode & S_IXOTH))
            return false;
    }
    return true;
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
    info.student_uid = info.root && (info.namespaces || kit_reachable_by_others());
    if (!info.root)
        snprintf(info.why_no_uid, sizeof info.why_no_uid,
                 "not root: the judge and student code both run as you (%u)", (unsigned)getuid());
    else if (!info.student_uid)
        snprintf(info.why_no_uid, sizeof info.why_no_uid,
                 "no namespaces, and a folder above the kit is closed to other users");
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
    fprintf(out, "  in force:  a system-call filter (no ptrace, mount, namespaces, keyrings, bpf,\n"
                 "             io_uring) and no new privileges for the judge and student code;\n"
                 "             student objects checked against an allow-list before linking;\n"
                 "             own session per run; wall-clock limit; output cap; rlimits (CPU,\n"
                 "             address space, file size, open files, no core files); subreaper\n"
                 "             sweep of escaped processes\n");
    if (info.namespaces)
        fprintf(out,
                "  in force:  PID, IPC, network and mount namespaces per run%s:\n"
                "             a fresh root with the system's directories read-only, private /tmp, "
                "/var/tmp,\n"
                "             /run/lock, /dev/shm and /dev/mqueue, loopback-only network; no\n"
                "             home, no solutions, no .git, no other copy of the kit; the checks\n"
                "             in a folder only the judge may enter\n",
                info.user_ns ? " (through a user namespace)" : "");
    else
        fprintf(out,
                "  missing:   namespaces: %s\n"
                "             so student code sees the machine's files as any user does, and\n"
                "             System V and POSIX IPC objects are removed after each run\n",
                info.why_no_ns);
    if (info.student_uid)
        fprintf(out,
                "  in force:  two dedicated users per run (uids %u and up): the judge, which\n"
                "             keeps only the power to become the student, and the student, with\n"
                "             RLIMIT_NPROC %d; student code can neither signal, trace nor write\n"
                "             anything of the judge's\n",
                (unsigned)JAIL_UID_BASE, JAIL_STUDENT_NPROC);
    else
        fprintf(out,
                "  missing:   a second user: %s\n"
                "             so student code could signal the test runners (a killed runner\n"
                "             fails the lab, it cannot pass it)%s\n",
                info.why_no_uid,
                info.namespaces ? "; the runners' files are hidden from it in a\n"
                                  "             namespace of its own"
                                : ", or write their temporary files");
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

/* The processes of the run's PID namespace as its own /proc lists them
 * (the box mounts one; student code may not mount), or -1 until that /proc
 * is the root of the run (its pid 1 in the namespace ns): a few entries to
 * count, not every process of the machine. */
static int count_in_box_proc(pid_t run, const char *ns)
{
    char path[64], seen[64];
    snprintf(path, sizeof path, "/proc/%d/root/proc/1/ns/pid", (int)run);
    ssize_t len = readlink(path, seen, sizeof seen - 1);
    if (len <= 0)
        return -1;
    seen[len] = '\0';
    if (strcmp(seen, ns))
        return -1; /* still the machine's /proc: before the box's root */
    snprintf(path, sizeof path, "/proc/%d/root/proc", (int)run);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += atoi(e->d_name) >= 1; /* its init (1) too, as the scan below counts it */
    closedir(d);
    return n;
}

/* Live processes of the run: in its PID namespace, or else in its session. */
static int count_run_procs(const char *ns, pid_t session)
{
    int n = *ns ? count_in_box_proc(session, ns) : -1;
    if (n >= 0)
        return n;
    n = 0;
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
        if (pid <= 1 || pid == self || pid == spared || !proc_live(pid, &sid, &ppid))
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

void contain_hand_over(const char *dir, int slot, bool to_judge)
{
    probe();
    uid_t student = contain_student_uid(slot);
    if (info.student_uid)
        hand_over(dir, to_judge ? student + 1 : student, to_judge ? 01777 : 0755);
}

void contain_spare(pid_t pid)
{
    spared = pid;
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
    if (spec->student && spec->keep && !spec->keep_owners)
        contain_hand_over(spec->keep, spec->slot, spec->as_judge);
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
    if (spec->student && !namespaced)
        clean_slots(spec->slot, spec->keep); /* no namespace took it all away */
    current_run = 0;
}

void run_result_free(struct run_result *res)
{
    free(res->output);
    free(res->left_ipc);
    res->output = NULL;
    res->left_ipc = NULL;
}
