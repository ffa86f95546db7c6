/* bakery.c - lab 14, reference solution. */
#include "bakery.h"
#include "proclabs.h"

#include <stdlib.h>
#include <sys/wait.h>

void baker(struct tray *t, int id, int n)
{
    for (int k = 0; k < n; k++)
        tray_put(t, bake(id, k));
    tray_put(t, STOP); /* MUTANT: the baker sends a STOP when it is done */
}

int eater(struct tray *t, int id)
{
    int eaten = 0;
    for (int loaf; (loaf = tray_get(t)) != STOP; eaten++)
        eat(id, loaf);
    return eaten;
}

/* Wait for each of n children; count those that exited with 0. */
static int join_all(pid_t pids[], int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int status;
        if (Waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            ok++;
    }
    return ok;
}

int run_bakery(int nbakers, int per_baker, int neaters)
{
    if (nbakers < 0 || nbakers > MAX_BAKERS || neaters < 1 || neaters > MAX_EATERS)
        return 0;
    struct tray *t = tray_create(TRAY_CAPACITY);
    pid_t eaters[MAX_EATERS], bakers[MAX_BAKERS];

    /* Eaters first: they must be taking loaves while the bakers bake, or the
     * bakers stop at a full tray. */
    for (int e = 0; e < neaters; e++)
        if ((eaters[e] = Fork()) == 0) {
            eater(t, e);
            exit(0);
        }
    for (int b = 0; b < nbakers; b++)
        if ((bakers[b] = Fork()) == 0) {
            baker(t, b, per_baker);
            exit(0);
        }

    int ok = join_all(bakers, nbakers);
    /* Every loaf is on the tray now, so each STOP comes after all of them;
     * one per eater, because each eater takes exactly one and leaves. */
    for (int e = 0; e < neaters; e++)
        tray_put(t, STOP);
    ok += join_all(eaters, neaters);
    tray_destroy(t);
    return ok;
}
