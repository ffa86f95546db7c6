/* Logging, shared memory, time and the grader's time scale. */
#define _GNU_SOURCE
#include "proclabs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void log_line(const char *fmt, ...)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "[pid %d] ", (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    fflush(stdout); /* printf output of this process must come first */
    /* One write(2) of a short line is never split by another writer. */
    (void)!write_all(STDOUT_FILENO, line, (size_t)n);
}

void *shared_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap(%zu bytes, MAP_SHARED)", size);
    return p;
}

void shared_free(void *p, size_t size)
{
    if (p && munmap(p, size) < 0)
        die("munmap");
}

double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Defined by a lab's given scaffolding that records what its code does
 * before it sleeps (lab 11's road.c: was the event set when the light's
 * green began?); absent everywhere else. */
void proclabs_before_sleep(double ms) __attribute__((weak));

void sleep_ms(double ms)
{
    if (proclabs_before_sleep)
        proclabs_before_sleep(ms);
    if (!(ms > 0))
        return;
    struct timespec left = {(time_t)(ms / 1e3), (long)(fmod(ms, 1e3) * 1e6)};
    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}

double time_scale(void)
{
    const char *s = getenv("PROCLABS_TIME_SCALE");
    if (!s || !*s)
        return 1.0;
    char *end;
    double v = strtod(s, &end);
    return (*end == '\0' && v > 0 && v <= 100) ? v : 1.0;
}

double scaled_ms(double ms)
{
    return ms * time_scale();
}

char process_state(pid_t pid, pid_t *ppid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
    char state;
    int parent;
    if (!p || sscanf(p + 1, " %c %d", &state, &parent) != 2)
        return 0;
    if (ppid)
        *ppid = parent;
    return state;
}

/* The first line of /proc/PID/NAME in text; false when it cannot be read. */
static bool read_proc(pid_t pid, const char *name, char *text, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, size - 1) : -1;
    if (fd >= 0)
        close(fd);
    text[n > 0 ? n : 0] = '\0';
    return n > 0;
}

int waits_for_child(pid_t pid)
{
    char text[128];
    /* wchan names the kernel function a sleeper is in; "0" when hidden. */
    if (read_proc(pid, "wchan", text, sizeof text) && strcmp(text, "0") != 0)
        return strstr(text, "do_wait") != NULL;
    /* syscall: the number of the call it is in, or "running". */
    long nr;
    if (read_proc(pid, "syscall", text, sizeof text)) {
        if (sscanf(text, "%ld", &nr) == 1)
            return (nr == SYS_wait4 || nr == SYS_waitid) && process_state(pid, NULL) == 'S';
        if (strncmp(text, "running", 7) == 0)
            return 0;
    }
    return process_state(pid, NULL) == 'S' ? -1 : 0;
}
