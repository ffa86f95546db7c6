/* Lab 04 checks: the Process object. */
#define _GNU_SOURCE
#include "check.h"
#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(process, .timeout = CHECK_SUITE_TIMEOUT);

/* What the bodies and the children saw, in shared memory. */
struct seen {
    pid_t caller;
    bool started_ok; /* a started process joined with exitcode 7 */
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
    char wchan[64]; /* where process_join() was stuck, when the watch fired */
    long sleeps_300; /* voluntary context switches during process_join(p, 300) */
    double cpu_ms_300; /* CPU time it used meanwhile: a spin uses about all of it */
    /* terminate/kill on an object that has no running child */
    int term_reaped_rc, kill_reaped_rc, bystander_sig, bystander_sig_kill;
    int unstarted_alive, unstarted_code, unstarted_join, unstarted_term, unstarted_kill;
    int printer_calls; /* the printing target ran */
    char other_state; /* the caller's other child, a zombie, after those calls */
    double ms_join_ended;  /* process_join(p, 2000) on a child released at once */
    bool long_name_guard_ok; /* nothing written past a struct process by a long name */
    char long_name_end[8];   /* the last characters of the long name that was kept */
    int stubborn_ready;      /* the SIGTERM-ignoring child has ignored it */
    int term_stubborn_rc, code_stubborn;
    double ms_term_stubborn;
    int handled;             /* the body's SIGUSR1 handler ran */
    bool joined_intr;        /* process_join(p, JOIN_FOREVER) across a handled signal */
    int code_intr;
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
    if (__atomic_fetch_add(&seen->calls, 1, __ATOMIC_SEQ_CST) > 0)
        return 0; /* only the first run is recorded: a second start must not hide it */
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

static int exit_seven_now(void *arg)
{
    (void)arg;
    _exit(7); /* the exit code without run()'s return value: is_alive is tested alone */
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

static int ignore_term(void *arg)
{
    (void)arg;
    signal(SIGTERM, SIG_IGN);
    __atomic_store_n(&seen->stubborn_ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        pause(); /* until kill() */
    return 0;
}

static void stuck_in_terminate(void *arg)
{
    (void)arg; /* the stage says where the body was stuck */
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
    /* A name longer than name[64], in an object with a guard behind it. */
    struct {
        struct process p;
        unsigned char guard[256];
    } g;
    memset(g.guard, 0xA5, sizeof g.guard);
    char longname[201];
    memset(longname, 'n', 200);
    longname[200] = '\0';
    process_init(&g.p, NULL, NULL, longname);
    s->long_name_guard_ok = true;
    for (size_t i = 0; i < sizeof g.guard; i++)
        s->long_name_guard_ok &= g.guard[i] == 0xA5;
    g.p.name[sizeof g.p.name - 1] = '\0';
    snprintf(s->long_name_end, sizeof s->long_name_end, "%s", g.p.name + strlen(g.p.name) - 3);
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
    cr_assert(seen->long_name_guard_ok,
              "process_init() with a name of 200 characters wrote past the end of the object: "
              "p->name holds 64 bytes, and strcpy() copies the whole name whatever the room. "
              "Copy at most sizeof p->name - 1 characters and end with '\\0' (snprintf(p->name, "
              "sizeof p->name, \"%%s\", name) does both)");
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
        /* The child ends at once: a join that sleeps its timeout out is
         * ended by the watch after 1.5 s (stage 1), not at the deadline. */
        struct watch w;
        watch_start(&w, 1500, stuck_in_terminate, s);
        double t0 = now_ms();
        s->joined_zero = process_join(&blocked, 2000);
        s->ms_join_ended = now_ms() - t0;
        watch_done(&w);
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
    cr_assert(!(seen->stage == 1 && !r.returned) && !(seen->ms_join_ended >= 1500),
              "process_join(p, 2000) on a child that ended at once %s: it sleeps out its "
              "timeout before it looks. Join returns as soon as the child has ended: "
              "look with waitpid(pid, &st, WNOHANG), and sleep only about a millisecond between "
              "two looks until the deadline",
              seen->stage == 1 ? _("had not returned 1.5 s later") : _("took 1.5 s or more"));
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
    cr_assert(!(seen->code_seven == 0 && seen->code_five == 5),
              "a child whose target called exit(5) has exitcode 5, but one whose target "
              "returned 7 has exitcode 0: the child drops run()'s return value. Python's "
              "Process does ignore it; this lab does not (process.h): the child exits with "
              "what p->run(p) returned, exit(p->run(p))");
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

    /* A child that ignores SIGTERM: terminate() sends and returns, it does
     * not wait (the watch ends a body stuck there after 1.5 s). */
    struct process st;
    process_init(&st, ignore_term, NULL, NULL);
    if (process_start(&st) != 0)
        return;
    double until = now_ms() + 2000;
    while (!__atomic_load_n(&s->stubborn_ready, __ATOMIC_SEQ_CST) && now_ms() < until)
        sleep_ms(1);
    s->stage = 10;
    struct watch w;
    watch_start(&w, 1500, stuck_in_terminate, s);
    double t0 = now_ms();
    s->term_stubborn_rc = process_terminate(&st);
    s->ms_term_stubborn = now_ms() - t0;
    watch_done(&w);
    s->stage = 11;
    process_kill(&st);
    process_join(&st, 2000);
    s->code_stubborn = process_exitcode(&st);
}

Test(process, exitcode_negative_for_signal)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(signal_codes, seen, 8000);
    cr_assert(seen->stage != 10 && !(seen->ms_term_stubborn >= 1000),
              "process_terminate() on a child that ignores SIGTERM had not returned %s: "
              "terminate only sends SIGTERM, it does not wait for the child to end (a child may "
              "ignore or handle the signal and go on). Send it with kill() and return; waiting "
              "is process_join()'s work",
              seen->stage == 10 ? _("1.5 s later") : _("within a second"));
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
    cr_assert(!(seen->code_term == 0 && seen->code_kill == 0 && seen->code_usr1 == 0),
              "exitcode after terminate() is %s, after kill() %s, for a child killed by SIGUSR1 "
              "%s; expected -15, -9, -10. Your exitcode ignores death by signal: when "
              "WIFSIGNALED(status), the exitcode is -WTERMSIG(status) (WEXITSTATUS means nothing "
              "then)",
              code_text(seen->code_term), code_text(seen->code_kill), code_text(seen->code_usr1));
    cr_assert(seen->code_term == -SIGTERM && seen->code_kill == -SIGKILL &&
                  seen->code_usr1 == -SIGUSR1,
              "exitcode after terminate() is %s, after kill() %s, for a child killed by SIGUSR1 "
              "%s; expected -15, -9, -10: when WIFSIGNALED(status), the exitcode is "
              "-WTERMSIG(status)",
              code_text(seen->code_term), code_text(seen->code_kill), code_text(seen->code_usr1));
    cr_assert(seen->term_stubborn_rc == 0 && seen->code_stubborn == -SIGKILL,
              "on a child that ignores SIGTERM, process_terminate() returned %d and, after "
              "process_kill() and a join, exitcode was %s: expected 0 and -9",
              seen->term_stubborn_rc, code_text(seen->code_stubborn));
}

/* ---- is_alive -------------------------------------------------------------- */

static void alive_states(void *shared)
{
    struct seen *s = shared;
    struct process blocked, quick;
    process_init(&quick, exit_seven_now, NULL, NULL);
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

/* What the body's main thread is doing, from the watch: "do_wait" every
 * time when it is blocked in waitpid(); a sleep or "0" (running) when it
 * loops. */
static void where_is_join(void *arg)
{
    struct seen *s = arg;
    for (int k = 0; k < 10; k++) {
        char now[64] = "";
        int fd = open("/proc/self/wchan", O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, now, sizeof now - 1) : -1;
        now[n > 0 ? n : 0] = '\0';
        if (fd >= 0)
            close(fd);
        if (k == 0 || strcmp(now, "do_wait"))
            snprintf(s->wchan, sizeof s->wchan, "%s", now[0] ? now : "?");
        sleep_ms(1);
    }
}

static void on_usr1(int sig)
{
    (void)sig;
    __atomic_store_n(&seen->handled, 1, __ATOMIC_SEQ_CST);
}

/* Interrupts its parent once the parent sleeps waiting, then ends with 9
 * once the parent sleeps again (or 1 s later). */
static int interrupt_parent(void *arg)
{
    (void)arg;
    double give_up = now_ms() + 2000;
    while (process_state(getppid(), NULL) != 'S' && now_ms() < give_up)
        sleep_ms(1);
    kill(getppid(), SIGUSR1);
    give_up = now_ms() + 1000;
    while (now_ms() < give_up && !(__atomic_load_n(&seen->handled, __ATOMIC_SEQ_CST) &&
                                   process_state(getppid(), NULL) == 'S'))
        sleep_ms(1);
    return 9;
}

static void join_timeout(void *shared)
{
    struct seen *s = shared;
    struct process p;
    gate_open();
    process_init(&p, gate_target, NULL, NULL);
    if (process_start(&p) != 0)
        return;
    s->stage = 1;
    struct watch w;
    watch_start(&w, 2500, where_is_join, s);
    struct rusage u0, u1;
    getrusage(RUSAGE_THREAD, &u0);
    double t0 = now_ms();
    s->joined_300 = process_join(&p, 300);
    s->ms_300 = now_ms() - t0;
    getrusage(RUSAGE_THREAD, &u1);
    s->sleeps_300 = u1.ru_nvcsw - u0.ru_nvcsw; /* each sleep between looks is one */
    s->cpu_ms_300 = (u1.ru_utime.tv_sec - u0.ru_utime.tv_sec + u1.ru_stime.tv_sec -
                     u0.ru_stime.tv_sec) * 1000.0 +
                    (u1.ru_utime.tv_usec - u0.ru_utime.tv_usec + u1.ru_stime.tv_usec -
                     u0.ru_stime.tv_usec) / 1000.0;
    watch_done(&w);
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

    /* A signal handled while process_join(p, JOIN_FOREVER) waits: waitpid()
     * fails with EINTR (no SA_RESTART), and the child is still running. */
    Sigaction(SIGUSR1, on_usr1, 0);
    struct process q;
    process_init(&q, interrupt_parent, NULL, NULL);
    if (process_start(&q) != 0)
        return;
    s->code_intr = EXITCODE_NONE;
    s->joined_intr = process_join(&q, JOIN_FOREVER);
    s->code_intr = process_exitcode(&q);
    s->stage = 5;
}

Test(process, join_timeout_returns_in_time)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(join_timeout, seen, 4000);
    cr_assert(!(seen->wchan[0] && !strcmp(seen->wchan, "do_wait")),
              "process_join(p, 300) on a running child was still blocked in waitpid() 2.5 s "
              "later (the kernel showed it asleep in do_wait): the join waits forever despite "
              "its timeout. Look with waitpid(pid, &st, WNOHANG) until the child ended or the "
              "time is up");
    cr_assert(!seen->wchan[0],
              "process_join(p, 300) on a running child had not returned 2.5 s later, and it was "
              "not blocked in waitpid() (its kernel wait channel was %s, not waitpid's "
              "do_wait): it goes on looking long after its deadline. The deadline is now_ms() "
              "+ timeout_ms, both in milliseconds; check that arithmetic (a timeout read as "
              "seconds waits 1000 times too long) and the loop's exit test",
              strcmp(seen->wchan, "0") ? seen->wchan : _("none: it was running"));
    cr_assert(!(r.timed_out && seen->stage == 1),
              "process_join(p, 300) had not returned after 4 s while the child was still "
              "running: return false once the 300 ms have passed");
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
    cr_assert(seen->sleeps_300 >= 3 || seen->ms_300 < 250 || seen->cpu_ms_300 < seen->ms_300 / 2,
              "process_join(p, 300) waited %.0f ms without ever going to sleep (%ld voluntary "
              "context switches): it spins, asking waitpid() again at full speed and burning a "
              "CPU the child may need. Sleep a little between two looks (sleep_ms(1))",
              seen->ms_300, seen->sleeps_300);
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
    cr_assert(!(seen->handled && !seen->joined_intr && seen->code_intr == EXITCODE_NONE),
              "process_join(p, JOIN_FOREVER) returned false when a signal handler ran while it "
              "waited, and the child was still running: waitpid() returns -1 with errno EINTR "
              "when a signal interrupts it, which is no reason to stop. Wait again on EINTR; "
              "JOIN_FOREVER returns only once the child has ended");
    cr_assert(seen->joined_intr && seen->code_intr == 9,
              "process_join(p, JOIN_FOREVER) on a child that ends with 9, while a signal handler "
              "ran in the caller, gave %s and exitcode %s (expected true and 9)",
              seen->joined_intr ? "true" : "false", code_text(seen->code_intr));
}

/* ---- terminate and kill when there is no running child ------------------- */

/* Give p's pid to a bystander, as the kernel does once a reaped pid is
 * free again, call send(p), and return the first signal the bystander got
 * (SIGUSR2 when send() sent nothing: the check sends that one last). */
static int bystander_sees(struct process *p, int (*send)(struct process *), int *rc)
{
    int report[2];
    Pipe(report);
    pid_t bystander = fork();
    if (bystander == 0) {
        close(report[0]);
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        int sig = 0;
        sigwait(&all, &sig); /* the first signal that comes */
        (void)!write(report[1], &sig, sizeof sig);
        _exit(0);
    }
    close(report[1]);
    p->pid = bystander;
    *rc = send(p);
    kill(bystander, SIGUSR2);
    int sig = 0, status = 0;
    if (read(report[0], &sig, sizeof sig) != sizeof sig)
        sig = 0;
    close(report[0]);
    waitpid(bystander, &status, 0);
    if (!sig && WIFSIGNALED(status)) /* SIGKILL cannot be blocked */
        sig = WTERMSIG(status);
    return sig;
}

static void signal_after_join(void *shared)
{
    struct seen *s = shared;
    struct process p;
    process_init(&p, return_seven, NULL, NULL);
    if (process_start(&p) != 0 || !process_join(&p, 2000))
        return;
    s->stage = 1;
    s->bystander_sig = bystander_sees(&p, process_terminate, &s->term_reaped_rc);
    s->bystander_sig_kill = bystander_sees(&p, process_kill, &s->kill_reaped_rc);
}

Test(process, terminate_spares_a_reaped_pid)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(signal_after_join, seen, 4000);
    sandbox_assert_returned(&r, "process_terminate() or process_kill() after a join");
    cr_assert(seen->stage == 1, "process_start() or process_join() failed, so this could not "
                                "be tried (steps 2 and 4 first)");
    cr_assert(seen->bystander_sig == SIGUSR2 && seen->bystander_sig_kill == SIGUSR2,
              "after process_join() had reaped the child, process_%s() still sent a signal to "
              "p->pid. A reaped pid is free for the kernel to give to the next new process (the "
              "check gave it to another process, as the kernel does), so the signal hit a "
              "stranger. Once p->reaped, send nothing and return -1",
              seen->bystander_sig != SIGUSR2 ? "terminate" : "kill");
    cr_assert(seen->term_reaped_rc == -1 && seen->kill_reaped_rc == -1,
              "process_terminate() and process_kill() on a process already joined returned %d "
              "and %d, not -1: there is no such child any more",
              seen->term_reaped_rc, seen->kill_reaped_rc);
}

static void touch_unstarted(void *shared)
{
    struct seen *s = shared;
    /* Another child of the caller that has ended: a zombie, not ours to reap. */
    pid_t other = fork();
    if (other == 0)
        _exit(3);
    siginfo_t info;
    waitid(P_PID, (id_t)other, &info, WEXITED | WNOWAIT);
    struct process p;
    process_init(&p, return_seven, NULL, NULL);
    s->stage = 1;
    s->unstarted_alive = process_is_alive(&p);
    s->unstarted_code = process_exitcode(&p);
    s->unstarted_join = process_join(&p, 0);
    s->stage = 4;
    s->unstarted_join |= process_join(&p, JOIN_FOREVER) << 1;
    s->stage = 2;
    s->unstarted_term = process_terminate(&p);
    s->unstarted_kill = process_kill(&p);
    s->stage = 3;
    char st = process_state(other, NULL);
    s->other_state = st ? st : '-';
    waitpid(other, NULL, 0);
    /* Then a started one: the answers above prove something only in code
     * that starts and joins at all. */
    struct process q;
    process_init(&q, return_seven, NULL, NULL);
    s->started_ok = process_start(&q) == 0 && process_join(&q, 2000) &&
                    process_exitcode(&q) == 7;
}

Test(process, unstarted_object_touches_no_child)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(touch_unstarted, seen, 4000);
    cr_assert(!(seen->stage == 2 && !r.returned && WIFSIGNALED(r.status) &&
                (WTERMSIG(r.status) == SIGTERM || WTERMSIG(r.status) == SIGKILL)),
              "process_terminate() or process_kill() on an object never started killed the "
              "caller itself (%s): p->pid is 0 before start, and kill(0, sig) signals every "
              "process of the caller's group. Before start there is no child: return -1 and "
              "send nothing",
              strsignal(WTERMSIG(r.status)));
    cr_assert(!(r.timed_out && seen->stage == 4),
              "process_join(p, JOIN_FOREVER) on an object never started did not return within "
              "4 s: there is no child to wait for, so it must return false at once (a waitpid "
              "that fails with ECHILD is not a reason to wait again; only EINTR is)");
    sandbox_assert_returned(&r, "process_is_alive(), process_exitcode(), process_join() or "
                                "process_terminate() on an object never started");
    cr_assert(seen->started_ok,
              "this check needs a Process that works first: a started process whose target "
              "returns 7 must join with exitcode 7 (see start_runs_target_in_child and "
              "exitcode_reports_exit_status)");
    cr_assert(seen->other_state == 'Z',
              "process_is_alive(), process_exitcode() or process_join(p, 0) on an object never "
              "started reaped another child of the caller (it was a zombie, then %s): p->pid is "
              "0 before start, and waitpid(0, ...) takes any child of the caller's group. "
              "Before start there is no child: answer without calling waitpid()",
              seen->other_state == '-' ? _("gone") : _("not a zombie"));
    cr_assert(
        !seen->unstarted_alive && seen->unstarted_code == EXITCODE_NONE && !seen->unstarted_join,
        "on an object never started, is_alive() gave %d, exitcode %s, join(p, 0) %s and "
        "join(p, JOIN_FOREVER) %s: expected false, EXITCODE_NONE, false and false",
        seen->unstarted_alive, code_text(seen->unstarted_code),
        seen->unstarted_join & 1 ? "true" : "false", seen->unstarted_join & 2 ? "true" : "false");
    cr_assert(seen->unstarted_term == -1 && seen->unstarted_kill == -1,
              "process_terminate() and process_kill() on an object never started returned %d "
              "and %d, not -1: there is no child to signal",
              seen->unstarted_term, seen->unstarted_kill);
}

/* ---- the child's stdio --------------------------------------------------- */

static int print_target(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&seen->printer_calls, 1, __ATOMIC_SEQ_CST);
    printf("target says hello"); /* no newline: it sits in stdout's buffer */
    return 0;
}

static void start_printer(void *shared)
{
    (void)shared;
    struct process p;
    process_init(&p, print_target, NULL, NULL);
    printf("[parent was here]"); /* pending in the parent's buffer at start() */
    if (process_start(&p) == 0)
        process_join(&p, 2000);
    fflush(stdout);
}

Test(process, target_output_not_lost)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(start_printer, seen, 4000);
    sandbox_assert_returned(&r, "process_start() and process_join()");
    cr_assert(seen->printer_calls == 1, "the target never ran (steps 2 and 4 first)");
    cr_assert(strstr(r.output, "target says hello"),
              "the target ran and printed \"target says hello\" with printf(), but that text "
              "never came out: it was still in the child's stdout buffer when the child left. "
              "_exit() does not flush stdio; flush stdout and stderr first (fflush), or leave "
              "with exit(), as Python's Process flushes them when run() returns");
    const char *first = strstr(r.output, "[parent was here]");
    cr_assert(!first || !strstr(first + 1, "[parent was here]"),
              "the caller printed \"[parent was here]\" once with printf() (no newline, so "
              "still in its stdout buffer) and then called process_start(), and the text came "
              "out twice: fork() copied the pending buffer into the child, and the child "
              "flushed its copy too. Flush stdout and stderr in the parent before fork(), as "
              "Python's Process does when it starts");
}
