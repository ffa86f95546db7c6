/*
 * nogit.c - libgit2 as Criterion sees it when built without it: the three
 * calls libcriterion makes, doing what Criterion's own src/string/diff-stubs.c
 * does (no diff). Criterion needs libgit2 only to draw a diff under a failed
 * eq(str, ...) assertion, which no check of the kit uses; loading the real
 * one (and the 13 libraries it pulls in: Kerberos, TLS, SSH) costs every
 * test process 10-12 ms of CPU, as much as most test bodies. The check
 * binaries find this one first by their RPATH (grader/build/nogit/, the
 * judge's read-only view); docs/authoring.md, "Criterion without libgit2".
 */
#include <stddef.h>
#include <string.h>

int git_libgit2_init(void);
int git_libgit2_shutdown(void);
int git_diff_buffers(const void *old_buffer, size_t old_len, const char *old_as_path,
                     const void *new_buffer, size_t new_len, const char *new_as_path,
                     const void *options, void *file_cb, void *binary_cb, void *hunk_cb,
                     void *line_cb, void *payload);

int git_libgit2_init(void)
{
    return 1; /* the number of initialisations, as libgit2 counts them */
}

int git_libgit2_shutdown(void)
{
    return 0;
}

int git_diff_buffers(const void *old_buffer, size_t old_len, const char *old_as_path,
                     const void *new_buffer, size_t new_len, const char *new_as_path,
                     const void *options, void *file_cb, void *binary_cb, void *hunk_cb,
                     void *line_cb, void *payload)
{
    (void)old_buffer, (void)old_len, (void)old_as_path, (void)new_buffer, (void)new_len;
    (void)new_as_path, (void)options, (void)file_cb, (void)binary_cb, (void)hunk_cb;
    (void)line_cb, (void)payload;
    return 0; /* no hunks: Criterion prints the assertion without a diff */
}
