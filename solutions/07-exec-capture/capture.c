/* capture.c - lab 07, reference solution. */
#include "capture.h"
#include "proclabs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t spawn_piped(char *const argv[], int *read_fd)
{
    int fds[2];
    if (pipe(fds) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO); /* the command writes into the pipe */
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        /* Only reached when exec failed. _exit, not exit: exit() would flush
         * the parent's stdio buffers, copied by fork, into the pipe. */
        dprintf(STDERR_FILENO, "capture: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(EXEC_FAILED);
    }
    close(fds[1]); /* or read() never sees EOF: we would be a writer too */
    *read_fd = fds[0];
    return pid;
}

char *read_until_eof(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got == 0) break; /* EOF: every write end is closed */
        if (got < 0) {
            if (errno == EINTR) continue;
            free(buf);
            return NULL;
        }
        n += (size_t)got; /* a read gives what is there now, not all of it */
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int wait_exitcode(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1000;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return -WTERMSIG(status);
}

int run_capture(char *const argv[], struct capture *cap)
{
    int fd;
    cap->out = NULL;
    cap->len = 0;
    pid_t pid = spawn_piped(argv, &fd);
    if (pid < 0) return -1;
    /* Read first, wait after: a child whose output fills the pipe blocks
     * until someone reads, so waiting first would wait forever. */
    cap->out = read_until_eof(fd, &cap->len);
    close(fd);
    cap->status = wait_exitcode(pid);
    return 0;
}
