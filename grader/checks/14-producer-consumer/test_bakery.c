/* Lab 14 checks: bakers, eaters and one STOP per eater. */
#include "bakery.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

TestSuite(bakery, .timeout = CHECK_SUITE_TIMEOUT);

struct seen {
    int ret;  /* what the student function returned */
    int done; /* it returned */
    int items[16];
    int nitems;
};

static struct seen *seen;

/* ---- step 1: baker ----------------------------------------------------------- */

static void baker_body(void *shared)
{
    struct seen *s = shared;
    ledger_reset(3, 5, 0);
    struct tray *t = tray_create(16);
    baker(t, 2, 5);
    s->done = 1;
    int n = ledger->puts < 16 ? ledger->puts : 16;
    for (int i = 0; i < n; i++)
        s->items[s->nitems++] = tray_get(t);
}

Test(bakery, baker_puts_each_loaf)
{
    ledger_reset(0, 0, 0); /* made here, so that the test sees what the body did */
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(baker_body, seen, 2000);
    sandbox_assert_returned(&r, "baker(t, 2, 5)");
    cr_assert(ledger->stops_put == 0,
              "baker() put a STOP on the tray: a baker only puts loaves. The STOPs are the main "
              "process's job, once every baker is done (a baker cannot know whether the others "
              "are)");
    cr_assert(ledger->baked == 5 && seen->nitems == 5,
              "baker(t, 2, 5) baked %d loaves and put %d items on the tray, instead of 5 and 5: "
              "for k = 0 .. n-1, tray_put(t, bake(id, k))",
              ledger->baked, seen->nitems);
    for (int k = 0; k < 5; k++)
        cr_assert(seen->items[k] == 3000 + k,
                  "item %d on the tray is %d, not loaf %d: put what bake(id, k) returned, in "
                  "order",
                  k + 1, seen->items[k], 3000 + k);
}

/* ---- step 2: eater ------------------------------------------------------------ */

static void eater_body(void *shared)
{
    struct seen *s = shared;
    ledger_reset(1, 3, 1);
    struct tray *t = tray_create(8);
    tray_put(t, 1000);
    tray_put(t, 1001);
    tray_put(t, STOP);
    tray_put(t, 1002); /* behind the STOP: not this eater's */
    s->ret = eater(t, 0);
    s->done = 1;
}

Test(bakery, eater_stops_at_sentinel)
{
    ledger_reset(0, 0, 0); /* made here, so that the test sees what the body did */
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(eater_body, seen, 1500);
    cr_assert(ledger->bad_loaves == 0,
              "eater() called eat() with %d thing(s) that are no loaf: it ate the STOP. Compare "
              "the item with STOP first, and eat only what comes before it",
              ledger->bad_loaves);
    cr_assert(!(r.timed_out && ledger->gets > 3),
              "eater() did not stop at the STOP: it took %d items (the tray held 1000, 1001, "
              "STOP, 1002) and then waited for more until it was killed. Leave the loop when "
              "tray_get() returns STOP",
              ledger->gets);
    sandbox_assert_returned(&r, "eater() on a tray of 1000, 1001, STOP, 1002");
    cr_assert(ledger->gets == 3,
              "eater() took %d items from a tray of 1000, 1001, STOP, 1002: it must take the "
              "loaves and the STOP (3) and leave the rest for the others",
              ledger->gets);
    cr_assert(ledger->eaten == 2 && ledger->times_eaten[0] == 1 && ledger->times_eaten[1] == 1,
              "eater() ate %d loaves, not 1000 and 1001: call eat(id, loaf) for each loaf "
              "before the STOP",
              ledger->eaten);
    cr_assert(seen->ret == 2, "eater() returned %d after eating 2 loaves: return the count",
              seen->ret);
}

/* ---- step 3: the whole bakery --------------------------------------------------- */

struct run {
    int nb, per, ne;
};
static struct run run_args;

static void bakery_body(void *shared)
{
    struct seen *s = shared;
    ledger_reset(run_args.nb, run_args.per, run_args.ne);
    s->ret = run_bakery(run_args.nb, run_args.per, run_args.ne);
    s->done = 1;
}

static struct sandbox run_bakery_contained(int nb, int per, int ne)
{
    ledger_reset(0, 0, 0); /* made here, so that the test sees what the body did */
    seen = shared_alloc(sizeof *seen);
    run_args = (struct run){nb, per, ne};
    return sandbox_run(bakery_body, seen, 2000);
}

/* run_bakery did something at all (the starter does not). A run that put
 * STOPs did run: the checks after this one say what it got wrong. */
#define assert_baked(r, what)                                                                      \
    cr_assert((r)->timed_out || ledger->baked > 0 || ledger->stops_put > 0,                        \
              "%s returned with no loaf baked and no STOP put: no baker called bake() (step 3 "    \
              "not written yet?)",                                                                 \
              (what))

/* Why a run that returned left loaves uneaten, from the ledger. */
static const char *why_uneaten(int total)
{
    static char text[400];
    struct ledger *l = ledger;
    if (l->baked_at_first_stop >= 0 && l->baked_at_first_stop < total)
        snprintf(text, sizeof text,
                 _(": the first STOP was put when only %d of %d loaves were baked, so the eaters "
                   "left before the rest came. Wait (waitpid) for every baker, then put the "
                   "STOPs (see stops_only_after_bakers_finish)"),
                 l->baked_at_first_stop, total);
    else if (l->baked < total)
        snprintf(text, sizeof text, _(": only %d of %d loaves were baked"), l->baked, total);
    else
        snprintf(text, sizeof text,
                 _(": all %d were baked, %d STOPs put and %d taken: every loaf must reach an "
                   "eater before the eaters leave"),
                 total, l->stops_put, l->stops_got);
    return text;
}

/* Why a run of run_bakery hung, from the ledger. */
static const char *why_hung(int total, int ne)
{
    static char text[400];
    struct ledger *l = ledger;
    if (l->baked_at_first_stop >= 0 && l->baked_at_first_stop < total)
        snprintf(text, sizeof text,
                 _("a STOP was put when only %d of %d loaves were baked, so the eaters left early "
                   "and the bakers wait at a full tray: put the STOPs after every baker is done"),
                 l->baked_at_first_stop, total);
    else if (l->gets == 0 && l->putters_waiting > 0)
        snprintf(text, sizeof text,
                 _("the bakers wait at a full tray and no eater ever took a loaf: start the eaters "
                   "before you wait for the bakers"));
    else if (l->stops_put == 0 && l->eaten == total)
        snprintf(text, sizeof text,
                 _("every loaf was eaten but no STOP was put, and %d eaters wait for one: the main "
                   "process waits for the eaters before it sends the STOPs"),
                 l->getters_waiting);
    else if (l->stops_put < ne)
        snprintf(text, sizeof text,
                 _("%d STOP(s) were put for %d eaters and %d eaters still wait in tray_get(): put "
                   "one STOP per eater"),
                 l->stops_put, ne, l->getters_waiting);
    else
        snprintf(text, sizeof text,
                 _("%d of %d loaves baked, %d eaten, %d STOPs put, %d taken; %d processes wait in "
                   "tray_put() and %d in tray_get()"),
                 l->baked, total, l->eaten, l->stops_put, l->stops_got, l->putters_waiting,
                 l->getters_waiting);
    return text;
}

#define assert_not_hung(r, what, total, ne)                                                        \
    cr_assert(!(r)->timed_out, "%s hung and was killed after 2000 ms: %s", (what),                 \
              why_hung((total), (ne)))

/* The bakers stuck at a full tray that nobody empties. */
static bool bakers_stuck(const struct sandbox *r)
{
    return r->timed_out && ledger->gets == 0 && ledger->putters_waiting > 0;
}

Test(bakery, every_eater_gets_a_stop)
{
    struct sandbox r = run_bakery_contained(2, 10, 3);
    int total = 20;
    assert_baked(&r, "run_bakery(2, 10, 3)");
    cr_assert(!bakers_stuck(&r),
              "run_bakery(2, 10, 3) never got as far as the STOPs: the bakers were stuck at a "
              "full tray that no eater emptied (see eaters_drain_while_bakers_bake)");
    cr_assert(!(r.timed_out && ledger->stops_put == 0 && ledger->eaten == total),
              "run_bakery(2, 10, 3) hung: all %d loaves were eaten, %d eaters waited in "
              "tray_get() for a STOP, and no STOP was ever put. The main process waited for the "
              "eaters before it sent them the STOPs, while they waited for a STOP: put the STOPs "
              "first, then wait for the eaters",
              total, ledger->getters_waiting);
    cr_assert(ledger->stops_put != 2,
              "run_bakery(2, 10, 3) put 2 STOPs for 3 eaters: one per baker, so %d eater(s) "
              "waited in tray_get() for a STOP that never came. Each eater takes one STOP and "
              "leaves: put one STOP per eater (neaters of them)",
              3 - ledger->stops_got);
    cr_assert(ledger->stops_put >= 3,
              "run_bakery(2, 10, 3) put %d STOP(s) for 3 eaters, so %d eater(s) waited forever "
              "in tray_get() for a STOP that never came (%s). Each eater takes one STOP and "
              "leaves: put one STOP per eater",
              ledger->stops_put, 3 - ledger->stops_got,
              r.timed_out ? _("run_bakery was killed after 2000 ms")
                          : _("they were never waited for"));
    cr_assert(ledger->stops_put == 3,
              "run_bakery(2, 10, 3) put %d STOPs for 3 eaters: one per eater, no more",
              ledger->stops_put);
    cr_assert(ledger->stops_got == 3, "the 3 eaters took %d STOPs, not 3", ledger->stops_got);
    assert_not_hung(&r, "run_bakery(2, 10, 3)", total, 3);
    sandbox_assert_returned(&r, "run_bakery(2, 10, 3)");
}

Test(bakery, stops_only_after_bakers_finish)
{
    struct sandbox r = run_bakery_contained(2, 20, 2);
    int total = 40;
    assert_baked(&r, "run_bakery(2, 20, 2)");
    cr_assert(ledger->unjoined_at_first_stop == 0 || ledger->joined_at_first_stop == 0,
              "when the main process put the first STOP it had waited for %d of its 2 bakers, "
              "but %d baker(s) had not been waited for yet (still baking, or a zombie nobody "
              "reaped). The contract: wait for every baker, then put the STOPs. Loop waitpid "
              "over all nbakers pids before the first tray_put(t, STOP)",
              ledger->joined_at_first_stop, ledger->unjoined_at_first_stop);
    cr_assert(ledger->baked_at_first_stop < 0 || ledger->baked_at_first_stop >= total,
              "the first STOP was put when only %d of %d loaves were baked: the eaters took it "
              "and left while the bakers were still baking, so %d loaves were never eaten "
              "(lost)%s. Wait (waitpid) for every baker before putting the STOPs",
              ledger->baked_at_first_stop, total, total - ledger->eaten,
              r.timed_out ? _(", and the bakers then waited forever at a full tray") : "");
    cr_assert(ledger->loaves_after_stop == 0,
              "%d loaves were put on the tray after a STOP: no eater takes them. Put the STOPs "
              "only when every baker is done",
              ledger->loaves_after_stop);
    assert_not_hung(&r, "run_bakery(2, 20, 2)", total, 2);
    sandbox_assert_returned(&r, "run_bakery(2, 20, 2)");
    cr_assert(ledger->eaten == total, "run_bakery(2, 20, 2) ate %d of %d loaves%s", ledger->eaten,
              total, why_uneaten(total));
}

Test(bakery, eaters_drain_while_bakers_bake)
{
    struct sandbox r = run_bakery_contained(2, 10, 2);
    assert_baked(&r, "run_bakery(2, 10, 2)");
    cr_assert(!bakers_stuck(&r),
              "run_bakery(2, 10, 2) hung: the bakers were stuck in tray_put() on a full tray "
              "(%d loaves put, room for %d) and no eater had taken a single loaf. The main "
              "process waited for the bakers before any eater was there to empty the tray: a "
              "producer cannot finish until its items are taken. Start the eaters before you "
              "wait for the bakers",
              ledger->puts, TRAY_CAPACITY);
    assert_not_hung(&r, "run_bakery(2, 10, 2)", 20, 2);
    sandbox_assert_returned(&r, "run_bakery(2, 10, 2)");
    cr_assert(ledger->eaten == 20, "run_bakery(2, 10, 2) ate %d of 20 loaves%s", ledger->eaten,
              why_uneaten(20));
}

static void edges_body(void *shared)
{
    struct seen *s = shared;
    ledger_reset(MAX_BAKERS, 1, 1);
    s->items[0] = run_bakery(MAX_BAKERS, 1, 1);
    s->items[1] = ledger->eaten;
    ledger_reset(1, 1, MAX_EATERS);
    s->items[2] = run_bakery(1, 1, MAX_EATERS);
    s->items[3] = ledger->eaten;
    s->done = 1;
}

Test(bakery, every_loaf_eaten_once_everyone_exits)
{
    struct sandbox r = run_bakery_contained(3, 8, 2);
    int total = 24;
    assert_baked(&r, "run_bakery(3, 8, 2)");
    assert_not_hung(&r, "run_bakery(3, 8, 2)", total, 2);
    sandbox_assert_returned(&r, "run_bakery(3, 8, 2)");
    cr_assert(r.stray_returns == 0,
              "%d child processes came back from run_bakery(): a baker or eater child must "
              "exit(0) after its work, not return into the parent's code",
              r.stray_returns);
    cr_assert(r.unreaped == 0,
              "%d children were not waited for when run_bakery() returned: waitpid every "
              "baker and every eater, or they stay zombies (or still run)",
              r.unreaped);
    int once = 0, twice = 0;
    for (int b = 0; b < 3; b++)
        for (int k = 0; k < 8; k++) {
            once += ledger->times_eaten[b * MAX_PER_BAKER + k] == 1;
            twice += ledger->times_eaten[b * MAX_PER_BAKER + k] > 1;
        }
    cr_assert(once == total && ledger->bad_loaves == 0,
              "run_bakery(3, 8, 2): %d of %d loaves were eaten exactly once, %d more than once, "
              "%d things eaten were no loaf",
              once, total, twice, ledger->bad_loaves);
    int hungry = (ledger->eaten_by[0] == 0) + (ledger->eaten_by[1] == 0);
    cr_assert(seen->ret == 5 || seen->ret != 3 + hungry,
              "run_bakery(3, 8, 2) returned %d with all 5 children waited for: it counted the 3 "
              "bakers and the %d eater(s) that ate nothing as exiting with 0, but not the %d "
              "that ate loaves (%d and %d loaves). Those eaters exit with a code other than 0, "
              "most likely their count (exit(eater(...))). The contract: every child exits with "
              "0 (in Python a target's return value is not its exit code); run_bakery counts "
              "the zero exits",
              seen->ret, hungry, 2 - hungry, ledger->eaten_by[0], ledger->eaten_by[1]);
    cr_assert(seen->ret == 5,
              "run_bakery(3, 8, 2) returned %d: it must return how many of its 5 "
              "children exited with 0",
              seen->ret);
    ledger_reset(0, 0, 0);
    seen = shared_alloc(sizeof *seen);
    r = sandbox_run(edges_body, seen, 4000);
    sandbox_assert_returned(&r, "run_bakery(MAX_BAKERS, 1, 1) and run_bakery(1, 1, MAX_EATERS)");
    cr_assert(seen->items[0] == MAX_BAKERS + 1 && seen->items[1] == MAX_BAKERS,
              "run_bakery(%d, 1, 1) (MAX_BAKERS bakers, one eater) returned %d and %d loaves "
              "were eaten, not %d and %d: MAX_BAKERS bakers and a single eater are allowed",
              MAX_BAKERS, seen->items[0], seen->items[1], MAX_BAKERS + 1, MAX_BAKERS);
    cr_assert(seen->items[2] == MAX_EATERS + 1 && seen->items[3] == 1,
              "run_bakery(1, 1, %d) (one baker, MAX_EATERS eaters) returned %d and %d loaves "
              "were eaten, not %d and 1: MAX_EATERS eaters are allowed",
              MAX_EATERS, seen->items[2], seen->items[3], MAX_EATERS + 1);
}
