/* Lab 10 checks: the semaphores, a guest, and the hotel under load. */
#include "check.h"
#include "hotel.h"
#include "rooms.h"

#include <fcntl.h>
#include <signal.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(rooms, .timeout = CHECK_SUITE_TIMEOUT);

static int value_of(sem_t *s)
{
    int v = -1;
    sem_getvalue(s, &v);
    return v;
}

/* ---- the semaphores ---------------------------------------------------- */

struct sem_seen {
    int made, start, after_child, child_ran;
    char name[64];
    int exists_after_new, exists_after_free;
    int mapped_after_free; /* /proc/self/maps still maps the semaphore's file */
    int taken_made;        /* semaphore_named_new() on a name already taken gave a semaphore */
    int taken_value;       /* the value of the semaphore that held the name, afterwards */
    int taken_name_gone;   /* ... and its name was removed by semaphore_named_new() */
    int maps_left;         /* shared mappings semaphore_new() made that semaphore_free() left */
    int waiter_asleep;     /* a child was seen asleep in sem_timedwait() on it */
    int waiter_woken;      /* ... and the parent's sem_post() woke it */
};

/* How many MAP_SHARED anonymous mappings (shared_alloc) this process has. */
static int shared_mappings(void)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "/dev/zero") != NULL;
    fclose(f);
    return n;
}

/* How many named semaphores (/dev/shm/sem.*) this process maps. sem_open
 * maps the file under a temporary name that it then links to the real one,
 * so count them all. */
static int semaphores_mapped(void)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "/dev/shm/sem.") != NULL;
    fclose(f);
    return n;
}

/* A child takes two permits; the parent looks at the value afterwards. */
static void take_two_in_child(struct sem_seen *s, sem_t *sem)
{
    s->made = 1;
    s->start = value_of(sem);
    pid_t pid = Fork();
    if (pid == 0) {
        s->child_ran = 1;
        sem_trywait(sem);
        sem_trywait(sem);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    s->after_child = value_of(sem);
}

/* A child asleep on the semaphore, then a sem_post() from the parent: the
 * wake-up must cross processes. A semaphore in shared memory but made with
 * pshared 0 shares its value, yet its wake-ups stay inside one process. */
static void wake_across(struct sem_seen *s, sem_t *sem)
{
    while (sem_trywait(sem) == 0)
        continue;
    pid_t pid = Fork();
    if (pid == 0) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += 2;
        _exit(sem_timedwait(sem, &t) == 0 ? 0 : 1);
    }
    double end = now_ms() + 2000;
    int in_a_row = 0;
    while (now_ms() < end && in_a_row < 2) {
        in_a_row = process_state(pid, NULL) == 'S' ? in_a_row + 1 : 0;
        sleep_ms(2);
    }
    s->waiter_asleep = in_a_row >= 2;
    sem_post(sem);
    int status = 0;
    waitpid(pid, &status, 0); /* bounded by the child's own 2 s wait */
    s->waiter_woken = WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void unnamed(void *shared)
{
    struct sem_seen *s = shared;
    int maps = shared_mappings();
    sem_t *sem = semaphore_new(3);
    if (!sem)
        return;
    take_two_in_child(s, sem);
    wake_across(s, sem);
    semaphore_free(sem);
    s->maps_left = shared_mappings() - maps;
}

Test(rooms, semaphore_shared_across_fork)
{
    struct sem_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(unnamed, s, 6000);
    sandbox_assert_returned(&r, "semaphore_new()/semaphore_free()");
    cr_assert(s->made, "semaphore_new(3) returned NULL: allocate a sem_t with shared_alloc() "
                       "and sem_init(s, 1, 3)");
    cr_assert(s->start == 3,
              "semaphore_new(3) made a semaphore of value %d: start it at the "
              "value asked for",
              s->start);
    cr_assert(s->child_ran, "the test's child did not run");
    cr_assert(s->after_child == 1,
              "a child took 2 of the 3 permits, but the parent still saw %d: %s", s->after_child,
              s->after_child == 3
                  ? _("the child waited on its own copy. The sem_t lives in private memory "
                      "(malloc, a global or the stack), which fork() copies; allocate it with "
                      "shared_alloc() and sem_init it with pshared 1")
                  : _("the parent and the child must share one semaphore"));
    cr_assert(!s->waiter_asleep || s->waiter_woken,
              "a child asleep in sem_timedwait() on the semaphore was not woken by the parent's "
              "sem_post() and gave up after 2 s, although the two share its value: the "
              "semaphore was made with pshared 0 (sem_init(s, 0, value)), whose wake-ups stay "
              "inside one process. Use sem_init(s, 1, value)");
    cr_assert(s->maps_left <= 0,
              "after semaphore_free() the process still had the memory semaphore_new() "
              "mapped (%d more MAP_SHARED mapping%s in /proc/self/maps than before): "
              "semaphore_free() must give it back with shared_free(s, sizeof *s)",
              s->maps_left, s->maps_left == 1 ? "" : "s");
}

static void named(void *shared)
{
    struct sem_seen *s = shared;
    char path[96];
    snprintf(path, sizeof path, "/dev/shm/sem.%s", s->name + 1);
    int mapped_before = semaphores_mapped();
    sem_t *sem = semaphore_named_new(s->name, 3);
    if (!sem)
        return;
    s->exists_after_new = access(path, F_OK) == 0;
    take_two_in_child(s, sem);
    semaphore_named_free(sem);
    s->exists_after_free = access(path, F_OK) == 0;
    s->mapped_after_free = semaphores_mapped() > mapped_before;
    /* The name taken by someone else (value 2): semaphore_named_new must fail. */
    sem_t *other = sem_open(s->name, O_CREAT | O_EXCL, 0600, 2);
    if (other == SEM_FAILED)
        return;
    sem_t *again = semaphore_named_new(s->name, 3);
    s->taken_made = again != NULL;
    s->taken_name_gone = access(path, F_OK) != 0;
    if (again && again != other)
        sem_close(again);
    s->taken_value = value_of(other);
    sem_close(other);
    sem_unlink(s->name);
}

Test(rooms, named_semaphore_leaves_nothing)
{
    struct sem_seen *s = shared_alloc(sizeof *s);
    snprintf(s->name, sizeof s->name, "/proclabs-check10-%d-%ld", (int)getpid(), (long)now_ms());
    sem_unlink(s->name);
    struct sandbox r = sandbox_run(named, s, 2000);
    sem_unlink(s->name); /* whatever the code did, leave nothing behind */
    sandbox_assert_returned(&r, "semaphore_named_new()/semaphore_named_free()");
    cr_assert(s->made,
              "semaphore_named_new(\"%s\", 3) returned NULL: sem_open(name, O_CREAT | "
              "O_EXCL, 0600, value) and return NULL only on SEM_FAILED",
              s->name);
    cr_assert(s->start == 3, "semaphore_named_new(name, 3) made a semaphore of value %d", s->start);
    cr_assert(s->after_child == 1,
              "a child took 2 of the 3 permits of the named semaphore, but the parent still saw "
              "%d",
              s->after_child);
    cr_assert(!s->exists_after_free,
              "/dev/shm/sem.%s was still there after semaphore_named_free(): the name was never "
              "unlinked, so it stays in /dev/shm after the program ends (until a reboot). Call "
              "sem_unlink(name) right after sem_open",
              s->name + 1);
    cr_assert(!s->exists_after_new,
              "/dev/shm/sem.%s was still there after semaphore_named_new() returned: unlink the "
              "name right after sem_open (the open semaphore keeps working), as Python does, so "
              "that a crash leaves nothing behind",
              s->name + 1);
    cr_assert(!s->mapped_after_free,
              "after semaphore_named_free() the process still mapped the semaphore's file from "
              "/dev/shm (seen in /proc/self/maps): the semaphore was never closed, so its "
              "memory stays until the process ends. semaphore_named_free() must sem_close() "
              "it");
    cr_assert(!s->taken_made,
              "semaphore_named_new(\"%s\", 3) returned a semaphore although another semaphore "
              "(value 2) already had that name%s: it must fail and return NULL when the name is "
              "taken, as the header says. sem_open(name, O_CREAT | O_EXCL, 0600, value): "
              "O_EXCL makes it fail with EEXIST instead of opening the other one",
              s->name, s->taken_value != 2 ? _(", and that semaphore's value changed") : "");
    cr_assert(!s->taken_name_gone,
              "semaphore_named_new(\"%s\", 3) failed, as it must, because another semaphore "
              "had that name, but it removed that other semaphore's name from /dev/shm: it "
              "called sem_unlink() although its own sem_open() had failed. Unlink only a "
              "semaphore you created: check for SEM_FAILED first",
              s->name);
}

/* ---- one guest --------------------------------------------------------- */

struct guest_seen {
    sem_t *sem;
    int left_result, left_value, served_result, served_value;
    struct hotel_log after_left, after_served;
};

static void two_guests(void *shared)
{
    struct guest_seen *s = shared;
    hotel_open(1); /* everyone is picky */
    s->left_result = guest(s->sem, 0);
    s->left_value = value_of(s->sem);
    s->after_left = *hotel_log();
    if (s->left_value == 0)
        sem_post(s->sem); /* so that the next guest cannot hang */
    hotel_open(0);        /* nobody is picky */
    s->served_result = guest(s->sem, 1);
    s->served_value = value_of(s->sem);
    s->after_served = *hotel_log();
}

Test(rooms, guest_gives_room_back)
{
    struct guest_seen *s = shared_alloc(sizeof *s);
    s->sem = shared_alloc(sizeof *s->sem);
    sem_init(s->sem, 1, 1); /* the check's own semaphore: one room */
    s->left_result = s->served_result = -99;
    struct sandbox r = sandbox_run(two_guests, s, 3000);
    sandbox_assert_returned(&r, "guest()");
    cr_assert(s->after_left.check_ins == 1,
              "guest() called room_check_in() %d times: once per guest, after sem_wait",
              s->after_left.check_ins);
    cr_assert(s->left_result == GUEST_LEFT,
              "a guest that did not like its room (room_check_in() said false) made guest() "
              "return %d, not GUEST_LEFT (%d)",
              s->left_result, GUEST_LEFT);
    cr_assert(s->left_value <= 1,
              "after a guest that left early, the one-room semaphore was %d, not 1: guest() gave "
              "back more rooms than it took (a sem_post without its sem_wait, or two posts)",
              s->left_value);
    cr_assert(s->left_value == 1,
              "a guest that left early kept its room: the semaphore was %d afterwards, not 1. "
              "Call sem_post on the early-return path too, or the rooms run out and guests wait "
              "for ever",
              s->left_value);
    cr_assert(s->after_served.served == 1 && s->after_served.inside == 0,
              "a guest that liked its room was served %d times and %d guests were still inside: "
              "room_stay, then room_check_out",
              s->after_served.served, s->after_served.inside);
    cr_assert(s->served_result == GUEST_SERVED,
              "a served guest made guest() return %d, not GUEST_SERVED (%d)", s->served_result,
              GUEST_SERVED);
    cr_assert(s->served_value == 1,
              "after a served guest left, the one-room semaphore was %d, not 1: %s",
              s->served_value,
              s->served_value > 1 ? _("it gave back more rooms than it took (a sem_post without "
                                      "its sem_wait, or two posts)")
                                  : _("sem_post when leaving"));
}

/* A full hotel: the check holds every room (the semaphore at 0) while three
 * guests arrive. Each must wait in sem_wait, outside, until a room is free. */
struct full_seen {
    sem_t *sem;
    int asleep;            /* every guest was seen asleep while the hotel was full */
    int ended_while_full;  /* guests served while no room was free */
    int gave_up;           /* guests that ended when a signal interrupted their wait */
    int inside_while_full; /* guests counted inside while no room was free */
    int served_after;      /* served once rooms were free */
    int done;              /* guests reaped in time */
};

static char state_of(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

enum { FULL_GUESTS = 3 };

static void on_usr1(int sig)
{
    (void)sig;
}

static void full_hotel(void *shared)
{
    struct full_seen *s = shared;
    hotel_open(0);
    /* A handler without SA_RESTART: a signal ends a sem_wait with EINTR. */
    struct sigaction sa = {.sa_handler = on_usr1};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    pid_t pids[FULL_GUESTS];
    for (int i = 0; i < FULL_GUESTS; i++) {
        pids[i] = Fork();
        if (pids[i] == 0)
            _exit(guest(s->sem, i));
    }
    /* Until every guest is asleep (waiting) or has ended, two looks in a row. */
    double end = now_ms() + 3000;
    int in_a_row = 0;
    while (in_a_row < 2 && now_ms() < end) {
        int settled = 0;
        for (int i = 0; i < FULL_GUESTS; i++) {
            char st = state_of(pids[i]);
            settled += st == 'S' || st == 'Z' || st == 0;
        }
        in_a_row = settled == FULL_GUESTS ? in_a_row + 1 : 0;
        sleep_ms(2);
    }
    s->asleep = in_a_row >= 2;
    for (int i = 0; i < FULL_GUESTS; i++) /* interrupt every wait once */
        kill(pids[i], SIGUSR1);
    /* A guest that did not wait stays one room_stay() and leaves: give it six. */
    sleep_ms(6 * scaled_ms(HOTEL_STAY_MS));
    s->ended_while_full = hotel_log()->served;
    s->inside_while_full = hotel_log()->check_ins;
    for (int i = 0; i < FULL_GUESTS; i++) {
        char st = state_of(pids[i]);
        s->gave_up += st == 'Z' || st == 0;
    }
    for (int i = 0; i < 4; i++) /* four rooms free up */
        sem_post(s->sem);
    end = now_ms() + 3000;
    for (int i = 0; i < FULL_GUESTS; i++) {
        while (waitpid(pids[i], NULL, WNOHANG) == 0 && now_ms() < end)
            sleep_ms(2);
        if (now_ms() < end)
            s->done++;
    }
    s->served_after = hotel_log()->served;
}

Test(rooms, guest_waits_for_a_room)
{
    struct full_seen *s = shared_alloc(sizeof *s);
    s->sem = shared_alloc(sizeof *s->sem);
    sem_init(s->sem, 1, 0); /* the check's own semaphore: every room taken */
    struct sandbox r = sandbox_run(full_hotel, s, 10000);
    sandbox_assert_returned(&r, "guest() in a full hotel");
    cr_assert(s->ended_while_full == 0,
              "%d of %d guests were served while every room was taken (the semaphore at 0, so "
              "no sem_wait could return): guest() does not wait for a room. Call "
              "sem_wait(rooms) first and check in only when it returns",
              s->ended_while_full, FULL_GUESTS);
    cr_assert(s->inside_while_full == 0,
              "while every room was taken (the semaphore at 0), %d of %d arriving guests had "
              "already called room_check_in() and were counted inside, waiting there: guest() "
              "checks in before it has a room. sem_wait(rooms) first, then room_check_in()",
              s->inside_while_full, FULL_GUESTS);
    cr_assert(s->gave_up == 0,
              "while every room was taken, a signal interrupted each waiting guest's sem_wait "
              "once, and %d of %d guests then ended without a room: sem_wait() fails with "
              "EINTR when a signal handler runs, and the guest must wait again: "
              "while (sem_wait(rooms) < 0) if (errno != EINTR) ...",
              s->gave_up, FULL_GUESTS);
    cr_assert(s->done == FULL_GUESTS && s->served_after == FULL_GUESTS,
              "once 4 rooms were free, %d of %d waiting guests finished and %d were served: "
              "a guest waiting in sem_wait must go in as soon as a room is given back",
              s->done, FULL_GUESTS, s->served_after);
}

/* ---- the hotel ----------------------------------------------------------- */

struct hotel_seen {
    int rooms, guests;
    int done;
    int copied; /* semaphore_new()'s semaphore was not shared with a child */
};

static void hotel(void *shared)
{
    struct hotel_seen *s = shared;
    s->done = run_hotel(s->rooms, s->guests, NULL);
    sem_t *probe = semaphore_new(1); /* evidence for the message: shared or copied? */
    if (!probe)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        sem_trywait(probe);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    s->copied = value_of(probe) == 1;
    semaphore_free(probe);
}

static struct sandbox run(struct hotel_seen **out, int rooms, int guests, int picky,
                          double bound_ms)
{
    hotel_open(picky); /* before the fork: the register is shared with the test */
    struct hotel_seen *s = shared_alloc(sizeof *s);
    s->rooms = rooms;
    s->guests = guests;
    *out = s;
    return sandbox_run(hotel, s, bound_ms);
}

/* A run that did not end: most likely rooms were lost. */
static void assert_no_deadlock(const struct sandbox *r, int rooms, int guests)
{
    const struct hotel_log *h = hotel_log();
    int missing = guests - h->served - h->left;
    cr_assert(!r->timed_out,
              "run_hotel(%d rooms, %d guests) did not finish within %.0f ms: a likely deadlock. "
              "At the end %d guests were in a room, %d had been served, %d had left early and %d "
              "never got a room%s",
              rooms, guests, r->timeout_ms, h->inside, h->served, h->left, missing,
              h->inside == 0 && missing > 0 && h->left > 0
                  ? _(": all rooms were empty, yet guests starved, so rooms were lost. Each guest "
                      "that left early kept its room: call sem_post on the early-return path too")
                  : "");
    sandbox_assert_returned(r, "run_hotel()");
    cr_assert(h->check_ins > 0,
              "run_hotel(%d rooms, %d guests) returned, but no guest ever checked in: fork "
              "every guest, and have each one run guest(rooms, i) (steps 3 and 4)",
              rooms, guests);
}

Test(rooms, at_most_four_inside)
{
    struct hotel_seen *s;
    struct sandbox r = run(&s, 4, 12, 0, 4000);
    assert_no_deadlock(&r, 4, 12);
    const struct hotel_log *h = hotel_log();
    cr_assert(h->max_inside <= 4, "%d guests were in a room at once, but there are 4 rooms: %s",
              h->max_inside,
              s->copied ? _("a permit a child took from semaphore_new()'s semaphore never "
                            "reached its parent, so each guest waited on its own copy of the "
                            "semaphore. It lives in private memory (malloc, a global or the "
                            "stack), which fork() copies; allocate it with shared_alloc()")
                        : _("the semaphore is shared, so either it starts above the number of "
                            "rooms (sem_init(s, 1, n_rooms)), or guests check in before "
                            "sem_wait (see guest_waits_for_a_room). Run "
                            "labs/10-semaphore-rooms/bin/hotel 4 12 to see it"));
    cr_assert(h->check_ins == 12, "12 guests checked in %d times: every guest once", h->check_ins);
}

Test(rooms, four_guests_inside_at_once)
{
    struct hotel_seen *s;
    struct sandbox r = run(&s, 4, 8, 0, 4000);
    assert_no_deadlock(&r, 4, 8);
    const struct hotel_log *h = hotel_log();
    cr_assert(h->max_inside >= 4,
              "with 4 rooms and 8 guests, at most %d guest%s in a room at once, never 4: the "
              "semaphore must start at the number of rooms (sem_init(s, 1, n_rooms)), and every "
              "guest must be started before any is waited for",
              h->max_inside, h->max_inside == 1 ? " was" : "s were");
}

Test(rooms, every_guest_served)
{
    struct hotel_seen *s;
    struct sandbox r = run(&s, 4, 10, 2, 3000); /* guests 1, 3, 5, 7, 9 leave early */
    assert_no_deadlock(&r, 4, 10);
    const struct hotel_log *h = hotel_log();
    cr_assert(h->served == 5 && h->left == 5,
              "10 guests, 5 of them picky: %d were served and %d left early, not 5 and 5",
              h->served, h->left);
    cr_assert(r.stray_returns == 0,
              "%d guest%s returned from run_hotel() instead of exiting: end each guest with "
              "exit(guest(rooms, i))",
              r.stray_returns, r.stray_returns == 1 ? "" : "s");
    cr_assert(r.unreaped == 0, "%d guest%s not waited for: waitpid() every guest", r.unreaped,
              r.unreaped == 1 ? " was" : "s were");
    cr_assert(s->done == 10,
              "run_hotel() returned %d, but all 10 guests ended: count the exit codes "
              "GUEST_SERVED and GUEST_LEFT",
              s->done);
}
