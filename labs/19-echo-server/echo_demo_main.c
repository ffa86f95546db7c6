/*
 * echo_demo_main.c - the `echo_demo` program. (Given: do not edit.)
 *
 *     ./echo_demo [N]   a server capped at 4 and N clients (default 6) at once
 *
 * The server runs in a child process (echo_serve(lfd, 4, N)); each client is
 * a process that sends one line, closes its sending side and reads the echo
 * up to EOF. With N > 4 the last clients wait for a free slot.
 */
#include "echo.h"
#include "proclabs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EOF_WAIT_MS = 5000 };

static int client(int port, int i)
{
    int fd = echo_dial(port);
    if (fd < 0)
        die("client %d: connect", i);
    char msg[64], got[128] = "";
    int len = snprintf(msg, sizeof msg, "hello from client %d", i), have = 0;
    double start = now_ms();
    if (write_all(fd, msg, len) < 0)
        die("client %d: write", i);
    shutdown(fd, SHUT_WR); /* "I am done sending": the server sees EOF */
    for (;;) {
        int left = (int)(start + EOF_WAIT_MS - now_ms());
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) == 0) {
            log_line("client %d: no EOF within %d ms after '%.*s' (does the server "
                     "close every copy of the connection?)",
                     i, EOF_WAIT_MS, have, got);
            return 1;
        }
        ssize_t n = read(fd, got + have, sizeof got - 1 - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += n;
    }
    got[have] = '\0';
    log_line("client %d: got '%s' after %.0f ms", i, got, now_ms() - start);
    return strcmp(got, msg) != 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 6;
    if (n < 1 || n > 32)
        fatal("usage: %s [N]   (N clients, 1 to 32)", argv[0]);
    signal(SIGPIPE, SIG_IGN);
    int lfd = echo_listen(0);
    if (lfd < 0)
        die("echo_listen(0)");
    int port = echo_port(lfd);
    log_line("server: listening on 127.0.0.1:%d, at most 4 clients at once", port);

    pid_t server = Fork();
    if (server == 0) {
        int served = echo_serve(lfd, 4, n);
        log_line("server: served %d clients", served);
        _exit(served == n ? 0 : 1);
    }
    close(lfd);

    pid_t pids[32];
    for (int i = 0; i < n; i++) {
        pids[i] = Fork();
        if (pids[i] == 0)
            _exit(client(port, i));
    }
    int bad = 0, status;
    for (int i = 0; i < n; i++) {
        Waitpid(pids[i], &status, 0);
        bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    Waitpid(server, &status, 0);
    bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    log_line("done: %d clients, %s", n, bad ? "SOME FAILED" : "all echoed");
    return bad != 0;
}
