/*
 * capture.h - lab 07: fork + pipe + dup2 + execvp: run a command and capture
 * its output and exit status. (Given: do not edit.)
 *
 * Python: subprocess.run(argv, stdout=subprocess.PIPE) -> .stdout, .returncode;
 *         subprocess.Popen(argv, stdout=PIPE), p.communicate(), p.wait();
 *         os.pipe, os.dup2, os.execvp, os.waitpid.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <sys/types.h>

/* The exit status of a command that could not be run (as in every shell). */
#define EXEC_FAILED 127

/* What run_capture() collected. */
struct capture {
    char *out;  /* everything the command wrote to its stdout, NUL-terminated,
                   from malloc (the caller frees it) */
    size_t len; /* its length in bytes (the output itself may hold NUL bytes) */
    int status; /* the exit code 0-255 (EXEC_FAILED: the command could not be
                   run), or -N when the command was killed by signal N */
};

/* Step 1. Start argv[0] (searched in PATH, like a shell: execvp) with the
 * arguments argv (NULL-terminated), its standard output being the write end
 * of a new pipe. The child: dup2() the write end onto STDOUT_FILENO, close
 * both pipe descriptors, execvp(); if exec fails, print
 * "capture: cannot run NAME: REASON" to stderr and _exit(EXEC_FAILED).
 * The parent: close its copy of the write end, store the read end in
 * *read_fd and return the child's pid at once (no waiting). Stdin and
 * stderr are inherited unchanged. -1 if pipe() or fork() fails. */
pid_t spawn_piped(char *const argv[], int *read_fd);

/* Step 2. Read fd until end of file (read() returns 0) into a buffer from
 * malloc that grows as needed; NUL-terminate it, store the byte count in
 * *len, return it. Does not close fd. NULL if read() fails (not EINTR). */
char *read_until_eof(int fd, size_t *len);

/* Step 3. Wait for the child pid and decode how it ended: its exit code
 * (0-255), or -N if a signal N killed it. -1000 if waitpid() fails. */
int wait_exitcode(pid_t pid);

/* Step 4. Run a command and capture it: spawn_piped, read_until_eof, close
 * the read end, wait_exitcode. Fills *cap and returns 0; -1 (and cap->out
 * NULL) when the command could not be started at all. A command that does
 * not exist still returns 0, with cap->status EXEC_FAILED. */
int run_capture(char *const argv[], struct capture *cap);

#endif
