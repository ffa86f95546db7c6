/* Stevens-style wrappers: the call succeeds or the process dies saying why. */
#define _GNU_SOURCE
#include "proclabs.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t Fork(void)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    return pid;
}

pid_t Waitpid(pid_t pid, int *status, int options)
{
    pid_t r;
    while ((r = waitpid(pid, status, options)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        die("waitpid(%d)", (int)pid);
    return r;
}

void Pipe(int fds[2])
{
    if (pipe(fds) < 0)
        die("pipe");
}

void Socketpair(int fds[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
        die("socketpair");
}

void Dup2(int oldfd, int newfd)
{
    if (dup2(oldfd, newfd) < 0)
        die("dup2(%d, %d)", oldfd, newfd);
}

void Close(int fd)
{
    if (close(fd) < 0)
        die("close(%d)", fd);
}

void Kill(pid_t pid, int sig)
{
    if (kill(pid, sig) < 0)
        die("kill(%d, %s)", (int)pid, strsignal(sig));
}

void Sigaction(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0)
        die("sigaction(%s)", strsignal(sig));
}

ssize_t write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    return (ssize_t)n;
}

ssize_t read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}
