/* Lab 02 checks: compare_copies, square_all. */
#include "check.h"
#include "isolation.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

TestSuite(isolation, .timeout = CHECK_SUITE_TIMEOUT);

extern char etext, end; /* the program's data and bss lie between them (end(3)) */

/* Where an address lives, in the process that looks (for messages). */
static const char *where_is(const void *addr)
{
    const char *p = addr;
    if (p >= &etext && p < &end)
        return _("is a global variable (static storage): fork() gives the child its own copy of "
               "every global, so the parent never sees the child's change. Make the shared int "
               "with shared_alloc() before fork()");
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return _("is not shared memory");
    char line[512];
    const char *what = _("is not mapped any more (freed before it was read?)");
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &lo, &hi, perms, path) < 3)
            continue;
        if ((unsigned long)p < lo || (unsigned long)p >= hi)
            continue;
        if (perms[3] == 's')
            what = _("is shared memory");
        else if (strstr(path, "[heap]"))
            what = _("is on the private heap (malloc): fork() copies the heap like the rest of the "
                   "address space, so the child changed its own copy. Use shared_alloc() (mmap "
                   "with MAP_SHARED) instead of malloc()");
        else if (strstr(path, "[stack"))
            what = _("is a local variable on the stack: the child changed its own copy of the "
                   "stack. Use shared_alloc()");
        else
            what = _("is private memory (MAP_PRIVATE): the child changed its own copy. Use "
                   "shared_alloc(), which maps with MAP_SHARED");
        break;
    }
    fclose(f);
    return what;
}

/* How many MAP_SHARED mappings this process has (/proc/self/maps). */
static int shared_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char perms[8];
        if (sscanf(line, "%*x-%*x %7s", perms) == 1 && perms[3] == 's')
            n++;
    }
    fclose(f);
    return n;
}

struct seen {
    pid_t caller;
    int maps_before, maps_after_compare, maps_after_square; /* shared_mappings() */
    int before;           /* counter before the call */
    struct views v;       /* what compare_copies() recorded (shared: the child writes too) */
    char where[400];      /* where_is(the parent's shared int) */
    int ret;              /* square_all()'s return value */
    bool squares_right;   /* square_all({1,2,3}) gave {1,4,9} */
    int out[MAX_SQUARES]; /* square_all()'s out[] */
    struct square_log log;
    /* compare_copies() under a hold: its child is held back in fork() until
     * the parent is blocked waiting for it (or has returned). */
    bool hold;
    int compare_returned;             /* the body came back from compare_copies() */
    int unreaped_after;               /* children of the caller when it came back */
    int forks;                        /* fork() calls the hold saw */
    bool released_by_wait;            /* the child went on because its parent waited */
    int nshared;                      /* MAP_SHARED mappings of the parent at fork() */
    unsigned long shared_lo[16], shared_hi[16];
    bool addr_mapped_after;           /* the parent's shared int still mapped after the call */
    int maps_before_square;           /* shared_mappings() before square_all() */
    int maps_at_first_fork;           /* shared_mappings() at its first fork() (-1: none) */
};

static struct seen *held; /* the struct the fork handlers use */

/* Before fork(): which memory of the parent is MAP_SHARED. */
static void hold_prepare(void)
{
    if (!held || !held->hold)
        return;
    held->forks++;
    held->nshared = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f) && held->nshared < 16) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[3] == 's') {
            held->shared_lo[held->nshared] = lo;
            held->shared_hi[held->nshared++] = hi;
        }
    }
    if (f)
        fclose(f);
}

/* In the child, before fork() returns there: wait until the parent is
 * blocked waiting for a child, or came back from compare_copies(), at most
 * 1.5 s. A parent that reads its views before it waits (or sleeps in place
 * of waiting) reads them before the child has changed anything, on every
 * run. */
static void hold_child(void)
{
    if (!held || !held->hold || held->forks != 1)
        return;
    double until = now_ms() + 1500;
    while (now_ms() < until && !__atomic_load_n(&held->compare_returned, __ATOMIC_SEQ_CST)) {
        if (waits_for_child(getppid()) != 0) {
            held->released_by_wait = true;
            return;
        }
        sleep_ms(1);
    }
}

/* At square_all()'s first fork(): how many MAP_SHARED mappings there are. */
static void square_prepare(void)
{
    if (held && held->maps_at_first_fork < 0)
        held->maps_at_first_fork = shared_mappings();
}

/* Whether addr lies in any mapping of this process. */
static bool is_mapped(const void *addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
            found = (unsigned long)addr >= lo && (unsigned long)addr < hi;
    }
    if (f)
        fclose(f);
    return found;
}

static bool was_shared_at_fork(const struct seen *s, const void *addr)
{
    for (int i = 0; i < s->nshared; i++)
        if ((unsigned long)addr >= s->shared_lo[i] && (unsigned long)addr < s->shared_hi[i])
            return true;
    return false;
}

static void call_compare_copies(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    s->before = counter;
    held = s;
    s->hold = true;
    pthread_atfork(hold_prepare, NULL, hold_child);
    compare_copies(42, &s->v);
    if (getpid() != s->caller)
        return; /* a child came back out of compare_copies(): the sandbox counts it */
    __atomic_store_n(&s->compare_returned, 1, __ATOMIC_SEQ_CST);
    s->unreaped_after = count_children_of(getpid());
    s->addr_mapped_after = is_mapped(s->v.parent_shared.addr);
    snprintf(s->where, sizeof s->where, "%s", where_is(s->v.parent_shared.addr));
}

Test(isolation, child_changes_its_own_copy)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_compare_copies, s, 3000);
    cr_assert(r.stray_returns == 0,
              "a child came back out of compare_copies(): after recording its views the child "
              "must exit(0), or it goes on running the parent's code");
    sandbox_assert_returned(&r, "compare_copies(42, v)");
    struct view c = s->v.child_global, p = s->v.parent_global;
    char own[32];
    snprintf(own, sizeof own, "[%d]: ", (int)c.pid);
    cr_assert(c.pid <= 0 || !strstr(r.output, own),
              "the child of compare_copies(42, v) (pid %d) went on past its branch and failed "
              "in the parent's code; it printed:\n%s\nAfter recording its views the child must "
              "exit(0); the wait and the parent's views belong to the parent only",
              (int)c.pid, r.output);
    cr_assert(c.pid != 0 && c.pid != s->caller,
              "v->child_global.pid is %d, the caller is %d: fork() a child and let the child "
              "(where fork() returned 0) record its view with getpid()",
              (int)c.pid, (int)s->caller);
    cr_assert(p.pid == s->caller,
              "v->parent_global.pid is %d, not the caller %d: the parent "
              "records its own view after waiting",
              (int)p.pid, (int)s->caller);
    cr_assert(s->unreaped_after == 0,
              "compare_copies() returned while its child was not waited for (still running or "
              "a zombie): the parent must waitpid() for the child before it records its views");
    cr_assert(c.addr == &counter && p.addr == &counter,
              "the views of counter give the addresses %p (child) and %p (parent), but counter "
              "is at %p: record &counter",
              (void *)c.addr, (void *)p.addr, (void *)&counter);
    cr_assert(c.value == 42,
              "the child saw counter = %d after compare_copies(42): set counter = "
              "value in the child, then record it",
              c.value);
    cr_assert(p.value == s->before,
              "the parent saw counter = %d after the child, but it was %d before: only the child "
              "may change counter (it changes its own copy; the parent's stays %d)",
              p.value, s->before, s->before);
}

Test(isolation, parent_sees_shared_memory)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_compare_copies, s, 3000);
    sandbox_assert_returned(&r, "compare_copies(42, v)");
    struct view c = s->v.child_shared, p = s->v.parent_shared;
    cr_assert(c.pid != 0 && c.addr != NULL && c.value == 42,
              "the child's view of the shared int is pid %d, %p = %d: in the child, set *shared = "
              "value and record v->child_shared",
              (int)c.pid, (void *)c.addr, c.value);
    cr_assert(p.addr != NULL, "v->parent_shared.addr is NULL: record the shared int's address");
    cr_assert(c.addr == p.addr,
              "the child's shared int is at %p but the parent's at %p: make it once, before "
              "fork(), so that both processes use the same page",
              (void *)c.addr, (void *)p.addr);
    cr_assert(p.value == 42 || !was_shared_at_fork(s, p.addr),
              "the parent recorded %d from the shared int at %p (shared memory, made before "
              "fork(): right), but its child changed it to 42 only later: the parent read it "
              "before the child was done%s. The check holds the child back until its parent "
              "waits for it, so reading first, or sleeping in place of waiting, always reads "
              "too early. Waitpid(pid, NULL, 0) first, then record the parent's views",
              p.value, (void *)p.addr,
              s->unreaped_after > 0 ? _(", and compare_copies() returned without waiting for "
                                        "its child at all")
                                    : "");
    cr_assert(p.value == 42 || s->addr_mapped_after || s->nshared == 0 ||
                  was_shared_at_fork(s, p.addr),
              "after the child set the 'shared' int at %p to 42, the parent still saw %d there. "
              "That address was not mapped yet when fork() was called: the shared int was made "
              "after fork(), so the parent and the child each made a page of their own. Make "
              "it with shared_alloc() before fork(), so that both use the same page",
              (void *)p.addr, p.value);
    cr_assert(p.value == 42,
              "after the child set the 'shared' int at %p to 42, the parent still saw %d there. "
              "That address %s.",
              (void *)p.addr, p.value, s->where);
}

static void call_square_all(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    square_log = &s->log;
    held = s;
    s->maps_at_first_fork = -1;
    s->maps_before_square = shared_mappings();
    pthread_atfork(square_prepare, NULL, NULL);
    /* out[5] is a guard past the 5 elements square_all() may write. */
    int in[5] = {3, 1, 4, 1, 5}, out[6] = {-1, -1, -1, -1, -1, -777};
    int ret = square_all(in, 5, out);
    if (getpid() != s->caller)
        return; /* a child came back out of square_all(): the sandbox counts it */
    s->ret = ret;
    memcpy(s->out, out, sizeof out);
}

static void call_both_for_mappings(void *shared)
{
    struct seen *s = shared;
    s->caller = getpid();
    s->maps_before = shared_mappings();
    compare_copies(42, &s->v);
    s->maps_after_compare = shared_mappings();
    int in[3] = {1, 2, 3}, out[3] = {0, 0, 0};
    square_all(in, 3, out);
    s->maps_after_square = shared_mappings();
    s->squares_right = out[0] == 1 && out[1] == 4 && out[2] == 9;
}

Test(isolation, shared_memory_freed)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_both_for_mappings, s, 5000);
    sandbox_assert_returned(&r, "compare_copies() and square_all()");
    cr_assert(s->maps_before >= 0, "the check could not read /proc/self/maps");
    /* Freeing is provable only for code that used shared memory at all. */
    cr_assert(s->v.parent_shared.value == 42 && s->squares_right,
              "this check looks at shared memory freed after use, so it needs compare_copies() "
              "(the parent sees the shared int as 42, saw %d) and square_all() ({1,2,3} -> "
              "{1,4,9}: %s) to work first: see parent_sees_shared_memory and "
              "square_all_results_reach_parent",
              s->v.parent_shared.value, s->squares_right ? _("right") : _("wrong"));
    cr_assert(s->maps_after_compare <= s->maps_before,
              "compare_copies() returned with %d more shared mapping%s than before the call "
              "(/proc/self/maps, lines with 's' in the permissions): the shared int was never "
              "unmapped. Call shared_free(shared, sizeof *shared) once the parent has recorded "
              "its views",
              s->maps_after_compare - s->maps_before,
              s->maps_after_compare - s->maps_before == 1 ? "" : "s");
    cr_assert(s->maps_after_square <= s->maps_after_compare,
              "square_all() returned with %d more shared mapping%s than before the call "
              "(/proc/self/maps, lines with 's' in the permissions): the shared array was never "
              "unmapped. Call shared_free(slots, n * sizeof *slots) after copying the results "
              "into out[]",
              s->maps_after_square - s->maps_after_compare,
              s->maps_after_square - s->maps_after_compare == 1 ? "" : "s");
}

Test(isolation, square_all_results_reach_parent)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_square_all, s, 5000);
    sandbox_assert_returned(&r, "square_all({3,1,4,1,5}, 5, out)");
    const int want[5] = {9, 1, 16, 1, 25};
    int untouched = 0, zeros = 0, right = 0;
    for (int i = 0; i < 5; i++) {
        untouched += s->out[i] == -1;
        zeros += s->out[i] == 0;
        right += s->out[i] == want[i];
    }
    cr_assert(right == 5 || untouched < 5 || s->log.calls == 0,
              "out[] still holds the -1s the caller put there, although the children squared "
              "the numbers: each child wrote into its own private copy of out[]. Let the "
              "children write into an array from shared_alloc(), and copy it into out[] in the "
              "parent after waiting");
    cr_assert(right == 5 || s->maps_at_first_fork < 0 ||
                  s->maps_at_first_fork > s->maps_before_square,
              "out[] is {%d, %d, %d, %d, %d}, and square_all() had made no shared memory when "
              "it first called fork() (/proc/self/maps): the children wrote their squares into "
              "their own copies of a private array (a local array or malloc()), which the "
              "parent never sees. Make the array with shared_alloc() before forking",
              s->out[0], s->out[1], s->out[2], s->out[3], s->out[4]);
    cr_assert(right == 5 || zeros < 5,
              "out[] is all 0: the parent read the shared array before the children were done "
              "(they had not written their squares yet; %d were never waited for). Wait for "
              "every child first, then copy the slots into out[]",
              r.unreaped);
    cr_assert(s->out[5] == -777,
              "square_all({3,1,4,1,5}, 5, out) wrote out[5] (it became %d): that is past the "
              "5 elements of out[]. A loop over out[] stops at i < n",
              s->out[5]);
    cr_assert(right == 5,
              "square_all({3,1,4,1,5}) gave out = {%d, %d, %d, %d, %d}, not {9, 1, 16, 1, 25}: "
              "child i stores slow_square(in[i]) in shared slot i; the parent copies slot i "
              "into out[i] after waiting for all",
              s->out[0], s->out[1], s->out[2], s->out[3], s->out[4]);
}

Test(isolation, square_all_waits_for_children)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_square_all, s, 5000);
    sandbox_assert_returned(&r, "square_all({3,1,4,1,5}, 5, out)");
    for (int k = 0; k < s->log.calls && k < MAX_SQUARES; k++)
        cr_assert(s->log.pid[k] != s->caller,
                  "slow_square() ran in the parent (pid %d): fork a child for each number and "
                  "let the child compute it",
                  (int)s->caller);
    cr_assert(s->log.calls <= 5 && r.stray_returns == 0,
              "slow_square() ran %d times for 5 numbers, always in a child: more children ran "
              "than square_all() should make. A child that does not exit after storing its "
              "square goes on running the parent's loop and forks children of its own; end "
              "the child's branch with exit(0)",
              s->log.calls);
    cr_assert(s->log.late_starts == 0,
              "square_all({3,1,4,1,5}) ran its children one after another: %d of them began "
              "slow_square() only after another child had finished. Waiting inside the fork "
              "loop does that; fork every child first, then wait for them in a second loop",
              s->log.late_starts);
    cr_assert(r.unreaped == 0,
              "square_all() returned while %d of its children %s not waited for (still "
              "running or zombies): waitpid() every child you forked, and only then read the "
              "shared array and return",
              r.unreaped, r.unreaped == 1 ? "was" : "were");
    cr_assert(s->log.calls > 0, "slow_square() was never called: child i must compute "
                                "slow_square(in[i])");
    cr_assert(s->log.calls == 5, "slow_square() ran %d times for 5 numbers: one child per number",
              s->log.calls);
    cr_assert(s->ret == 5,
              "square_all() returned %d after reaping its 5 children: return how many "
              "children you reaped",
              s->ret);
}
