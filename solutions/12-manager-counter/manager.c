/* manager.c - lab 12, reference solution: a manager process over a Unix
 * socket, and its clients. */
#include "manager.h"
#include "proclabs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_CLIENTS = 256 };

ssize_t recv_msg(int fd, char *buf, size_t cap)
{
    unsigned char len[4];
    /* read_all loops: a read() may return only part of what was sent. */
    ssize_t n = read_all(fd, len, sizeof len);
    if (n == 0) return 0; /* EOF between messages: the peer is done */
    if (n != (ssize_t)sizeof len) return -1;
    size_t size = (size_t)len[0] << 24 | (size_t)len[1] << 16 | (size_t)len[2] << 8 | len[3];
    if (size == 0 || size >= cap || read_all(fd, buf, size) != (ssize_t)size) return -1;
    buf[size] = '\0';
    return (ssize_t)size;
}

int manager_start(struct manager *m)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    /* A fresh folder per manager: parallel runs never share a socket name. */
    int len = snprintf(m->dir, sizeof m->dir, "%s/manager-XXXXXX", tmp);
    if (len >= (int)sizeof m->dir || !mkdtemp(m->dir)) return -1;
    snprintf(m->path, sizeof m->path, "%s/manager.sock", m->dir);

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", m->path);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(lfd, SOMAXCONN) < 0 || (m->pid = fork()) < 0) {
        if (lfd >= 0) close(lfd);
        unlink(m->path);
        rmdir(m->dir);
        return -1;
    }
    if (m->pid == 0) {
        serve(lfd);
        _exit(0);
    }
    close(lfd); /* listening before the fork: clients may connect at once */
    return 0;
}

void serve(int listen_fd)
{
    struct pollfd fds[MAX_CLIENTS + 1];
    int n = 1;
    fds[0] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
    bool running = true;
    while (running) {
        fds[0].events = n <= MAX_CLIENTS ? POLLIN : 0;
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        /* Downwards, so a closed client can be replaced by the last one. */
        for (int i = n - 1; i >= 1 && running; i--) {
            if (!fds[i].revents) continue;
            char req[MSG_MAX + 1], reply[MSG_MAX + 1];
            if (recv_msg(fds[i].fd, req, sizeof req) <= 0) {
                close(fds[i].fd); /* EOF (or garbage): this client is done */
                fds[i] = fds[--n];
                continue;
            }
            /* One request at a time, in this one process: ADD is atomic. */
            running = !store_handle(req, reply, sizeof reply);
            send_msg(fds[i].fd, reply);
        }
        if (running && (fds[0].revents & POLLIN)) {
            int c = accept(listen_fd, NULL, NULL);
            if (c >= 0) fds[n++] = (struct pollfd){.fd = c, .events = POLLIN};
        }
    }
    for (int i = 0; i < n; i++)
        close(fds[i].fd);
}

int manager_connect(const struct manager *m)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", m->path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

int manager_call(int fd, const char *request, char *reply, size_t cap)
{
    if (send_msg(fd, request) < 0 || recv_msg(fd, reply, cap) <= 0) return -1;
    return 0;
}

void take_one(const struct manager *m)
{
    int fd = manager_connect(m);
    if (fd < 0) return;
    char reply[MSG_MAX + 1];
    /* One request: the server reads and writes count in one step. */
    manager_call(fd, "ADD count -1", reply, sizeof reply);
    close(fd);
}

int manager_shutdown(struct manager *m)
{
    char reply[MSG_MAX + 1];
    int fd = manager_connect(m);
    if ((fd < 0 || manager_call(fd, "SHUTDOWN", reply, sizeof reply) < 0) && m->pid > 0)
        kill(m->pid, SIGTERM); /* the server cannot be asked: stop it anyway */
    if (fd >= 0) close(fd);
    Waitpid(m->pid, NULL, 0);
    /* The socket file outlives the server: remove it, then its folder. */
    int bad = unlink(m->path) < 0;
    bad |= rmdir(m->dir) < 0;
    return bad ? -1 : 0;
}
