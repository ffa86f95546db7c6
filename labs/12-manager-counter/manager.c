/*
 * manager.c - lab 12: a manager process and its clients. This is the file
 * you edit. Read README.md first; `make grade LAB=12` checks your work.
 */
#include "manager.h"
#include "proclabs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

ssize_t recv_msg(int fd, char *buf, size_t cap)
{
    /* TODO step 1: read the 4 length bytes (big-endian), then exactly that
     * many text bytes; read_all() from proclabs.h loops over short reads.
     * 0 on EOF before the length, -1 on anything wrong; NUL-terminate. */
    (void)fd;
    (void)buf;
    (void)cap;
    return -1;
}

int manager_start(struct manager *m)
{
    /* TODO step 2: mkdtemp("$TMPDIR/manager-XXXXXX") into m->dir, m->path =
     * dir + "/manager.sock"; socket(AF_UNIX, SOCK_STREAM), bind, listen;
     * fork: the child runs serve(listen_fd) and _exit(0)s; the parent closes
     * the listening socket, sets m->pid and returns 0. */
    (void)m;
    return -1;
}

void serve(int listen_fd)
{
    /* TODO step 3: poll() the listening socket and every client: accept new
     * clients; recv_msg() a request from a ready client, answer it with
     * store_handle() and send_msg(); close a client at EOF. After replying
     * to SHUTDOWN (store_handle returns true), close everything and return. */
    (void)listen_fd;
}

int manager_connect(const struct manager *m)
{
    /* TODO step 4: socket(AF_UNIX, SOCK_STREAM), connect to m->path. */
    (void)m;
    return -1;
}

int manager_call(int fd, const char *request, char *reply, size_t cap)
{
    /* TODO step 4: send_msg() the request, recv_msg() the reply. */
    (void)fd;
    (void)request;
    (void)reply;
    (void)cap;
    return -1;
}

void take_one(const struct manager *m)
{
    /* TODO step 5: connect and take 1 from "count" in ONE request that the
     * server does in one step; then close the connection. */
    (void)m;
}

int manager_shutdown(struct manager *m)
{
    /* TODO step 6: send SHUTDOWN, wait for the server process (waitpid),
     * then remove the socket file (unlink) and the folder (rmdir). */
    (void)m;
    return -1;
}
