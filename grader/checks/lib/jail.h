/*
 * jail.h - who a process of a grading run is, and what it may do.
 *
 * Three parties share a run: the grader (root, outside the box), the judge
 * (the test runners: Criterion and bats, a dedicated unprivileged user that
 * keeps one power, switching to the student user) and the student (another
 * dedicated user, no powers at all). One piece of code makes each of them,
 * used by the grader, the check library and the as-student tool alike.
 */
#ifndef JAIL_H
#define JAIL_H

#include <stdbool.h>
#include <sys/types.h>

/* The judge and student users of a slot: student = base + 2 slot, judge =
 * student + 1, so "one of the two" is a range of two uids that a system-call
 * filter can test. */
enum { JAIL_UID_BASE = 62000, JAIL_SLOTS = 1000, JAIL_STUDENT_NPROC = 1000 };
uid_t jail_student_uid(int slot);
uid_t jail_judge_uid(int slot);
/* The slot of a uid of ours, or -1. */
int jail_slot_of(uid_t uid);

/* As root: become the judge of the slot whose student is `student`.
 * Keeps only CAP_SETUID and CAP_SETGID (ambient, so they survive exec),
 * which the filter confines to the two users of the slot. Returns 0 or -1. */
int jail_become_judge(uid_t judge, uid_t student);

/* From the judge (or root): become the student for good: no capability, no
 * way back, no new privileges, the student filter, RLIMIT_NPROC. Also used
 * where there is no second user (uid == getuid()): then only the filter and
 * no_new_privs apply. Returns 0 or -1 with errno set. */
int jail_become_student(uid_t uid);

/* Install the system-call filter every contained process gets (no ptrace,
 * mount, namespaces, keyrings, bpf, ...). lo..hi, when lo <= hi, is the only
 * range of uids and gids the process may switch to. may_nest keeps unshare()
 * and mount() for a judge without a second user: its student processes hide
 * the judge's files in a namespace of their own before student code runs. */
int jail_filter(uid_t lo, uid_t hi, bool may_nest);
/* jail_filter() with ptrace() and process_vm_readv() allowed, for the judge
 * of `grade explain` only (it runs strace around a check and never gives a
 * verdict). Student code still gets the plain filter on top (filters stack,
 * the stricter answer wins), so it can trace nobody. */
int jail_filter_tracing(uid_t lo, uid_t hi, bool may_nest);
/* jail_become_judge() with jail_filter_tracing(). */
int jail_become_judge_tracing(uid_t judge, uid_t student);

/* In a user namespace just made: map our own uid and gid, and nothing else
 * (setgroups denied, as an unprivileged map requires). Returns 0 or -1. */
int jail_map_self(uid_t uid, gid_t gid);

/* Kill every process of the student user but the caller, from a process
 * that may not signal them itself (the judge): a child becomes the student
 * and calls kill(-1, SIGKILL). Waits for it. */
void jail_kill_student(uid_t uid);

#endif
