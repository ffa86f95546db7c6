/*
 * trace_parse.c - strace -f -ttt -y -q output into one model of what the
 * student's processes did (trace_model.h).
 *
 * The format relied on (strace 6.1, pinned by grader/tests/explain.bats with
 * a fixture): every line is "PID SECONDS.MICROS REST" where REST is
 *   NAME(ARGS) = RET [...]          a call that returned
 *   NAME(ARGS <unfinished ...>      a call another line interrupted
 *   <... NAME resumed>ARGS) = RET   the rest of it
 *   --- SIGNAME {si_signo=..., si_pid=N, ...} ---   a signal delivered
 *   --- stopped by SIGSTOP ---
 *   +++ exited with N +++ | +++ killed by SIGNAME [(core dumped)] +++
 * Descriptors are "N" or, with -y when strace could read /proc, "N<pipe:[I]>".
 * Student processes cannot be read that way (another user, not dumpable),
 * so the descriptor tables are rebuilt here from pipe2/socketpair/dup/close/
 * fork/exec instead of trusting -y.
 */
#define _GNU_SOURCE
#include "trace_model.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { UID_LO = 62000, UID_HI = 64000 }; /* jail.h: even = student */

struct rec {
    int pid;
    double t0, t; /* started, finished */
    int kind;     /* R_CALL, R_SIG, R_EXIT, R_KILLED, R_STOP */
    char name[24];
    char *args; /* malloc'd */
    char ret[64];
    int code;
};
enum { R_CALL, R_SIG, R_EXIT, R_KILLED, R_STOP, R_PENDING };

struct pending {
    int pid;
    double t;
    char name[24];
    char *args;
};

struct proc {
    int pid, tgid_idx; /* a thread: index of its process, else its own */
    int parent;        /* internal index, -1 */
    bool student, thread, ended, stopped;
    char name[32];
    double born, end, reaped, orphaned, stopped_at, block_t;
    int reaped_by, code;
    char signame[16];
    bool exited, killed, cleanup;
    char *block_name, *block_args; /* the call it was in */
    int shown;                     /* index in the model, or -1 */
};

struct clone_rec {
    int child, parent;
    bool thread;
};

/* A blocking call that came back after a while: drawn as blocked. */
struct wait_rec {
    int proc; /* internal index */
    double from, to;
    char name[24];
    int fd, obj, end; /* the descriptor's object and end, or obj -1 */
    int pid;          /* wait4/waitid: the child waited for, or -1 */
    char a0[96];
};

struct parser {
    struct proc *p;
    int np, cap;
    struct wait_rec *w;
    int nw, wcap;
    struct trace_model *m;
    int obj_cap, hold_cap, ev_cap;
    struct clone_rec *cl; /* clone results: child pid -> parent pid, thread */
    int ncl, clcap;
};

static void *grow(void *p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return p;
    int n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * size);
    if (!q)
        abort();
    memset((char *)q + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *cap = n;
    return q;
}

/* ---- text ----------------------------------------------------------------- */

/* The index of the ')' that closes the call's argument list (depth 0,
 * outside strings), or -1. */
static long close_paren(const char *s)
{
    int depth = 0;
    for (long i = 0; s[i]; i++) {
        char c = s[i];
        if (c == '"') {
            for (i++; s[i] && s[i] != '"'; i++)
                if (s[i] == '\\' && s[i + 1])
                    i++;
            if (!s[i])
                return -1;
        } else if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0 && c == ')')
                return i;
            depth--;
        }
    }
    return -1;
}

/* Argument n (0-based) of args, copied into buf; "" when there is none. */
static void arg(const char *args, int n, char *buf, size_t size)
{
    int depth = 0, k = 0;
    const char *start = args;
    buf[0] = '\0';
    for (const char *s = args;; s++) {
        char c = *s;
        if (c == '"') {
            for (s++; *s && *s != '"'; s++)
                if (*s == '\\' && s[1])
                    s++;
            if (!*s)
                c = '\0';
            else
                continue;
        }
        if (c == '(' || c == '[' || c == '{')
            depth++;
        else if ((c == ')' || c == ']' || c == '}') && depth > 0)
            depth--;
        if ((c == ',' && depth == 0) || c == '\0') {
            if (k == n) {
                while (*start == ' ')
                    start++;
                size_t len = (size_t)(s - start);
                if (len >= size)
                    len = size - 1;
                memcpy(buf, start, len);
                buf[len] = '\0';
                return;
            }
            k++;
            start = s + 1;
        }
        if (c == '\0')
            return;
    }
}

/* "3" or "3<pipe:[12]>" -> 3 (and the inode text); -1 when not a number. */
static int fd_of(const char *s, char *inode, size_t size)
{
    while (*s == ' ' || *s == '[')
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    int fd = atoi(s);
    if (inode) {
        inode[0] = '\0';
        const char *lt = strchr(s, '<');
        if (lt) {
            const char *gt = strrchr(lt, '>');
            size_t len = gt ? (size_t)(gt - lt - 1) : 0;
            if (len >= size)
                len = size - 1;
            memcpy(inode, lt + 1, len);
            inode[len] = '\0';
        }
    }
    return fd;
}

static long ret_num(const char *ret)
{
    if (!strncmp(ret, "0x", 2))
        return strtol(ret, NULL, 16);
    return (ret[0] == '-' || isdigit((unsigned char)ret[0])) ? strtol(ret, NULL, 10) : -1;
}

/* ---- processes ------------------------------------------------------------ */

static int find_pid(struct parser *ps, int pid)
{
    for (int i = ps->np - 1; i >= 0; i--)
        if (ps->p[i].pid == pid)
            return i;
    return -1;
}

static int clone_parent(struct parser *ps, int pid, bool *thread)
{
    for (int i = 0; i < ps->ncl; i++)
        if (ps->cl[i].child == pid) {
            *thread = ps->cl[i].thread;
            return ps->cl[i].parent;
        }
    return -1;
}

static struct tr_event *event(struct parser *ps, double t, int kind, int proc)
{
    struct trace_model *m = ps->m;
    m->events = grow(m->events, &ps->ev_cap, m->nevents + 1, sizeof *m->events);
    struct tr_event *e = &m->events[m->nevents++];
    memset(e, 0, sizeof *e);
    e->t = t;
    e->kind = kind;
    e->proc = proc;
    e->other = -1;
    return e;
}

static struct tr_hold *add_hold(struct parser *ps, int obj, int end, int proc, int fd, double t,
                                bool cloexec)
{
    struct trace_model *m = ps->m;
    /* A number the kernel hands out again was closed by a call not traced. */
    for (int k = m->nholds - 1; k >= 0; k--)
        if (m->holds[k].proc == proc && m->holds[k].fd == fd && m->holds[k].to < 0) {
            m->holds[k].to = t;
            break;
        }
    m->holds = grow(m->holds, &ps->hold_cap, m->nholds + 1, sizeof *m->holds);
    struct tr_hold *h = &m->holds[m->nholds++];
    *h = (struct tr_hold){
        .obj = obj, .end = end, .proc = proc, .fd = fd, .from = t, .to = -1, .cloexec = cloexec};
    return h;
}

static struct tr_hold *open_hold(struct parser *ps, int proc, int fd)
{
    for (int i = ps->m->nholds - 1; i >= 0; i--) {
        struct tr_hold *h = &ps->m->holds[i];
        if (h->proc == proc && h->fd == fd && h->to < 0)
            return h;
    }
    return NULL;
}

static void close_hold(struct parser *ps, struct tr_hold *h, double t)
{
    h->to = t;
    struct tr_event *e = event(ps, t, TR_CLOSE, h->proc);
    e->other = h->obj;
    e->code = h->end;
    e->sig = h->fd;
}

static int new_proc(struct parser *ps, int pid, double t)
{
    ps->p = grow(ps->p, &ps->cap, ps->np + 1, sizeof *ps->p);
    int i = ps->np++;
    struct proc *p = &ps->p[i];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->tgid_idx = i;
    p->parent = -1;
    p->born = t;
    p->end = p->reaped = p->orphaned = p->stopped_at = -1;
    p->reaped_by = -1;
    p->shown = -1;
    bool thread = false;
    int ppid = clone_parent(ps, pid, &thread);
    int parent = ppid >= 0 ? find_pid(ps, ppid) : -1;
    if (parent >= 0) {
        parent = ps->p[parent].tgid_idx;
        struct proc *pp = &ps->p[parent];
        p->student = pp->student;
        memcpy(p->name, pp->name, sizeof p->name);
        if (!strcmp(p->name, "test body"))
            snprintf(p->name, sizeof p->name, "child"); /* student code's own fork */
        if (thread) {
            p->thread = true;
            p->tgid_idx = parent;
            return i;
        }
        p->parent = parent;
        /* The child starts with a copy of its parent's descriptors. */
        int n = ps->m->nholds;
        for (int k = 0; k < n; k++) {
            struct tr_hold h = ps->m->holds[k];
            if (h.proc == parent && h.to < 0)
                add_hold(ps, h.obj, h.end, i, h.fd, t, h.cloexec);
        }
        event(ps, t, TR_FORK, parent)->other = i;
    } else {
        snprintf(p->name, sizeof p->name, "?");
    }
    return i;
}

/* The entry (process or thread) of pid, made when first seen or when the
 * pid was used again after its process ended. */
static int entry_of(struct parser *ps, int pid, double t)
{
    int i = find_pid(ps, pid);
    if (i < 0 || (ps->p[i].ended && !ps->p[i].thread))
        i = new_proc(ps, pid, t);
    return i;
}

static void end_proc(struct parser *ps, int i, double t)
{
    struct proc *p = &ps->p[i];
    if (p->ended)
        return;
    p->ended = true;
    p->end = t;
    for (int k = 0; k < ps->m->nholds; k++) {
        struct tr_hold *h = &ps->m->holds[k];
        if (h->proc == i && h->to < 0)
            close_hold(ps, h, t);
    }
    for (int k = 0; k < ps->np; k++)
        if (ps->p[k].parent == i && !ps->p[k].ended && !ps->p[k].thread) {
            ps->p[k].orphaned = t;
            event(ps, t, TR_ORPHAN, k)->other = i;
        }
    /* Its threads end with it. */
    for (int k = 0; k < ps->np; k++)
        if (ps->p[k].thread && ps->p[k].tgid_idx == i)
            ps->p[k].ended = true;
}

/* ---- objects -------------------------------------------------------------- */

static int new_obj(struct parser *ps, int kind, const char *inode, double t)
{
    struct trace_model *m = ps->m;
    m->objs = grow(m->objs, &ps->obj_cap, m->nobjs + 1, sizeof *m->objs);
    struct tr_obj *o = &m->objs[m->nobjs];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->made = t;
    snprintf(o->inode, sizeof o->inode, "%s", inode ? inode : "");
    return m->nobjs++;
}

static void fd_pair(struct parser *ps, int proc, const char *list, int kind, bool cloexec, double t)
{
    char a[64], b[64], ino[32];
    const char *in = strchr(list, '[');
    if (!in)
        return;
    char inner[160];
    snprintf(inner, sizeof inner, "%s", in + 1);
    char *close = strrchr(inner, ']');
    if (close)
        *close = '\0';
    arg(inner, 0, a, sizeof a);
    arg(inner, 1, b, sizeof b);
    int fa = fd_of(a, ino, sizeof ino), fb = fd_of(b, NULL, 0);
    if (fa < 0 || fb < 0)
        return;
    int o = new_obj(ps, kind, ino, t);
    add_hold(ps, o, 0, proc, fa, t, cloexec);
    add_hold(ps, o, 1, proc, fb, t, cloexec);
}

static void dup_fd(struct parser *ps, int proc, int from, int to, bool cloexec, double t)
{
    if (from == to)
        return;
    struct tr_hold *old = open_hold(ps, proc, to);
    if (old)
        close_hold(ps, old, t);
    struct tr_hold *src = open_hold(ps, proc, from);
    if (src)
        add_hold(ps, src->obj, src->end, proc, to, t, cloexec);
}

/* ---- records -------------------------------------------------------------- */

static void sig_name(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    while (s[n] && (isalnum((unsigned char)s[n]) || s[n] == '_') && n + 1 < size)
        n++;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

static bool has(const char *s, const char *word)
{
    return s && strstr(s, word);
}

static void become(struct parser *ps, int i, const char *args)
{
    char a[32];
    arg(args, 0, a, sizeof a);
    long uid = strtol(a, NULL, 10);
    if (uid >= UID_LO && uid < UID_HI && uid % 2 == 0) {
        struct proc *p = &ps->p[i];
        p->student = true;
        if (!strcmp(p->name, "checks") || !strcmp(p->name, "?"))
            snprintf(p->name, sizeof p->name, "%s", "test body");
    }
}

static void on_exec(struct parser *ps, int i, const struct rec *r)
{
    struct proc *p = &ps->p[i];
    char path[96];
    arg(r->args, 0, path, sizeof path);
    char *q = path;
    if (*q == '"')
        q++;
    char *endq = strchr(q, '"');
    if (endq)
        *endq = '\0';
    char *base = strrchr(q, '/');
    base = base ? base + 1 : q;
    if (ret_num(r->ret) != 0) {
        struct tr_event *e = event(ps, r->t, TR_EXECFAIL, i);
        snprintf(e->text, sizeof e->text, "%.60s: %.30s", q, r->ret);
        return;
    }
    if (path[0] == '"') /* else strace could not read it: keep the old name */
        snprintf(p->name, sizeof p->name, "%.31s", base);
    struct tr_event *e = event(ps, r->t, TR_EXEC, i);
    snprintf(e->text, sizeof e->text, "%s", q);
    for (int k = 0; k < ps->m->nholds; k++) {
        struct tr_hold *h = &ps->m->holds[k];
        if (h->proc == i && h->to < 0 && h->cloexec)
            close_hold(ps, h, r->t);
    }
}

static void on_reap(struct parser *ps, int i, int child, double t)
{
    int c = find_pid(ps, child);
    if (c < 0)
        return;
    ps->p[c].reaped = t;
    ps->p[c].reaped_by = i;
    event(ps, t, TR_REAP, i)->other = c;
}

static void on_call(struct parser *ps, int i, const struct rec *r)
{
    const char *n = r->name, *a = r->args;
    long ret = ret_num(r->ret);
    char a0[96], a1[96], a2[96], a3[160];
    arg(a, 0, a0, sizeof a0);
    arg(a, 1, a1, sizeof a1);
    arg(a, 2, a2, sizeof a2);
    if (!strcmp(n, "execve") || !strcmp(n, "execveat")) {
        on_exec(ps, i, r);
    } else if (!strcmp(n, "setresuid") || !strcmp(n, "setuid") || !strcmp(n, "setreuid")) {
        if (ret == 0)
            become(ps, i, a);
    } else if (!strcmp(n, "pipe") || !strcmp(n, "pipe2")) {
        if (ret == 0)
            fd_pair(ps, i, a0, TR_PIPE, has(a1, "O_CLOEXEC"), r->t);
    } else if (!strcmp(n, "socketpair")) {
        arg(a, 3, a3, sizeof a3);
        if (ret == 0)
            fd_pair(ps, i, a3, TR_SOCKPAIR, has(a1, "SOCK_CLOEXEC"), r->t);
    } else if (!strcmp(n, "socket")) {
        if (ret >= 0)
            add_hold(ps, new_obj(ps, TR_SOCKET, "", r->t), 0, i, (int)ret, r->t,
                     has(a1, "SOCK_CLOEXEC"));
    } else if (!strcmp(n, "listen")) {
        struct tr_hold *h = open_hold(ps, i, fd_of(a0, NULL, 0));
        if (h && ret == 0)
            ps->m->objs[h->obj].kind = TR_LISTEN;
    } else if (!strcmp(n, "accept") || !strcmp(n, "accept4")) {
        if (ret >= 0) {
            arg(a, 3, a3, sizeof a3);
            add_hold(ps, new_obj(ps, TR_SOCKET, "", r->t), 0, i, (int)ret, r->t,
                     has(a3, "SOCK_CLOEXEC"));
        }
    } else if (!strcmp(n, "write") || !strcmp(n, "writev") || !strcmp(n, "send") ||
               !strcmp(n, "sendto") || !strcmp(n, "sendmsg")) {
        struct tr_hold *h = open_hold(ps, i, fd_of(a0, NULL, 0));
        if (h && ret > 0) {
            ps->m->objs[h->obj].written[h->end] = r->t;
            ps->m->objs[h->obj].wrote[h->end] = true;
        }
    } else if (!strcmp(n, "close")) {
        struct tr_hold *h = open_hold(ps, i, fd_of(a0, NULL, 0));
        if (h)
            close_hold(ps, h, r->t);
    } else if (!strcmp(n, "close_range")) {
        long lo = strtol(a0, NULL, 10);
        unsigned long hi = strtoul(a1, NULL, 0);
        bool cloexec = has(a2, "CLOSE_RANGE_CLOEXEC");
        if (ret == 0)
            for (int k = 0; k < ps->m->nholds; k++) {
                struct tr_hold *h = &ps->m->holds[k];
                if (h->proc == i && h->to < 0 && h->fd >= lo && (unsigned long)h->fd <= hi) {
                    if (cloexec)
                        h->cloexec = true;
                    else
                        close_hold(ps, h, r->t);
                }
            }
    } else if (!strcmp(n, "dup")) {
        if (ret >= 0)
            dup_fd(ps, i, fd_of(a0, NULL, 0), (int)ret, false, r->t);
    } else if (!strcmp(n, "dup2") || !strcmp(n, "dup3")) {
        if (ret >= 0)
            dup_fd(ps, i, fd_of(a0, NULL, 0), (int)ret, has(a2, "O_CLOEXEC"), r->t);
    } else if (!strcmp(n, "fcntl") || !strcmp(n, "fcntl64")) {
        int fd = fd_of(a0, NULL, 0);
        if (has(a1, "F_DUPFD") && ret >= 0)
            dup_fd(ps, i, fd, (int)ret, has(a1, "CLOEXEC"), r->t);
        else if (!strcmp(a1, "F_SETFD") && ret == 0) {
            struct tr_hold *h = open_hold(ps, i, fd);
            if (h)
                h->cloexec = has(a2, "FD_CLOEXEC");
        }
    } else if (!strcmp(n, "wait4")) {
        bool stop = has(a1, "WIFSTOPPED") || has(a1, "WIFCONTINUED");
        bool decoded = has(a1, "WIFEXITED") || has(a1, "WIFSIGNALED");
        bool may_stop = has(a2, "WSTOPPED") || has(a2, "WUNTRACED") || has(a2, "WCONTINUED");
        if (ret > 0 && !stop && (decoded || !may_stop))
            on_reap(ps, i, (int)ret, r->t);
    } else if (!strcmp(n, "waitid")) {
        const char *sp = strstr(a, "si_pid=");
        arg(a, 3, a3, sizeof a3);
        if (ret == 0 && sp && !has(a3, "WNOWAIT") &&
            (has(a, "CLD_EXITED") || has(a, "CLD_KILLED") || has(a, "CLD_DUMPED")))
            on_reap(ps, i, atoi(sp + 7), r->t);
    } else if (!strcmp(n, "kill") || !strcmp(n, "tkill") || !strcmp(n, "tgkill")) {
        const char *target = !strcmp(n, "tgkill") ? a1 : a0;
        const char *sig = !strcmp(n, "tgkill") ? a2 : a1;
        int pid = atoi(target);
        if (!strcmp(n, "kill") && pid == -1) {
            ps->p[i].cleanup = true; /* the check's "kill everything of the student" */
            return;
        }
        if (!strcmp(sig, "0") || ret != 0)
            return;
        if (pid == ps->p[i].pid && !strcmp(sig, "SIGSTOP")) {
            ps->p[i].stopped_at = r->t; /* a body back from student code stops itself */
            return;
        }
        struct tr_event *e = event(ps, r->t, TR_SENT, i);
        e->other = pid;
        sig_name(sig, e->text, sizeof e->text);
    }
}

static void on_signal(struct parser *ps, int i, const struct rec *r)
{
    char name[24];
    sig_name(r->args, name, sizeof name);
    const char *sp = strstr(r->args, "si_pid=");
    int from = sp ? atoi(sp + 7) : 0;
    if (!strcmp(name, "SIGSTOP") && from == ps->p[i].pid)
        return;
    struct tr_event *e = event(ps, r->t, TR_RECV, i);
    e->other = from;
    snprintf(e->text, sizeof e->text, "%s", name);
    if (!strcmp(name, "SIGCHLD")) {
        const char *code = strstr(r->args, "si_code=");
        if (code) {
            char c[24];
            sig_name(code + 8, c, sizeof c);
            snprintf(e->text, sizeof e->text, "SIGCHLD %s", c);
        }
    }
}

static void record_block(struct proc *p, const char *name, const char *args, double t)
{
    free(p->block_name);
    free(p->block_args);
    p->block_name = strdup(name);
    p->block_args = strdup(args ? args : "");
    p->block_t = t;
}

static void clear_block(struct proc *p)
{
    free(p->block_name);
    free(p->block_args);
    p->block_name = p->block_args = NULL;
}

/* ---- lines ---------------------------------------------------------------- */

static struct pending *pend;
static int npend, pendcap;

static struct pending *find_pending(int pid)
{
    for (int i = 0; i < npend; i++)
        if (pend[i].pid == pid)
            return &pend[i];
    return NULL;
}

static void drop_pending(struct pending *p)
{
    free(p->args);
    *p = pend[--npend];
}

/* One line into a record; false when it is none of the forms above. */
static bool parse_line(char *line, struct rec *r)
{
    memset(r, 0, sizeof *r);
    char *s = line;
    r->pid = (int)strtol(s, &s, 10);
    if (r->pid <= 0 || *s != ' ')
        return false;
    while (*s == ' ')
        s++;
    r->t = r->t0 = strtod(s, &s);
    if (r->t <= 0)
        return false;
    while (*s == ' ')
        s++;
    if (!strncmp(s, "+++ exited with ", 16)) {
        r->kind = R_EXIT;
        r->code = atoi(s + 16);
        return true;
    }
    if (!strncmp(s, "+++ killed by ", 14)) {
        r->kind = R_KILLED;
        sig_name(s + 14, r->name, sizeof r->name);
        return true;
    }
    if (!strncmp(s, "--- stopped by", 14)) {
        r->kind = R_STOP;
        return true;
    }
    if (!strncmp(s, "--- ", 4)) {
        r->kind = R_SIG;
        r->args = strdup(s + 4);
        return true;
    }
    char *rest;
    struct pending *pd = NULL;
    if (!strncmp(s, "<... ", 5)) {
        char *sp = strchr(s + 5, ' ');
        if (!sp || strncmp(sp, " resumed>", 9))
            return false;
        size_t len = (size_t)(sp - (s + 5));
        if (len >= sizeof r->name)
            len = sizeof r->name - 1;
        memcpy(r->name, s + 5, len);
        pd = find_pending(r->pid);
        rest = sp + 9;
        char *joined;
        if (asprintf(&joined, "%s%s", pd ? pd->args : "", rest) < 0)
            return false;
        if (pd) {
            r->t0 = pd->t;
            drop_pending(pd);
        }
        rest = joined;
    } else {
        char *open = strchr(s, '(');
        if (!open || open == s)
            return false;
        size_t len = (size_t)(open - s);
        if (len >= sizeof r->name)
            len = sizeof r->name - 1;
        memcpy(r->name, s, len);
        for (size_t k = 0; k < len; k++)
            if (!isalnum((unsigned char)r->name[k]) && r->name[k] != '_')
                return false;
        rest = strdup(open + 1);
    }
    char *unf = strstr(rest, " <unfinished ...>");
    if (unf) {
        *unf = '\0';
        pendcap = pendcap < npend + 1 ? (pendcap ? pendcap * 2 : 16) : pendcap;
        pend = realloc(pend, (size_t)pendcap * sizeof *pend);
        /* "<... read resumed> <unfinished ...>": still the call that began at t0 */
        pend[npend++] = (struct pending){.pid = r->pid, .t = r->t0, .args = rest};
        snprintf(pend[npend - 1].name, sizeof pend[npend - 1].name, "%s", r->name);
        r->kind = R_PENDING;
        r->args = strdup(rest);
        return true;
    }
    long cp = close_paren(rest);
    if (cp < 0) {
        free(rest);
        return false;
    }
    rest[cp] = '\0';
    r->kind = R_CALL;
    r->args = rest;
    const char *eq = strstr(rest + cp + 1, "= ");
    if (eq)
        snprintf(r->ret, sizeof r->ret, "%s", eq + 2);
    /* strace -T: " <0.000012>" (or " <unavailable>") after the result, the
     * time spent in the call: it ended at t0 + that. */
    char *took = strrchr(r->ret, '<');
    size_t n = strlen(r->ret);
    if (took && took > r->ret && took[-1] == ' ' && n && r->ret[n - 1] == '>') {
        char *end;
        double secs = strtod(took + 1, &end);
        if (end != took + 1 && *end == '>')
            r->t = r->t0 + secs;
        took[-1] = '\0';
    }
    return true;
}

/* Pass 1: who cloned whom (a child's lines may come before its parent's
 * clone returns), with the unfinished halves joined. */
static void collect_clones(struct parser *ps, char *copy)
{
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct rec r;
        if (!parse_line(line, &r)) {
            free(r.args);
            continue;
        }
        bool clone = !strcmp(r.name, "clone") || !strcmp(r.name, "clone3") ||
                     !strcmp(r.name, "fork") || !strcmp(r.name, "vfork");
        long child = ret_num(r.ret);
        if (r.kind == R_CALL && clone && child > 0) {
            ps->cl = grow(ps->cl, &ps->clcap, ps->ncl + 1, sizeof *ps->cl);
            ps->cl[ps->ncl++] = (struct clone_rec){(int)child, r.pid, has(r.args, "CLONE_THREAD")};
        }
        free(r.args);
    }
    while (npend > 0)
        drop_pending(&pend[0]);
}

static bool may_block(const char *n);
static void resolve_wait(struct parser *ps, int i, const char *name, const char *args,
                         struct wait_rec *w);

/* Calls that kept a process waiting at least this long are drawn blocked. */
#define WAIT_MIN_S 0.005

static void note_wait(struct parser *ps, int i, const struct rec *r)
{
    if (r->t - r->t0 < WAIT_MIN_S || !may_block(r->name))
        return;
    ps->w = grow(ps->w, &ps->wcap, ps->nw + 1, sizeof *ps->w);
    struct wait_rec *w = &ps->w[ps->nw++];
    resolve_wait(ps, i, r->name, r->args, w);
    w->from = r->t0;
    w->to = r->t;
}

static void handle(struct parser *ps, struct rec *r)
{
    int entry = entry_of(ps, r->pid, r->t0); /* born when its first call began */
    bool from_thread = ps->p[entry].thread;
    int i = ps->p[entry].tgid_idx;
    struct proc *p = &ps->p[i];
    switch (r->kind) {
    case R_PENDING:
        record_block(p, r->name, r->args, r->t0);
        break;
    case R_CALL:
        /* A thread's wait is not its process's: the others may run. */
        if (r->ret[0] != '?' && !from_thread) /* "?": killed or interrupted in it */
            note_wait(ps, i, r);
        if (strcmp(r->ret, "?") && strncmp(r->ret, "? ERESTART", 10))
            clear_block(p);
        else
            record_block(p, r->name, r->args, r->t0);
        on_call(ps, i, r);
        break;
    case R_SIG:
        on_signal(ps, i, r);
        break;
    case R_STOP:
        if (p->stopped_at < 0)
            p->stopped_at = r->t;
        clear_block(p);
        break;
    case R_EXIT:
    case R_KILLED:
        if (from_thread)
            break; /* a thread ended; the process goes on */
        if (r->kind == R_EXIT) {
            p->exited = true;
            p->code = r->code;
            clear_block(p);
            struct tr_event *e = event(ps, r->t, TR_EXIT, i);
            e->code = r->code;
        } else {
            p->killed = true;
            snprintf(p->signame, sizeof p->signame, "%.15s", r->name);
            struct tr_event *e = event(ps, r->t, TR_KILLED, i);
            snprintf(e->text, sizeof e->text, "%s", r->name);
        }
        end_proc(ps, i, r->t);
        break;
    }
}

/* ---- what a blocked process waited on ----------------------------------- */

static const char *const fd_calls[] = {"read",   "readv",   "recvfrom", "recvmsg", "recv",
                                       "write",  "writev",  "sendto",   "sendmsg", "send",
                                       "accept", "accept4", "pread64",  "connect", NULL};

const char *trace_end_name(const struct trace_model *m, int obj, int end, bool zh)
{
    int kind = m->objs[obj].kind;
    if (kind == TR_PIPE)
        return end == 0 ? (zh ? "读端" : "read end") : (zh ? "写端" : "write end");
    if (kind == TR_SOCKPAIR)
        return end == 0 ? (zh ? "端 0" : "end 0") : (zh ? "端 1" : "end 1");
    return zh ? "套接字" : "socket";
}

/* Calls a process can sleep in: the ones worth naming when it ended in one
 * (a process killed inside getpid() was not waiting for anything). */
static bool may_block(const char *n)
{
    static const char *const calls[] = {"read",
                                        "readv",
                                        "recvfrom",
                                        "recvmsg",
                                        "recv",
                                        "write",
                                        "writev",
                                        "sendto",
                                        "sendmsg",
                                        "send",
                                        "accept",
                                        "accept4",
                                        "connect",
                                        "wait4",
                                        "waitid",
                                        "futex",
                                        "semop",
                                        "semtimedop",
                                        "poll",
                                        "ppoll",
                                        "select",
                                        "pselect6",
                                        "epoll_wait",
                                        "epoll_pwait",
                                        "nanosleep",
                                        "clock_nanosleep",
                                        "pause",
                                        "rt_sigsuspend",
                                        "rt_sigtimedwait",
                                        "msgrcv",
                                        "msgsnd",
                                        "mq_timedreceive",
                                        "mq_timedsend",
                                        "flock",
                                        "fcntl",
                                        "pread64",
                                        "sigsuspend",
                                        NULL};
    for (const char *const *c = calls; *c; c++)
        if (!strcmp(n, *c))
            return true;
    return false;
}

static bool fd_call(const char *n)
{
    for (const char *const *c = fd_calls; *c; c++)
        if (!strcmp(n, *c))
            return true;
    return false;
}

/* What a call waited on, resolved while the trace is read (the descriptor's
 * object as it was then). */
static void resolve_wait(struct parser *ps, int i, const char *name, const char *args,
                         struct wait_rec *w)
{
    snprintf(w->name, sizeof w->name, "%s", name);
    w->proc = i;
    w->obj = w->end = w->pid = w->fd = -1;
    char a0[96];
    arg(args, 0, a0, sizeof a0);
    snprintf(w->a0, sizeof w->a0, "%s", a0);
    if (fd_call(name)) {
        w->fd = fd_of(a0, NULL, 0);
        struct tr_hold *h = open_hold(ps, i, w->fd);
        /* Closed by the death itself: the last hold of that fd. */
        for (int k = ps->m->nholds - 1; !h && k >= 0; k--)
            if (ps->m->holds[k].proc == i && ps->m->holds[k].fd == w->fd)
                h = &ps->m->holds[k];
        if (h) {
            w->obj = h->obj;
            w->end = h->end;
        }
    } else if (!strcmp(name, "wait4") || !strcmp(name, "waitid")) {
        w->pid = atoi(!strcmp(name, "waitid") ? args + strcspn(args, ",") + 1 : a0);
    }
}

/* The call in words: "read(fd 3: pipe A, read end)", "wait4(for p2)". */
static void describe_wait(struct parser *ps, const struct wait_rec *w, const char *args, char *buf,
                          size_t size)
{
    const char *n = w->name;
    if (w->fd >= 0 || fd_call(n)) {
        if (w->obj >= 0 && ps->m->objs[w->obj].shown)
            snprintf(buf, size, "%s(fd %d: %s, %s)", n, w->fd, ps->m->objs[w->obj].name,
                     trace_end_name(ps->m, w->obj, w->end, false));
        else
            snprintf(buf, size, "%s(fd %d)", n, w->fd);
    } else if (!strcmp(n, "wait4") || !strcmp(n, "waitid")) {
        int c = w->pid > 0 ? find_pid(ps, w->pid) : -1;
        if (c >= 0 && ps->p[c].shown >= 0)
            snprintf(buf, size, "%s(for p%d)", n, ps->p[c].shown + 1);
        else
            snprintf(buf, size, "%s(for any child)", n);
    } else if (!strcmp(n, "futex"))
        snprintf(buf, size, "futex(%s: a semaphore, lock or condition wait)", w->a0);
    else if (strstr(n, "nanosleep"))
        snprintf(buf, size, "%s (a sleep)", n);
    else if (!strcmp(n, "semop") || !strcmp(n, "semtimedop"))
        snprintf(buf, size, "%s(System V semaphore %s)", n, w->a0);
    else
        snprintf(buf, size, "%s(%.60s)", n, args ? args : "");
}

static void describe_block(struct parser *ps, int i, char *buf, size_t size)
{
    struct proc *p = &ps->p[i];
    struct wait_rec w;
    resolve_wait(ps, i, p->block_name, p->block_args, &w);
    describe_wait(ps, &w, p->block_args, buf, size);
    if (w.obj >= 0 && ps->m->objs[w.obj].shown) {
        struct tr_proc *q = &ps->m->procs[p->shown];
        q->blocked_obj = w.obj;
        q->blocked_end = w.end;
    }
}

/* ---- the model ------------------------------------------------------------ */

/* Whether the process of event i execs successfully later on. */
static bool later_exec(const struct trace_model *m, int i)
{
    for (int k = i + 1; k < m->nevents; k++)
        if (m->events[k].proc == m->events[i].proc && m->events[k].kind == TR_EXEC)
            return true;
    return false;
}

static int cmp_event(const void *a, const void *b)
{
    const struct tr_event *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

static void build_model(struct parser *ps)
{
    struct trace_model *m = ps->m;
    double t0 = -1, t_last = 0;
    /* Which processes are drawn: the student's, not the check's helpers. */
    for (int i = 0; i < ps->np; i++) {
        struct proc *p = &ps->p[i];
        if (!p->student || p->thread || p->cleanup)
            continue;
        if (t0 < 0 || p->born < t0)
            t0 = p->born;
        p->shown = m->nprocs++;
    }
    for (int i = 0; i < m->nevents; i++)
        if (m->events[i].t > t_last)
            t_last = m->events[i].t;
    if (t0 < 0)
        t0 = 0;
    m->procs = calloc((size_t)(m->nprocs ? m->nprocs : 1), sizeof *m->procs);
    int letter = 0;
    /* Objects a student process held get letters, in order of making. */
    for (int o = 0; o < m->nobjs; o++) {
        bool held = false;
        for (int k = 0; k < m->nholds && !held; k++)
            held = m->holds[k].obj == o && ps->p[m->holds[k].proc].shown >= 0;
        struct tr_obj *ob = &m->objs[o];
        ob->shown = held && ob->kind != TR_SOCKET;
        static const char *const kinds[] = {"pipe", "socketpair", "listening socket", "socket"};
        /* A..Z, then AA..ZZ, then numbers */
        char id[12];
        if (letter < 26)
            snprintf(id, sizeof id, "%c", 'A' + letter);
        else if (letter < 26 + 26 * 26)
            snprintf(id, sizeof id, "%c%c", 'A' + (letter - 26) / 26, 'A' + (letter - 26) % 26);
        else
            snprintf(id, sizeof id, "%d", letter);
        snprintf(ob->name, sizeof ob->name, "%s %s", kinds[ob->kind], ob->shown ? id : "?");
        if (ob->shown)
            letter++;
        ob->made -= t0;
        ob->written[0] -= t0;
        ob->written[1] -= t0;
    }
    for (int i = 0; i < ps->np; i++)
        if (ps->p[i].shown >= 0)
            snprintf(m->procs[ps->p[i].shown].label, sizeof m->procs->label, "p%d",
                     ps->p[i].shown + 1);
    for (int i = 0; i < ps->np; i++) {
        struct proc *p = &ps->p[i];
        if (p->shown < 0)
            continue;
        struct tr_proc *q = &m->procs[p->shown];
        q->pid = p->pid;
        q->blocked_obj = -1;
        snprintf(q->name, sizeof q->name, "%s", p->name);
        q->parent = p->parent >= 0 ? ps->p[p->parent].shown : -1;
        q->born = p->born - t0;
        q->ended = p->ended ? p->end - t0 : -1;
        q->reaped = p->reaped >= 0 ? p->reaped - t0 : -1;
        /* The tracer may tell of the exit after the wait that reaped it. */
        if (q->reaped >= 0 && q->ended >= 0 && q->reaped < q->ended)
            q->reaped = q->ended;
        q->reaped_by = p->reaped_by >= 0 ? ps->p[p->reaped_by].shown : -1;
        q->exited = p->exited;
        q->killed = p->killed;
        q->code = p->code;
        snprintf(q->signame, sizeof q->signame, "%s", p->signame);
        q->orphaned = p->orphaned >= 0 && q->parent >= 0 ? p->orphaned - t0 : -1;
        q->blocked_since = -1;
        /* Stopped after the body returned, then killed by the check: done. */
        bool returned = p->stopped_at >= 0 && q->parent < 0;
        if (p->block_name && may_block(p->block_name) && !returned && (p->killed || !p->ended)) {
            describe_block(ps, i, q->blocked, sizeof q->blocked);
            q->blocked_since = p->block_t - t0;
        }
        if (returned) {
            q->ended = p->stopped_at - t0;
            q->killed = false;
            q->returned = true;
        }
    }
    /* Events of drawn processes only, in their indices, in time order. */
    int k = 0;
    for (int i = 0; i < m->nevents; i++) {
        struct tr_event e = m->events[i];
        int shown = ps->p[e.proc].shown;
        if (shown < 0)
            continue;
        if (e.kind == TR_FORK || e.kind == TR_REAP || e.kind == TR_ORPHAN) {
            int other = ps->p[e.other].shown;
            if (other < 0)
                continue;
            e.other = other;
        }
        if (e.kind == TR_CLOSE && !m->objs[e.other].shown)
            continue;
        if (e.kind == TR_EXECFAIL && later_exec(m, i))
            continue; /* execvp() trying the folders of PATH */
        if ((e.kind == TR_KILLED || e.kind == TR_EXIT) && m->procs[shown].returned)
            continue; /* the check's end of a returned body */
        if (e.kind == TR_CLOSE && m->procs[shown].ended >= 0 &&
            e.t - t0 > m->procs[shown].ended + 1e-9)
            continue;
        e.proc = shown;
        e.t -= t0;
        m->events[k++] = e;
    }
    m->nevents = k;
    qsort(m->events, (size_t)m->nevents, sizeof *m->events, cmp_event);
    /* Holds of drawn processes on drawn objects. */
    k = 0;
    for (int i = 0; i < m->nholds; i++) {
        struct tr_hold h = m->holds[i];
        int shown = ps->p[h.proc].shown;
        if (shown < 0 || !m->objs[h.obj].shown)
            continue;
        h.proc = shown;
        h.from -= t0;
        h.to = h.to >= 0 ? h.to - t0 : -1;
        m->holds[k++] = h;
    }
    m->nholds = k;
    m->t_end = t_last > t0 ? t_last - t0 : 0;
    /* Waits of drawn processes, within their lives (a returned body's end is
     * the check's). */
    m->waits = calloc((size_t)(ps->nw ? ps->nw : 1), sizeof *m->waits);
    for (int i = 0; i < ps->nw; i++) {
        const struct wait_rec *w = &ps->w[i];
        int shown = ps->p[w->proc].shown;
        if (shown < 0)
            continue;
        const struct tr_proc *q = &m->procs[shown];
        struct tr_wait *out = &m->waits[m->nwaits];
        out->proc = shown;
        out->from = w->from - t0;
        out->to = w->to - t0;
        if (q->ended >= 0 && out->to > q->ended)
            out->to = q->ended;
        if (out->to - out->from < WAIT_MIN_S)
            continue;
        describe_wait(ps, w, w->a0, out->what, sizeof out->what);
        m->nwaits++;
    }
}

void trace_parse(const char *text, struct trace_model *m)
{
    memset(m, 0, sizeof *m);
    struct parser ps = {.m = m};
    char *copy = strdup(text ? text : "");
    collect_clones(&ps, copy);
    free(copy);
    copy = strdup(text ? text : "");
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        m->lines++;
        struct rec r;
        if (!parse_line(line, &r)) {
            m->unparsed++;
            free(r.args);
            continue;
        }
        handle(&ps, &r);
        free(r.args);
    }
    free(copy);
    build_model(&ps);
    for (int i = 0; i < ps.np; i++)
        clear_block(&ps.p[i]);
    while (npend > 0)
        drop_pending(&pend[0]);
    free(pend);
    pend = NULL;
    pendcap = 0;
    free(ps.p);
    free(ps.cl);
    free(ps.w);
}

void trace_model_free(struct trace_model *m)
{
    free(m->procs);
    free(m->events);
    free(m->objs);
    free(m->holds);
    free(m->waits);
    memset(m, 0, sizeof *m);
}
