/* Lab 04 checks: the Process object. */
#define _GNU_SOURCE
#include "check.h"
#include "process.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(process, .timeout = CHECK_SUITE_TIMEOUT);

/* What the bodies and the children saw, in shared memory. */
struct seen {
    pid_t caller;
    char names[4][64];
    int start_rc, start_again_rc;
    pid_t pid_before, pid_after;
    int calls; /* target runs, in any process */
    pid_t target_pid, target_ppid;
    int target_arg;
    int run_calls; /* "subclass" run() calls */
    pid_t run_pid;
    int run_magic;
    int stage; /* how far the body got, for timeout messages */
    int code_unstarted, code_running, code_zero, code_seven, code_seven_again, code_five;
    bool joined_zero, joined_again;
    int alive_unstarted, alive_running, alive_zombie;
    char zombie_state;
    int code_after_zombie;
    int term_rc, kill_rc;
    bool term_joined, kill_joined;
    int code_term, code_kill, code_usr1;
    bool joined_300, joined_0, joined_end;
    double ms_300, ms_0;
    int alive_after_timeout, code_after_timeout, code_end;
};

static struct seen *seen;

/* A gate: a child blocks on it until the body releases it (a real event). */
static int gate[2];

static void gate_open(void)
{
    Pipe(gate);
}

static int gate_target(void *arg)
{
    (void)arg;
    char c;
    close(gate[1]); /* our copy of the write end, or we would never see EOF */
    while (read(gate[0], &c, 1) > 0)
        ;
    return 0;
}

static void gate_release(void)
{
    close(gate[1]);
}

static int record_target(void *arg)
{
    __atomic_add_fetch(&seen->calls, 1, __ATOMIC_SEQ_CST);
    seen->target_pid = getpid();
    seen->target_ppid = getppid();
    seen->target_arg = arg ? *(int *)arg : -1;
    return 0;
}

static int return_seven(void *arg)
{
    (void)arg;
    return 7;
}

static int exit_five(void *arg)
{
    (void)arg;
    exit(5);
}

static int pause_forever(void *arg)
{
    (void)arg;
    signal(SIGTERM, SIG_DFL); /* whatever the test runner installed */
    for (;;)
        pause();
    return 0;
}

static int raise_usr1(void *arg)
{
    (void)arg;
    signal(SIGUSR1, SIG_DFL);
    raise(SIGUSR1);
    return 0;
}

static const char *code_text(int code)
{
    static char buf[4][32];
    static int k;
    char *b = buf[k++ % 4];
    if (code == EXITCODE_NONE)
        return "EXITCODE_NONE";
    snprintf(b, 32, "%d", code);
    return b;
}

/* ---- names ---------------------------------------------------------------- */

static void make_names(void *shared)
{
    struct seen *s = shared;
    struct process p[4];
    process_init(&p[0], NULL, NULL, NULL);
    process_init(&p[1], NULL, NULL, "worker");
    process_init(&p[2], NULL, NULL, NULL);
    process_init(&p[3], NULL, NULL, NULL);
    for (int i = 0; i < 4; i++)
        memcpy(s->names[i], p[i].name, sizeof s->names[i] - 1);
}

Test(process, default_names_count_up)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(make_names, seen, 2000);
    sandbox_assert_returned(&r, "process_init()");
    char(*n)[64] = seen->names;
    cr_assert(!strcmp(n[1], "worker"),
              "process_init(&p, NULL, NULL, \"worker\") named it \"%s\": copy the given name",
              n[1]);
    cr_assert(strcmp(n[0], n[2]) || strcmp(n[2], n[3]),
              "three unnamed objects were all named \"%s\": the name counter does not move. Keep "
              "it in a static variable that outlives the call and add 1 in every process_init()",
              n[0]);
    cr_assert(!strcmp(n[0], "Process-1"),
              "the first object made was named \"%s\", not \"Process-1\": the counter starts at 1",
              n[0]);
    cr_assert(strcmp(n[2], "Process-2"),
              "objects 1, 2 (named \"worker\") and 3 became \"%s\", \"worker\", \"%s\": the named "
              "object must take a number too (Python counts every Process made), so the third "
              "is \"Process-3\"",
              n[0], n[2]);
    cr_assert(!strcmp(n[2], "Process-3") && !strcmp(n[3], "Process-4"),
              "objects 1 to 4 (the second named \"worker\") became \"%s\", \"%s\", \"%s\", \"%s\" "
              "instead of Process-1, worker, Process-3, Process-4: the counter must move by one "
              "per process_init()",
              n[0], n[1], n[2], n[3]);
}

/* ---- start ---------------------------------------------------------------- */

static void start_one(void *shared)
{
    struct seen *s = shared;
    static int arg = 42;
    struct process p;
    s->caller = getpid();
    process_init(&p, record_target, &arg, NULL);
    s->pid_before = p.pid;
    s->start_rc = process_start(&p);
    s->pid_after = p.pid;
    if (p.pid > 0)
        waitpid(p.pid, NULL, 0); /* the real event: the child ended */
    s->start_again_rc = process_start(&p);
    if (s->start_again_rc == 0 && p.pid > 0)
        waitpid(p.pid, NULL, 0);
}

Test(process, start_runs_target_in_child)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(start_one, seen, 2000);
    cr_assert(r.stray_returns == 0,
              "a child came back out of process_start(): after p->run(p) the child must exit "
              "with its result, never return to the caller");
    sandbox_assert_returned(&r, "process_start()");
    cr_assert(seen->pid_before == 0,
              "p.pid was %d before process_start(): process_init() must "
              "set it to 0",
              (int)seen->pid_before);
    cr_assert(seen->start_rc == 0 && seen->calls >= 1,
              "process_start() returned %d and the target ran %d times: fork, and let the child "
              "call p->run(p)",
              seen->start_rc, seen->calls);
    cr_assert(seen->target_pid != seen->caller,
              "the target ran in the caller (pid %d), not in a child: run it where fork() "
              "returned 0",
              (int)seen->caller);
    cr_assert(seen->pid_after == seen->target_pid,
              "p.pid is %d but the target ran in pid %d: store fork()'s return value in p->pid",
              (int)seen->pid_after, (int)seen->target_pid);
    cr_assert(seen->target_ppid == seen->caller && seen->target_arg == 42,
              "the target ran in pid %d (parent %d, caller %d) with arg %d instead of 42",
              (int)seen->target_pid, (int)seen->target_ppid, (int)seen->caller, seen->target_arg);
    cr_assert(seen->start_again_rc == -1 && seen->calls == 1,
              "a second process_start() on the same object returned %d and the target ran %d "
              "times: a process object can be started only once (Python: AssertionError), "
              "return -1",
              seen->start_again_rc, seen->calls);
}

/* ---- a "subclass" --------------------------------------------------------- */

struct special {
    struct process base;
    int magic;
};

static int special_run(struct process *self)
{
    struct special *sp = (struct special *)self;
    __atomic_add_fetch(&seen->run_calls, 1, __ATOMIC_SEQ_CST);
    seen->run_pid = getpid();
    seen->run_magic = sp->magic;
    return 0;
}

static void start_special(void *shared)
{
    struct seen *s = shared;
    static int arg = 1;
    struct special sp;
    s->caller = getpid();
    process_init(&sp.base, record_target, &arg, NULL);
    sp.base.run = special_run;
    sp.magic = 4242;
    s->start_rc = process_start(&sp.base);
    if (sp.base.pid > 0)
        waitpid(sp.base.pid, NULL, 0);
}

Test(process, subclass_run_is_called)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(start_special, seen, 2000);
    sandbox_assert_returned(&r, "process_start()");
    cr_assert(seen->run_calls > 0 || seen->calls > 0,
              "process_start() returned %d and nothing ran in a child", seen->start_rc);
    cr_assert(seen->run_calls == 1 && seen->calls == 0,
              "a \"subclass\" set p.run to its own function, but the child ran the target "
              "(%d times) and the replaced run (%d times): the child must call p->run(p), "
              "not p->target(p->arg)",
              seen->calls, seen->run_calls);
    cr_assert(seen->run_pid != seen->caller && seen->run_magic == 4242,
              "the replaced run() ran in pid %d (caller %d) and saw magic %d, not 4242: call "
              "p->run(p) in the child with the object itself",
              (int)seen->run_pid, (int)seen->caller, seen->run_magic);
}

/* ---- exit codes ---------------------------------------------------------- */

static void exit_codes(void *shared)
{
    struct seen *s = shared;
    struct process idle, blocked, seven, five;
    process_init(&idle, return_seven, NULL, NULL);
    s->code_unstarted = process_exitcode(&idle);

    gate_open();
    process_init(&blocked, gate_target, NULL, NULL);
    s->start_rc = process_start(&blocked);
    if (s->start_rc == 0) {
        s->code_running = process_exitcode(&blocked);
        gate_release();
        s->stage = 1;
        s->joined_zero = process_join(&blocked, 2000);
        s->code_zero = process_exitcode(&blocked);
    }
    s->stage = 2;
    process_init(&seven, return_seven, NULL, NULL);
    process_start(&seven);
    process_join(&seven, 2000);
    s->code_seven = process_exitcode(&seven);
    s->code_seven_again = process_exitcode(&seven);
    s->joined_again = process_join(&seven, 0);

    process_init(&five, exit_five, NULL, NULL);
    process_start(&five);
    process_join(&five, 2000);
    s->code_five = process_exitcode(&five);
    s->stage = 3;
}

Test(process, exitcode_reports_exit_status)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(exit_codes, seen, 4000);
    sandbox_assert_returned(&r, "process_start(), process_join() or process_exitcode()");
    cr_assert(seen->start_rc == 0,
              "process_start() returned %d: exit codes need a started "
              "child (step 2 first)",
              seen->start_rc);
    cr_assert(seen->code_unstarted == EXITCODE_NONE,
              "exitcode of a process never started is %s, not EXITCODE_NONE",
              code_text(seen->code_unstarted));
    cr_assert(seen->code_running == EXITCODE_NONE,
              "exitcode of a running child is %s, not EXITCODE_NONE (Python's None): while "
              "waitpid(pid, &st, WNOHANG) returns 0 there is no exit code yet",
              code_text(seen->code_running));
    cr_assert(seen->joined_zero, "process_join(p, 2000) returned false for a child that ended at "
                                 "once: join must return true once the child is reaped");
    cr_assert(seen->code_zero != EXITCODE_NONE,
              "exitcode was EXITCODE_NONE after process_join() had reaped the child: the exit "
              "code must be kept when the child is reaped (a second waitpid() fails with "
              "ECHILD); store it in p->exitcode and mark p->reaped");
    cr_assert(seen->code_zero == 0, "a child whose target returned 0 has exitcode %s",
              code_text(seen->code_zero));
    cr_assert(seen->code_seven == 7,
              "a child whose target returned 7 has exitcode %s after join: use "
              "WEXITSTATUS(status) of its waitpid()",
              code_text(seen->code_seven));
    cr_assert(seen->code_seven_again == 7 && seen->joined_again,
              "after a join, a second process_exitcode() gave %s and join(p, 0) gave %s: keep the "
              "code once the child is reaped (a second waitpid() fails with ECHILD)",
              code_text(seen->code_seven_again), seen->joined_again ? "true" : "false");
    cr_assert(seen->code_five == 5, "a child that called exit(5) in its target has exitcode %s",
              code_text(seen->code_five));
}

static void signal_codes(void *shared)
{
    struct seen *s = shared;
    struct process t, k, u;
    process_init(&t, pause_forever, NULL, NULL);
    process_init(&k, pause_forever, NULL, NULL);
    process_init(&u, raise_usr1, NULL, NULL);
    s->start_rc = process_start(&t) | process_start(&k) | process_start(&u);
    s->term_rc = process_terminate(&t);
    s->kill_rc = process_kill(&k);
    s->term_joined = process_join(&t, 2000);
    s->kill_joined = process_join(&k, 2000);
    process_join(&u, 2000);
    s->code_term = process_exitcode(&t);
    s->code_kill = process_exitcode(&k);
    s->code_usr1 = process_exitcode(&u);
}

Test(process, exitcode_negative_for_signal)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(signal_codes, seen, 8000);
    sandbox_assert_returned(&r, "process_terminate(), process_join() or process_exitcode()");
    cr_assert(seen->start_rc == 0, "process_start() failed: exit codes need a started child "
                                   "(step 2 first)");
    cr_assert(seen->term_rc == 0 && seen->term_joined,
              "process_terminate() returned %d and the child (asleep in pause()) had not ended "
              "2 s later: send SIGTERM with kill(p->pid, SIGTERM)",
              seen->term_rc);
    cr_assert(seen->kill_rc == 0 && seen->kill_joined,
              "process_kill() returned %d and the child had not ended 2 s later: send SIGKILL",
              seen->kill_rc);
    cr_assert(seen->code_term == -SIGTERM && seen->code_kill == -SIGKILL &&
                  seen->code_usr1 == -SIGUSR1,
              "exitcode after terminate() is %s, after kill() %s, for a child killed by SIGUSR1 "
              "%s; expected -15, -9, -10. Your exitcode ignores death by signal: when "
              "WIFSIGNALED(status), the exitcode is -WTERMSIG(status) (WEXITSTATUS means nothing "
              "then)",
              code_text(seen->code_term), code_text(seen->code_kill), code_text(seen->code_usr1));
}

/* ---- is_alive -------------------------------------------------------------- */

static void alive_states(void *shared)
{
    struct seen *s = shared;
    struct process blocked, quick;
    process_init(&quick, return_seven, NULL, NULL);
    s->alive_unstarted = process_is_alive(&quick);

    gate_open();
    process_init(&blocked, gate_target, NULL, NULL);
    s->start_rc = process_start(&blocked);
    s->alive_running = process_is_alive(&blocked);
    gate_release();
    process_join(&blocked, 2000);

    process_start(&quick);
    s->zombie_state = '?';
    if (quick.pid > 0) {
        siginfo_t info;
        /* The real event: it has exited. WNOWAIT leaves it a zombie. */
        if (waitid(P_PID, (id_t)quick.pid, &info, WEXITED | WNOWAIT) == 0) {
            char st = process_state(quick.pid, NULL);
            s->zombie_state = st ? st : '?';
        }
        s->alive_zombie = process_is_alive(&quick);
        s->code_after_zombie = process_exitcode(&quick);
    }
    process_join(&quick, 2000);
}

Test(process, is_alive_false_for_zombie)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(alive_states, seen, 4000);
    sandbox_assert_returned(&r, "process_is_alive()");
    cr_assert(!seen->alive_unstarted, "process_is_alive() is true before process_start()");
    cr_assert(seen->start_rc == 0,
              "process_start() returned %d: is_alive needs a started child "
              "(step 2 first)",
              seen->start_rc);
    cr_assert(seen->alive_running,
              "process_is_alive() is false for a child that is still running (blocked in "
              "read()): waitpid(pid, &st, WNOHANG) returns 0 while it runs");
    cr_assert(seen->zombie_state == 'Z',
              "the test could not make a zombie (state %c): does "
              "process_start() fork?",
              seen->zombie_state);
    cr_assert(!seen->alive_zombie,
              "process_is_alive() said true for a child that has exited but was not yet "
              "waited for (a zombie, state Z). kill(pid, 0) succeeds for a zombie too, so it "
              "cannot tell: use waitpid(pid, &status, WNOHANG), which returns the pid (and reaps "
              "it) once the child has ended");
    cr_assert(seen->code_after_zombie == 7,
              "after process_is_alive() saw the child had ended, exitcode was %s, not 7: keep "
              "the status that waitpid() returned",
              code_text(seen->code_after_zombie));
}

/* ---- join with a timeout --------------------------------------------------- */

static void join_timeout(void *shared)
{
    struct seen *s = shared;
    struct process p;
    gate_open();
    process_init(&p, gate_target, NULL, NULL);
    if (process_start(&p) != 0)
        return;
    s->stage = 1;
    double t0 = now_ms();
    s->joined_300 = process_join(&p, 300);
    s->ms_300 = now_ms() - t0;
    s->stage = 2;
    t0 = now_ms();
    s->joined_0 = process_join(&p, 0);
    s->ms_0 = now_ms() - t0;
    s->alive_after_timeout = process_is_alive(&p);
    s->code_after_timeout = process_exitcode(&p);
    s->stage = 3;
    gate_release();
    s->joined_end = process_join(&p, 2000);
    s->code_end = process_exitcode(&p);
    s->stage = 4;
}

Test(process, join_timeout_returns_in_time)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(join_timeout, seen, 4000);
    cr_assert(!(r.timed_out && seen->stage == 1),
              "process_join(p, 300) had not returned after 4 s while the child was still "
              "running: the join waits forever despite its timeout. Look with "
              "waitpid(pid, &st, WNOHANG) until the child ended or the time is up");
    cr_assert(!(r.timed_out && seen->stage == 2),
              "process_join(p, 0) blocked on a running child: a timeout of 0 only looks");
    sandbox_assert_returned(&r, "process_join()");
    cr_assert(seen->stage > 0, "process_start() failed, so join could not be tried");
    cr_assert(!seen->joined_300, "process_join(p, 300) returned true while the child was still "
                                 "running: true only once it has ended");
    cr_assert(seen->ms_300 >= 250,
              "process_join(p, 300) gave up after %.0f ms on a running child: it must keep "
              "looking until the 300 ms have passed",
              seen->ms_300);
    cr_assert(seen->ms_300 < 2500,
              "process_join(p, 300) took %.0f ms: it must return soon after its timeout",
              seen->ms_300);
    cr_assert(!seen->joined_0 && seen->ms_0 < 1000,
              "process_join(p, 0) on a running child returned %s after %.0f ms: it must return "
              "false at once",
              seen->joined_0 ? "true" : "false", seen->ms_0);
    cr_assert(seen->alive_after_timeout && seen->code_after_timeout == EXITCODE_NONE,
              "after join timed out the child was still running, but is_alive() said %d and "
              "exitcode %s",
              seen->alive_after_timeout, code_text(seen->code_after_timeout));
    cr_assert(seen->joined_end && seen->code_end == 0,
              "once the child ended, process_join(p, 2000) gave %s and exitcode %s (expected "
              "true and 0)",
              seen->joined_end ? "true" : "false", code_text(seen->code_end));
}
