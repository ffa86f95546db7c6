/* echo.c - lab 19, reference solution. */
#include "echo.h"
#include "proclabs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int echo_listen(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    /* Without it, bind() fails while an old connection on this port is in
     * TIME_WAIT: a restarted server could not come back for a minute. */
    int on = 1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void echo_session(int conn)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(conn, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* 0: the client closed its side */
        if (write_all(conn, buf, n) < 0)
            return;
    }
}

/* Reap one child; blocking or not. 1 if one was reaped. */
static int reap(int options)
{
    for (;;) {
        pid_t pid = waitpid(-1, NULL, options);
        if (pid > 0)
            return 1;
        if (pid < 0 && errno == EINTR)
            continue;
        return 0;
    }
}

int echo_serve(int lfd, int max_clients, int total)
{
    int active = 0, served = 0;
    while (total <= 0 || served < total) {
        while (active > 0 && reap(WNOHANG)) /* those that ended: no zombies */
            active--;
        while (max_clients > 0 && active >= max_clients && reap(0)) /* full: wait for one */
            active--;
        int conn = accept(lfd, NULL, NULL);
        if (conn < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            served = -1;
            break;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(lfd);
            echo_session(conn);
            _exit(0); /* closes conn: the client sees EOF */
        }
        close(conn); /* the child has its own copy; ours would keep the connection open */
        if (pid > 0) {
            active++;
            served++;
        }
    }
    while (active > 0 && reap(0))
        active--;
    return served;
}
