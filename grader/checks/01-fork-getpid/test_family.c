/* Lab 01 checks: who_am_i, start_child, run_children. */
#include "check.h"
#include "family.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(family, .timeout = CHECK_SUITE_TIMEOUT);

enum { MAX_CALLS = 64 };

/* What the jobs saw, written from whichever process ran them. */
struct seen {
    pid_t caller;             /* the process that called the student function */
    pid_t caller_parent;
    struct who who;           /* who_am_i() in the caller */
    pid_t child, child_parent; /* a child the caller forked after its call */
    struct who child_who;     /* who_am_i() in that child */
    int child_status;         /* the wait status of start_child()'s child */
    pid_t returned;           /* start_child()'s return value */
    int reaped;               /* run_children()'s return value */
    pid_t pids[8];
    int codes[8];
    int calls;                /* how many times a job ran, in any process */
    pid_t job_pid[MAX_CALLS]; /* getpid() inside the job */
    pid_t job_ppid[MAX_CALLS];
    int job_arg[MAX_CALLS];
    double t0;                /* when run_children() was called */
    int mode;                 /* how the jobs behave: see record_job */
    int started, ended;       /* jobs that began / finished (modes GATE and ORDER) */
    int saw_ended[8];         /* how many had already ended when job i began */
    int saw_started[8];       /* how many had begun when job i stopped waiting */
    pid_t by_arg[8];          /* the pid that ran job(i) */
    bool parent_waited;       /* ORDER: job 0 saw its parent blocked in wait4/waitid */
    pid_t pid_after[8];       /* by_arg[i] when run_children() returned (0: not begun) */
    char state_after[8];      /* then the state of that process (0: gone, reaped) */
};

enum { FREE, GATE, ORDER }; /* jobs run freely; wait for all to start; end in reverse */

static struct seen *seen;

static int record_job(int arg)
{
    int k = __atomic_fetch_add(&seen->calls, 1, __ATOMIC_SEQ_CST);
    if (k < MAX_CALLS) {
        seen->job_pid[k] = getpid();
        seen->job_ppid[k] = getppid();
        seen->job_arg[k] = arg;
    }
    if (seen->mode == FREE || arg < 0 || arg >= 4)
        return 40 + arg;
    seen->by_arg[arg] = getpid();
    seen->saw_ended[arg] = __atomic_load_n(&seen->ended, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&seen->started, 1, __ATOMIC_SEQ_CST);
    /* GATE: wait until all 4 jobs run at once. ORDER: child 0 ends last,
     * only once its parent is blocked waiting for a child (in wait4 or
     * waitid, not in a sleep) and another child has ended, so a parent that
     * waits for "any child" gets another child first, on every run, and a
     * parent that sleeps in place of waiting returns before child 0 ends.
     * Both wait on real events, at most until 1.5 s after run_children()
     * was called. */
    double until = seen->t0 + 1500;
    while (now_ms() < until && (seen->mode == GATE || arg == 0)) {
        if (seen->mode == GATE && __atomic_load_n(&seen->started, __ATOMIC_SEQ_CST) >= 4)
            break;
        bool other_ended = false;
        for (int k = 1; k < 4 && seen->mode == ORDER; k++) {
            pid_t other = __atomic_load_n(&seen->by_arg[k], __ATOMIC_SEQ_CST);
            char st = other > 0 ? process_state(other, NULL) : 'R';
            other_ended |= other > 0 && (st == 'Z' || st == 0);
        }
        if (other_ended && waits_for_child(getppid()) != 0) {
            seen->parent_waited = true;
            break;
        }
        sleep_ms(1);
    }
    seen->saw_started[arg] = __atomic_load_n(&seen->started, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&seen->ended, 1, __ATOMIC_SEQ_CST);
    return 40 + arg;
}

static void call_who_am_i(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    s->caller_parent = getppid();
    s->who = who_am_i();
    /* Called again in a child forked after the first call: a value kept
     * from that call (a static, a global) is copied into the child. */
    pid_t pid = fork();
    if (pid == 0) {
        s->child = getpid();
        s->child_parent = getppid();
        s->child_who = who_am_i();
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

Test(family, who_am_i_matches_getpid)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_who_am_i, seen, 2000);
    sandbox_assert_returned(&r, "who_am_i()");
    cr_assert(seen->who.pid == seen->caller,
              "who_am_i().pid is %d but the calling process is %d: use getpid()",
              (int)seen->who.pid, (int)seen->caller);
    cr_assert(seen->who.ppid == seen->caller_parent,
              "who_am_i().ppid is %d but the caller's parent is %d: use getppid()",
              (int)seen->who.ppid, (int)seen->caller_parent);
    cr_assert(seen->child > 0, "the check's own fork() failed: run it again");
    bool kept = seen->child_who.pid == seen->who.pid && seen->child_who.ppid == seen->who.ppid;
    cr_assert(!kept || (seen->child_who.pid == seen->child &&
                        seen->child_who.ppid == seen->child_parent),
              "who_am_i() called in a child gave {%d, %d}, the values of the parent's earlier "
              "call, but that child is %d and its parent %d: who_am_i() keeps the values of an "
              "earlier call (a static or global that fork() copied into the child). Call "
              "getpid() and getppid() on every call",
              (int)seen->child_who.pid, (int)seen->child_who.ppid, (int)seen->child,
              (int)seen->child_parent);
    cr_assert(seen->child_who.pid == seen->child && seen->child_who.ppid == seen->child_parent,
              "who_am_i() called in a child gave {%d, %d}, but that child is %d and its parent "
              "%d: call getpid() and getppid() on every call",
              (int)seen->child_who.pid, (int)seen->child_who.ppid, (int)seen->child,
              (int)seen->child_parent);
}

static void call_start_child(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    pid_t got = start_child(record_job, 7);
    if (getpid() != s->caller)
        return; /* a child came back out of start_child(): the sandbox counts it */
    s->returned = got; /* only the caller's value: *s is shared with the child */
    /* Give the child time to run, but wait on the real event: its exit. */
    int st;
    s->child_status = got > 0 && waitpid(got, &st, 0) == got ? st : -1;
}

Test(family, start_child_returns_child_pid)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_start_child, seen, 2000);
    sandbox_assert_returned(&r, "start_child()");
    cr_assert(seen->returned != -1 || seen->calls > 0,
              "start_child() returned -1 and no child ran: it does not fork yet");
    cr_assert(seen->returned != seen->caller,
              "start_child() returned the parent's own pid %d: return the value fork() gave "
              "the parent (the child's pid), not getpid()",
              (int)seen->caller);
    cr_assert(seen->returned > 0 && seen->calls >= 1 && seen->returned == seen->job_pid[0],
              "start_child() returned %d, but the child that ran the job was %d: return "
              "fork()'s value in the parent",
              (int)seen->returned, seen->calls ? (int)seen->job_pid[0] : -1);
}

Test(family, child_runs_job_not_parent)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_start_child, seen, 2000);
    cr_assert(seen->calls >= 1, "the job never ran: the child must call job(arg)");
    cr_assert(seen->job_pid[0] != seen->caller,
              "the job ran in the parent (pid %d): fork() returns 0 in the child, so run the "
              "job when fork() returned 0",
              (int)seen->caller);
    sandbox_assert_returned(&r, "start_child()");
    cr_assert(seen->job_ppid[0] == seen->caller,
              "the job ran in pid %d whose parent is %d, not the caller %d", (int)seen->job_pid[0],
              (int)seen->job_ppid[0], (int)seen->caller);
    cr_assert(seen->job_arg[0] == 7, "the job got %d, not the arg 7 given to start_child()",
              seen->job_arg[0]);
    int st = seen->child_status;
    /* Only a child that did not come back out of start_child() (that is
     * run_children_forks_exactly_n's mistake) ended where it should. */
    cr_assert(st == -1 || r.stray_returns > 0 || (WIFEXITED(st) && WEXITSTATUS(st) == 47),
              "job(7) returned 47 in the child, but the child %s %d: the child must exit with "
              "the value job returned, exit(job(arg)), not with a code of its own",
              WIFEXITED(st) ? _("exited with") : _("was killed by signal"),
              WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void call_run_children(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    for (int i = 0; i < 4; i++)
        s->codes[i] = -99;
    s->t0 = now_ms();
    int reaped = run_children(4, record_job, s->pids, s->codes);
    if (getpid() != s->caller) /* a child that came back: it would overwrite it */
        return;
    s->reaped = reaped;
    for (int i = 0; i < 4; i++) {
        s->pid_after[i] = __atomic_load_n(&s->by_arg[i], __ATOMIC_SEQ_CST);
        s->state_after[i] = s->pid_after[i] > 0 ? process_state(s->pid_after[i], NULL) : 0;
    }
}

Test(family, run_children_forks_exactly_n)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_run_children, seen, 3000);
    /* A job whose parent is not the caller ran in a grandchild: a child
     * forked, so it went on in the loop. Seen whether or not the strays got
     * back before the run ended. */
    int in_grandchildren = 0;
    for (int k = 0; k < seen->calls && k < MAX_CALLS; k++)
        in_grandchildren += seen->job_ppid[k] != seen->caller;
    cr_assert(r.stray_returns == 0 && in_grandchildren == 0,
              "run_children(4) ran the job %d times (%d of them in grandchildren of the caller) "
              "and %d extra processes came back from it: a child returned from start_child() "
              "instead of exiting, so it went on forking in the loop. Call exit(job(arg)) in the "
              "child",
              seen->calls, in_grandchildren, r.stray_returns);
    cr_assert(seen->calls <= 4,
              "run_children(4) ran the job %d times, in %d processes or more, for 4 children: "
              "start exactly n children, one start_child(job, i) per i",
              seen->calls, seen->calls);
    sandbox_assert_returned(&r, "run_children()");
    cr_assert(seen->calls == 4, "run_children(4) ran the job %d times instead of 4", seen->calls);
    for (int i = 0; i < 4; i++) {
        int found = 0;
        for (int k = 0; k < 4; k++)
            found += seen->job_arg[k] == i;
        cr_assert(found == 1, "child %d ran the job %d times: child i must run job(i)", i, found);
    }
}

Test(family, run_children_starts_all_first)
{
    seen = shared_alloc(sizeof *seen);
    seen->mode = GATE;
    struct sandbox r = sandbox_run(call_run_children, seen, 8000);
    cr_assert(r.stray_returns == 0 && seen->calls <= 4,
              "run_children(4) ran the job %d times: a child came back out of start_child() "
              "instead of exiting (see run_children_forks_exactly_n); fix that first",
              seen->calls);
    sandbox_assert_returned(&r, "run_children()");
    cr_assert(seen->calls > 0, "run_children(4) never ran the job: child i must run job(i)");
    for (int i = 0; i < 4; i++)
        cr_assert(seen->saw_ended[i] == 0,
                  "run_children(4) ran the children one after another: child %d started only "
                  "after %d other %s had already ended. Waiting inside the start loop does "
                  "that; start every child first, then wait for them in a second loop",
                  i, seen->saw_ended[i], seen->saw_ended[i] == 1 ? _("child") : _("children"));
    for (int i = 0; i < 4; i++)
        cr_assert(seen->by_arg[i] == 0 || seen->saw_started[i] == 4,
                  "child %d waited up to 1.5 s for all 4 children to be running, but only %d "
                  "started: start all of them before waiting for any",
                  i, seen->saw_started[i]);
}

Test(family, run_children_reaps_every_child)
{
    seen = shared_alloc(sizeof *seen);
    seen->mode = ORDER; /* child 0 ends last */
    struct sandbox r = sandbox_run(call_run_children, seen, 8000);
    cr_assert(r.stray_returns == 0 && seen->calls <= 4,
              "run_children(4) ran the job %d times: a child came back out of start_child() "
              "instead of exiting (see run_children_forks_exactly_n), so children waited for "
              "children that were not theirs. Fix that first: the waiting cannot be judged "
              "until then",
              seen->calls);
    sandbox_assert_returned(&r, "run_children()");
    bool running = seen->pid_after[0] > 0 && seen->state_after[0] != 0 &&
                   seen->state_after[0] != 'Z';
    bool others_reaped = false; /* gone: reaped, so run_children() did wait for them */
    for (int i = 1; i < 4; i++)
        others_reaped |= seen->pid_after[i] > 0 && seen->state_after[i] == 0;
    cr_assert(!running || !others_reaped || seen->parent_waited,
              "run_children() reaped other children but returned while child 0 was still "
              "running, and the parent never blocked in waitpid() while child 0 ran (the check makes child 0 end only once "
              "its parent waits for a child, or 1.5 s after the start): a sleep is no wait, a "
              "child may take longer than any sleep on a busy machine. waitpid(pids[i], "
              "&status, 0), without WNOHANG, blocks until child i has ended");
    cr_assert(r.unreaped == 0,
              "%d %s still unreaped (zombies or running) when run_children() "
              "returned: call waitpid() for every child you started",
              r.unreaped, r.unreaped == 1 ? _("child was") : _("children were"));
    cr_assert(seen->reaped == 4,
              "run_children(4) returned %d: it must return how many children "
              "it reaped",
              seen->reaped);
    for (int i = 0; i < 4; i++) {
        cr_assert(seen->pids[i] > 0 && seen->pids[i] != seen->caller,
                  "pids[%d] is %d: store the pid fork() returned to the parent", i,
                  (int)seen->pids[i]);
        cr_assert(seen->codes[i] != (40 + i) << 8,
                  "codes[%d] is %d for a child that exited with %d: that is the raw wait status "
                  "(the exit code sits in its second byte). Store WEXITSTATUS(status)",
                  i, seen->codes[i], 40 + i);
        cr_assert(seen->codes[0] < 41 || seen->codes[0] > 43,
                  "codes[] is {%d, %d, %d, %d}, but child i exited with 40 + i: codes[0] holds "
                  "child %d's code. The check made child 0 end last, and the codes were stored "
                  "in the order the children were reaped: wait() and waitpid(-1, ...) return "
                  "whichever child has ended. Wait for child i by its pid, waitpid(pids[i], "
                  "&status, 0), and store its code in codes[i]",
                  seen->codes[0], seen->codes[1], seen->codes[2], seen->codes[3],
                  seen->codes[0] - 40);
        cr_assert(seen->codes[i] == 40 + i,
                  "codes[%d] is %d but child %d's job returned %d: store WEXITSTATUS(status) of "
                  "that child's waitpid()",
                  i, seen->codes[i], i, 40 + i);
    }
}
