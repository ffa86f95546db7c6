/*
 * capture_main.c - the `capture` program. (Given: do not edit.)
 *
 *     ./capture CMD [ARG...]    run CMD, capture its stdout, then print it
 *                               and a summary line
 *
 * Try: ./capture echo hello   ./capture seq 1 100000   ./capture no-such-cmd
 */
#include "capture.h"
#include "proclabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) fatal("usage: %s CMD [ARG...]", argv[0]);

    struct capture cap;
    if (run_capture(argv + 1, &cap) < 0)
        fatal("run_capture(%s) failed: the command was not started", argv[1]);

    size_t lines = 0;
    for (size_t i = 0; i < cap.len; i++)
        lines += cap.out[i] == '\n';
    if (cap.len > 0 && write_all(STDOUT_FILENO, cap.out, cap.len) < 0) die("write");
    printf("capture: %s wrote %zu bytes in %zu lines; exit status %d\n", argv[1], cap.len, lines,
           cap.status);
    free(cap.out);
    return 0;
}
