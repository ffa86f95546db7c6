/*
 * proclabs.h - the tiny helper library every lab links.
 *
 * In the spirit of CS:APP's csapp.h and TLPI's error functions:
 *   - die()/warn(): print "prog[pid]: message: errno text" and exit/continue;
 *   - Stevens-style wrappers (Fork, Waitpid, Pipe, ...) that die with the
 *     errno text instead of returning an error, so lab code stays short;
 *   - log_line(): a pid-prefixed line written with one write(2), so that
 *     lines from many processes never interleave mid-line;
 *   - shared_alloc(): anonymous MAP_SHARED memory that survives fork;
 *   - monotonic time and millisecond sleeps;
 *   - the time scale the grader sets, so simulated latency is long enough
 *     to expose races yet short enough to grade fast.
 *
 * A function belongs here only when at least two labs use it.
 */
#ifndef PROCLABS_H
#define PROCLABS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- errors (TLPI style) ------------------------------------------------ */

/* Print "prog[pid]: <message>: <strerror(errno)>" and exit(1). */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
/* Like die() but without the errno text: for errors that are not syscalls. */
__attribute__((noreturn, format(printf, 1, 2))) void fatal(const char *fmt, ...);
/* Print the same line as die() and carry on. */
__attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...);

/* ---- Stevens-style wrappers: succeed or die ------------------------------ */

pid_t Fork(void);
pid_t Waitpid(pid_t pid, int *status, int options); /* retries on EINTR */
void Pipe(int fds[2]);
void Socketpair(int fds[2]); /* AF_UNIX, SOCK_STREAM */
void Dup2(int oldfd, int newfd);
void Close(int fd);
void Kill(pid_t pid, int sig);
/* Install a handler with sigaction(); flags such as SA_RESTART are given. */
void Sigaction(int sig, void (*handler)(int), int flags);

/* ---- whole reads and writes (Stevens' readn/writen) ---------------------- */

/* Write all n bytes, retrying short writes and EINTR. -1 on error. */
ssize_t write_all(int fd, const void *buf, size_t n);
/* Read until n bytes or EOF, retrying short reads and EINTR. Returns the
 * number read (less than n only at EOF), or -1 on error. */
ssize_t read_all(int fd, void *buf, size_t n);

/* ---- logging -------------------------------------------------------------- */

/* Print "[pid N] message\n" to stdout with a single write(2). */
__attribute__((format(printf, 1, 2))) void log_line(const char *fmt, ...);

/* ---- shared memory ---------------------------------------------------------- */

/* Zeroed memory shared with every child forked afterwards (MAP_SHARED). */
void *shared_alloc(size_t size);
void shared_free(void *p, size_t size);

/* ---- processes --------------------------------------------------------- */

/* The state letter of process pid from /proc/PID/stat ('R' running, 'S'
 * asleep in a wait, 'Z' zombie, ...), and its parent in *ppid when not
 * NULL; 0 when there is no such process. Scaffolding and checks use it to
 * wait for a real event ("the parent is asleep in waitpid") instead of
 * sleeping and hoping. */
char process_state(pid_t pid, pid_t *ppid);

/* Whether pid is asleep waiting for a child (in wait4 or waitid), not in
 * a sleep or a read: 1 when /proc/PID/wchan or /proc/PID/syscall says so,
 * 0 when they say it is elsewhere or it is not asleep, -1 when neither can
 * be read and it is asleep: a guess, not evidence. Scaffolding that waits
 * for the event goes on at -1 (a correct parent is never held up); a
 * check that names a mistake needs 1 or 0. */
int waits_for_child(pid_t pid);

/* ---- time ---------------------------------------------------------------- */

/* Milliseconds on the monotonic clock (never jumps with the wall clock). */
double now_ms(void);
/* Sleep this many milliseconds, resuming after signal handlers. */
void sleep_ms(double ms);

/* The grader sets PROCLABS_TIME_SCALE (for example 0.1) so that a lab's
 * simulated latencies shrink together; 1.0 when unset or invalid. */
double time_scale(void);
/* ms multiplied by time_scale(). */
double scaled_ms(double ms);

#endif
