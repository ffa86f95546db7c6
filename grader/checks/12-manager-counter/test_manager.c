/* Lab 12 checks: framing, the manager's server, its clients, the counter. */
#define _GNU_SOURCE
#include "check.h"
#include "manager.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(manager, .timeout = CHECK_SUITE_TIMEOUT);

enum { TAKERS = 100, REPLY_MS = 3000 };

/* What the bodies saw, in shared memory. */
struct seen {
    char tmpdir[128]; /* TMPDIR for the code under test: made and removed by the check */
    struct manager m, m2;
    int start_rc, start2_rc, shutdown_rc;
    bool path_is_socket, server_alive, server_is_child;
    /* replies seen by the check's own clients; "" when none came */
    char reply[4][MSG_MAX + 1];
    int call_errno[4];
    ssize_t got[3];
    char text[3][MSG_MAX + 1];
    int finished;                                 /* takers that finished in time */
    int fds_before, fds_started, sockets_started; /* the caller's descriptors */
    int fds_after_take, fds_after_shutdown, fds_after_failed_connect, failed_connect_fd;
    bool a_closed_by_server; /* client A's shutdown(SHUT_WR) was answered by the server's close */
    int server_fds_extra;    /* the server's open descriptors beyond those it had at first */
    bool server_fds_known;
    ssize_t bad[3];       /* recv_msg() on a too long, a cut and a cut-length message */
    ssize_t edge[2];      /* recv_msg(fd, buf, 16) on a 15-byte and on a 16-byte message */
    bool edge_canary_hit; /* ... and the 16-byte one wrote past buf[15] (its NUL) */
    ssize_t good_len;     /* recv_msg() on a whole 5-byte message, first */
    bool canary_hit;      /* recv_msg() wrote past cap */
    bool socket_left, dir_left, server_left;
};

/* ---- the check's own client: every wait bounded ----------------------------- */

static int ref_connect(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {REPLY_MS / 1000, (REPLY_MS % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Read exactly n bytes (the socket's receive timeout bounds each read). */
static bool ref_read(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* One request on fd; the reply in reply ("" and errno kept when none came). */
static void ref_request(int fd, const char *request, char *reply, int *err)
{
    reply[0] = '\0';
    *err = 0;
    unsigned char len[4];
    if (send_msg(fd, request) < 0 || !ref_read(fd, len, 4)) {
        *err = errno ? errno : EPIPE;
        return;
    }
    size_t n = (size_t)len[0] << 24 | (size_t)len[1] << 16 | (size_t)len[2] << 8 | len[3];
    if (n > MSG_MAX || !ref_read(fd, reply, n)) {
        *err = errno ? errno : EPROTO;
        reply[0] = '\0';
        return;
    }
    reply[n] = '\0';
}

/* One request on a fresh connection. */
static void ref_call(const char *path, const char *request, char *reply, int *err)
{
    errno = 0;
    int fd = ref_connect(path);
    if (fd < 0) {
        reply[0] = '\0';
        *err = errno;
        return;
    }
    ref_request(fd, request, reply, err);
    close(fd);
}

static const char *why(int err)
{
    return err == EAGAIN ? _("no reply within 3 s") : strerror(err);
}

/* ---- a private TMPDIR per check, removed afterwards ------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static struct seen *fresh_seen(void)
{
    struct seen *s = shared_alloc(sizeof *s);
    /* $STUDENT_TMP: the temporary folder as the code under test sees it */
    const char *base = getenv("STUDENT_TMP");
    if (!base || !*base)
        base = getenv("TMPDIR");
    snprintf(s->tmpdir, sizeof s->tmpdir, "%s/lab12-XXXXXX", base && *base ? base : "/tmp");
    cr_assert(mkdtemp(s->tmpdir), "the check could not make a folder in %s", s->tmpdir);
    chmod(s->tmpdir, 0777); /* the code under test may run as another user */
    return s;
}

static void remove_tmpdir(struct seen *s)
{
    nftw(s->tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void enter_tmpdir(struct seen *s)
{
    setenv("TMPDIR", s->tmpdir, 1);
}

/* ---- the caller's descriptors ---------------------------------------------------- */

/* Open descriptors of this process; in *sockets, how many are sockets. */
static int open_fds(int *sockets)
{
    int n = 0, socks = 0;
    char path[64], target[128];
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t k = readlink(path, target, sizeof target - 1);
        if (k < 0)
            continue;
        target[k] = '\0';
        n++;
        socks += !strncmp(target, "socket:", 7);
    }
    if (sockets)
        *sockets = socks;
    return n;
}

/* ---- step 1: framing --------------------------------------------------------- */

/* Write piece by piece, each only after the reader has taken everything
 * before it: a reader that does one read() per message gets a piece. */
static void write_in_pieces(int fd, int reader_fd, const char *text)
{
    size_t n = strlen(text);
    unsigned char msg[4 + MSG_MAX];
    msg[0] = (unsigned char)(n >> 24);
    msg[1] = (unsigned char)(n >> 16);
    msg[2] = (unsigned char)(n >> 8);
    msg[3] = (unsigned char)n;
    memcpy(msg + 4, text, n);
    size_t cuts[] = {0, 2, 4, 4 + n / 2, 4 + n};
    for (int i = 0; i < 4; i++) {
        (void)!write(fd, msg + cuts[i], cuts[i + 1] - cuts[i]);
        double end = now_ms() + 1000;
        int queued = 1;
        while (now_ms() < end && ioctl(reader_fd, FIONREAD, &queued) == 0 && queued > 0)
            sleep_ms(1);
    }
}

static void framing_body(void *shared)
{
    struct seen *s = shared;
    int sv[2];
    Socketpair(sv);
    pid_t writer = Fork();
    if (writer == 0) {
        write_in_pieces(sv[1], sv[0], "GET count");
        write_in_pieces(sv[1], sv[0], "ADD count -1");
        _exit(0); /* closes the last write end: the reader sees EOF */
    }
    close(sv[1]);
    for (int i = 0; i < 3; i++) {
        s->got[i] = recv_msg(sv[0], s->text[i], sizeof s->text[i]);
        if (s->got[i] <= 0)
            break;
    }
    close(sv[0]);
    kill(writer, SIGKILL);
    waitpid(writer, NULL, 0);
}

Test(manager, recv_msg_reads_whole_message)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(framing_body, s, 5000);
    sandbox_assert_returned(&r, "recv_msg()");
    cr_assert(s->got[0] == 9 && !strcmp(s->text[0], "GET count"),
              "recv_msg() returned %zd with \"%.40s\" for the message \"GET count\" (9 bytes) "
              "that arrived in pieces: one read() returns only what has arrived so far. Loop "
              "until you have all 4 length bytes, then all of the text (read_all() does)",
              s->got[0], s->got[0] > 0 ? s->text[0] : "");
    cr_assert(s->got[1] == 12 && !strcmp(s->text[1], "ADD count -1"),
              "the second recv_msg() returned %zd with \"%.40s\", not \"ADD count -1\" (12 "
              "bytes): each call must take exactly one message, no more, no less",
              s->got[1], s->got[1] > 0 ? s->text[1] : "");
    cr_assert(s->got[2] == 0,
              "recv_msg() returned %zd after the peer closed the connection between messages: "
              "return 0 at EOF before a new message",
              s->got[2]);
}

/* A length, then only part of what it promises, then EOF. */
static void send_cut(int fd, size_t promised, size_t sent_len_bytes, size_t sent_text)
{
    unsigned char msg[4 + MSG_MAX];
    msg[0] = (unsigned char)(promised >> 24);
    msg[1] = (unsigned char)(promised >> 16);
    msg[2] = (unsigned char)(promised >> 8);
    msg[3] = (unsigned char)promised;
    memset(msg + 4, 'x', sizeof msg - 4);
    (void)!write(fd, msg, sent_len_bytes + sent_text);
}

static void bad_body(void *shared)
{
    struct seen *s = shared;
    int sv[2];
    /* First a whole message: the refusals below prove something only in a
     * recv_msg() that receives at all. */
    Socketpair(sv);
    send_cut(sv[1], 5, 4, 5);
    close(sv[1]);
    char good[MSG_MAX + 1];
    s->good_len = recv_msg(sv[0], good, sizeof good);
    close(sv[0]);
    /* a: a 40-byte message into a 16-byte buffer, with a canary behind it */
    Socketpair(sv);
    struct {
        char buf[16];
        char canary[64];
    } b;
    memset(&b, '#', sizeof b);
    send_cut(sv[1], 40, 4, 40);
    close(sv[1]);
    s->bad[0] = recv_msg(sv[0], b.buf, sizeof b.buf);
    for (size_t i = 0; i < sizeof b.canary; i++)
        s->canary_hit |= b.canary[i] != '#';
    close(sv[0]);
    /* b: the length says 20, 7 bytes come, then the peer closes */
    Socketpair(sv);
    send_cut(sv[1], 20, 4, 7);
    close(sv[1]);
    char buf[MSG_MAX + 1];
    s->bad[1] = recv_msg(sv[0], buf, sizeof buf);
    close(sv[0]);
    /* c: two of the four length bytes, then the peer closes */
    Socketpair(sv);
    send_cut(sv[1], 9, 2, 0);
    close(sv[1]);
    s->bad[2] = recv_msg(sv[0], buf, sizeof buf);
    close(sv[0]);
    /* d: at the edge of cap: 15 bytes and their NUL fit in 16, 16 bytes do not */
    for (int k = 0; k < 2; k++) {
        Socketpair(sv);
        memset(&b, '#', sizeof b);
        send_cut(sv[1], 15 + (size_t)k, 4, 15 + (size_t)k);
        close(sv[1]);
        s->edge[k] = recv_msg(sv[0], b.buf, sizeof b.buf);
        for (size_t i = 0; k == 1 && i < sizeof b.canary; i++)
            s->edge_canary_hit |= b.canary[i] != '#';
        close(sv[0]);
    }
}

Test(manager, recv_msg_rejects_bad_messages)
{
    struct seen *s = shared_alloc(sizeof *s);
    s->bad[0] = s->bad[1] = s->bad[2] = -99;
    struct sandbox r = sandbox_run(bad_body, s, 5000);
    sandbox_assert_returned(&r, "recv_msg() on messages that are too long or cut off");
    cr_assert(s->good_len == 5,
              "this check needs recv_msg() to receive a whole message first: on a 5-byte "
              "message it returned %zd, not 5 (see recv_msg_reads_whole_message)",
              s->good_len);
    cr_assert(!s->canary_hit && s->bad[0] == -1,
              "recv_msg(fd, buf, 16) on a 40-byte message returned %zd%s: a message that does "
              "not fit in cap is an error (-1), and nothing may be written past buf[cap - 1]. "
              "Compare the length with cap before reading the text",
              s->bad[0], s->canary_hit ? _(" and wrote past the end of the buffer") : "");
    cr_assert(s->edge[0] == 15,
              "recv_msg(fd, buf, 16) on a 15-byte message returned %zd, not 15: 15 bytes and "
              "their NUL fill the 16 bytes exactly, so the message fits",
              s->edge[0]);
    cr_assert(!s->edge_canary_hit && s->edge[1] == -1,
              "recv_msg(fd, buf, 16) on a 16-byte message returned %zd%s: 16 bytes and the NUL "
              "after them need 17, so the message does not fit in cap (-1). The test is "
              "length >= cap, not length > cap",
              s->edge[1], s->edge_canary_hit ? _(" and wrote its NUL past buf[15]") : "");
    cr_assert(s->bad[1] == -1,
              "recv_msg() returned %zd when the peer closed the connection after 7 of the 20 "
              "bytes its length promised: a connection closed in the middle of a message is an "
              "error (-1), not the end of the conversation (0) and not a message",
              s->bad[1]);
    cr_assert(s->bad[2] == -1,
              "recv_msg() returned %zd when the peer closed the connection after 2 of the 4 "
              "length bytes: that is a message cut off (-1); 0 is only for EOF before any byte "
              "of a new message",
              s->bad[2]);
}

/* ---- step 2: the socket in a private folder ----------------------------------- */

static void start_body(void *shared)
{
    struct seen *s = shared;
    enter_tmpdir(s);
    struct manager m = {0}; /* private: a child writing m->pid = 0 must not reach the test */
    int sockets_before;
    s->fds_before = open_fds(&sockets_before);
    s->start_rc = manager_start(&m);
    s->m = m;
    if (s->start_rc < 0)
        return;
    s->fds_started = open_fds(&s->sockets_started) - s->fds_before;
    s->sockets_started -= sockets_before;
    struct stat st;
    s->path_is_socket = stat(s->m.path, &st) == 0 && S_ISSOCK(st.st_mode);
    s->server_alive = s->m.pid > 0 && s->m.pid != getpid() && kill(s->m.pid, 0) == 0;
    s->server_is_child = s->m.pid > 0 && waitpid(s->m.pid, NULL, WNOHANG) == 0;
    ref_call(s->m.path, "SET x 7", s->reply[0], &s->call_errno[0]);
    struct manager m2 = {0};
    s->start2_rc = manager_start(&m2);
    s->m2 = m2; /* a second manager beside the first */
    if (s->start2_rc == 0)
        manager_shutdown(&m2);
    int before_take = open_fds(NULL);
    take_one(&m); /* a client in this process: its connection must not stay open */
    s->fds_after_take = open_fds(NULL) - before_take;
    manager_shutdown(&m);
    s->fds_after_shutdown = open_fds(NULL) - s->fds_before;
    int before_connect = open_fds(NULL); /* the server is gone: connect must fail cleanly */
    s->failed_connect_fd = manager_connect(&m);
    if (s->failed_connect_fd >= 0)
        close(s->failed_connect_fd);
    s->fds_after_failed_connect = open_fds(NULL) - before_connect;
}

Test(manager, manager_start_makes_private_socket)
{
    struct seen *s = fresh_seen();
    struct sandbox r = sandbox_run(start_body, s, 8000);
    remove_tmpdir(s);
    sandbox_assert_returned(&r, "manager_start()");
    cr_assert(s->start_rc == 0, "manager_start() returned %d: it does not start a manager yet",
              s->start_rc);
    size_t n = strlen(s->tmpdir);
    cr_assert(!strncmp(s->m.path, s->tmpdir, n) && s->m.path[n] == '/' &&
                  strchr(s->m.path + n + 1, '/'),
              "the socket is at \"%s\", not inside a folder of its own under $TMPDIR (%s): a "
              "fixed name collides when two managers (or two gradings) run at once. Make the "
              "folder with mkdtemp(\"$TMPDIR/manager-XXXXXX\") and put manager.sock in it",
              s->m.path, s->tmpdir);
    cr_assert(s->path_is_socket,
              "m->path \"%s\" is not a socket after manager_start(): bind() "
              "the listening socket to it",
              s->m.path);
    cr_assert(s->server_alive && s->server_is_child,
              "m->pid %d is not a running child of the caller: fork the server process and "
              "store its pid",
              (int)s->m.pid);
    cr_assert(!strcmp(s->reply[0], "OK 7"),
              "a client sent \"SET x 7\" right after manager_start() and got %s%s%s: the "
              "socket must already be listening when manager_start() returns, and the server "
              "answers with store_handle()",
              s->reply[0][0] ? "\"" : "", s->reply[0][0] ? s->reply[0] : why(s->call_errno[0]),
              s->reply[0][0] ? "\"" : "");
    cr_assert(s->start2_rc == 0 && strcmp(s->m.path, s->m2.path),
              "a second manager_start() beside the first %s: every manager needs its own "
              "folder (mkdtemp)",
              s->start2_rc ? _("failed") : _("got the same socket path"));
}

Test(manager, caller_keeps_no_descriptors)
{
    struct seen *s = fresh_seen();
    struct sandbox r = sandbox_run(start_body, s, 8000);
    remove_tmpdir(s);
    sandbox_assert_returned(&r, "manager_start(), take_one() and manager_shutdown()");
    cr_assert(s->start_rc == 0, "manager_start() returned %d: it does not start a manager yet",
              s->start_rc);
    cr_assert(s->fds_started == 0,
              "after manager_start() returned, the caller had %d more open descriptor%s than "
              "before (%d of them socket%s): the caller keeps its copy of the listening socket. "
              "Only the server needs it: close it in the caller after fork(), or the socket "
              "stays open in every process the caller forks later (the takers too)",
              s->fds_started, s->fds_started == 1 ? "" : "s", s->sockets_started,
              s->sockets_started == 1 ? "" : "s");
    cr_assert(s->fds_after_take == 0,
              "take_one() left %d more descriptor%s open in its process than before: it "
              "connects and never closes its connection. close(fd) after the reply",
              s->fds_after_take, s->fds_after_take == 1 ? "" : "s");
    cr_assert(s->failed_connect_fd < 0 && s->fds_after_failed_connect <= 0,
              "manager_connect() to a manager that had shut down (no socket file) returned %d "
              "and left %d more descriptor%s open: when connect() fails, close the socket and "
              "return -1",
              s->failed_connect_fd, s->fds_after_failed_connect,
              s->fds_after_failed_connect == 1 ? "" : "s");
    cr_assert(s->fds_after_shutdown <= 0,
              "after manager_shutdown() the caller had %d more open descriptor%s than before "
              "manager_start(): close the connection used to send SHUTDOWN",
              s->fds_after_shutdown, s->fds_after_shutdown == 1 ? "" : "s");
}

/* ---- step 3: many clients, one after another and at once ------------------------ */

static void many_body(void *shared)
{
    struct seen *s = shared;
    enter_tmpdir(s);
    struct manager m = {0}; /* private: a child writing m->pid = 0 must not reach the test */
    s->start_rc = manager_start(&m);
    s->m = m;
    if (s->start_rc < 0)
        return;
    ref_call(s->m.path, "SET count 5", s->reply[0], &s->call_errno[0]);
    ref_call(s->m.path, "GET count", s->reply[1], &s->call_errno[1]);
    ref_call(s->m.path, "ADD count -2", s->reply[2], &s->call_errno[2]);
    manager_shutdown(&m);
}

Test(manager, server_serves_many_clients)
{
    struct seen *s = fresh_seen();
    struct sandbox r = sandbox_run(many_body, s, 12000);
    remove_tmpdir(s);
    sandbox_assert_returned(&r, "three clients, one after another");
    cr_assert(s->start_rc == 0, "manager_start() failed");
    cr_assert(!strcmp(s->reply[0], "OK 5"),
              "the first client sent \"SET count 5\" and got %s%s%s instead of \"OK 5\"",
              s->reply[0][0] ? "\"" : "", s->reply[0][0] ? s->reply[0] : why(s->call_errno[0]),
              s->reply[0][0] ? "\"" : "");
    cr_assert(s->reply[1][0],
              "after the first client disconnected, a second client got no answer (%s): the "
              "server served one client and stopped. Keep going after a client's EOF: close "
              "that client and accept the next, until SHUTDOWN",
              why(s->call_errno[1]));
    cr_assert(!strcmp(s->reply[1], "OK 5") && !strcmp(s->reply[2], "OK 3"),
              "clients one after another got \"%s\" for GET count (expected \"OK 5\") and "
              "\"%s\" for ADD count -2 (expected \"OK 3\"): answer each request with "
              "store_handle()",
              s->reply[1], s->reply[2][0] ? s->reply[2] : why(s->call_errno[2]));
}

static void at_once_body(void *shared)
{
    struct seen *s = shared;
    enter_tmpdir(s);
    struct manager m = {0}; /* private: a child writing m->pid = 0 must not reach the test */
    s->start_rc = manager_start(&m);
    s->m = m;
    if (s->start_rc < 0)
        return;
    int a = ref_connect(s->m.path);
    ref_request(a, "SET a 1", s->reply[0], &s->call_errno[0]);
    /* a stays connected and says nothing more; b comes along */
    int b = ref_connect(s->m.path);
    ref_request(b, "GET a", s->reply[1], &s->call_errno[1]);
    close(b);
    close(a);
    manager_shutdown(&m);
}

Test(manager, server_serves_clients_at_once)
{
    struct seen *s = fresh_seen();
    struct sandbox r = sandbox_run(at_once_body, s, 12000);
    remove_tmpdir(s);
    sandbox_assert_returned(&r, "two clients connected at once");
    cr_assert(s->start_rc == 0, "manager_start() failed");
    cr_assert(!strcmp(s->reply[0], "OK 1"), "client A sent \"SET a 1\" and got %s",
              s->reply[0][0] ? s->reply[0] : why(s->call_errno[0]));
    cr_assert(s->reply[1][0],
              "while client A stayed connected without sending anything, client B got no "
              "answer (%s): the server serves one client at a time and waits for A. poll() the "
              "listening socket and every client, and answer whichever is ready",
              why(s->call_errno[1]));
    cr_assert(!strcmp(s->reply[1], "OK 1"), "client B sent \"GET a\" and got \"%s\", not \"OK 1\"",
              s->reply[1]);
}

/* The server's open descriptors, or -1 when they cannot be listed. */
static int fds_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void closes_body(void *shared)
{
    struct seen *s = shared;
    enter_tmpdir(s);
    prctl(PR_SET_DUMPABLE, 1); /* the server, forked from here, lets its parent list its fds */
    struct manager m = {0};
    s->start_rc = manager_start(&m);
    s->m = m;
    if (s->start_rc < 0)
        return;
    int a = ref_connect(s->m.path);
    ref_request(a, "SET a 1", s->reply[0], &s->call_errno[0]);
    int b = ref_connect(s->m.path);
    ref_request(b, "GET a", s->reply[1], &s->call_errno[1]);
    int base = fds_of(m.pid) - 2; /* what it has without A and B */
    /* A says it is done; the server must close A (A then reads EOF), not B. */
    shutdown(a, SHUT_WR);
    char c;
    s->a_closed_by_server = read(a, &c, 1) == 0; /* bounded by A's receive timeout */
    ref_request(b, "GET a", s->reply[2], &s->call_errno[2]);
    close(b);
    close(a);
    for (int i = 0; i < 3; i++) /* three more clients, one after another */
        ref_call(s->m.path, "GET a", s->reply[3], &s->call_errno[3]);
    double end = now_ms() + 2000; /* until the server has closed every one of them */
    int now = fds_of(m.pid);
    while (now > base && now_ms() < end) {
        sleep_ms(5);
        now = fds_of(m.pid);
    }
    s->server_fds_known = base >= 0 && now >= 0;
    s->server_fds_extra = now - base;
    manager_shutdown(&m);
}

Test(manager, server_closes_each_client)
{
    struct seen *s = fresh_seen();
    struct sandbox r = sandbox_run(closes_body, s, 15000);
    remove_tmpdir(s);
    sandbox_assert_returned(&r, "clients that leave one by one");
    cr_assert(s->start_rc == 0, "manager_start() failed");
    cr_assert(!strcmp(s->reply[0], "OK 1") && !strcmp(s->reply[1], "OK 1"),
              "two connected clients sent \"SET a 1\" and \"GET a\" and got %s and %s",
              s->reply[0][0] ? s->reply[0] : why(s->call_errno[0]),
              s->reply[1][0] ? s->reply[1] : why(s->call_errno[1]));
    cr_assert(s->a_closed_by_server || s->reply[2][0],
              "client A closed its sending side (EOF) while client B stayed connected; the "
              "server then closed B's connection instead of A's (A was never closed, B's next "
              "request got no answer: %s). When a client leaves, close that client's fd before "
              "moving the last slot into its place",
              why(s->call_errno[2]));
    cr_assert(s->a_closed_by_server,
              "client A closed its sending side (EOF), and the server never closed A's "
              "connection (A waited 3 s for the server's EOF): at a client's EOF, close() "
              "that client");
    cr_assert(!strcmp(s->reply[2], "OK 1"),
              "after client A left, client B asked \"GET a\" again and got %s, not \"OK 1\"",
              s->reply[2][0] ? s->reply[2] : why(s->call_errno[2]));
    cr_assert(!s->server_fds_known || s->server_fds_extra <= 0,
              "after 5 clients had come and gone, the server still had %d more descriptor%s "
              "open than before them (seen in /proc/%d/fd): it stops polling a client at its "
              "EOF but never close()s it, so a long-running server runs out of descriptors",
              s->server_fds_extra, s->server_fds_extra == 1 ? "" : "s", (int)s->m.pid);
}

/* ---- step 5: the counter ------------------------------------------------------------ */

static void hundred_body(void *shared)
{
    struct seen *s = shared;
    enter_tmpdir(s);
    struct manager m = {0}; /* private: a child writing m->pid = 0 must not reach the test */
    s->start_rc = manager_start(&m);
    s->m = m;
    if (s->start_rc < 0)
        return;
    ref_call(s->m.path, "SET count 100", s->reply[0], &s->call_errno[0]);
    int gate[2];
    Pipe(gate);
    pid_t pids[TAKERS];
    int n = 0;
    for (; n < TAKERS; n++) {
        pids[n] = fork();
        if (pids[n] < 0)
            break;
        if (pids[n] == 0) {
            char c;
            close(gate[1]);
            (void)!read(gate[0], &c, 1); /* all start together */
            take_one(&m);
            _exit(0);
        }
    }
    close(gate[0]);
    close(gate[1]); /* open the gate */
    double end = now_ms() + 8000;
    for (int i = 0; i < n; i++) {
        while (waitpid(pids[i], NULL, WNOHANG) == 0 && now_ms() < end)
            sleep_ms(2);
        if (now_ms() < end)
            s->finished++;
    }
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    ref_call(s->m.path, "GET count", s->reply[1], &s->call_errno[1]);
    manager_shutdown(&m);
}

Test(manager, hundred_clients_take_one_each)
{
    struct seen *s = fresh_seen();
    struct sandbox r = sandbox_run(hundred_body, s, 15000);
    remove_tmpdir(s);
    sandbox_assert_returned(&r, "100 processes running take_one() at once");
    cr_assert(s->start_rc == 0,
              "manager_start() returned %d: the manager never started, so no client could "
              "ask it anything (see manager_start_makes_private_socket first)",
              s->start_rc);
    cr_assert(!strcmp(s->reply[0], "OK 100"),
              "the manager did not answer \"SET count 100\" with \"OK 100\" (got \"%s\")",
              s->reply[0]);
    cr_assert(s->finished == TAKERS,
              "only %d of %d processes finished take_one() within 8 s: a client waits for an "
              "answer that never comes",
              s->finished, TAKERS);
    cr_assert(s->reply[1][0], "GET count after the takers got no answer (%s)",
              why(s->call_errno[1]));
    long count = strtol(s->reply[1] + 3, NULL, 10);
    cr_assert(count >= 0 || strcmp(s->reply[1], "OK 0") == 0,
              "count went below zero (%s): take_one() took more than 1", s->reply[1]);
    cr_assert(!strcmp(s->reply[1], "OK 0"),
              "100 processes each took 1 from count = 100, and count is now %ld, not 0: %ld of "
              "the 100 decrements were lost. A GET, then a SET of the value minus 1, is two "
              "requests; between them other clients read the same value, and their writes "
              "overwrite each other. Let the server do it in one step: \"ADD count -1\"",
              count, count);
}

/* ---- step 6: shutdown cleans up ------------------------------------------------------- */

static void shutdown_body(void *shared)
{
    struct seen *s = shared;
    enter_tmpdir(s);
    struct manager m = {0}; /* private: a child writing m->pid = 0 must not reach the test */
    s->start_rc = manager_start(&m);
    s->m = m;
    if (s->start_rc < 0)
        return;
    ref_call(s->m.path, "SET x 1", s->reply[0], &s->call_errno[0]);
    s->shutdown_rc = manager_shutdown(&m);
    struct stat st;
    s->socket_left = lstat(s->m.path, &st) == 0;
    s->dir_left = lstat(s->m.dir, &st) == 0;
    int status;
    s->server_left = waitpid(s->m.pid, &status, WNOHANG) >= 0; /* still our child? */
}

Test(manager, shutdown_removes_socket_file)
{
    struct seen *s = fresh_seen();
    struct sandbox r = sandbox_run(shutdown_body, s, 8000);
    remove_tmpdir(s);
    sandbox_assert_returned(&r, "manager_shutdown()");
    cr_assert(s->start_rc == 0, "manager_start() failed");
    cr_assert(!s->socket_left,
              "the socket file %s is still there after manager_shutdown(): a socket file "
              "outlives its server, and the next bind() to that path fails with EADDRINUSE. "
              "unlink() it once the server has stopped",
              s->m.path);
    cr_assert(!s->dir_left, "the folder %s is still there after manager_shutdown(): rmdir() it",
              s->m.dir);
    cr_assert(!s->server_left,
              "the server process %d was not waited for by manager_shutdown(): it is still "
              "running or a zombie. Send SHUTDOWN, then waitpid() for it",
              (int)s->m.pid);
    cr_assert(s->shutdown_rc == 0, "manager_shutdown() returned %d although all was removed",
              s->shutdown_rc);
}

/* ---- manager_call() when the server cannot answer ------------------------------ */

struct call_seen {
    int rc_hangup;   /* manager_call() to a peer that reads the request and closes */
    int rc_gone;     /* manager_call() to a peer that closed before the request */
    int peer_read;   /* the first peer had the request's length */
    bool returned;   /* both calls returned */
};

static void call_body(void *shared)
{
    struct call_seen *c = shared;
    c->rc_hangup = c->rc_gone = 99;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) { /* a server that takes the request and hangs up without a reply */
        close(sv[0]);
        unsigned char len[4];
        struct timeval tv = {3, 0};
        setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        /* the whole request: unread bytes would turn the close into a reset */
        char text[MSG_MAX];
        size_t n;
        c->peer_read = ref_read(sv[1], len, 4) &&
                       (n = (size_t)len[0] << 24 | (size_t)len[1] << 16 | (size_t)len[2] << 8 |
                            len[3]) <= MSG_MAX &&
                       ref_read(sv[1], text, n);
        _exit(0);
    }
    close(sv[1]);
    struct timeval tv = {3, 0}; /* bounds a manager_call() that would wait for ever */
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char reply[MSG_MAX + 1] = "";
    c->rc_hangup = manager_call(sv[0], "GET count", reply, sizeof reply);
    close(sv[0]);
    waitpid(pid, NULL, 0);
    /* A server already gone: the request cannot even be sent. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return;
    close(sv[1]);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    c->rc_gone = manager_call(sv[0], "GET count", reply, sizeof reply);
    close(sv[0]);
    c->returned = true;
}

Test(manager, manager_call_fails_without_reply)
{
    struct call_seen *c = shared_alloc(sizeof *c);
    struct sandbox r = sandbox_run(call_body, c, 10000);
    sandbox_assert_returned(&r, "manager_call() on a connection without a server");
    cr_assert(c->returned, "the check's connections could not be made (a kit problem)");
    cr_assert(c->rc_hangup != 0,
              "manager_call(fd, \"GET count\", ...) returned 0 although the server %s and closed "
              "the connection without a reply: the caller now reads a reply that never came. "
              "Return -1 when send_msg() fails or recv_msg() gives 0 (EOF) or -1",
              c->peer_read ? _("read the request") : _("took nothing"));
    cr_assert(c->rc_gone != 0,
              "manager_call(fd, \"GET count\", ...) returned 0 on a connection whose server had "
              "already closed it: the request could not be sent (send_msg() gave -1) and no "
              "reply came. Return -1 then");
    cr_assert(c->rc_hangup == -1 && c->rc_gone == -1,
              "manager_call() on a connection closed by the server returned %d and %d, not -1",
              c->rc_hangup, c->rc_gone);
}
