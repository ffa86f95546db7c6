/* jail.c - the judge and student users, their powers and their filter (jail.h). */
#define _GNU_SOURCE
#include "jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECBIT_KEEP_CAPS
#define SECBIT_KEEP_CAPS (1 << 4)
#endif

uid_t jail_student_uid(int slot)
{
    return (uid_t)(JAIL_UID_BASE + 2 * (slot % JAIL_SLOTS));
}

uid_t jail_judge_uid(int slot)
{
    return jail_student_uid(slot) + 1;
}

int jail_slot_of(uid_t uid)
{
    if (uid < JAIL_UID_BASE || uid >= JAIL_UID_BASE + 2 * JAIL_SLOTS)
        return -1;
    return (int)(uid - JAIL_UID_BASE) / 2;
}

/* Set all three capability sets to `mask` (bits of the first 32 caps). */
static int set_caps(unsigned mask)
{
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {{mask, mask, mask}, {0, 0, 0}};
    return (int)syscall(SYS_capset, &head, data);
}

/* Calls nobody in a grading run needs, each a way out of the box or into
 * another process: refused with EPERM. */
static const int refused[] = {
    SCMP_SYS(ptrace),          SCMP_SYS(process_vm_readv),  SCMP_SYS(process_vm_writev),
    SCMP_SYS(mount),           SCMP_SYS(umount2),           SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),          SCMP_SYS(unshare),           SCMP_SYS(setns),
    SCMP_SYS(keyctl),          SCMP_SYS(add_key),           SCMP_SYS(request_key),
    SCMP_SYS(bpf),             SCMP_SYS(perf_event_open),   SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load), SCMP_SYS(init_module),       SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),   SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at),
    SCMP_SYS(userfaultfd),     SCMP_SYS(io_uring_setup),    SCMP_SYS(io_uring_enter),
    SCMP_SYS(io_uring_register), SCMP_SYS(fanotify_init),   SCMP_SYS(quotactl),
    SCMP_SYS(swapon),          SCMP_SYS(swapoff),           SCMP_SYS(reboot),
    SCMP_SYS(settimeofday),    SCMP_SYS(clock_settime),     SCMP_SYS(clock_adjtime),
    SCMP_SYS(adjtimex),        SCMP_SYS(syslog),            SCMP_SYS(acct),
    SCMP_SYS(vhangup),         SCMP_SYS(iopl),              SCMP_SYS(ioperm),
    SCMP_SYS(move_mount),      SCMP_SYS(open_tree),         SCMP_SYS(fsopen),
    SCMP_SYS(fsconfig),        SCMP_SYS(fsmount),           SCMP_SYS(fspick),
    SCMP_SYS(mount_setattr),   SCMP_SYS(kcmp),              SCMP_SYS(pidfd_getfd),
    SCMP_SYS(process_madvise),
};

/* uid and gid changes, with how many id arguments each takes. */
static const struct {
    int nr, nargs;
} id_calls[] = {
    {SCMP_SYS(setuid), 1},    {SCMP_SYS(setgid), 1},    {SCMP_SYS(setreuid), 2},
    {SCMP_SYS(setregid), 2},  {SCMP_SYS(setresuid), 3}, {SCMP_SYS(setresgid), 3},
    {SCMP_SYS(setfsuid), 1},  {SCMP_SYS(setfsgid), 1},
};

static int make_filter(uid_t lo, uid_t hi, bool may_nest, bool may_trace)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        int nr = refused[i];
        if (may_nest && (nr == SCMP_SYS(unshare) || nr == SCMP_SYS(mount)))
            continue; /* hide_judge() below needs them, once, before student code */
        if (may_trace && (nr == SCMP_SYS(ptrace) || nr == SCMP_SYS(process_vm_readv)))
            continue; /* strace, in explain mode: it reads the calls' arguments */
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    }
    /* New namespaces by clone() flags; clone3() hides its flags in memory, so
     * it is "not implemented" and the C library falls back to clone(). */
    static const unsigned long ns_flags[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,
                                             CLONE_NEWNET,  CLONE_NEWIPC, CLONE_NEWUTS,
                                             CLONE_NEWCGROUP};
    for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* Typing into the terminal of whoever started the grader. */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                           SCMP_A1(SCMP_CMP_EQ, TIOCSTI));
    if (lo <= hi) {
        /* The judge's CAP_SETUID and CAP_SETGID reach the slot's two users
         * only: never root, never a person's account. */
        for (size_t i = 0; i < sizeof id_calls / sizeof *id_calls; i++)
            for (int a = 0; a < id_calls[i].nargs; a++) {
                rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), id_calls[i].nr, 1,
                                       (struct scmp_arg_cmp){(unsigned)a, SCMP_CMP_LT, lo, 0});
                rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), id_calls[i].nr, 1,
                                       (struct scmp_arg_cmp){(unsigned)a, SCMP_CMP_GT, hi, 0});
            }
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setgroups), 1,
                               SCMP_A0(SCMP_CMP_GT, 0));
    }
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

int jail_filter(uid_t lo, uid_t hi, bool may_nest)
{
    return make_filter(lo, hi, may_nest, false);
}

int jail_filter_tracing(uid_t lo, uid_t hi, bool may_nest)
{
    return make_filter(lo, hi, may_nest, true);
}

static int become_judge(uid_t judge, uid_t student, bool may_trace)
{
    const unsigned keep = (1u << CAP_SETUID) | (1u << CAP_SETGID);
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
        if (cap >= 32 || !(keep & (1u << cap)))
            prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
        setresgid(judge, judge, judge) < 0 || setresuid(judge, judge, judge) < 0 ||
        set_caps(keep) < 0 ||
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID, 0, 0) < 0 ||
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETGID, 0, 0) < 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    uid_t lo = student < judge ? student : judge, hi = student < judge ? judge : student;
    return make_filter(lo, hi, false, may_trace);
}

int jail_become_judge(uid_t judge, uid_t student)
{
    return become_judge(judge, student, false);
}

int jail_become_judge_tracing(uid_t judge, uid_t student)
{
    return become_judge(judge, student, true);
}

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int jail_map_self(uid_t uid, gid_t gid)
{
    char map[64];
    write_text("/proc/self/setgroups", "deny"); /* absent on old kernels */
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (write_text("/proc/self/uid_map", map) < 0)
        return -1;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    return write_text("/proc/self/gid_map", map);
}

static int bind_over(const char *from, const char *to, bool readonly)
{
    if (mount(from, to, NULL, MS_BIND, NULL) < 0)
        return -1;
    return readonly ? mount(NULL, to, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) : 0;
}

/* With no second user, student code is the judge's own uid: give it a
 * mount namespace of its own (through a user namespace) in which what is
 * the judge's is out of reach: the checks (an empty folder over
 * PROCLABS_JUDGE_DIR), bats' state and Criterion's socket in /tmp, and the
 * build folder and its files (the checks binary among them) pinned in place
 * (a mount point can be neither renamed nor replaced). */
static int hide_judge(void)
{
    const char *judge = getenv("PROCLABS_JUDGE_DIR"), *lab = getenv("LAB_DIR");
    if (!judge || !*judge)
        return 0; /* no box: nothing of the judge's is apart */
    /* /proc/self/uid_map of a process that may not be dumped is root's:
     * this process is about to run student code, it may be looked at. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || jail_map_self(getuid(), getgid()) < 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("proclabs-hidden", judge, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0") < 0)
        return -1;
    static const char *judge_tmp[] = {"/tmp/bats-run-*", "/tmp/criterion_*.sock"};
    for (size_t i = 0; i < sizeof judge_tmp / sizeof *judge_tmp; i++) {
        glob_t g;
        if (glob(judge_tmp[i], GLOB_NOSORT, NULL, &g) != 0)
            continue;
        for (size_t k = 0; k < g.gl_pathc; k++)
            if (bind_over(i == 0 ? judge : "/dev/null", g.gl_pathv[k], true) < 0) {
                globfree(&g);
                return -1;
            }
        globfree(&g);
    }
    /* The build folder as the judge left it, as with a second user: open
     * for new files, its own files (the checks binary among them) pinned. */
    DIR *d = lab && *lab ? opendir(lab) : NULL;
    int rc = d && bind_over(lab, lab, false) < 0 ? -1 : 0;
    struct dirent *e;
    while (rc == 0 && d && (e = readdir(d))) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", lab, e->d_name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = bind_over(path, path, true);
    }
    if (d)
        closedir(d);
    return rc;
}

int jail_become_student(uid_t uid)
{
    struct rlimit nproc = {JAIL_STUDENT_NPROC, JAIL_STUDENT_NPROC};
    if (uid != getuid()) {
        setrlimit(RLIMIT_NPROC, &nproc);
        if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
            setresuid(uid, uid, uid) < 0)
            return -1;
    } else if (hide_judge() < 0) {
        return -1;
    }
    /* No uid of 0 was involved, so the kernel kept our capabilities: drop
     * them all, the ambient ones too, so that exec gives none back. */
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (set_caps(0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    umask(022); /* what the student creates, the judge may read */
    return jail_filter(1, 0, false);
}

void jail_kill_student(uid_t uid)
{
    if (uid == getuid())
        return; /* no second user: kill(-1) would reach the judge too */
    pid_t pid = fork();
    if (pid == 0) {
        if (jail_become_student(uid) == 0)
            kill(-1, SIGKILL); /* as that user: reaches nothing of the judge's */
        _exit(0);
    }
    if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
}
