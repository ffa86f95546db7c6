/* Lab 16 checks: conn_pair, conn_send, conn_recv, conn_close, start_worker. */
#define _GNU_SOURCE
#include "check.h"
#include "conn.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(conn, .timeout = CHECK_SUITE_TIMEOUT);

enum { MAX_FDS = 256, STEPS = 8 };

/* What the body saw, in shared memory so the test can read it. */
struct seen {
    pid_t caller;
    int ret[STEPS]; /* return value of the call at each step */
    int err[STEPS]; /* errno after it */
    size_t len[STEPS];
    char text[STEPS][32]; /* small messages received, NUL-terminated */
    int steps;            /* how many steps were done */
    int sockets;          /* conn_pair gave two sockets */
    long first_bad;       /* first byte of a big message that differs, -1: none */
    unsigned char wire[16];
    size_t wire_len;
    /* send_writes_every_byte */
    int send_ret, send_err, send_done, blocked_seen;
    uint32_t header;
    size_t received;
    /* using_closed_end_is_error */
    int fd_after, old_fd, leaked, victim_closed;
    /* start_worker */
    pid_t pid;
    int mine_fd, msgs, eof, recv_ret, recv_err, child_exit;
    int child_result, echoed, child_stuck, child_sockets, child_end;
    char child_text[256];
    char before[MAX_FDS]; /* the body's sockets before start_worker() */
    /* the watcher's diagnosis when a call hung */
    int pair_ret; /* conn_pair()'s return value */
    int stuck, children, child_alive, child_zombie;
    pid_t child_pid;
    int extra_sockets;
    char extra_text[256];
    int term[STEPS]; /* after a message: 0 '\0' after its bytes, 1 another byte, 2 *buf NULL */
    int whole_after; /* the byte after the 1 MiB message (fresh memory is 0xaa), -1: NULL */
    int dup_lines;   /* copies of a line left in a stdio buffer before start_worker() */
    /* send_writes_every_byte, second part: a send() that EINTR interrupts with nothing sent */
    int intr_ret, intr_err, intr_done, intr_handled, intr_blocked;
    size_t intr_filler, intr_received;
    long intr_first_bad;
};

static struct seen *seen;

/* ---- processes and descriptors through /proc ------------------------------ */

static void look_at_children(struct seen *s)
{
    struct children c = children_of(getpid());
    s->children += c.alive + c.zombies;
    s->child_alive += c.alive;
    s->child_zombie += c.zombies;
    if (c.last)
        s->child_pid = c.last;
}

/* Marks in is[] the fds of process pid (0: this one) that are sockets. */
static void socket_fds(pid_t pid, char is[MAX_FDS])
{
    memset(is, 0, MAX_FDS);
    char dir[64];
    if (pid)
        snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    else
        snprintf(dir, sizeof dir, "/proc/self/fd");
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[400], target[64];
        int fd = atoi(e->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ssize_t k = readlink(path, target, sizeof target - 1);
        if (k > 0 && fd >= 0 && fd < MAX_FDS && !strncmp(target, "socket:", 7))
            is[fd] = 1;
    }
    if (d)
        closedir(d);
}

/* Sockets of pid not in before[] and not skip: counted and named in text. */
static int new_sockets(pid_t pid, const char before[MAX_FDS], int skip, char *text, size_t room)
{
    char now[MAX_FDS];
    socket_fds(pid, now);
    int n = 0;
    text[0] = '\0';
    for (int fd = 0; fd < MAX_FDS; fd++) {
        if (!now[fd] || before[fd] || fd == skip)
            continue;
        size_t used = strlen(text);
        snprintf(text + used, room - used, "%sfd %d", n ? ", " : "", fd);
        n++;
    }
    return n;
}

/* ---- the watcher's diagnosis of a call that hangs (see watch_start) ------- */

struct diagnosis {
    struct seen *s;
    const char *before; /* sockets before the student code ran, or NULL */
};

/* Still inside the student's call: record who waits for whom. */
static void diagnose_hang(void *arg)
{
    struct diagnosis *d = arg;
    struct seen *s = d->s;
    look_at_children(s);
    if (d->before)
        s->extra_sockets =
            new_sockets(0, d->before, s->mine_fd, s->extra_text, sizeof s->extra_text);
    s->stuck = 1;
}

/* Reap pid within ms; its exit code, -signal, or -1000 if it lingers. */
static int reap_within(pid_t pid, double ms)
{
    double deadline = now_ms() + ms;
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        if (w < 0 || now_ms() > deadline)
            return -1000;
        sleep_ms(2);
    }
}

/* Receive one message at a step: its return value, errno, length, text. */
static void recv_step(struct seen *s, struct conn *c)
{
    int k = s->steps;
    void *buf = NULL;
    size_t len = 0;
    errno = 0;
    s->ret[k] = conn_recv(c, &buf, &len);
    s->err[k] = errno;
    s->steps = k + 1; /* counted once done: a call that hangs is not */
    if (s->ret[k] == 1) {
        s->len[k] = len;
        s->term[k] = !buf ? 2 : ((char *)buf)[len] != '\0';
        if (buf)
            snprintf(s->text[k], sizeof s->text[k], "%.*s", (int)(len < 31 ? len : 31),
                     (char *)buf);
        free(buf);
    }
}

static void send_step(struct seen *s, struct conn *c, const char *text)
{
    int k = s->steps;
    errno = 0;
    s->ret[k] = conn_send(c, text, strlen(text));
    s->err[k] = errno;
    s->steps = k + 1;
}

static const char *errname(int e)
{
    const char *name = e ? strerrorname_np(e) : "0";
    return name ? name : "?";
}

#define assert_not_stuck(s, what)                                                                  \
    cr_assert(!(s)->stuck, "%s did not return within the time limit (possible deadlock: %s)",      \
              (what),                                                                              \
              (s)->children ? _("a recv waits for data or EOF that never comes")                   \
                            : _("a call waits for something that never happens"))

/* ---- step 1-3: a pair, one message each way ------------------------------- */

static void call_roundtrip(void *shared)
{
    struct seen *s = shared;
    struct conn a = {-1}, b = {-1};
    s->ret[0] = conn_pair(&a, &b);
    s->err[0] = errno;
    s->steps = 1;
    if (s->ret[0] != 0)
        return;
    struct stat sa, sb;
    s->sockets = fstat(a.fd, &sa) == 0 && fstat(b.fd, &sb) == 0 && S_ISSOCK(sa.st_mode) &&
                 S_ISSOCK(sb.st_mode);
    struct diagnosis d = {s, NULL};
    struct watch w;
    watch_start(&w, 1500, diagnose_hang, &d);
    send_step(s, &a, "hello");  /* 1 */
    recv_step(s, &b);           /* 2 */
    send_step(s, &b, "duplex"); /* 3 */
    recv_step(s, &a);           /* 4 */
    send_step(s, &a, "");       /* 5 */
    recv_step(s, &b);           /* 6 */
    watch_done(&w);
}

Test(conn, pair_send_recv_roundtrip)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_roundtrip, seen, 4000);
    cr_assert(seen->ret[0] == 0,
              "conn_pair() returned %d (errno %s): make the pair with "
              "socketpair(AF_UNIX, SOCK_STREAM, 0, fds)",
              seen->ret[0], errname(seen->err[0]));
    cr_assert(seen->sockets, "the two ends are not sockets: a pipe goes one way only; use "
                             "socketpair(), which is duplex");
    cr_assert(seen->steps < 2 || seen->ret[1] == 0,
              "conn_send(a, \"hello\") returned %d (errno %s)", seen->ret[1],
              errname(seen->err[1]));
    cr_assert(seen->steps < 3 || (seen->ret[2] == 1 && !strcmp(seen->text[2], "hello")),
              "conn_recv(b) returned %d with \"%s\" (%zu bytes) after conn_send(a, \"hello\")",
              seen->ret[2], seen->text[2], seen->len[2]);
    cr_assert(seen->steps < 5 || (seen->ret[4] == 1 && !strcmp(seen->text[4], "duplex")),
              "the other way round, conn_recv(a) returned %d with \"%s\" after "
              "conn_send(b, \"duplex\"): the connection must work in both directions",
              seen->ret[4], seen->text[4]);
    cr_assert(seen->steps < 7 || seen->ret[6] != 0,
              "conn_recv() returned 0 (EOF) for an empty message: a message of length 0 is "
              "still a message (return 1, len 0); EOF is only when the other end is closed");
    cr_assert(seen->steps < 7 || (seen->ret[6] == 1 && seen->len[6] == 0),
              "conn_recv() returned %d with %zu bytes for an empty message, not 1 with 0 bytes",
              seen->ret[6], seen->len[6]);
    cr_assert(seen->steps < 7 || seen->term[6] != 2,
              "conn_recv() of an empty message returned 1 but left *buf NULL: conn.h promises a "
              "buffer from malloc holding the len bytes plus a '\\0', for len 0 too (one byte, "
              "'\\0'), so that a caller may use it as an empty string and free it");
    cr_assert(seen->steps < 3 || seen->term[2] != 2,
              "conn_recv() of \"hello\" returned 1 but left *buf NULL");
    cr_assert(!seen->stuck || seen->steps != 6,
              "conn_recv() of an empty message waited forever: even a message of length 0 "
              "puts its 4-byte header (00 00 00 00) on the wire, so the reader knows it came");
    assert_not_stuck(seen, "sending and receiving \"hello\", \"duplex\" and \"\"");
    sandbox_assert_returned(&r, "conn_pair/conn_send/conn_recv");
}

/* ---- framing ------------------------------------------------------------- */

static void call_boundaries(void *shared)
{
    struct seen *s = shared;
    struct conn a = {-1}, b = {-1};
    s->pair_ret = conn_pair(&a, &b);
    if (s->pair_ret != 0)
        return;
    struct diagnosis d = {s, NULL};
    struct watch w;
    watch_start(&w, 1500, diagnose_hang, &d);
    /* Four messages sent back to back, before any is received. */
    send_step(s, &a, "ab");   /* 0 */
    send_step(s, &a, "cde");  /* 1 */
    send_step(s, &a, "");     /* 2 */
    send_step(s, &a, "fghi"); /* 3 */
    recv_step(s, &b);         /* 4: ab */
    recv_step(s, &b);         /* 5: cde */
    recv_step(s, &b);         /* 6: "" */
    recv_step(s, &b);         /* 7: fghi */
    /* What one conn_send() puts on the wire. */
    conn_send(&a, "xy", 2); /* on a socketpair, in b's queue once send returns */
    ssize_t n = recv(b.fd, s->wire, sizeof s->wire, MSG_DONTWAIT);
    s->wire_len = n > 0 ? (size_t)n : 0;
    watch_done(&w);
}

Test(conn, messages_keep_boundaries)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_boundaries, seen, 4000);
    cr_assert(seen->pair_ret == 0, "conn_pair() returned %d: make the pair first (step 1)",
              seen->pair_ret);
    static const char *want[4] = {"ab", "cde", "", "fghi"};
    for (int i = 0; i < 4 && i + 4 < seen->steps; i++) {
        int k = i + 4;
        cr_assert(seen->ret[k] == 1 && !strcmp(seen->text[k], want[i]) &&
                      seen->len[k] == strlen(want[i]),
                  "after sending \"ab\", \"cde\", \"\", \"fghi\", receive number %d returned %d "
                  "with \"%s\" (%zu bytes) instead of \"%s\": %s",
                  i + 1, seen->ret[k], seen->text[k], seen->len[k], want[i],
                  seen->len[k] > strlen(want[i])
                      ? _("messages ran together. A stream socket keeps no boundaries: frame "
                          "each message with its 4-byte length and read exactly that many bytes")
                      : _("a message was split or lost: read the 4-byte length, then exactly that "
                          "many bytes"));
    }
    assert_not_stuck(seen, "receiving four messages sent back to back");
    sandbox_assert_returned(&r, "conn_send/conn_recv");
    cr_assert(seen->steps == 8, "only %d of the 8 sends and receives were done", seen->steps);
    static const unsigned char frame[6] = {0, 0, 0, 2, 'x', 'y'};
    char hex[64] = "";
    for (size_t i = 0; i < seen->wire_len && i < 12; i++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x ", seen->wire[i]);
    cr_assert(seen->wire_len == 6 && !memcmp(seen->wire, frame, 6),
              "conn_send(\"xy\") put %zu bytes on the wire (%s), not the frame 00 00 00 02 78 "
              "79: frame each message with its 4-byte length in network order, htonl(len), "
              "then the bytes",
              seen->wire_len, hex);
}

/* ---- every byte, whatever a single write() takes -------------------------- */

enum { BIG = 4 << 20, WHOLE = 1 << 20 };

static char big_byte(size_t i)
{
    return (char)(1 + (i * 7) % 251); /* never 0, so fresh memory looks wrong */
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void call_send_big(void *shared)
{
    struct seen *s = shared;
    s->first_bad = -1;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
        return;
    pid_t pid = Fork();
    if (pid == 0) { /* the student's conn_send, interrupted by signals */
        close(fds[1]);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1; /* no SA_RESTART: send() returns early */
        sigaction(SIGUSR1, &sa, NULL);
        char *msg = malloc(BIG);
        for (size_t i = 0; i < BIG; i++)
            msg[i] = big_byte(i);
        struct conn c = {fds[0]};
        errno = 0;
        s->send_ret = conn_send(&c, msg, BIG);
        s->send_err = errno;
        s->send_done = 1;
        _exit(0);
    }
    close(fds[0]);
    int fd = fds[1];
    /* Wait until the writer is blocked in send() with the socket full, then
     * interrupt it: that send() returns having taken only part of the bytes. */
    double deadline = now_ms() + 2000;
    while (now_ms() < deadline) {
        int queued = 0;
        ioctl(fd, FIONREAD, &queued);
        char st = process_state(pid, NULL);
        if (st == 'S' && queued > 4) {
            s->blocked_seen = 1;
            break;
        }
        if (st == 'Z' || st == 0)
            break;
        sleep_ms(1);
    }
    kill(pid, SIGUSR1);
    /* Read it all, bounded; compare with what was sent. */
    unsigned char hdr[4];
    size_t got = 0;
    char *buf = malloc(65536);
    deadline = now_ms() + 3000;
    while (now_ms() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = read(fd, buf, 65536);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++, got++) {
            if (got < 4)
                hdr[got] = (unsigned char)buf[i];
            else if (s->first_bad < 0 && buf[i] != big_byte(got - 4))
                s->first_bad = (long)(got - 4);
        }
        if (got >= 4)
            s->header = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | hdr[2] << 8 | hdr[3];
    }
    s->received = got;
    free(buf);
    s->child_exit = reap_within(pid, 500);
    if (s->child_exit == -1000) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

static void on_usr1_count(int sig)
{
    (void)sig;
    __atomic_fetch_add(&seen->intr_handled, 1, __ATOMIC_SEQ_CST);
}

enum { INTR_MSG = 100000 };

/* A conn_send() that starts on a socket already full: the signal finds it
 * with nothing sent, so send() fails with EINTR (not a partial count). */
static void call_send_intr(void *shared)
{
    struct seen *s = shared;
    seen = s;
    s->intr_first_bad = -1;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
        return;
    pid_t pid = Fork();
    if (pid == 0) {
        close(fds[1]);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1_count; /* no SA_RESTART */
        sigaction(SIGUSR1, &sa, NULL);
        static char fill[4096];
        memset(fill, 'f', sizeof fill);
        size_t filler = 0;
        for (;;) { /* the kit fills the socket first, without blocking */
            ssize_t n = send(fds[0], fill, sizeof fill, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n <= 0)
                break;
            filler += (size_t)n;
        }
        s->intr_filler = filler;
        char *msg = malloc(INTR_MSG);
        for (size_t i = 0; i < INTR_MSG; i++)
            msg[i] = big_byte(i);
        struct conn c = {fds[0]};
        errno = 0;
        s->intr_ret = conn_send(&c, msg, INTR_MSG);
        s->intr_err = errno;
        s->intr_done = 1;
        _exit(0);
    }
    close(fds[0]);
    int fd = fds[1];
    /* The writer asleep in conn_send on the full socket: interrupt it, and
     * read nothing until its handler has run (the send() has failed then). */
    for (double end = now_ms() + 2000; now_ms() < end; sleep_ms(1)) {
        char st = process_state(pid, NULL);
        if (st == 'S' && s->intr_filler > 0) {
            s->intr_blocked = 1;
            break;
        }
        if (st == 'Z' || st == 0)
            break;
    }
    if (s->intr_blocked) {
        kill(pid, SIGUSR1);
        for (double end = now_ms() + 2000;
             now_ms() < end && !__atomic_load_n(&s->intr_handled, __ATOMIC_SEQ_CST);)
            sleep_ms(1);
    }
    size_t got = 0;
    unsigned char hdr[4];
    char *buf = malloc(65536);
    for (double end = now_ms() + 3000; now_ms() < end;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) {
            if (__atomic_load_n(&s->intr_done, __ATOMIC_SEQ_CST) &&
                got >= s->intr_filler + 4 + INTR_MSG)
                break;
            if (__atomic_load_n(&s->intr_done, __ATOMIC_SEQ_CST) && s->intr_ret != 0)
                break;
            continue;
        }
        ssize_t n = read(fd, buf, 65536);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++, got++) {
            size_t at = got - s->intr_filler; /* offset in the frame */
            if (got < s->intr_filler)
                continue;
            if (at < 4)
                hdr[at] = (unsigned char)buf[i];
            else if (s->intr_first_bad < 0 && buf[i] != big_byte(at - 4))
                s->intr_first_bad = (long)(at - 4);
        }
    }
    (void)hdr;
    free(buf);
    s->intr_received = got > s->intr_filler ? got - s->intr_filler : 0;
    if (reap_within(pid, 500) == -1000) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

Test(conn, send_writes_every_byte)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_send_big, seen, 6000);
    sandbox_assert_returned(&r, "the check of conn_send");
    cr_assert(seen->child_exit != -SIGUSR1 && seen->child_exit != -SIGPIPE,
              "the process running conn_send() of a 4 MiB message was killed by signal %d",
              -seen->child_exit);
    cr_assert(seen->send_done, "conn_send() of a 4 MiB message never returned (the other end "
                               "read everything it got)");
    cr_assert(seen->send_ret == 0 || seen->send_err != EINTR,
              "conn_send() of a 4 MiB message returned %d with EINTR when a signal interrupted "
              "it: a send() that fails with EINTR has sent nothing, so send again",
              seen->send_ret);
    cr_assert(seen->send_ret == 0, "conn_send() of a 4 MiB message returned %d (errno %s)",
              seen->send_ret, errname(seen->send_err));
    cr_assert(seen->received == (size_t)BIG + 4,
              "conn_send() of a 4 MiB message returned 0, but only %zu of its %d bytes (frame "
              "header included) reached the other end: a send() that a signal interrupts, or "
              "that finds the socket full, takes only part of the bytes and returns how many. "
              "Keep the count and loop until every byte is written",
              seen->received, BIG + 4);
    cr_assert(seen->header == BIG, "the frame header says %u, not %d", seen->header, BIG);
    cr_assert(seen->first_bad < 0,
              "all 4 MiB arrived but byte %ld differs: after a partial send() continue from "
              "where it stopped (buf + sent), not from the start",
              seen->first_bad);
    /* Second part: the signal comes before a single byte could go. */
    seen = shared_alloc(sizeof *seen);
    r = sandbox_run(call_send_intr, seen, 6000);
    sandbox_assert_returned(&r, "the check of conn_send on a full socket");
    cr_assert(seen->intr_blocked && seen->intr_handled == 1,
              "conn_send() on a full socket was not seen asleep in send() with its SIGUSR1 "
              "handled (asleep: %d, handled: %d)",
              seen->intr_blocked, seen->intr_handled);
    cr_assert(!(seen->intr_done && seen->intr_ret != 0 && seen->intr_err == EINTR),
              "conn_send() of a %d-byte message on a socket that was full returned %d with "
              "EINTR: a signal (its handler installed without SA_RESTART) came while send() "
              "waited for room, before a single byte could go. EINTR is no failure of the "
              "connection: nothing was sent, so send again",
              INTR_MSG, seen->intr_ret);
    cr_assert(seen->intr_done && seen->intr_ret == 0 &&
                  seen->intr_received == (size_t)INTR_MSG + 4 && seen->intr_first_bad < 0,
              "conn_send() of a %d-byte message on a socket that was full, interrupted once by "
              "a signal, returned %d (errno %s); %zu of its %d bytes arrived%s",
              INTR_MSG, seen->intr_ret, errname(seen->intr_err), seen->intr_received,
              INTR_MSG + 4, seen->intr_first_bad >= 0 ? _(", some of them wrong") : "");
}

static void call_recv_whole(void *shared)
{
    struct seen *s = shared;
    s->first_bad = -1;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
        return;
    pid_t pid = Fork();
    if (pid == 0) { /* our writer: the frames, in awkward pieces */
        close(fds[0]);
        signal(SIGPIPE, SIG_IGN);
        int fd = fds[1];
        uint32_t h = htonl(WHOLE);
        if (write_all(fd, &h, 2) < 0)
            _exit(1);
        /* Wait until the reader took those 2 bytes: it then has half a header. */
        double deadline = now_ms() + 1000;
        int outq = 1;
        while (now_ms() < deadline && ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 0)
            sleep_ms(1);
        char *msg = malloc(WHOLE);
        for (size_t i = 0; i < WHOLE; i++)
            msg[i] = big_byte(i);
        uint32_t tail = htonl(4), cut = htonl(100);
        if (write_all(fd, (char *)&h + 2, 2) < 0 || write_all(fd, msg, WHOLE / 2) < 0)
            _exit(1);
        /* Let the reader drain the first half before the second comes: one
         * read() then surely returns only part of the body, however fast a
         * reader on another CPU copies while we write. */
        deadline = now_ms() + 1000;
        outq = 1;
        while (now_ms() < deadline && ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 0)
            sleep_ms(1);
        if (write_all(fd, msg + WHOLE / 2, WHOLE - WHOLE / 2) < 0 || write_all(fd, &tail, 4) < 0 ||
            write_all(fd, "tail", 4) < 0 || write_all(fd, &cut, 4) < 0 ||
            write_all(fd, "only10byte", 10) < 0)
            _exit(1);
        _exit(0); /* EOF in the middle of the last frame */
    }
    close(fds[1]);
    struct conn c = {fds[0]};
    struct diagnosis d = {s, NULL};
    struct watch w;
    watch_start(&w, 3000, diagnose_hang, &d);
    mallopt(M_PERTURB, 0x55); /* fresh memory from malloc is 0xaa: an unset '\0' shows */
    void *buf = NULL;
    size_t len = 0;
    s->steps = 1;
    errno = 0;
    s->ret[0] = conn_recv(&c, &buf, &len);
    s->err[0] = errno;
    s->len[0] = len;
    if (s->ret[0] == 1) {
        s->whole_after = buf ? ((unsigned char *)buf)[len] : -1;
        for (size_t i = 0; i < len && i < WHOLE; i++)
            if (((char *)buf)[i] != big_byte(i)) {
                s->first_bad = (long)i;
                break;
            }
        free(buf);
    }
    recv_step(s, &c); /* 1: tail */
    recv_step(s, &c); /* 2: cut short by EOF */
    watch_done(&w);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

Test(conn, recv_reads_whole_message)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_recv_whole, seen, 6000);
    cr_assert(seen->steps == 0 || seen->ret[0] == 1,
              "conn_recv() of a valid 1 MiB frame returned %d (errno %s), not 1: its 4-byte header "
              "came as 2 bytes, then 2 more, and its body in two halves, and one read() returns "
              "only the bytes that have arrived so far. A short read is not a bad frame and not "
              "EOF: loop until all 4 header bytes, then all len body bytes, are in (read_all() in "
              "proclabs.h does)",
              seen->ret[0], seen->err[0] ? strerrorname_np(seen->err[0]) : "0");
    cr_assert(seen->steps == 0 || seen->len[0] == WHOLE,
              "conn_recv() of a 1 MiB message gave %zu bytes, not %d: read the 4-byte header "
              "(it may come in pieces), then exactly that many bytes",
              seen->len[0], WHOLE);
    cr_assert(seen->steps == 0 || seen->first_bad < 0,
              "conn_recv() gave a 1 MiB message whose bytes from offset %ld on are wrong: one "
              "read() returns only what has arrived so far (a socket holds about 200 KiB), not "
              "the whole message. Keep reading until all len bytes are in",
              seen->first_bad);
    cr_assert(seen->steps == 0 || seen->ret[0] != 1 || seen->whole_after == 0,
              "conn_recv() of a 1 MiB message gave a buffer whose byte after the message is "
              "0x%02x, not '\\0' (the check makes fresh memory from malloc 0xaa): conn.h "
              "promises the len bytes plus a '\\0', so that a text message is a C string. "
              "malloc(len + 1), and set buf[len] = '\\0'",
              (unsigned)seen->whole_after);
    assert_not_stuck(seen, "conn_recv()");
    sandbox_assert_returned(&r, "conn_recv()");
    cr_assert(seen->ret[1] == 1 && !strcmp(seen->text[1], "tail"),
              "after the 1 MiB message, conn_recv() returned %d with \"%s\", not the message "
              "\"tail\"",
              seen->ret[1], seen->text[1]);
    cr_assert(seen->ret[2] == -1,
              "conn_recv() returned %d when the other end closed in the middle of a frame (it "
              "announced 100 bytes and sent 10): that is an error, -1 with EPROTO, not EOF",
              seen->ret[2]);
}

/* ---- a closed end ---------------------------------------------------------- */

static void call_closed_end(void *shared)
{
    struct seen *s = shared;
    struct conn a = {-1}, b = {-1};
    s->pair_ret = conn_pair(&a, &b);
    if (s->pair_ret != 0)
        return;
    s->old_fd = a.fd;
    s->ret[0] = conn_close(&a);
    s->fd_after = a.fd;
    /* The number is free again: here another connection gets it, as the
     * next socket() or open() of the program would. */
    int v[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, v);
    if (v[0] != s->old_fd) { /* else it already has the number */
        dup2(v[0], s->old_fd);
        close(v[0]);
    }
    struct diagnosis d = {s, NULL};
    struct watch w;
    watch_start(&w, 1500, diagnose_hang, &d);
    errno = 0;
    s->ret[1] = conn_send(&a, "x", 1);
    s->err[1] = errno;
    char junk[64];
    ssize_t n = recv(v[1], junk, sizeof junk, MSG_DONTWAIT);
    s->leaked = n > 0 ? (int)n : 0;
    errno = 0;
    s->ret[2] = conn_close(&a);
    s->err[2] = errno;
    s->victim_closed = fcntl(s->old_fd, F_GETFD) < 0;
    s->steps = 3;
    void *buf = NULL;
    size_t len;
    errno = 0;
    s->ret[3] = conn_recv(&a, &buf, &len);
    s->err[3] = errno;
    s->steps = 4;
    watch_done(&w);
}

Test(conn, using_closed_end_is_error)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_closed_end, seen, 4000);
    cr_assert(seen->pair_ret == 0, "conn_pair() returned %d: make the pair first (step 1)",
              seen->pair_ret);
    cr_assert(seen->ret[0] == 0, "conn_close() of an open end returned %d", seen->ret[0]);
    cr_assert(seen->leaked == 0,
              "conn_send() on a closed end sent %d bytes into fd %d, which now belongs to "
              "another connection: after close() the number is free and the next socket or "
              "file gets it. Set c->fd = -1 in conn_close() and refuse a closed end with EBADF",
              seen->leaked, seen->old_fd);
    cr_assert(seen->fd_after == -1,
              "after conn_close() the end's fd is %d, not -1: mark the end "
              "closed so it is never used again",
              seen->fd_after);
    cr_assert(seen->ret[1] == -1 && seen->err[1] == EBADF,
              "conn_send() on a closed end returned %d (errno %s): it must fail with EBADF",
              seen->ret[1], errname(seen->err[1]));
    cr_assert(!seen->victim_closed,
              "a second conn_close() closed fd %d, which by then belonged to another "
              "connection: refuse a closed end (fd -1) with EBADF",
              seen->old_fd);
    cr_assert(seen->ret[2] == -1 && seen->err[2] == EBADF,
              "a second conn_close() returned %d (errno %s): it must fail with EBADF", seen->ret[2],
              errname(seen->err[2]));
    assert_not_stuck(seen, "conn_recv() on a closed end");
    cr_assert(seen->ret[3] == -1 && seen->err[3] == EBADF,
              "conn_recv() on a closed end returned %d (errno %s): it must fail with EBADF",
              seen->ret[3], errname(seen->err[3]));
    sandbox_assert_returned(&r, "conn_close/conn_send/conn_recv");
}

static void call_closed_peer(void *shared)
{
    struct seen *s = shared;
    struct conn a = {-1}, b = {-1};
    signal(SIGPIPE, SIG_DFL);
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigprocmask(SIG_UNBLOCK, &pipe_only, NULL);
    s->pair_ret = conn_pair(&a, &b);
    if (s->pair_ret != 0)
        return;
    conn_close(&b);
    struct diagnosis d = {s, NULL};
    struct watch w;
    watch_start(&w, 1500, diagnose_hang, &d);
    errno = 0;
    s->ret[0] = conn_send(&a, "x", 1);
    s->err[0] = errno;
    s->steps = 1;
    recv_step(s, &a);
    watch_done(&w);
}

Test(conn, send_to_closed_peer_fails)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_closed_peer, seen, 4000);
    cr_assert(!r.returned || seen->pair_ret == 0,
              "conn_pair() returned %d: make the pair first (step 1)", seen->pair_ret);
    cr_assert(!(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGPIPE),
              "conn_send() to an end whose peer was closed killed the process with SIGPIPE: "
              "use send(fd, p, n, MSG_NOSIGNAL), so that it fails with EPIPE instead (Python "
              "raises BrokenPipeError)");
    assert_not_stuck(seen, "conn_send/conn_recv on a connection whose other end is closed");
    sandbox_assert_returned(&r, "conn_send() to a closed peer");
    cr_assert(seen->ret[0] == -1 && seen->err[0] == EPIPE,
              "conn_send() to a closed peer returned %d (errno %s), not -1 with EPIPE",
              seen->ret[0], errname(seen->err[0]));
    cr_assert(seen->ret[1] == 0,
              "conn_recv() on an end whose peer is closed returned %d (errno %s), not 0 (EOF)",
              seen->ret[1], errname(seen->err[1]));
}

/* ---- frames that must be refused ----------------------------------------------- */

static void call_bad_frames(void *shared)
{
    struct seen *s = shared;
    struct conn a = {-1}, b = {-1};
    s->pair_ret = conn_pair(&a, &b);
    if (s->pair_ret != 0)
        return;
    /* 1. send of CONN_MAX_MESSAGE + 1 bytes, to a closed peer: refused
     * before a byte goes out (EMSGSIZE), or else the send fails (EPIPE). */
    size_t big = (size_t)CONN_MAX_MESSAGE + 1;
    void *area = mmap(NULL, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED)
        return;
    int fds[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    close(fds[1]);
    struct conn gone = {fds[0]};
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    s->ret[0] = conn_send(&gone, area, big);
    s->err[0] = errno;
    munmap(area, big);
    s->steps = 1;
    /* 2. a header that announces CONN_MAX_MESSAGE + 1 bytes, the writer
     * still open: refused at once (EPROTO), not waited for. */
    uint32_t h = htonl((uint32_t)CONN_MAX_MESSAGE + 1);
    (void)!write(b.fd, &h, sizeof h);
    void *buf = NULL;
    size_t len = 0;
    errno = 0;
    s->ret[1] = conn_recv(&a, &buf, &len);
    s->err[1] = errno;
    if (s->ret[1] == 1)
        free(buf);
    s->steps = 2;
    /* 3. two of the four header bytes, then EOF: an error, not EOF. */
    int cut[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, cut);
    h = htonl(5);
    (void)!write(cut[1], &h, 2);
    close(cut[1]);
    struct conn c = {cut[0]};
    errno = 0;
    s->ret[2] = conn_recv(&c, &buf, &len);
    s->err[2] = errno;
    if (s->ret[2] == 1)
        free(buf);
    s->steps = 3;
    /* 4. a whole header announcing 5 bytes, then EOF before the body. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, cut);
    (void)!write(cut[1], &h, 4);
    close(cut[1]);
    c.fd = cut[0];
    errno = 0;
    s->ret[3] = conn_recv(&c, &buf, &len);
    s->err[3] = errno;
    if (s->ret[3] == 1)
        free(buf);
    s->steps = 4;
    /* 5. an end whose descriptor is 0 (stdin closed) is an open end. */
    close(0);
    struct conn z = {-1}, y = {-1};
    s->ret[4] = conn_pair(&z, &y);
    s->len[4] = (size_t)z.fd;
    if (s->ret[4] == 0 && z.fd == 0) {
        errno = 0;
        s->ret[5] = conn_send(&z, "z", 1);
        s->err[5] = errno;
        s->ret[6] = conn_send(&y, "y", 1) == 0 ? conn_recv(&z, &buf, &len) : -2;
        s->err[6] = errno;
        if (s->ret[6] == 1)
            free(buf);
        errno = 0;
        s->ret[7] = conn_close(&z);
        s->err[7] = errno;
    }
    s->steps = 5;
}

Test(conn, bad_frames_are_errors)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_bad_frames, seen, 4000);
    cr_assert(!r.returned || seen->pair_ret == 0,
              "conn_pair() returned %d: make the pair first (step 1)", seen->pair_ret);
    cr_assert(seen->steps >= 1 || !r.timed_out,
              "conn_send() of CONN_MAX_MESSAGE + 1 bytes to a closed peer did not return "
              "(killed after 4000 ms)");
    cr_assert(seen->steps < 1 || (seen->ret[0] == -1 && seen->err[0] == EMSGSIZE),
              "conn_send() of CONN_MAX_MESSAGE + 1 bytes returned %d (errno %s), not -1 with "
              "EMSGSIZE%s. The contract: a message above CONN_MAX_MESSAGE is refused before "
              "anything is sent (test len first)",
              seen->ret[0], errname(seen->err[0]),
              seen->err[0] == EPIPE ? _(": it tried to send it (the peer was closed, so the send "
                                        "itself failed with EPIPE)")
                                    : "");
    cr_assert(seen->steps >= 2 || !r.timed_out,
              "conn_recv() of a frame whose header announces CONN_MAX_MESSAGE + 1 bytes did "
              "not return (killed after 4000 ms; the writer sent only the header and stayed "
              "open): it waited for a body it must refuse. The contract: a length above "
              "CONN_MAX_MESSAGE is -1 with EPROTO at once, before any malloc or read of the "
              "body (a peer that sends garbage must not make you wait or allocate 4 GiB)");
    cr_assert(seen->steps < 2 || (seen->ret[1] == -1 && seen->err[1] == EPROTO),
              "conn_recv() of a frame whose header announces CONN_MAX_MESSAGE + 1 bytes "
              "returned %d (errno %s), not -1 with EPROTO: test the length against "
              "CONN_MAX_MESSAGE before you allocate and read the body",
              seen->ret[1], errname(seen->err[1]));
    cr_assert(seen->steps < 3 || seen->ret[2] != 0,
              "conn_recv() returned 0 (EOF) when the other end closed after 2 of the 4 header "
              "bytes: EOF inside a frame, its header included, is -1 with EPROTO. 0 is only "
              "for EOF before the first byte of a frame (read_all returned 0)");
    cr_assert(seen->steps < 3 || (seen->ret[2] == -1 && seen->err[2] == EPROTO),
              "conn_recv() returned %d (errno %s) when the other end closed after 2 of the 4 "
              "header bytes, not -1 with EPROTO",
              seen->ret[2], errname(seen->err[2]));
    cr_assert(seen->steps < 4 || (seen->ret[3] == -1 && seen->err[3] == EPROTO),
              "conn_recv() returned %d (errno %s) when the other end closed after a whole "
              "header announcing 5 bytes and no body: EOF inside a frame is -1 with EPROTO "
              "(set errno to EPROTO also when read_all returned 0 bytes of the body)",
              seen->ret[3], errname(seen->err[3]));
    cr_assert(seen->steps < 5 || seen->ret[4] != 0 || seen->len[4] != 0 ||
                  (seen->ret[5] == 0 && seen->ret[6] == 1 && seen->ret[7] == 0),
              "with stdin closed, conn_pair() gave an end whose fd is 0; on it conn_send() "
              "returned %d (errno %s), conn_recv() %d (errno %s) and conn_close() %d (errno %s): "
              "0 is a valid descriptor, only -1 marks a closed end (test fd < 0, not fd <= 0)",
              seen->ret[5], errname(seen->err[5]), seen->ret[6], errname(seen->err[6]),
              seen->ret[7], errname(seen->err[7]));
    sandbox_assert_returned(&r, "conn_send/conn_recv on frames that must be refused");
}

/* ---- EOF across fork ------------------------------------------------------- */

static void job_send3(struct conn *end)
{
    for (int i = 0; i < 3; i++) {
        char text[8];
        snprintf(text, sizeof text, "m%d", i);
        conn_send(end, text, strlen(text));
    }
}

static void call_eof_from_child(void *shared)
{
    struct seen *s = shared;
    char before[MAX_FDS];
    socket_fds(0, before);
    s->caller = getpid();
    s->mine_fd = -1;
    /* A line left in a stdio buffer: only exit() in the worker writes it again. */
    FILE *log = tmpfile();
    if (log)
        fputs("before start_worker\n", log);
    struct conn end = {-1};
    pid_t pid = start_worker(job_send3, &end);
    s->pid = pid;
    if (pid <= 0 || getpid() != s->caller)
        return;
    s->mine_fd = end.fd;
    struct diagnosis d = {s, before};
    struct watch w;
    watch_start(&w, 2000, diagnose_hang, &d);
    for (int i = 0; i < 8; i++) {
        void *buf = NULL;
        size_t len = 0;
        errno = 0;
        int r = conn_recv(&end, &buf, &len);
        s->recv_ret = r;
        s->recv_err = errno;
        if (r != 1)
            break;
        snprintf(s->text[s->msgs++], sizeof s->text[0], "%.*s", (int)(len < 31 ? len : 31),
                 (char *)buf);
        free(buf);
    }
    s->eof = s->recv_ret == 0;
    watch_done(&w);
    conn_close(&end);
    s->child_exit = reap_within(pid, 1500);
    if (log && s->child_exit != -1000) {
        fflush(log);
        rewind(log);
        char line[64];
        while (fgets(line, sizeof line, log))
            s->dup_lines += !strcmp(line, "before start_worker\n");
        fclose(log);
    }
}

Test(conn, recv_sees_eof_when_child_closes)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_eof_from_child, seen, 5000);
    cr_assert(r.stray_returns == 0,
              "the worker came back from start_worker() into the caller's code: after job() "
              "the child must close its end and _exit(0)");
    cr_assert(seen->pid != -1, "start_worker() returned -1: it does not fork yet");
    cr_assert(seen->pid != seen->caller, "start_worker() returned the caller's own pid");
    cr_assert(!(seen->stuck && seen->extra_sockets > 0),
              "recv never saw EOF: some process still holds the write end. The worker "
              "%s, and this process still holds %s besides its own end (fd %d): its copy "
              "of the worker's end. Close the worker's end in the parent right after fork()",
              seen->child_zombie ? _("has exited") : _("is done sending"), seen->extra_text,
              seen->mine_fd);
    cr_assert(!seen->stuck,
              "recv never saw EOF: some process still holds the write end (the worker %s; "
              "this process holds no other socket): does the worker close its end and exit "
              "after the job?",
              seen->child_alive ? _("is still running") : _("has exited"));
    sandbox_assert_returned(&r, "start_worker() and conn_recv()");
    cr_assert(seen->msgs == 3 && !strcmp(seen->text[0], "m0") && !strcmp(seen->text[1], "m1") &&
                  !strcmp(seen->text[2], "m2"),
              "the parent received %d messages (\"%s\", \"%s\", \"%s\") from a worker that "
              "sent \"m0\", \"m1\", \"m2\"",
              seen->msgs, seen->text[0], seen->text[1], seen->text[2]);
    cr_assert(seen->eof, "after the 3 messages conn_recv() returned %d (errno %s), not 0 (EOF)",
              seen->recv_ret, errname(seen->recv_err));
    cr_assert(seen->child_exit == 0,
              "the worker ended with %d (or was not reaped): after job() it must _exit(0)",
              seen->child_exit);
    cr_assert(seen->dup_lines <= 1,
              "a line the caller had left in a stdio buffer (written, not yet flushed) before "
              "start_worker() came out %d times: the worker ended with exit(), which flushes "
              "the stdio buffers it inherited through fork (and runs the caller's atexit "
              "handlers). After job(), end the child with _exit(0)",
              seen->dup_lines);
}

static void job_echo(struct conn *end)
{
    /* What the worker holds besides its own end, seen from inside it (a
     * process may read only its own /proc/self/fd here). */
    seen->child_end = end->fd;
    seen->child_sockets =
        new_sockets(0, seen->before, end->fd, seen->child_text, sizeof seen->child_text);
    for (;;) {
        void *buf = NULL;
        size_t len = 0;
        int r = conn_recv(end, &buf, &len);
        if (r != 1) {
            seen->child_result = r;
            return;
        }
        conn_send(end, buf, len);
        free(buf);
        seen->echoed++;
    }
}

static void call_eof_to_child(void *shared)
{
    struct seen *s = shared;
    socket_fds(0, s->before);
    s->caller = getpid();
    s->child_result = -99;
    struct conn end = {-1};
    pid_t pid = start_worker(job_echo, &end);
    s->pid = pid;
    if (pid <= 0 || getpid() != s->caller)
        return;
    s->mine_fd = end.fd;
    struct diagnosis d = {s, NULL};
    struct watch w;
    watch_start(&w, 2000, diagnose_hang, &d);
    send_step(s, &end, "ping1"); /* 0 */
    recv_step(s, &end);          /* 1 */
    send_step(s, &end, "ping2"); /* 2 */
    recv_step(s, &end);          /* 3 */
    watch_done(&w);
    conn_close(&end);
    s->child_exit = reap_within(pid, 1500);
    if (s->child_exit == -1000) { /* the worker still waits for EOF */
        s->child_stuck = 1;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

Test(conn, child_sees_eof_when_parent_closes)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_eof_to_child, seen, 5000);
    cr_assert(r.stray_returns == 0,
              "the worker came back from start_worker() into the caller's code: after job() "
              "the child must close its end and _exit(0)");
    cr_assert(seen->pid != -1, "start_worker() returned -1: it does not fork yet");
    assert_not_stuck(seen, "an echo over start_worker()'s connection");
    cr_assert(seen->ret[1] == 1 && !strcmp(seen->text[1], "ping1") && seen->ret[3] == 1 &&
                  !strcmp(seen->text[3], "ping2"),
              "an echo worker sent back \"%s\" and \"%s\", not \"ping1\" and \"ping2\"",
              seen->text[1], seen->text[3]);
    cr_assert(!(seen->child_stuck && seen->child_sockets > 0),
              "the worker's recv never saw EOF after the parent closed its end: the worker "
              "(pid %d) holds %s besides its own end (fd %d): its copy of the parent's end, "
              "which keeps the connection open. Close the parent's end in the child right "
              "after fork()",
              (int)seen->pid, seen->child_text, seen->child_end);
    cr_assert(!seen->child_stuck,
              "the worker's recv never saw EOF after the parent closed its end: some process "
              "still holds the parent's end (the worker holds %s)",
              seen->child_sockets ? seen->child_text : _("no other socket"));
    sandbox_assert_returned(&r, "start_worker()");
    cr_assert(seen->child_result == 0 && seen->child_exit == 0,
              "after the parent closed its end the worker's conn_recv() returned %d (not 0, "
              "EOF) and the worker ended with %d",
              seen->child_result, seen->child_exit);
}
