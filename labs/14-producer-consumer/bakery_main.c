/*
 * bakery_main.c - the `bakery` program. (Given: do not edit.)
 *
 *     ./bakery [BAKERS LOAVES EATERS]   default 2 bakers of 10 loaves, 3 eaters
 */
#include "bakery.h"
#include "proclabs.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
    int nb = argc > 3 ? atoi(argv[1]) : 2;
    int per = argc > 3 ? atoi(argv[2]) : 10;
    int ne = argc > 3 ? atoi(argv[3]) : 3;
    if (nb < 1 || nb > MAX_BAKERS || per < 0 || per > MAX_PER_BAKER || ne < 1 || ne > MAX_EATERS)
        fatal("usage: %s [BAKERS LOAVES EATERS]  (1-%d bakers of 0-%d loaves, 1-%d eaters)",
              argv[0], MAX_BAKERS, MAX_PER_BAKER, MAX_EATERS);

    bakery_verbose = 1;
    ledger_reset(nb, per, ne);
    int ok = run_bakery(nb, per, ne);

    int total = nb * per, once = 0;
    for (int b = 0; b < nb; b++)
        for (int k = 0; k < per; k++)
            once += ledger->times_eaten[b * MAX_PER_BAKER + k] == 1;
    log_line("%d STOPs put, %d taken; %d children of %d exited with 0", ledger->stops_put,
             ledger->stops_got, ok, nb + ne);
    log_line("eaten %d of %d loaves exactly once", once, total);
    return once == total && ok == nb + ne && ledger->eaten == total ? 0 : 1;
}
