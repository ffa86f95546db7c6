/*
 * isolation_main.c - the `isolation` program. (Given: do not edit.)
 *
 *     ./isolation [VALUE]    a child sets counter and a shared int to VALUE
 *                            (default 42); then 8 children square 0..7
 */
#include "isolation.h"
#include "proclabs.h"

#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int value = argc > 1 ? atoi(argv[1]) : 42;

    /* The views must be shared: the child fills in its half of them. */
    struct views *v = shared_alloc(sizeof *v);
    log_line("parent: counter at %p is %d before fork", (void *)&counter, counter);
    compare_copies(value, v);
    log_line("child %d: counter at %p = %d, shared at %p = %d", (int)v->child_global.pid,
             (void *)v->child_global.addr, v->child_global.value, (void *)v->child_shared.addr,
             v->child_shared.value);
    log_line("parent %d: counter at %p = %d, shared at %p = %d", (int)v->parent_global.pid,
             (void *)v->parent_global.addr, v->parent_global.value, (void *)v->parent_shared.addr,
             v->parent_shared.value);

    enum { N = 8 };
    int in[N], out[N];
    for (int i = 0; i < N; i++) {
        in[i] = i;
        out[i] = -1; /* so "never written" shows */
    }
    int reaped = square_all(in, N, out);
    log_line("squares: %d %d %d %d %d %d %d %d", out[0], out[1], out[2], out[3], out[4], out[5],
             out[6], out[7]);
    log_line("parent: reaped %d of %d children", reaped, N);
    return reaped == N ? 0 : 1;
}
