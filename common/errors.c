/* die/fatal/warn: one line on stderr, written whole. */
#define _GNU_SOURCE
#include "proclabs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char *program_invocation_short_name;

static void report(int errnum, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s[%d]: ", program_invocation_short_name, (int)getpid());
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    if (errnum && n < (int)sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, ": %s", strerror(errnum));
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    fflush(stdout); /* keep our earlier stdout lines before this one */
    (void)!write(STDERR_FILENO, line, (size_t)n);
}

void die(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    report(saved, fmt, ap);
    va_end(ap);
    exit(1);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(0, fmt, ap);
    va_end(ap);
    exit(1);
}

void warn(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    report(saved, fmt, ap);
    va_end(ap);
    errno = saved;
}
