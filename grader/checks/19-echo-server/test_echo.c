/* Lab 19 checks: echo_listen, echo_session, echo_serve. Each check runs in a
 * network namespace of its own (loopback only), so ports never collide. */
#include "check.h"
#include "echo.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(echo, .timeout = CHECK_SUITE_TIMEOUT);

enum { ECHO_WAIT_MS = 2000, NCLIENTS = 5, SERIAL_CLIENTS = 12 };

/* What a scenario saw, written by the body (the clients) and the server. */
struct seen {
    int lfd, listen_errno, port, chosen_port, chosen_bound;
    int is_listening, is_loopback;
    int restart_fd, restart_errno;
    int echoed;      /* clients that got their echo */
    int early_fifth; /* the fifth client was served while four were connected */
    int fifth_after; /* ... and was served after one left */
    int got_echo, got_eof;
    int zombies; /* zombie children of the server after the clients left */
    int server_pid, server_done, server_hung, served, left_children;
    int queued, children; /* the server settled: connections waiting in accept's queue, children */
    int fifth_echoed;     /* the fifth got its echo while the four were connected */
    int accept_error_served, accept_error_errno; /* echo_serve on a socket that does not listen */
    int child_has_lfd;     /* the port still listened after the server stopped */
    int session_extra;     /* bytes that came back beyond the BIG ones */
    int stray_return;      /* pid of a process other than the server that returned from echo_serve */
    int error_listen, error_errno, error_leaked; /* echo_listen on a port in use */
    int uncapped_echoed;   /* clients echoed at once with max_clients 0 */
    int child_ended;       /* the session's child had ended */
    int session_ok, session_len;
    char session_first[64];
    char session_partial[16]; /* the echo of "hi", sent without a newline */
    int session_partial_line; /* ... came back only with the next line */
    int session_returned, session_closed_conn; /* echo_session closed the fd it was given */
    int usr1_handled;         /* SIGUSR1 handlers run (interrupted_accept_and_read_go_on) */
    int eintr_session_child, eintr_same_client, eintr_same_eof, eintr_new_client, eintr_handled;
};

/* ---- client side (kit code) -------------------------------------------------- */

static int send_str(int fd, const char *s)
{
    return send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s) ? 0 : -1;
}

/* Read until want bytes or EOF or ms pass. Returns bytes read; *eof set. */
static int recv_within(int fd, char *buf, int want, double ms, int *eof)
{
    int have = 0;
    double end = now_ms() + ms;
    *eof = 0;
    while (have < want) {
        int left = (int)(end - now_ms());
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        ssize_t n = recv(fd, buf + have, want - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *eof = 1;
            break;
        }
        have += n;
    }
    buf[have] = '\0'; /* buf holds want + 1 bytes */
    return have;
}

/* Send msg and get it back within ms: 1 if the echo came. */
static int echo_once(int fd, const char *msg, double ms)
{
    char buf[128];
    int eof;
    if (send_str(fd, msg) < 0)
        return 0;
    return recv_within(fd, buf, (int)strlen(msg), ms, &eof) == (int)strlen(msg) &&
           !memcmp(buf, msg, strlen(msg));
}

/* Wait for EOF (after any data) within ms: 1 if EOF came. */
static int eof_within(int fd, double ms)
{
    char buf[256];
    int eof = 0;
    double end = now_ms() + ms;
    while (!eof && now_ms() < end)
        if (recv_within(fd, buf, sizeof buf - 1, end - now_ms(), &eof) == 0 && !eof)
            break;
    return eof;
}

/* ---- the server under test, in a child of the body --------------------------- */

/* Listen (student code), then fork the server: echo_serve(lfd, max, total).
 * The server records what it returned and the children it left. */
static int start_server(struct seen *s, int max, int total)
{
    s->lfd = echo_listen(0);
    s->listen_errno = errno;
    if (s->lfd < 0)
        return -1;
    s->port = echo_port(s->lfd);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        pid_t server = getpid();
        int served = echo_serve(s->lfd, max, total);
        if (getpid() != server) { /* a child of the server came back here */
            s->stray_return = getpid();
            _exit(0);
        }
        s->served = served;
        s->left_children = count_children_of(getpid());
        s->server_done = 1;
        _exit(0);
    }
    s->server_pid = pid; /* s->lfd stays open here: it shows accept()'s queue */
    return pid > 0 ? 0 : -1;
}

/* Connections the kernel completed on the listening socket that nobody has
 * accepted yet (TCP_INFO of a listening socket: its accept queue). */
static int queued(int lfd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    return getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ? (int)ti.tcpi_unacked : -1;
}

/* Server-side connections on port, accepted or still queued (/proc/net/tcp,
 * state 01 ESTABLISHED, local port == port). */
static int established_on(int port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[256];
    unsigned local, state;
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += sscanf(line, " %*d: %*x:%x %*x:%*x %x", &local, &state) == 2 &&
             (int)local == port && state == 1;
    if (f)
        fclose(f);
    return n;
}

/* Wait (at most ms) until n connections to the server exist on its side,
 * then until the server has done all it will do for now: asleep (a process
 * asleep in accept() is woken by a queued connection, so it is asleep
 * elsewhere or has nothing queued), with the same queue and children on two
 * looks 20 ms apart. Records what it then saw in s->queued, s->children. */
static void settle(struct seen *s, int n, double ms)
{
    double end = now_ms() + ms;
    while (established_on(s->port) < n && now_ms() < end)
        sleep_ms(2);
    int last_q = -2, last_c = -2;
    while (now_ms() < end) {
        char st = process_state(s->server_pid, NULL);
        s->queued = queued(s->lfd);
        s->children = children_of(s->server_pid).alive;
        if (st == 'S' && s->queued == last_q && s->children == last_c)
            return;
        last_q = st == 'S' ? s->queued : -2;
        last_c = s->children;
        sleep_ms(20);
    }
}

/* Wait for the server to return (bounded), then stop it if it did not. */
static void stop_server(struct seen *s, double ms)
{
    close(s->lfd);
    double end = now_ms() + ms;
    while (now_ms() < end) {
        if (waitpid(s->server_pid, NULL, WNOHANG) == s->server_pid)
            return;
        sleep_ms(5);
    }
    s->server_hung = process_state(s->server_pid, NULL); /* 'R': still running */
    kill(s->server_pid, SIGKILL);
    waitpid(s->server_pid, NULL, 0);
}

/* Zombie children of pid, from /proc. */
static int zombies_of(pid_t pid)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len <= 0)
            continue;
        buf[len] = '\0';
        char *p = strrchr(buf, ')'), state;
        int ppid;
        if (p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == pid && state == 'Z')
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

static void assert_listening(const struct seen *s)
{
    cr_assert(s->lfd >= 0,
              "echo_listen(0) returned %d (errno %d, %s), so echo_serve() could not be tried: "
              "every server check starts with echo_listen() (step 1, see listen_on_loopback)",
              s->lfd, s->listen_errno, strerror(s->listen_errno));
}

static void assert_server_returned(const struct seen *s, int total)
{
    cr_assert(!s->stray_return,
              "a child forked by echo_serve() returned from echo_serve() (process %d): after "
              "echo_session() the child must _exit(0), or it goes on running the server's loop",
              s->stray_return);
    cr_assert(!s->server_hung && s->server_done,
              "echo_serve(lfd, ..., %d) did not return after its %d client%s left: it must stop "
              "after total clients and wait for its children",
              total, total, total == 1 ? "" : "s");
    cr_assert(s->left_children == 0,
              "echo_serve() returned leaving %d child%s unreaped: wait for every child before "
              "returning",
              s->left_children, s->left_children == 1 ? "" : "ren");
}

/* ---- step 1: echo_listen ------------------------------------------------------- */

static void listen_body(void *shared)
{
    struct seen *s = shared;
    s->lfd = echo_listen(0);
    s->listen_errno = errno;
    if (s->lfd < 0)
        return;
    s->port = echo_port(s->lfd);
    int on = 0;
    socklen_t len = sizeof on;
    s->is_listening = getsockopt(s->lfd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
    struct sockaddr_in a;
    len = sizeof a;
    s->is_loopback = getsockname(s->lfd, (struct sockaddr *)&a, &len) == 0 &&
                     a.sin_family == AF_INET && a.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    /* A port chosen by the caller: find a free one, then ask for it. */
    int tmp = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(tmp, (struct sockaddr *)&a, sizeof a);
    s->chosen_port = echo_port(tmp);
    close(tmp);
    int fd = echo_listen(s->chosen_port);
    s->chosen_bound = fd >= 0 ? echo_port(fd) : -errno;
    /* The port of s->lfd is taken (it listens): echo_listen must fail, and
     * close the socket it made. The lowest free fd shows a leak. */
    int before = dup(0);
    close(before);
    s->error_listen = echo_listen(s->port);
    s->error_errno = errno;
    int after = dup(0);
    close(after);
    s->error_leaked = s->error_listen < 0 && after != before;
}

Test(echo, listen_on_loopback)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(listen_body, s, 3000);
    sandbox_assert_returned(&r, "echo_listen()");
    assert_listening(s);
    cr_assert(s->is_listening,
              "echo_listen(0) returned fd %d, which is not listening: call "
              "listen(fd, 16) after bind()",
              s->lfd);
    cr_assert(s->is_loopback && s->port > 0,
              "echo_listen(0) is bound to port %d, not to 127.0.0.1 on a port the kernel "
              "picked: bind to htonl(INADDR_LOOPBACK), htons(port)",
              s->port);
    cr_assert(s->chosen_bound >= 0,
              "echo_listen(%d), a free port, returned -1 (%s): a free port must be bound and "
              "listened on",
              s->chosen_port, strerror(-s->chosen_bound));
    cr_assert(s->chosen_bound == s->chosen_port,
              "echo_listen(%d) listens on port %d, not %d: %s", s->chosen_port, s->chosen_bound,
              s->chosen_port,
              s->chosen_bound == (int)htons((uint16_t)s->chosen_port)
                  ? "the port went in unconverted. sin_port is in network byte order: "
                    "a.sin_port = htons(port)"
                  : "bind the port asked for, in network byte order (htons)");
    cr_assert(s->error_listen < 0,
              "echo_listen(%d) returned %d although port %d already has a listening socket: "
              "bind() fails there (EADDRINUSE, SO_REUSEADDR or not), and echo_listen must "
              "return -1",
              s->port, s->error_listen, s->port);
    cr_assert(!s->error_leaked,
              "echo_listen(%d) on a port in use returned -1 (%s) but left its socket open (the "
              "lowest free descriptor moved): close(fd) before returning -1",
              s->port, strerror(s->error_errno));
}

/* ---- step 2: echo_session ------------------------------------------------------- */

enum { BIG = 200000 };

static void session_body(void *shared)
{
    struct seen *s = shared;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return;
    fflush(NULL);
    pid_t server = fork();
    if (server == 0) {
        close(sv[0]);
        signal(SIGPIPE, SIG_IGN);
        echo_session(sv[1]);
        s->session_closed_conn = fcntl(sv[1], F_GETFD) < 0 && errno == EBADF;
        s->session_returned = 1;
        _exit(0);
    }
    close(sv[1]);
    /* Interactive: the first line comes back before the client closes. */
    int eof;
    send_str(sv[0], "hello\n");
    recv_within(sv[0], s->session_first, 6, ECHO_WAIT_MS, &eof);
    /* Then a lot, written by another process while this one reads. */
    pid_t writer = fork();
    if (writer == 0) {
        static char out[BIG];
        for (int i = 0; i < BIG; i++)
            out[i] = (char)('a' + i % 26);
        write_all(sv[0], out, BIG);
        shutdown(sv[0], SHUT_WR);
        _exit(0);
    }
    static char in[BIG + 1];
    s->session_len = recv_within(sv[0], in, BIG, 3000, &eof);
    int ok = s->session_len == BIG;
    for (int i = 0; ok && i < BIG; i++)
        ok = in[i] == (char)('a' + i % 26);
    s->session_ok = ok;
    static char more[4096]; /* what comes back beyond what was sent, up to EOF */
    double end = now_ms() + ECHO_WAIT_MS;
    int n;
    do
        s->session_extra += n = recv_within(sv[0], more, sizeof more - 1, end - now_ms(), &eof);
    while (n > 0 && !eof);
    s->got_eof = eof;
    kill(writer, SIGKILL);
    waitpid(writer, NULL, 0);
    /* Its session over, the server records what became of conn and ends. */
    bool ended = false;
    for (double stop = now_ms() + ECHO_WAIT_MS; eof && !ended && now_ms() < stop; sleep_ms(1))
        ended = waitpid(server, NULL, WNOHANG) == server;
    if (!ended) {
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
    }
    /* A second session: bytes, not lines, come back, newline or not. */
    close(sv[0]);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return;
    fflush(NULL);
    server = fork();
    if (server == 0) {
        close(sv[0]);
        signal(SIGPIPE, SIG_IGN);
        echo_session(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    send_str(sv[0], "hi");
    recv_within(sv[0], s->session_partial, 2, ECHO_WAIT_MS, &eof);
    char line[8];
    send_str(sv[0], "hello\n");
    recv_within(sv[0], line, 6, ECHO_WAIT_MS, &eof);
    s->session_partial_line = !strncmp(line, "hi", 2); /* the 'hi' came with the line */
    close(sv[0]);
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
}

Test(echo, session_echoes_until_eof)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(session_body, s, 10000);
    sandbox_assert_returned(&r, "echo_session()");
    cr_assert(!strcmp(s->session_first, "hello\n"),
              "the client sent 'hello\\n' and got back '%s' within %d ms while still connected: "
              "echo.h asks to send back every byte as it arrives (a session that waits for EOF, "
              "or never writes, fails here)",
              s->session_first, ECHO_WAIT_MS);
    cr_assert(s->session_extra == 0 && (s->session_ok || s->session_len < BIG),
              "the client sent 6 + %d bytes and got back %d more than it sent, or other bytes: "
              "write back exactly the n bytes each read() gave, not the whole buffer",
              BIG, s->session_len + s->session_extra - BIG);
    cr_assert(s->session_ok,
              "the client sent 6 + %d bytes and got only 6 + %d back before EOF or %d ms: loop "
              "until read() returns 0 and write back all n bytes each read() gave (write_all "
              "loops over short writes)",
              BIG, s->session_len, 3000);
    cr_assert(s->got_eof, "after the client closed its side, echo_session() did not return "
                          "(the client never saw EOF): return when read() gives 0");
    cr_assert(!(s->session_partial[0] == '\0' && s->session_partial_line),
              "the client sent 'hi' (no newline) and got nothing back within %d ms while still "
              "connected; after it sent 'hello\\n' the 'hi' came back with that line: the "
              "session waits for a whole line. TCP carries bytes, not lines: write back what "
              "each read() gave, at once, newline or not",
              ECHO_WAIT_MS);
    cr_assert(!strcmp(s->session_partial, "hi"),
              "the client sent 'hi' (no newline) and got back '%s' within %d ms while still "
              "connected: echo.h asks to send back every byte as it arrives",
              s->session_partial, ECHO_WAIT_MS);
    cr_assert(!s->session_returned || !s->session_closed_conn,
              "echo_session(conn) closed conn before it returned: echo.h says it does not. "
              "The caller owns the descriptor (it may still shut it down, log, or send a last "
              "word) and closes it itself; echo_serve's child does so by _exit()");
}

/* ---- steps 3 and 4: echo_serve ---------------------------------------------------- */

static void at_once_body(void *shared)
{
    struct seen *s = shared;
    if (start_server(s, 4, 4) < 0)
        return;
    int fd[4];
    for (int i = 0; i < 4; i++)
        fd[i] = echo_dial(s->port);
    /* All four are connected before any is answered, and the server has done
     * all it does for them: a serial server answers only the first one until
     * it leaves. */
    settle(s, 4, 8000);
    double end = now_ms() + ECHO_WAIT_MS;
    for (int i = 0; i < 4; i++)
        s->echoed += fd[i] >= 0 && echo_once(fd[i], "ping\n", end - now_ms());
    for (int i = 0; i < 4; i++)
        close(fd[i]);
    stop_server(s, 3000);
}

/* max_clients 0: no cap at all; six clients at once all get their echo. */
static void uncapped_body(void *shared)
{
    struct seen *s = shared;
    if (start_server(s, 0, 6) < 0)
        return;
    int fd[6];
    for (int i = 0; i < 6; i++)
        fd[i] = echo_dial(s->port);
    settle(s, 6, 8000);
    double end = now_ms() + ECHO_WAIT_MS;
    for (int i = 0; i < 6; i++)
        s->uncapped_echoed += fd[i] >= 0 && echo_once(fd[i], "ping\n", end - now_ms());
    for (int i = 0; i < 6; i++)
        close(fd[i]);
    stop_server(s, 3000);
}

Test(echo, clients_served_at_once)
{
    struct seen *u = shared_alloc(sizeof *u);
    struct sandbox ur = sandbox_run(uncapped_body, u, 12000);
    sandbox_assert_returned(&ur, "echo_serve()");
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(at_once_body, s, 10000);
    sandbox_assert_returned(&r, "echo_serve()");
    assert_listening(s);
    cr_assert(s->echoed == 4 || s->queued <= 0,
              "4 clients connected at once; the server went to sleep with %d of them still "
              "waiting in accept()'s queue and %d child%s, and only %d got their echo while "
              "all were connected: it serves one client at a time (serial). Fork a child per "
              "client and go straight back to accept(), never waiting for that child there",
              s->queued, s->children, s->children == 1 ? "" : "ren", s->echoed);
    cr_assert(s->echoed == 4,
              "4 clients connected at once, the server accepted them all (%d child%s), and "
              "only %d got their echo within %d ms while all were connected: each child must "
              "run echo_session() on its client. To see it: ./echo_demo 4",
              s->children, s->children == 1 ? "" : "ren", s->echoed, ECHO_WAIT_MS);
    assert_server_returned(s, 4);
    cr_assert(u->uncapped_echoed == 6,
              "echo_serve(lfd, 0, 6): six clients connected at once, the server went to sleep "
              "with %d child%s and %d connection%s still queued, and only %d got their echo: "
              "max_clients <= 0 means no cap at all, so never wait for a child before accept() "
              "then",
              u->children, u->children == 1 ? "" : "ren", u->queued, u->queued == 1 ? "" : "s",
              u->uncapped_echoed);
    assert_server_returned(u, 6);
}

static void fifth_body(void *shared)
{
    struct seen *s = shared;
    if (start_server(s, 4, NCLIENTS) < 0)
        return;
    int fd[NCLIENTS];
    for (int i = 0; i < 4; i++) {
        fd[i] = echo_dial(s->port);
        s->echoed += fd[i] >= 0 && echo_once(fd[i], "ping\n", ECHO_WAIT_MS);
    }
    fd[4] = echo_dial(s->port);
    send_str(fd[4], "fifth\n");
    /* Four are being served: the fifth must wait in accept()'s queue. Once
     * its connection exists and the server is asleep, the queue shows
     * whether the server took it. */
    settle(s, 5, 8000);
    s->early_fifth = s->queued == 0;
    char buf[16];
    int eof;
    if (s->early_fifth)
        s->fifth_echoed = recv_within(fd[4], buf, 6, ECHO_WAIT_MS, &eof) == 6;
    close(fd[0]); /* one leaves: now the fifth gets its turn */
    if (!s->fifth_echoed)
        s->fifth_after = recv_within(fd[4], buf, 6, 3 * ECHO_WAIT_MS, &eof) == 6;
    for (int i = 1; i < NCLIENTS; i++)
        close(fd[i]);
    stop_server(s, 3000);
}

Test(echo, fifth_client_waits_for_a_free_slot)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(fifth_body, s, 12000);
    sandbox_assert_returned(&r, "echo_serve()");
    assert_listening(s);
    cr_assert(s->echoed == 4,
              "only %d of the first 4 clients got an echo: see "
              "clients_served_at_once",
              s->echoed);
    cr_assert(!s->early_fifth || !s->fifth_echoed,
              "echo_serve(lfd, 4, 5) accepted and served a fifth client while four were still "
              "connected (it had %d child%s): the cap is not enforced. When max_clients "
              "children are running, waitpid() for one to end before the next accept()",
              s->children, s->children == 1 ? "" : "ren");
    cr_assert(!s->early_fifth,
              "echo_serve(lfd, 4, 5) accepted a fifth connection while four clients were "
              "being served (it had %d child%s, and the fifth got no echo until one left): "
              "echo.h asks to wait until one ends before accepting, so the fifth client waits "
              "in the kernel's queue, not in an accepted socket nobody reads. Move the "
              "blocking waitpid() before accept()",
              s->children, s->children == 1 ? "" : "ren");
    cr_assert(s->fifth_after,
              "the fifth client was still not served %d ms after one of the four left: when a "
              "child ends, reap it and accept the waiting client",
              3 * ECHO_WAIT_MS);
    assert_server_returned(s, NCLIENTS);
}

static void eof_body(void *shared)
{
    struct seen *s = shared;
    /* Two clients: the server is still running (in accept) while the first
     * one waits for its EOF; a returning server would close every fd. */
    if (start_server(s, 4, 2) < 0)
        return;
    int fd = echo_dial(s->port);
    int eof;
    char buf[16];
    send_str(fd, "bye\n");
    shutdown(fd, SHUT_WR); /* the client is done sending */
    s->got_echo = recv_within(fd, buf, 4, ECHO_WAIT_MS, &eof) == 4;
    /* Once the child has ended, only the server itself can hold the
     * connection open. */
    double end = now_ms() + 8000;
    while (!(s->child_ended = children_of(s->server_pid).alive == 0) && now_ms() < end)
        sleep_ms(5);
    s->got_eof = eof || eof_within(fd, ECHO_WAIT_MS);
    close(fd);
    fd = echo_dial(s->port);
    close(fd);
    stop_server(s, 3000);
}

Test(echo, parent_closes_accepted_socket)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(eof_body, s, 10000);
    sandbox_assert_returned(&r, "echo_serve()");
    assert_listening(s);
    cr_assert(s->got_echo, "the client sent 'bye\\n' and got no echo within %d ms", ECHO_WAIT_MS);
    cr_assert(s->got_eof || s->child_ended,
              "the client got its echo and closed its sending side, and the child serving it "
              "was still running 8000 ms later: echo_session() must return when read() gives "
              "0, and the child then _exit()");
    cr_assert(s->got_eof,
              "the client got its echo, closed its sending side, and saw no EOF within %d ms "
              "although the child serving it had ended: the parent keeps its copy of the "
              "accepted socket, so the connection stays open. close(conn) in the parent right "
              "after fork()",
              ECHO_WAIT_MS);
    assert_server_returned(s, 2);
}

static void reap_body(void *shared)
{
    struct seen *s = shared;
    if (start_server(s, 0, SERIAL_CLIENTS + 1) < 0)
        return;
    double eof_wait = ECHO_WAIT_MS;            /* once an EOF never came, do not wait for more */
    for (int i = 0; i < SERIAL_CLIENTS; i++) { /* come and go, one after another */
        int fd = echo_dial(s->port);
        s->echoed += fd >= 0 && echo_once(fd, "hi\n", ECHO_WAIT_MS);
        shutdown(fd, SHUT_WR);
        if (!eof_within(fd, eof_wait))
            eof_wait = 0;
        close(fd);
    }
    /* Every child has ended or is ending; a server that reaps keeps at most
     * the last one or two as zombies until its next accept(). */
    double end = now_ms() + 1000;
    while ((s->zombies = zombies_of(s->server_pid)) > 3 && now_ms() < end)
        sleep_ms(10);
    int fd = echo_dial(s->port); /* the last client lets echo_serve() return */
    s->echoed += fd >= 0 && echo_once(fd, "hi\n", ECHO_WAIT_MS);
    close(fd);
    stop_server(s, 3000);
}

Test(echo, children_reaped_as_clients_leave)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(reap_body, s, 15000);
    sandbox_assert_returned(&r, "echo_serve()");
    assert_listening(s);
    cr_assert(s->echoed == SERIAL_CLIENTS + 1, "only %d of %d clients got their echo", s->echoed,
              SERIAL_CLIENTS + 1);
    cr_assert(s->zombies <= 3,
              "after %d clients came and went one by one, the server had %d zombie children: "
              "no reaping while it serves. After each accept() (or on SIGCHLD), reap every "
              "child that ended: while (waitpid(-1, NULL, WNOHANG) > 0)",
              SERIAL_CLIENTS, s->zombies);
    assert_server_returned(s, SERIAL_CLIENTS + 1);
    cr_assert(s->served == SERIAL_CLIENTS + 1,
              "echo_serve(lfd, 0, %d) returned %d: after total clients it returns total",
              SERIAL_CLIENTS + 1, s->served);
}

/* ---- restart: SO_REUSEADDR ----------------------------------------------------------- */

static void restart_body(void *shared)
{
    struct seen *s = shared;
    s->lfd = echo_listen(0);
    s->listen_errno = errno;
    if (s->lfd < 0)
        return;
    s->port = echo_port(s->lfd);
    /* One connection, closed by the server side first: that side's socket
     * stays in TIME_WAIT on the port, as after a server restart. */
    int client = echo_dial(s->port);
    int conn = accept(s->lfd, NULL, NULL);
    close(conn);
    close(s->lfd);
    int eof = eof_within(client, ECHO_WAIT_MS);
    (void)eof;
    close(client);
    s->restart_fd = echo_listen(s->port);
    s->restart_errno = errno;
    if (s->restart_fd >= 0)
        close(s->restart_fd);
}

Test(echo, restart_on_same_port)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(restart_body, s, 5000);
    sandbox_assert_returned(&r, "echo_listen()");
    assert_listening(s);
    cr_assert(s->restart_fd >= 0,
              "the server was stopped and started again on port %d: echo_listen(%d) failed "
              "with %s. A connection closed by the server is still in TIME_WAIT on that port; "
              "set SO_REUSEADDR (setsockopt, value 1) before bind() so a restart can bind it",
              s->port, s->port, strerror(s->restart_errno));
}

/* ---- error path: accept() fails ------------------------------------------------------- */

static void accept_error_body(void *shared)
{
    struct seen *s = shared;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0); /* never listens: accept() fails with EINVAL */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        s->accept_error_served = echo_serve(s->lfd, 4, 3);
        s->accept_error_errno = errno;
        s->server_done = 1;
        _exit(0);
    }
    s->server_pid = pid;
    stop_server(s, 3000);
}

Test(echo, serve_returns_error_when_accept_fails)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(accept_error_body, s, 8000);
    sandbox_assert_returned(&r, "echo_serve()");
    cr_assert(s->server_done,
              "echo_serve(fd, 4, 3) on a socket that does not listen (accept() fails with "
              "EINVAL) had not returned after 3000 ms%s: echo.h says it returns -1 when accept "
              "fails. Go on only after EINTR (or ECONNABORTED), errors that pass",
              s->server_hung == 'R' ? _(" and was still running (does it retry accept() forever?)")
                                    : "");
    cr_assert(s->accept_error_served == -1,
              "echo_serve(fd, 4, 3) on a socket that does not listen (accept() fails with "
              "EINVAL) returned %d: echo.h says it returns -1 when accept fails",
              s->accept_error_served);
}

/* ---- interrupted system calls: EINTR is no error --------------------------------------- */

static struct seen *eintr_seen;

/* Installed without SA_RESTART (as a SIGCHLD handler often is): a blocking
 * accept() or read() it interrupts fails with EINTR. */
static void on_usr1(int sig)
{
    (void)sig;
    __atomic_fetch_add(&eintr_seen->usr1_handled, 1, __ATOMIC_SEQ_CST);
}

static void eintr_body(void *shared)
{
    struct seen *s = shared;
    eintr_seen = s;
    struct sigaction sa = {.sa_handler = on_usr1}; /* sa_flags 0: no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL); /* the server and its children inherit it */
    if (start_server(s, 0, 2) < 0)
        return;
    int c1 = echo_dial(s->port);
    s->echoed = c1 >= 0 && echo_once(c1, "a\n", ECHO_WAIT_MS);
    settle(s, 1, ECHO_WAIT_MS); /* the server asleep in accept(), its child in read() */
    pid_t child = children_of(s->server_pid).last;
    for (double end = now_ms() + ECHO_WAIT_MS;
         now_ms() < end && child > 0 && process_state(child, NULL) != 'S';)
        sleep_ms(1);
    s->eintr_session_child = child > 0 && process_state(child, NULL) == 'S';
    if (!s->echoed || !s->eintr_session_child) {
        close(c1);
        stop_server(s, 1000);
        return;
    }
    kill(child, SIGUSR1);
    kill(s->server_pid, SIGUSR1);
    /* Both handlers ran: the calls they interrupted have returned EINTR. */
    for (double end = now_ms() + ECHO_WAIT_MS;
         now_ms() < end && __atomic_load_n(&s->usr1_handled, __ATOMIC_SEQ_CST) < 2;)
        sleep_ms(1);
    s->eintr_handled = __atomic_load_n(&s->usr1_handled, __ATOMIC_SEQ_CST);
    char back[8];
    s->eintr_same_client = send_str(c1, "b\n") == 0 &&
                           recv_within(c1, back, 2, ECHO_WAIT_MS, &s->eintr_same_eof) == 2 &&
                           !strcmp(back, "b\n");
    int c2 = echo_dial(s->port);
    s->eintr_new_client = c2 >= 0 && echo_once(c2, "c\n", ECHO_WAIT_MS);
    close(c1);
    if (c2 >= 0)
        close(c2);
    stop_server(s, ECHO_WAIT_MS);
}

Test(echo, interrupted_accept_and_read_go_on)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(eintr_body, s, 12000);
    sandbox_assert_returned(&r, "echo_serve() with a signal handler");
    assert_listening(s);
    cr_assert(s->echoed, "one client sent 'a\\n' and got no echo within %d ms: see "
                         "clients_served_at_once",
              ECHO_WAIT_MS);
    cr_assert(s->eintr_session_child,
              "the server's child for a connected client was not found asleep (in read()) "
              "within %d ms", ECHO_WAIT_MS);
    cr_assert(s->eintr_handled == 2, "of the 2 SIGUSR1 sent, %d reached their handler",
              s->eintr_handled);
    cr_assert(s->eintr_same_client || !s->eintr_same_eof,
              "a signal with a handler (installed without SA_RESTART) arrived while the "
              "session's read() waited for the client; afterwards the client's 'b\\n' got no "
              "echo but end of file: the session ended. read() then fails with EINTR, which is "
              "no error and no end of file: read again");
    cr_assert(s->eintr_same_client,
              "a signal with a handler (installed without SA_RESTART) arrived while the "
              "session's read() waited for the client; afterwards the client's 'b\\n' got no "
              "echo within %d ms (and no end of file)",
              ECHO_WAIT_MS);
    cr_assert(s->eintr_new_client,
              "a signal with a handler (installed without SA_RESTART, as a SIGCHLD handler "
              "often is) arrived while the server waited in accept(); afterwards a new client "
              "got no echo within %d ms (echo_serve returned %d): accept() then fails with "
              "EINTR, and echo.h says EINTR passes: accept again",
              ECHO_WAIT_MS, s->server_done ? s->served : 0);
    cr_assert(s->server_done && s->served == 2,
              "echo_serve(lfd, 0, 2) with its accept() and a session's read() interrupted by "
              "a signal %s%d: it must serve its 2 clients and return 2",
              s->server_done ? _("returned ") : _("did not return; it had served "), s->served);
}

/* ---- fd hygiene: the child does not keep the listening socket ------------------------- */

static void child_fd_body(void *shared)
{
    struct seen *s = shared;
    if (start_server(s, 4, 1) < 0)
        return;
    int fd = echo_dial(s->port);
    s->echoed = fd >= 0 && echo_once(fd, "hi\n", ECHO_WAIT_MS); /* its child is in the session */
    /* The server stops while that session goes on: once the server and this
     * process have closed lfd, the port listens only if the child holds it. */
    kill(s->server_pid, SIGKILL);
    waitpid(s->server_pid, NULL, 0);
    close(s->lfd);
    int late = echo_dial(s->port);
    s->child_has_lfd = late >= 0;
    if (late >= 0)
        close(late);
    close(fd);
}

Test(echo, child_closes_listening_socket)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(child_fd_body, s, 8000);
    sandbox_assert_returned(&r, "echo_serve()");
    assert_listening(s);
    cr_assert(s->echoed, "one client sent 'hi\\n' and got no echo within %d ms: see "
                         "clients_served_at_once",
              ECHO_WAIT_MS);
    cr_assert(!s->child_has_lfd,
              "the server was stopped while its child still served a client, and a new client "
              "could still connect to the port: the listening socket lives on in that child. "
              "The child never accepts, so it must close(lfd) first; else the port queues "
              "clients nobody serves for as long as any session lasts after the server stops");
}
