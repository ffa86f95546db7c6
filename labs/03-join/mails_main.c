/*
 * mails_main.c - the `mails` program. (Given: do not edit.)
 *
 *     ./mails [N]     send N mails (default 10), one child each, then say done
 *
 * The classic: every mail is sent by its own process, all at once; the
 * parent says "done" only after every one of them was joined.
 */
#include "join.h"
#include "proclabs.h"

#include <stdlib.h>

static int mails;

static int send_mail(int i)
{
    log_line("mail %d: sending", i);
    /* A mail takes a while, the first one longest (scaled by
     * PROCLABS_TIME_SCALE): so the last child started is not the last to
     * finish, and joining only the last one shows. */
    sleep_ms(scaled_ms(1100 + 100 * (mails - 1 - i)));
    log_line("mail %d: sent", i);
    return 0;
}

int main(int argc, char **argv)
{
    mails = argc > 1 ? atoi(argv[1]) : 10;
    if (mails < 1 || mails > 20)
        fatal("usage: %s [N]   (N mails, 1 to 20)", argv[0]);

    int codes[MAX_CHILDREN];
    double start = now_ms();
    int joined = run_all(mails, send_mail, codes);
    log_line("joined %d of %d mail senders in %.0f ms", joined, mails, now_ms() - start);
    for (int i = 0; i < mails && i < joined; i++)
        if (codes[i] != 0)
            log_line("mail %d: exitcode %d", i, codes[i]);
    log_line("done");
    return joined == mails ? 0 : 1;
}
