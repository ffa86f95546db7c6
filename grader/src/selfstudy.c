/*
 * Walking the labs alone: where am I (list), what now (next), help on
 * demand (hint), a verdict on every save (watch), a fresh start (reset).
 */
#define _GNU_SOURCE
#include "selfstudy.h"
#include "explain.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static bool color_on(void)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && *nc);
}

/* Grade the labs whose files changed since their last grade; remember all. */
static void refresh(const struct kit *kit, json_t *progress, const struct cli *cli)
{
    const struct manifest *m = &kit->manifest;
    const struct lab_spec **stale = xcalloc((size_t)m->nlabs, sizeof *stale);
    int n = 0;
    for (int i = 0; i < m->nlabs; i++) {
        double score, max;
        enum lab_state st = lab_state(kit, progress, &m->labs[i], &score, &max);
        if (st == LAB_CHANGED)
            stale[n++] = &m->labs[i];
    }
    if (n > 0) {
        fprintf(stderr, "re-grading %d changed lab%s...\n", n, n == 1 ? "" : "s");
        struct lab_result *res = grade_many(kit, stale, n, cli->jobs);
        for (int i = 0; i < n; i++) {
            progress_record(kit, progress, &res[i]);
            lab_result_free(&res[i]);
        }
        free(res);
        progress_save(kit, progress);
    }
    free(stale);
}

int cmd_list(struct kit *kit, const struct cli *cli)
{
    int nwanted;
    const struct lab_spec **wanted = select_labs(kit, cli, &nwanted);
    if (!wanted)
        return 2;
    json_t *progress = progress_load(kit);
    refresh(kit, progress, cli);
    bool color = color_on();
    const char *green = color ? "\033[32m" : "", *yellow = color ? "\033[33m" : "",
               *dim = color ? "\033[2m" : "", *off = color ? "\033[0m" : "";
    int done = 0;
    double total = 0, total_max = 0;
    const struct manifest *m = &kit->manifest;
    for (int i = 0; i < m->nlabs; i++) {
        double score, max;
        enum lab_state st = lab_state(kit, progress, &m->labs[i], &score, &max);
        done += st == LAB_DONE;
        total += score;
        total_max += max;
        bool shown = false;
        for (int k = 0; k < nwanted; k++)
            shown = shown || wanted[k] == &m->labs[i];
        if (!shown)
            continue;
        char name[64];
        lab_dirname(&m->labs[i], name, sizeof name);
        const char *word = st == LAB_DONE      ? "done"
                           : st == LAB_PARTIAL ? "partial"
                           : st == LAB_STARTED ? "started"
                                               : "not started";
        const char *c = st == LAB_DONE ? green : st == LAB_NOT_STARTED ? dim : yellow;
        printf("%s%-26s %-12s%s", c, name, word, off);
        if (st != LAB_NOT_STARTED)
            printf(" %3s/%-3s", pts(score), pts(max));
        printf("  %s%s%s\n", dim, m->labs[i].title, off);
    }
    free(wanted);
    enum { WIDTH = 40 };
    int full = m->nlabs ? done * WIDTH / m->nlabs : 0;
    printf("\nprogress [");
    for (int i = 0; i < WIDTH; i++)
        fputs(i < full ? "#" : ".", stdout);
    printf("] %d of %d labs done, %s/%s points\n", done, m->nlabs, pts(total), pts(total_max));
    json_decref(progress);
    return 0;
}

/* The first lab not at full marks, or NULL when all are done. Labs before
 * it that changed since their last grade are graded now, so a lab just
 * finished counts as done. */
static const struct lab_spec *first_unfinished(const struct kit *kit, json_t *progress,
                                               bool grade_changed)
{
    for (int i = 0; i < kit->manifest.nlabs; i++) {
        const struct lab_spec *lab = &kit->manifest.labs[i];
        double score, max;
        enum lab_state st = lab_state(kit, progress, lab, &score, &max);
        if (st == LAB_CHANGED && grade_changed) {
            struct lab_result *res = grade_many(kit, &lab, 1, 1);
            progress_record(kit, progress, res);
            progress_save(kit, progress);
            lab_result_free(res);
            free(res);
            st = lab_state(kit, progress, lab, &score, &max);
        }
        if (st != LAB_DONE)
            return lab;
    }
    return NULL;
}

/* A lab's progress entry, graded now if it never was or changed since. */
static json_t *fresh_entry(const struct kit *kit, json_t *progress, const struct lab_spec *lab)
{
    double score, max;
    enum lab_state st = lab_state(kit, progress, lab, &score, &max);
    json_t *e = json_object_get(progress, lab->id);
    if (st == LAB_CHANGED || !json_object_get(e, "hash")) {
        struct lab_result *res = grade_many(kit, &lab, 1, 1);
        progress_record(kit, progress, res);
        lab_result_free(res);
        free(res);
        progress_save(kit, progress);
    }
    return json_object_get(progress, lab->id);
}

int cmd_next(struct kit *kit, const struct cli *cli)
{
    const struct lab_spec *lab = NULL;
    if (cli->nnames == 1) {
        int n;
        const struct lab_spec **named = select_labs(kit, cli, &n);
        if (!named)
            return 2;
        lab = named[0];
        free(named);
    }
    json_t *progress = progress_load(kit);
    if (!lab)
        lab = first_unfinished(kit, progress, true);
    if (!lab) {
        puts("Every lab is at full marks. Well done!");
        json_decref(progress);
        return 0;
    }
    json_t *e = fresh_entry(kit, progress, lab);
    char dir[64];
    lab_dirname(lab, dir, sizeof dir);
    printf("Next: lab %s, %s\n", lab->id, lab->title);
    printf("  concept:  %s\n", lab->concept);
    if (lab->python && *lab->python)
        printf("  python:   %s\n", lab->python);
    printf("  read:     labs/%s/README%s.md\n", dir, want_chinese() ? ".zh-CN" : "");
    printf("  edit:    ");
    for (const char **f = lab->edit; *f; f++)
        printf(" labs/%s/%s", dir, *f);
    printf("\n  run:      make grade LAB=%s    (or: grader/grade watch %s)\n", lab->id, lab->id);
    printf("  score:    %s/%s\n", pts(json_number_value(json_object_get(e, "score"))),
           pts(lab_max_points(lab)));
    const char *check = json_string_value(json_object_get(e, "first_failure_check"));
    const char *msg = json_string_value(json_object_get(e, "first_failure"));
    if (check) {
        printf("  first failing check: %s\n", check);
        for (const char *p = msg ? msg : ""; *p;) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            printf("      %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
    }
    printf("  stuck?    grader/grade hint %s\n", lab->id);
    json_decref(progress);
    return 0;
}

int cmd_hint(struct kit *kit, const struct cli *cli)
{
    if (cli->nnames < 1 || cli->nnames > 2) {
        fputs("grade: usage: grade hint LAB [N]\n", stderr);
        return 2;
    }
    const struct lab_spec *lab = manifest_find(&kit->manifest, cli->names[0]);
    if (!lab) {
        fprintf(stderr, "grade: no lab '%s'\n", cli->names[0]);
        return 2;
    }
    json_t *progress = progress_load(kit);
    json_t *e = progress_entry(progress, lab);
    int seen = (int)json_integer_value(json_object_get(e, "hints_seen"));
    int n = cli->nnames == 2 ? atoi(cli->names[1]) : seen + 1, count;
    char *hint = lab_hint(kit, lab, n < 1 ? 1 : n, &count);
    if (count == 0) {
        fprintf(stderr, "grade: lab %s has no hints yet\n", lab->id);
        json_decref(progress);
        return 2;
    }
    bool past = !hint;
    if (past) { /* past the last one: show the last again */
        n = count;
        hint = lab_hint(kit, lab, n, &count);
    }
    printf("%s %d/%d, lab %s %s:\n\n%s\n", want_chinese() ? "提示" : "Hint", n, count, lab->id,
           lab->slug, hint);
    if (n < count)
        printf("\n(%s: grader/grade hint %s)\n", want_chinese() ? "下一条" : "more", lab->id);
    else
        printf(past ? _("\n(There are no more hints: that was the last. The lab's README "
                        "says the rest; grader/grade hint %s N shows hint N again.)\n")
                    : _("\n(That was the last hint. The lab's README says the rest; "
                        "grader/grade hint %s N shows hint N again.)\n"),
               lab->id);
    if (n > seen) {
        json_object_set_new(e, "hints_seen", json_integer(n));
        progress_save(kit, progress);
    }
    free(hint);
    json_decref(progress);
    return 0;
}

/* ---- watch ------------------------------------------------------------------ */

/* What the watch screen shows; redrawn whole at each change, like rustlings'. */
struct screen {
    const struct kit *kit;
    const struct lab_spec *lab;
    json_t *progress;
    int round;
    char stamp[16];
    char *report;               /* the last verdict, as text */
    bool done;                  /* the lab is at full marks */
    int labs_done, others_done; /* others: counted once, when the watch starts */
    int hint;                   /* the hint shown (0: none) */
    char *hint_text;
    const char *note; /* one line about the last key, or NULL */
};

static void draw(const struct screen *s, const char *status)
{
    const struct manifest *m = &s->kit->manifest;
    if (isatty(STDOUT_FILENO))
        fputs("\033[H\033[2J\033[3J", stdout); /* home, clear, drop what scrolled away */
    else
        fputs("\n", stdout);
    printf(_("proc-labs watch: lab %s %s, %s\n"), s->lab->id, s->lab->slug, s->lab->title);
    enum { WIDTH = 20 };
    printf("progress [");
    for (int i = 0; i < WIDTH; i++)
        putchar(i < s->labs_done * WIDTH / (m->nlabs ? m->nlabs : 1) ? '#' : '.');
    printf(_("] %d/%d labs done\n"), s->labs_done, m->nlabs);
    if (status) {
        printf("\n%s\n", status);
    } else {
        printf(_("\n---- grade #%d at %s ----\n"), s->round, s->stamp);
        fputs(s->report ? s->report : "", stdout);
    }
    if (s->hint_text) {
        int count;
        char *none = lab_hint(s->kit, s->lab, 0, &count);
        free(none);
        printf(_("\nHint %d/%d:\n%s\n"), s->hint, count, s->hint_text);
    }
    if (s->note)
        printf("\n%s\n", s->note);
    if (!status && s->done)
        printf(_("\nLab %s is done! Type n and Enter for the next lab, q to stop, or keep "
                 "editing.\n"),
               s->lab->id);
    if (!status) /* while grading, keys wait */
        printf(_("\nkeys (then Enter): Enter re-grade, h next hint, b earlier hint, e explain, "
                 "n next lab, q quit\n(save a file to re-grade)\n"));
    fflush(stdout);
}

static void grade_screen(struct screen *s)
{
    s->round++;
    s->note = NULL;
    char status[128];
    snprintf(status, sizeof status, _("grading lab %s..."), s->lab->id);
    draw(s, status);
    time_t now = time(NULL);
    strftime(s->stamp, sizeof s->stamp, "%H:%M:%S", localtime(&now));
    const struct lab_spec *lab = s->lab;
    struct lab_result *res = grade_many(s->kit, &lab, 1, 1);
    localize_hints(s->kit, res, 1);
    free(s->report);
    size_t len;
    FILE *mem = open_memstream(&s->report, &len);
    /* the details first, the score last, beside the keys, where the eye is */
    report_lab_details(mem, res, false, color_on());
    report_lab_line(mem, res, false, color_on());
    fclose(mem);
    s->done = res->score == res->max_score;
    progress_record(s->kit, s->progress, res);
    progress_save(s->kit, s->progress);
    lab_result_free(res);
    free(res);
    s->labs_done = s->others_done + s->done;
    if (s->done) { /* a hint for a finished lab is in the way */
        free(s->hint_text);
        s->hint_text = NULL;
        s->hint = 0;
    }
    draw(s, NULL);
}

/* h: the next hint (remembered as seen); b: the one before. */
static void step_hint(struct screen *s, int step)
{
    int count, want = s->hint + step;
    if (s->hint == 0 && step > 0) { /* start after the hints already seen */
        json_t *e = progress_entry(s->progress, s->lab);
        int seen = (int)json_integer_value(json_object_get(e, "hints_seen"));
        want = seen + 1;
    }
    char *text = want >= 1 ? lab_hint(s->kit, s->lab, want, &count) : NULL;
    if (!text) {
        lab_hint(s->kit, s->lab, 0, &count);
        s->note = count == 0 ? _("This lab has no hints.")
                  : step > 0 ? _("There are no more hints: that was the last one (b shows "
                                 "the one before).")
                             : _("That is the first hint.");
        if (s->hint == 0 && count > 0) { /* show the last one again */
            want = count;
            text = lab_hint(s->kit, s->lab, want, &count);
        }
    } else {
        s->note = NULL;
    }
    if (text) {
        free(s->hint_text);
        s->hint_text = text;
        s->hint = want;
        json_t *e = progress_entry(s->progress, s->lab);
        if (want > json_integer_value(json_object_get(e, "hints_seen"))) {
            json_object_set_new(e, "hints_seen", json_integer(want));
            progress_save(s->kit, s->progress);
        }
    }
    draw(s, NULL);
}

static int watch_lab(const struct kit *kit, const struct lab_spec *lab, int ino)
{
    char dir[64];
    lab_dirname(lab, dir, sizeof dir);
    char *path = xasprintf("%s/%s", kit->workspace, dir);
    /* Editors save in place (close after write) or write a copy and rename
     * it over the file (moved to): both are a save. */
    int wd = ino >= 0 ? inotify_add_watch(ino, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) : -1;
    if (ino >= 0 && wd < 0)
        fprintf(stderr, _("grade: cannot watch %s (%s): use --manual\n"), path, strerror(errno));
    free(path);
    struct screen s = {.kit = kit, .lab = lab, .progress = progress_load(kit)};
    for (int i = 0; i < kit->manifest.nlabs; i++) {
        double score, max;
        const struct lab_spec *other = &kit->manifest.labs[i];
        s.others_done +=
            other != lab && lab_state(kit, s.progress, other, &score, &max) == LAB_DONE;
    }
    grade_screen(&s);
    int rc = 0;
    for (;;) {
        struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {ino, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        bool regrade = false;
        if (fds[1].revents & POLLIN) {
            char buf[8192] __attribute__((aligned(8)));
            ssize_t len = read(ino, buf, sizeof buf);
            for (char *p = buf; len > 0 && p < buf + len;) {
                struct inotify_event *ev = (struct inotify_event *)p;
                for (const char **f = lab->edit; ev->len && *f; f++)
                    regrade = regrade || !strcmp(ev->name, *f);
                p += sizeof *ev + ev->len;
            }
            if (regrade) { /* let a burst of writes of one save settle */
                struct pollfd again = {ino, POLLIN, 0};
                while (poll(&again, 1, 150) > 0 && read(ino, buf, sizeof buf) > 0)
                    ;
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char line[64] = "";
            if (!fgets(line, sizeof line, stdin)) {
                if (ino < 0)
                    break; /* --manual and no more input */
                fds[0].fd = -1;
                continue;
            }
            if (line[0] == 'q') {
                rc = 0;
                break;
            }
            if (line[0] == 'n') {
                rc = 3; /* next lab, please */
                break;
            }
            if (line[0] == 'h' || line[0] == 'b') {
                step_hint(&s, line[0] == 'h' ? 1 : -1);
                continue;
            }
            if (line[0] == 'e') { /* the first failing check, drawn; Enter comes back */
                if (!explain_supported(lab) || s.done) {
                    s.note = s.done ? _("e draws a failing check: every check passes")
                                    : _("e: grade explain does not cover this lab");
                    grade_screen(&s);
                    continue;
                }
                struct kit copy = *kit; /* explain sets its own trace request */
                char *names[] = {(char *)lab->id};
                struct cli c = {.jobs = 1, .names = names, .nnames = 1};
                cmd_explain(&copy, &c);
                printf(_("\n(Enter: back to the checks)\n"));
                fflush(stdout);
                continue;
            }
            regrade = true;
        }
        if (regrade)
            grade_screen(&s);
    }
    if (wd >= 0)
        inotify_rm_watch(ino, wd);
    json_decref(s.progress);
    free(s.report);
    free(s.hint_text);
    return rc;
}

int cmd_watch(struct kit *kit, const struct cli *cli)
{
    const struct lab_spec *lab = NULL;
    json_t *progress = progress_load(kit);
    if (cli->nnames > 0 && !(lab = manifest_find(&kit->manifest, cli->names[0]))) {
        fprintf(stderr, "grade: no lab '%s'\n", cli->names[0]);
        return 2;
    }
    if (!lab)
        lab = first_unfinished(kit, progress, true);
    json_decref(progress);
    if (!lab) {
        puts("Every lab is at full marks. Well done!");
        return 0;
    }
    char *missing = missing_dependencies(kit);
    if (missing) {
        fprintf(stderr, "grade: %s\n", missing);
        return 2;
    }
    int ino = cli->manual ? -1 : inotify_init1(IN_CLOEXEC);
    if (!cli->manual && ino < 0)
        fprintf(stderr, "grade: no file events here (%s): re-grading on Enter instead\n",
                strerror(errno));
    for (;;) {
        int rc = watch_lab(kit, lab, ino);
        if (rc != 3)
            return rc;
        int i = (int)(lab - kit->manifest.labs) + 1;
        if (i >= kit->manifest.nlabs) {
            puts("That was the last lab.");
            return 0;
        }
        lab = &kit->manifest.labs[i];
    }
}

/* ---- reset ------------------------------------------------------------------ */

/* A copy of path under a name no other copy has: PATH.orig-DATE-TIME, then
 * -2, -3... for more resets in one second. NULL when none could be made. */
static char *keep_copy(const char *path)
{
    time_t now = time(NULL);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
    for (int n = 1; n < 1000; n++) {
        char *name = n == 1 ? xasprintf("%s.orig-%s", path, stamp)
                            : xasprintf("%s.orig-%s-%d", path, stamp, n);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644); /* ours alone from now on */
        if (fd >= 0) {
            close(fd);
            if (copy_file(path, name))
                return name;
            unlink(name);
            free(name);
            return NULL;
        }
        free(name);
        if (errno != EEXIST)
            return NULL;
    }
    return NULL;
}

int cmd_reset(struct kit *kit, const struct cli *cli)
{
    if (cli->nnames != 1) {
        fputs("grade: usage: grade reset LAB [--yes]\n", stderr);
        return 2;
    }
    const struct lab_spec *lab = manifest_find(&kit->manifest, cli->names[0]);
    if (!lab) {
        fprintf(stderr, "grade: no lab '%s'\n", cli->names[0]);
        return 2;
    }
    char dir[64];
    lab_dirname(lab, dir, sizeof dir);
    for (const char **f = lab->edit; *f; f++) {
        char *text = starter_text(kit, lab, *f);
        if (!text) {
            fprintf(stderr,
                    "grade: no pristine starter of %s/%s here (no grader/starters/ and no "
                    "git history)\n",
                    dir, *f);
            return 2;
        }
        free(text);
    }
    /* Only files that are not the starter's any more: nothing else to keep. */
    bool *changed = xcalloc(32, sizeof *changed);
    int nchanged = 0;
    for (int i = 0; lab->edit[i] && i < 32; i++) {
        char *path = xasprintf("%s/%s/%s", kit->workspace, dir, lab->edit[i]);
        char *mine = read_text(path, 4 << 20), *start = starter_text(kit, lab, lab->edit[i]);
        changed[i] = !mine || strcmp(mine, start);
        nchanged += changed[i];
        free(mine);
        free(start);
        free(path);
    }
    if (nchanged == 0) {
        printf(_("Lab %s is the starter already: nothing to restore.\n"), lab->id);
        free(changed);
        return 0;
    }
    if (!cli->yes) {
        if (!isatty(STDIN_FILENO)) {
            fprintf(stderr,
                    _("grade: reset asks before it replaces your files, and there is no "
                      "terminal to ask: run grader/grade reset %s --yes. Nothing changed.\n"),
                    lab->id);
            free(changed);
            return 2;
        }
        printf(_("Restore the starter of lab %s ("), lab->id);
        for (int i = 0, first = 1; lab->edit[i] && i < 32; i++)
            if (changed[i]) {
                printf("%s%s", first ? "" : ", ", lab->edit[i]);
                first = 0;
            }
        printf(_(")? Your files are kept as FILE.orig-DATE. [y/N] "));
        fflush(stdout);
        char line[16] = "";
        if (!fgets(line, sizeof line, stdin))
            line[0] = '\0';
        if (line[0] != 'y' && line[0] != 'Y') {
            printf(_("Nothing changed (grader/grade reset %s --yes restores without asking).\n"),
                   lab->id);
            free(changed);
            return 1;
        }
    }
    for (int i = 0; lab->edit[i] && i < 32; i++) {
        if (!changed[i])
            continue;
        char *path = xasprintf("%s/%s/%s", kit->workspace, dir, lab->edit[i]);
        char *backup = path_exists(path) ? keep_copy(path) : NULL;
        if (path_exists(path) && !backup) {
            fprintf(stderr, _("grade: cannot keep a copy of %s: nothing changed\n"), path);
            return 2;
        }
        char *text = starter_text(kit, lab, lab->edit[i]);
        FILE *out = fopen(path, "w");
        if (!out || fputs(text, out) < 0 || fclose(out) != 0) {
            fprintf(stderr, _("grade: cannot write %s: %s\n"), path, strerror(errno));
            return 2;
        }
        if (backup)
            printf(_("restored %s (yours: %s)\n"), path, backup);
        else
            printf(_("restored %s (it was missing)\n"), path);
        free(text);
        free(path);
        free(backup);
    }
    free(changed);
    return 0;
}
