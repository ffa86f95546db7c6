/* Lab 01, hidden check: run only in the instructor's copy (the handout
 * leaves files named hidden_* out, and their checks out of the manifest). */
#include "check.h"
#include "family.h"

#include <unistd.h>

TestSuite(family_hidden, .timeout = CHECK_SUITE_TIMEOUT);

enum { MANY = 8 }; /* a child that forks on makes 2^8 processes: still bounded */

struct many {
    int reaped;
    pid_t pids[MANY];
    int codes[MANY];
};

static int code_of(int i)
{
    return 100 + i;
}

static void call_run_many(void *shared)
{
    struct many *m = shared;
    m->reaped = run_children(MANY, code_of, m->pids, m->codes);
}

Test(family_hidden, run_children_many_children)
{
    struct many *m = shared_alloc(sizeof *m);
    struct sandbox r = sandbox_run(call_run_many, m, 5000);
    sandbox_assert_returned(&r, "run_children(8)");
    cr_assert(m->reaped == MANY && r.unreaped == 0,
              "run_children(8) reaped %d of its 8 children and left %d unreaped: it must start "
              "and wait for every child, however many there are",
              m->reaped, r.unreaped);
    for (int i = 0; i < MANY; i++)
        cr_assert(m->codes[i] == code_of(i), "codes[%d] is %d, want %d", i, m->codes[i],
                  code_of(i));
}
