/*
 * The verdict cache (cache.h). Why it cannot be poisoned: student code never
 * sees the cache folder (it is outside every run's file view, and 0700 to
 * the grader's user, which student code never is when the cache is on); an
 * entry is found only by the hash of the exact bytes that were graded, so
 * no content can be made to map to another content's verdict.
 */
#define _GNU_SOURCE
#include "cache.h"
#include "hash.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The folder, or NULL when there is none we alone can write (or, for
 * verdicts, PROCLABS_NO_CACHE is set). */
static char *cache_dir(bool verdicts)
{
    const char *off = getenv("PROCLABS_NO_CACHE");
    if (verdicts && off && *off)
        return NULL;
    const char *set = getenv("PROCLABS_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
               *home = getenv("HOME");
    char *dir = set && *set     ? xstrdup(set)
                : xdg && *xdg   ? xasprintf("%s/proclabs", xdg)
                : home && *home ? xasprintf("%s/.cache/proclabs", home)
                                : NULL;
    if (!dir)
        return NULL;
    char *parent = xstrdup(dir);
    if (strrchr(parent, '/'))
        *strrchr(parent, '/') = '\0';
    if (*parent)
        mkdir_p(parent);
    free(parent);
    mkdir(dir, 0700);
    /* One that others may write may hold entries we did not write. */
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022)) {
        free(dir);
        return NULL;
    }
    return dir;
}

static bool enabled(const struct kit *kit)
{
    /* `grade explain` runs one check, or traces one: such a run must be
     * made (a cached verdict would leave nothing to draw) and its partial
     * verdict never kept. */
    if (!kit->verdict_cache || kit->trace)
        return false;
    /* Without the box's file view or a user of its own, student code could
     * reach the cache folder: no cache then. */
    const struct sandbox_info *box = contain_info();
    return box->namespaces || box->student_uid;
}

/* What the runs see of the environment, and what the grader reads of it. */
static void hash_env(struct sha256 *s)
{
    static const char *names[] = {"PATH",   "TMPDIR",      "LANG",     "LANGUAGE",
                                  "LC_ALL", "LC_MESSAGES", "LC_CTYPE", NULL};
    for (const char **n = names; *n; n++) {
        hash_str(s, *n);
        hash_str(s, getenv(*n));
    }
    int count = 0;
    for (char **e = environ; *e; e++)
        count++;
    char **sorted = xcalloc((size_t)count + 1, sizeof *sorted);
    int k = 0;
    for (char **e = environ; *e; e++)
        if (!strncmp(*e, "PROCLABS_", 9) && strncmp(*e, "PROCLABS_CACHE=", 15))
            sorted[k++] = *e;
    qsort(sorted, (size_t)k, sizeof *sorted, (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < k; i++)
        hash_str(s, sorted[i]);
    free(sorted);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The machine: the containment in force, the kernel, the packages (dpkg
 * rewrites its status file on every install, upgrade or removal). */
static void hash_machine(struct sha256 *s)
{
    const struct sandbox_info *box = contain_info();
    char line[256];
    snprintf(line, sizeof line, "box %d %d %d %d %d cap %d", box->root, box->namespaces,
             box->user_ns, box->student_uid, box->nproc_limit, contain_proc_cap());
    hash_str(s, line);
    struct utsname u;
    if (uname(&u) == 0) {
        hash_str(s, u.release);
        hash_str(s, u.version);
        hash_str(s, u.machine);
    }
    struct stat st;
    if (stat("/var/lib/dpkg/status", &st) == 0) {
        snprintf(line, sizeof line, "dpkg %lld %lld.%09ld %llu", (long long)st.st_size,
                 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
        hash_str(s, line);
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(line, sizeof line, "cpus %ld", cpus);
    hash_str(s, line);
}

/* The manifest's entry for the lab and its settings for all labs. */
static void hash_manifest(struct sha256 *s, const struct kit *kit, const struct lab_spec *lab)
{
    json_t *root = kit->manifest.root;
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(root, k, v) n++;
    const char **keys = xcalloc((size_t)n + 1, sizeof *keys);
    n = 0;
    json_object_foreach(root, k, v) keys[n++] = k;
    qsort(keys, (size_t)n, sizeof *keys, by_string);
    for (int i = 0; i < n; i++) {
        json_t *value = strcmp(keys[i], "labs")
                            ? json_object_get(root, keys[i])
                            : json_array_get(v = json_object_get(root, "labs"),
                                             (size_t)(lab - kit->manifest.labs));
        char *text = json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
        hash_str(s, keys[i]);
        hash_str(s, text ? text : "");
        free(text);
    }
    free(keys);
}

/* The kit's files the verdict depends on: the grader, the lab's given files,
 * checks, check library, common/, the compiled check objects. */
static void kit_files(struct sha256 *s, const struct kit *kit, const struct lab_spec *lab)
{
    hash_file(s, "grader", "/proc/self/exe");
    char name[256];
    lab_dirname(lab, name, sizeof name);
    static const char *const sources[] = {".c", ".h", NULL};
    static const char *const objects[] = {".o", NULL};
    const char *dirs[][2] = {{"labs/%s", "given"},
                             {"grader/checks/%s", "checks"},
                             {"grader/checks/lib", "lib"},
                             {"common", "common"},
                             {"grader/build/checks/%s", "check objects"},
                             {"grader/build", "build"},
                             {"grader/build/nogit", "nogit"}};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, dirs[i][0], name);
        char *path = xasprintf("%s/%s", kit->root, rel);
        const char *what = dirs[i][1];
        hash_str(s, what);
        if (!strcmp(what, "given"))
            hash_dir(s, path, sources,
                     (const char *const *)lab->edit); /* what build_prepare copies */
        else if (!strcmp(what, "check objects"))
            hash_dir(s, path, objects, NULL);
        else
            hash_dir(s, path, NULL, NULL);
        free(path);
    }
}

/* kit_files' digest, from a memo in the cache folder while what stat says of
 * every one of those files is unchanged (as git's index does): 1-2 MB less
 * to hash on every lookup. A file changed in the last two seconds is never
 * memoised (its next change could keep the same times). */
static void kit_files_digest(const struct kit *kit, const struct lab_spec *lab, char out[65])
{
    struct sha256 s;
    char sig[65];
    sha256_init(&s);
    hash_by_stat(true);
    kit_files(&s, kit, lab);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now); /* not time(): its whole seconds would cut the 2 s short */
    bool settled = hash_newest_change() < (double)now.tv_sec + now.tv_nsec / 1e9 - 2;
    hash_by_stat(false); /* after reading the newest change: it resets it */
    sha256_hex(&s, sig);
    char *dir = cache_dir(true);
    char *memo = dir ? xasprintf("%s/kit-%s.memo", dir, lab->id) : NULL;
    free(dir);
    char *text = memo ? read_text(memo, 256) : NULL;
    if (text && strlen(text) == 130 && !strncmp(text, sig, 64) && text[64] == ' ') {
        memcpy(out, text + 65, 64);
        out[64] = '\0';
        free(text);
        free(memo);
        return;
    }
    free(text);
    sha256_init(&s);
    kit_files(&s, kit, lab);
    sha256_hex(&s, out);
    if (memo && settled) {
        char *tmp = xasprintf("%s.%d.tmp", memo, (int)getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        bool ok = fd >= 0 && dprintf(fd, "%s %s\n", sig, out) == 130;
        if (fd >= 0)
            close(fd);
        if (!ok || rename(tmp, memo) != 0)
            unlink(tmp);
        free(tmp);
    }
    free(memo);
}

static void kit_part(const struct kit *kit, const struct lab_spec *lab, char out[65])
{
    char files[65];
    kit_files_digest(kit, lab, files);
    struct sha256 s;
    sha256_init(&s);
    hash_str(&s, "proclabs verdict v2");
    hash_str(&s, files);
    hash_manifest(&s, kit, lab);
    hash_env(&s);
    hash_machine(&s);
    sha256_hex(&s, out);
}

/* The student's files of lab in dir/sub (sub NULL: in dir), read as the
 * build reads them (open_below: a link on the way is refused by the build,
 * so it never gets its target's verdict). */
static void files_part(const struct lab_spec *lab, const char *dir, const char *sub, char out[65])
{
    struct sha256 s;
    sha256_init(&s);
    for (const char **f = lab->edit; *f; f++) {
        char *rel = sub ? xasprintf("%s/%s", sub, *f) : xstrdup(*f);
        int fd = open_below(dir, rel);
        if (fd >= 0) {
            hash_fd(&s, *f, fd);
            close(fd);
        } else {
            hash_str(&s, "not a regular file");
        }
        free(rel);
    }
    sha256_hex(&s, out);
}

static void combine(struct verdict_cache *vc)
{
    struct sha256 s;
    sha256_init(&s);
    hash_str(&s, vc->kit);
    hash_str(&s, vc->files);
    sha256_hex(&s, vc->key);
}

bool cache_lookup(const struct kit *kit, const struct lab_spec *lab, struct verdict_cache *vc,
                  struct lab_result *res)
{
    memset(vc, 0, sizeof *vc);
    char *dir = enabled(kit) ? cache_dir(true) : NULL;
    if (!dir)
        return false;
    vc->on = true;
    char name[256];
    lab_dirname(lab, name, sizeof name);
    kit_part(kit, lab, vc->kit);
    files_part(lab, kit->workspace, name, vc->files);
    combine(vc);
    char *path = xasprintf("%s/%s.json", dir, vc->key);
    free(dir);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(path);
    struct stat st;
    if (fd < 0)
        return false;
    json_t *j = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
        /* Read whole: json_loadfd() reads one byte per system call. */
        char *text = read_fd(fd, (size_t)1 << 24);
        j = json_loads(text, 0, NULL);
        free(text);
    }
    close(fd);
    const char *key = json_string_value(json_object_get(j, "key"));
    json_t *verdict = json_object_get(j, "verdict");
    const char *id = json_string_value(json_object_get(verdict, "id"));
    bool hit = key && !strcmp(key, vc->key) && id && !strcmp(id, lab->id) &&
               lab_result_from_json(verdict, &kit->manifest, res);
    json_decref(j);
    return hit;
}

void cache_copied(const struct lab_spec *lab, const char *build_dir, struct verdict_cache *vc)
{
    char copied[65];
    if (!vc->on)
        return;
    files_part(lab, build_dir, NULL, copied);
    if (strcmp(copied, vc->files))
        vc->on = false;
}

/* Only what the inputs alone decide: a timeout or an error may be the
 * machine's (load, a missing tool) and is tried again; so is a build that
 * failed (it may have been stopped by a limit, and it is fast anyway). */
static bool cacheable(const struct lab_result *res)
{
    if (res->error || !res->built)
        return false;
    for (int i = 0; i < res->nchecks; i++)
        if (res->checks[i].status == ST_TIMEOUT || res->checks[i].status == ST_ERROR)
            return false;
    return true;
}

/* At most CACHE_KEEP verdicts: past CACHE_KEEP + CACHE_SLACK, the oldest
 * go (about 4 KB each: a semester of grades stays a few MB). */
enum { CACHE_KEEP = 2000, CACHE_SLACK = 500 };

static bool is_verdict(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n == 69 && !strcmp(e->d_name + 64, ".json");
}

struct aged {
    double mtime;
    char name[70];
};

static int older_first(const void *a, const void *b)
{
    double x = ((const struct aged *)a)->mtime, y = ((const struct aged *)b)->mtime;
    return x < y ? -1 : x > y;
}

/* Counted on every store (a readdir: well under a millisecond), aged only
 * when there are too many. */
static void prune(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        count += is_verdict(e);
    if (count <= CACHE_KEEP + CACHE_SLACK) {
        closedir(d);
        return;
    }
    rewinddir(d);
    size_t n = 0, cap = 256;
    struct aged *all = xcalloc(cap, sizeof *all);
    while ((e = readdir(d))) {
        struct stat st;
        if (!is_verdict(e) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (n == cap) {
            struct aged *more = xcalloc(cap * 2, sizeof *all);
            memcpy(more, all, cap * sizeof *all);
            free(all);
            all = more;
            cap *= 2;
        }
        all[n].mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
        snprintf(all[n++].name, sizeof all->name, "%s", e->d_name);
    }
    if (n > CACHE_KEEP) {
        qsort(all, n, sizeof *all, older_first);
        for (size_t i = 0; i < n - CACHE_KEEP; i++)
            unlinkat(dirfd(d), all[i].name, 0);
    }
    closedir(d);
    free(all);
}

void cache_store(const struct kit *kit, const struct lab_spec *lab, struct verdict_cache *vc,
                 const struct lab_result *res)
{
    if (!vc->on || !cacheable(res))
        return;
    char now[65];
    kit_part(kit, lab, now); /* a kit edited while grading: which did we grade? */
    char *dir = strcmp(now, vc->kit) ? NULL : cache_dir(true);
    if (!dir)
        return;
    json_t *j = json_pack("{s:s, s:o}", "key", vc->key, "verdict", lab_result_json(res));
    char *tmp = xasprintf("%s/.%s.%d.tmp", dir, vc->key, (int)getpid());
    char *path = xasprintf("%s/%s.json", dir, vc->key);
    if (json_dump_file(j, tmp, JSON_COMPACT) == 0 && chmod(tmp, 0600) == 0)
        rename(tmp, path);
    unlink(tmp);
    prune(dir);
    json_decref(j);
    free(tmp);
    free(path);
    free(dir);
}

static json_t *durations; /* {"01": ms, ...}, as read at the first use */

static char *durations_path(void)
{
    char *dir = cache_dir(false);
    char *path = dir ? xasprintf("%s/durations.json", dir) : NULL;
    free(dir);
    return path;
}

double cache_last_ms(const struct lab_spec *lab)
{
    if (!durations) {
        char *path = durations_path();
        durations = path ? json_load_file(path, 0, NULL) : NULL;
        if (!json_is_object(durations)) {
            json_decref(durations);
            durations = json_object();
        }
        free(path);
    }
    return json_number_value(json_object_get(durations, lab->id));
}

void cache_note_ms(const struct lab_spec *lab, double ms)
{
    if (ms < 200) /* a cached verdict, not a grade */
        return;
    cache_last_ms(lab); /* loaded */
    json_object_set_new(durations, lab->id, json_real(ms));
    char *path = durations_path();
    char *tmp = path ? xasprintf("%s.%d.tmp", path, (int)getpid()) : NULL;
    if (tmp && json_dump_file(durations, tmp, JSON_COMPACT | JSON_SORT_KEYS) == 0)
        rename(tmp, path);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(path);
}
