/*
 * scratch.c - a worker's temp file, written record by record. (Given: do not
 * edit.) See scratch.h.
 */
#include "scratch.h"
#include "proclabs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { RECORD_MS = 20000, SLICE_MS = 2, HOLD_MS = 3000 };

struct scratch_probe *scratch_probe;

int scratch_open(struct scratch *s, const char *path)
{
    memset(s, 0, sizeof *s);
    if (scratch_probe)
        scratch_probe->tries++;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s->fd < 0) return -1;
    if (scratch_probe) {
        scratch_probe->opened++;
        /* Given scaffolding for the checks: the file exists now; stay here
         * until the check has sent its signal (a bounded wait). */
        double end = now_ms() + HOLD_MS;
        while (scratch_probe->hold == 1 && now_ms() < end)
            sleep_ms(1);
    }
    return 0;
}

void scratch_write(struct scratch *s, int n, const volatile sig_atomic_t *stop)
{
    s->busy = 1;
    if (scratch_probe) scratch_probe->writing = 1;
    char line[64];
    int len = snprintf(line, sizeof line, "record %d\n", n);
    (void)!write_all(s->fd, line, (size_t)len);
    /* The slow part, in short slices so that a stop request ends it soon. */
    double end = now_ms() + scaled_ms(RECORD_MS);
    while (!(stop && *stop) && now_ms() < end)
        sleep_ms(SLICE_MS);
    s->records++;
    if (scratch_probe) {
        scratch_probe->records++;
        scratch_probe->writing = 0;
    }
    s->busy = 0;
}

static void say(const char *text)
{
    (void)!write(STDERR_FILENO, text, strlen(text)); /* write(2) is safe anywhere */
}

void scratch_remove(struct scratch *s)
{
    if (s->busy) {
        /* Real library code would now free or close what the interrupted
         * call is still using; this one stops the program instead. */
        say("scratch_remove(): called while scratch_write() was still running in this "
            "process, from a signal handler: that is unsafe work in a handler. Only set a "
            "flag in the handler and clean up in the main loop.\n");
        if (scratch_probe) scratch_probe->unsafe = 1;
        abort();
    }
    /* The cleanup takes a while, as real ones do (a last flush, a message
     * to a peer): a grace period that ends too early is seen every time. */
    sleep_ms(scaled_ms(300));
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    if (unlink(s->path) == 0 && scratch_probe) scratch_probe->removed++;
}
