/* states.c - lab 05, reference solution. */
#include "states.h"
#include "proclabs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t reaped_children;

int read_proc_stat(pid_t pid, struct proc_stat *st)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1); /* the kernel gives the line in one read */
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';

    /* The name may hold spaces and ')' itself: it ends at the LAST ')'. */
    char *open_paren = strchr(buf, '(');
    char *close_paren = strrchr(buf, ')');
    int ppid;
    if (!open_paren || !close_paren || close_paren < open_paren ||
        sscanf(close_paren + 1, " %c %d", &st->state, &ppid) != 2)
        return -1;
    size_t len = (size_t)(close_paren - open_paren - 1);
    if (len >= sizeof st->comm) len = sizeof st->comm - 1;
    memcpy(st->comm, open_paren + 1, len);
    st->comm[len] = '\0';
    st->pid = (pid_t)atoi(buf);
    st->ppid = ppid;
    return 0;
}

pid_t make_zombie(void)
{
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid < 0) return -1;
    /* Wait until it has exited, but WNOWAIT leaves it unreaped: a zombie. */
    siginfo_t info;
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0)
        if (errno != EINTR) return -1;
    return pid;
}

void on_sigchld(int sig)
{
    (void)sig;
    int saved = errno; /* the last waitpid() sets errno (ECHILD) */
    /* One SIGCHLD may stand for many children: reap until none is left. */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        reaped_children++;
    errno = saved;
}

void install_reaper(void)
{
    Sigaction(SIGCHLD, on_sigchld, SA_RESTART | SA_NOCLDSTOP);
}

int orphan_start(struct orphan *o, int (*life)(void *arg), void *arg)
{
    int pids[2], hold[2];
    Pipe(pids); /* middle -> us: the grandchild's pid */
    Pipe(hold); /* us -> middle: EOF means "you may exit now" */
    pid_t middle = Fork();
    if (middle == 0) {
        close(pids[0]);
        close(hold[1]);
        pid_t g = Fork();
        if (g == 0) {
            close(pids[1]);
            close(hold[0]);
            exit(life(arg));
        }
        write_all(pids[1], &g, sizeof g);
        char c;
        ssize_t r;
        while ((r = read(hold[0], &c, 1)) > 0 || (r < 0 && errno == EINTR))
            ; /* until EOF: orphan_release closed the other end */
        _exit(0);
    }
    o->middle = middle; /* only here: *o may be memory the child shares */
    close(pids[1]);
    close(hold[0]);
    ssize_t n = read_all(pids[0], &o->orphan, sizeof o->orphan);
    close(pids[0]);
    o->release_fd = hold[1];
    return n == sizeof o->orphan ? 0 : -1;
}

int orphan_release(struct orphan *o)
{
    close(o->release_fd); /* the middle sees EOF and exits */
    /* Reap it, or it stays a zombie (the orphan is adopted either way). */
    return Waitpid(o->middle, NULL, 0) == o->middle ? 0 : -1;
}
