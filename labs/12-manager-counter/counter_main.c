/*
 * counter_main.c - the `counter` program. (Given: do not edit.)
 *
 *     ./counter [N]     a manager holds count = N (default 100); N processes
 *                       take 1 each, all at the same moment; count must end at 0
 */
#include "manager.h"
#include "proclabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One request on a fresh connection; the reply, or "(no reply)". */
static const char *call(const struct manager *m, const char *request)
{
    static char reply[MSG_MAX + 1];
    int fd = manager_connect(m);
    if (fd < 0 || manager_call(fd, request, reply, sizeof reply) < 0)
        snprintf(reply, sizeof reply, "(no reply)");
    if (fd >= 0) close(fd);
    return reply;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (n < 1 || n > 500) fatal("usage: %s [N]   (1 to 500 processes)", argv[0]);

    struct manager m;
    if (manager_start(&m) < 0) fatal("manager_start failed");
    log_line("manager %d listening on %s", (int)m.pid, m.path);

    char request[64];
    snprintf(request, sizeof request, "SET count %d", n);
    log_line("parent: %s -> %s", request, call(&m, request));

    /* The gate: every worker blocks on the pipe until the parent closes its
     * write end, so all N take their 1 at the same moment. */
    int gate[2];
    Pipe(gate);
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    for (int i = 0; i < n; i++) {
        pids[i] = Fork();
        if (pids[i] == 0) {
            char c;
            close(gate[1]);
            (void)!read(gate[0], &c, 1); /* EOF: the gate opens */
            take_one(&m);
            _exit(0);
        }
    }
    close(gate[0]);
    close(gate[1]);
    for (int i = 0; i < n; i++)
        Waitpid(pids[i], NULL, 0);
    free(pids);

    const char *reply = call(&m, "GET count");
    log_line("parent: count = %s", reply[0] == 'O' && reply[1] == 'K' ? reply + 3 : reply);
    bool zero = !strcmp(reply, "OK 0");
    if (manager_shutdown(&m) < 0)
        log_line("parent: manager_shutdown failed");
    else
        log_line("parent: manager stopped, %s removed", m.path);
    return zero ? 0 : 1;
}
