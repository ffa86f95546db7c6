/*
 * echo_server_main.c - the `echo_server` program. (Given: do not edit.)
 *
 *     ./echo_server [PORT] [MAX]   serve forever on 127.0.0.1:PORT (0: any),
 *                                  at most MAX clients at once (default 4)
 *
 * Try it from another terminal: `nc 127.0.0.1 PORT`, type lines, Ctrl-D.
 */
#include "echo.h"
#include "proclabs.h"

#include <signal.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    int max = argc > 2 ? atoi(argv[2]) : 4;
    signal(SIGPIPE, SIG_IGN); /* a client that leaves mid-echo is an error, not a death */
    int lfd = echo_listen(port);
    if (lfd < 0)
        die("echo_listen(%d)", port);
    log_line("listening on 127.0.0.1:%d, at most %d clients at once", echo_port(lfd), max);
    int served = echo_serve(lfd, max, 0);
    log_line("echo_serve returned %d", served);
    return served < 0;
}
