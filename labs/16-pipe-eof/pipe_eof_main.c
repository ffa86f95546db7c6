/*
 * pipe_eof_main.c - the `pipe_eof` program. (Given: do not edit.)
 *
 *     ./pipe_eof [N] [SIZE]   a worker process sends N messages of SIZE
 *                             bytes (default 5 and 100) and closes its end;
 *                             the parent receives until EOF
 *
 * The classic example: the parent does not know how many messages will come,
 * it reads until the connection says "no more": EOF, which comes only when
 * every copy of the worker's end is closed.
 */
#include "conn.h"
#include "proclabs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int count, size;

static char pattern(int msg, size_t i)
{
    return (char)('a' + (msg * 7 + i) % 26);
}

static void worker(struct conn *end)
{
    char *buf = malloc((size_t)size + 1);
    for (int m = 0; m < count; m++) {
        for (size_t i = 0; i < (size_t)size; i++)
            buf[i] = pattern(m, i);
        if (conn_send(end, buf, (size_t)size) < 0) die("worker: conn_send(message %d)", m);
    }
    log_line("worker: sent %d messages of %d bytes, closing my end", count, size);
    free(buf);
}

/* The sockets this process holds besides its own end, named in text. */
static int other_sockets(int mine, char *text, size_t room)
{
    int n = 0;
    text[0] = '\0';
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(path, target, sizeof target - 1);
        if (k <= 0 || atoi(e->d_name) == mine) continue;
        target[k] = '\0';
        if (strncmp(target, "socket:", 7)) continue;
        size_t used = strlen(text);
        snprintf(text + used, room - used, "%sfd %d", n ? ", " : "", atoi(e->d_name));
        n++;
    }
    if (d) closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    count = argc > 1 ? atoi(argv[1]) : 5;
    size = argc > 2 ? atoi(argv[2]) : 100;
    if (count < 0 || count > 1000 || size < 0 || size > (int)CONN_MAX_MESSAGE)
        fatal("usage: %s [N] [SIZE]   (N messages, 0 to 1000, of SIZE bytes)", argv[0]);

    struct conn end;
    pid_t pid = start_worker(worker, &end);
    if (pid < 0) die("start_worker");
    log_line("parent: started worker %d", (int)pid);

    int got = 0;
    for (;;) {
        if (got == count) {
            /* All messages are in; only EOF is still to come. Say so if it
             * cannot come: a socket kept here may be the worker's end. */
            char text[256];
            int others = other_sockets(end.fd, text, sizeof text);
            if (others > 0)
                log_line("parent: warning: besides my end (fd %d) I still hold %d other "
                         "socket(s): %s; if one is the worker's end, recv never sees EOF",
                         end.fd, others, text);
        }
        void *buf;
        size_t len;
        int r = conn_recv(&end, &buf, &len);
        if (r == 0) break;
        if (r < 0) die("parent: conn_recv after %d messages", got);
        int intact = len == (size_t)size;
        for (size_t i = 0; intact && i < len; i++)
            intact = ((char *)buf)[i] == pattern(got, i);
        log_line("parent: message %d: %zu bytes, %s", got, len, intact ? "intact" : "DAMAGED");
        free(buf);
        got++;
    }
    log_line("parent: EOF after %d messages", got);
    conn_close(&end);
    int status;
    Waitpid(pid, &status, 0);
    log_line("parent: worker exited with %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return got == count ? 0 : 1;
}
