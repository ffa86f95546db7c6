/*
 * check.h - helpers for the kit's Criterion checks.
 *
 * Student code never runs in the Criterion worker itself: a forked child
 * that returns into Criterion hangs the run, a failing cr_assert in a child
 * is lost, and an exit(0) in student code would pass the test. So every
 * check runs student code through sandbox_run():
 *
 *     struct seen { int pid_in_child; };           // what the body observed
 *     static void body(void *shared) {               // runs in a fresh child
 *         struct seen *s = shared;
 *         s->pid_in_child = student_function();
 *     }
 *     Test(lab, name) {
 *         struct seen *s = shared_alloc(sizeof *s);
 *         struct sandbox r = sandbox_run(body, s, 2000);
 *         sandbox_assert_returned(&r, "student_function()");
 *         cr_assert(s->pid_in_child > 0, "... message naming the mistake ...");
 *     }
 *
 * The body runs in its own process group, with its output captured and its
 * time bounded; whatever it forked is killed afterwards. Assert only in the
 * test function, never in the body.
 */
#ifndef CHECK_H
#define CHECK_H

#include "proclabs.h"

#include <criterion/criterion.h>
#include <libintl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/* Every check suite gets this backstop; sandbox_run bounds each body. */
#define CHECK_SUITE_TIMEOUT 30

typedef void (*sandbox_body)(void *shared);

struct sandbox {
    pid_t pid;         /* the child that ran the body */
    int status;        /* its wait status */
    bool timed_out;    /* killed at the deadline */
    bool returned;     /* the body came back to the sandbox (no exit(), no crash) */
    int stray_returns; /* other processes that came back from the body: children
                          that returned instead of calling _exit() */
    int unreaped;      /* children of the body's process left unwaited when it returned */
    int leftovers;     /* processes of the run still alive after the body's process ended */
    double elapsed_ms; /* wall time of the body */
    char *output;      /* stdout+stderr of the body and its children (NUL-terminated) */
    size_t output_len;
    bool output_truncated;
    double timeout_ms;
    char stuck[200]; /* at the deadline: spinning (CPU used) or asleep in which calls */
};

/* Run body(shared) in a contained child, at most timeout_ms (scaled by
 * nothing: pass the real bound). shared should come from shared_alloc() so
 * the body's observations reach the test. */
struct sandbox sandbox_run(sandbox_body body, void *shared, double timeout_ms);

/* One line saying how the run ended: "returned normally", "timed out after
 * 2000 ms (possible deadlock: ...)", "crashed with Segmentation fault",
 * "called exit(3) instead of returning". */
const char *sandbox_describe(const struct sandbox *r);

/* The last lines of the captured output, for messages. */
const char *sandbox_tail(const struct sandbox *r);

/* Processes whose parent is pid (zombies included); for "every child reaped". */
int count_children_of(pid_t pid);

/* The children of pid, alive and zombies apart, and one of their pids. */
struct children {
    int alive, zombies;
    pid_t last;
};
struct children children_of(pid_t pid);

/* A watch on a student call that may hang, for a diagnosis better than
 * "timed out": if watch_done() has not been called within ms, a thread runs
 * diagnose(arg) while the call is still stuck (who waits for whom, which
 * descriptors are held), then ends the body with SIGKILL; the sandbox kills
 * what is left. Use it in the body, around the student call:
 *
 *     struct watch w;
 *     watch_start(&w, 1500, diagnose, s);   // diagnose(s) records into s
 *     student_call();
 *     watch_done(&w);
 *
 * A child forked inside the call has no watcher thread: it must not call
 * watch_done(). */
struct watch {
    int done;
    double deadline;
    void (*diagnose)(void *arg);
    void *arg;
    pthread_t thread;
    bool running; /* the thread was created */
};
void watch_start(struct watch *w, double ms, void (*diagnose)(void *arg), void *arg);
void watch_done(struct watch *w);

/* Every message is a gettext msgid (po/, domain "proclabs"), translated
 * here, where its values are formatted: the student's language reaches the
 * box as LANGUAGE, the catalogue as PROCLABS_LOCALEDIR. Criterion's own
 * cr_assert wants a literal format, so the translated and formatted text
 * goes to it as "%s". Mark messages formatted elsewhere with _(). */
#define _(s) gettext(s)
#define N_(s) (s)
__attribute__((format(printf, 1, 2))) char *check_message(const char *fmt, ...);
#undef cr_assert
#define cr_assert(Condition, Format, ...)                                                          \
    do {                                                                                           \
        bool check_ok_ = !!(Condition);                                                            \
        cr_assert_(check_ok_, "%s",                                                                \
                   check_ok_ ? "" : check_message(gettext(Format), ##__VA_ARGS__));                \
    } while (0)

/* Assert that the body returned normally; what names the student function. */
#define sandbox_assert_returned(r, what)                                                           \
    cr_assert((r)->returned, "%s did not return normally: it %s.\n%s", (what),                     \
              sandbox_describe(r), sandbox_tail(r))

#endif
