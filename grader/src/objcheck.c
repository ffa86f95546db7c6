/*
 * Student objects against an allow-list, before anything is linked.
 *
 * Code of a student's file must run only when a check calls it. Every way
 * an object can run code earlier, or take the place of someone else's code,
 * is a section or a symbol of a kind a plain C file never needs: the loader
 * runs .init/.init_array/.preinit_array/.ctors (and their fini twins), IFUNC
 * resolvers run at load time, a test runner collects what its registration
 * sections hold, a global with another part's name replaces it. So an
 * object is accepted only when all its sections are of the kinds a C
 * compiler makes for ordinary code and data, and every global it defines or
 * uses is its own, the lab's, the kit helper library's or the C library's.
 * The file is parsed here, bounds-checked, never run.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "i18n.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct elf {
    const unsigned char *data;
    size_t size;
    const Elf64_Shdr *sections;
    int nsections;
    const char *shstr;
    size_t shstr_size;
};

static bool in_file(const struct elf *e, uint64_t off, uint64_t len)
{
    return off <= e->size && len <= e->size - off;
}

/* A NUL-terminated string at off of a table of size n, or NULL. */
static const char *str_at(const char *table, size_t n, uint64_t off)
{
    if (!table || off >= n || !memchr(table + off, '\0', n - off))
        return NULL;
    return table + off;
}

static bool elf_open(const char *path, struct elf *e, char **why)
{
    memset(e, 0, sizeof *e);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        if (fd >= 0)
            close(fd);
        *why = xasprintf("%s is not an object file", path);
        return false;
    }
    e->size = (size_t)st.st_size;
    void *m = mmap(NULL, e->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        *why = xasprintf("cannot read %s", path);
        return false;
    }
    e->data = m;
    const Elf64_Ehdr *h = m;
    if (memcmp(h->e_ident, ELFMAG, SELFMAG) || h->e_ident[EI_CLASS] != ELFCLASS64 ||
        h->e_type != ET_REL || h->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_file(e, h->e_shoff, (uint64_t)h->e_shnum * sizeof(Elf64_Shdr)) ||
        h->e_shstrndx >= h->e_shnum || h->e_shoff % 8) {
        *why = xasprintf("%s is not a relocatable 64-bit object file", path);
        return false;
    }
    e->sections = (const Elf64_Shdr *)(e->data + h->e_shoff);
    e->nsections = h->e_shnum;
    const Elf64_Shdr *s = &e->sections[h->e_shstrndx];
    if (!in_file(e, s->sh_offset, s->sh_size)) {
        *why = xasprintf("%s has a broken section table", path);
        return false;
    }
    e->shstr = (const char *)e->data + s->sh_offset;
    e->shstr_size = s->sh_size;
    return true;
}

static void elf_close(struct elf *e)
{
    if (e->data)
        munmap((void *)e->data, e->size);
    e->data = NULL;
}

/* ---- a set of names, each with who owns it -------------------------------- */

struct owned {
    char *name;
    const char *owner;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct owned *)a)->name, ((const struct owned *)b)->name);
}

void symset_add(struct symset *s, const char *name, const char *owner)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->items = realloc(s->items, (size_t)s->cap * sizeof *s->items);
    }
    s->items[s->n++] = (struct owned){xstrdup(name), owner};
    s->sorted = false;
}

static const char *symset_owner(struct symset *s, const char *name)
{
    if (!s->sorted) {
        qsort(s->items, (size_t)s->n, sizeof *s->items, by_name);
        s->sorted = true;
    }
    struct owned key = {(char *)name, NULL};
    struct owned *hit = bsearch(&key, s->items, (size_t)s->n, sizeof *s->items, by_name);
    return hit ? hit->owner : NULL;
}

bool symset_has(struct symset *s, const char *name)
{
    return symset_owner(s, name) != NULL;
}

void symset_free(struct symset *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->items[i].name);
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* Walk the symbol table: fn(name, sym, arg) for every named symbol. */
static bool each_symbol(const struct elf *e, void (*fn)(const char *, const Elf64_Sym *, void *),
                        void *arg)
{
    for (int i = 0; i < e->nsections; i++) {
        const Elf64_Shdr *s = &e->sections[i];
        if (s->sh_type != SHT_SYMTAB)
            continue;
        if (s->sh_link >= (unsigned)e->nsections || !in_file(e, s->sh_offset, s->sh_size) ||
            s->sh_offset % 8)
            return false;
        const Elf64_Shdr *st = &e->sections[s->sh_link];
        if (!in_file(e, st->sh_offset, st->sh_size))
            return false;
        const char *strtab = (const char *)e->data + st->sh_offset;
        const Elf64_Sym *syms = (const Elf64_Sym *)(e->data + s->sh_offset);
        size_t n = s->sh_size / sizeof(Elf64_Sym);
        for (size_t k = 1; k < n; k++) {
            const char *name = str_at(strtab, st->sh_size, syms[k].st_name);
            if (!name)
                return false;
            if (*name)
                fn(name, &syms[k], arg);
        }
    }
    return true;
}

struct collect {
    struct symset *set;
    const char *owner;
};

static void collect_defined(const char *name, const Elf64_Sym *sym, void *arg)
{
    struct collect *c = arg;
    if (ELF64_ST_BIND(sym->st_info) != STB_LOCAL && sym->st_shndx != SHN_UNDEF)
        symset_add(c->set, name, c->owner);
}

/* Names an object calls or reads without defining them: the weak ones
 * (a hook, called only if someone defines it), or every one when all. */
struct collect_refs {
    struct symset *set;
    const char *owner;
    bool all;
};

static void collect_referenced(const char *name, const Elf64_Sym *sym, void *arg)
{
    struct collect_refs *c = arg;
    if (sym->st_shndx == SHN_UNDEF && ELF64_ST_BIND(sym->st_info) != STB_LOCAL &&
        (c->all || ELF64_ST_BIND(sym->st_info) == STB_WEAK))
        symset_add(c->set, name, c->owner);
}

bool symset_add_references(struct symset *s, const char *path, const char *owner, bool all)
{
    struct elf e = {0};
    char *why = NULL;
    bool ok = elf_open(path, &e, &why) &&
              each_symbol(&e, collect_referenced, &(struct collect_refs){s, owner, all});
    free(why);
    elf_close(&e);
    return ok;
}

bool symset_add_object(struct symset *s, const char *path, const char *owner)
{
    struct elf e = {0};
    char *why = NULL;
    bool ok =
        elf_open(path, &e, &why) && each_symbol(&e, collect_defined, &(struct collect){s, owner});
    free(why);
    elf_close(&e);
    return ok;
}

/* ---- the student's object -------------------------------------------------- */

/* The sections a C compiler makes for ordinary code and data (names as
 * ld's default script reads them: none of these is collected into an
 * init/fini array or a test runner's table). */
static bool section_allowed(const char *name)
{
    static const char *exact[] = {"",
                                  ".text",
                                  ".data",
                                  ".bss",
                                  ".rodata",
                                  ".tdata",
                                  ".tbss",
                                  ".comment",
                                  ".eh_frame",
                                  ".symtab",
                                  ".strtab",
                                  ".shstrtab",
                                  ".note.GNU-stack",
                                  ".note.gnu.property",
                                  NULL};
    static const char *prefix[] = {".text.",  ".data.", ".bss.",   ".rodata.",
                                   ".tdata.", ".tbss.", ".debug_", NULL};
    if (!strncmp(name, ".rela", 5) && name[5] == '.')
        name += 5; /* a relocation section is as good as the one it relocates */
    for (const char **p = exact; *p; p++)
        if (!strcmp(name, *p))
            return true;
    for (const char **p = prefix; *p; p++)
        if (!strncmp(name, *p, strlen(*p)))
            return true;
    return false;
}

static bool reserved_name(const char *name)
{
    static const char *linker[] = {"_init", "_fini",  "_start", "main",
                                   "_end",  "_edata", "_etext", NULL};
    for (const char **p = linker; *p; p++)
        if (!strcmp(name, *p))
            return true;
    return (name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'))) ||
           strchr(name, '@');
}

/* Who of the libraries a program or a check binary links defines name: the
 * C library (libc, libm: a student may call it, not redefine it) or the
 * test runner (Criterion and what it pulls in: neither). Looked up in
 * those libraries only, not in the grader's own symbols. */
enum library { LIB_NONE, LIB_C, LIB_RUNNER };

static void *libc, *libm, *runner, *filter;

/* The libraries library_of() looks in; the name of one that would not load
 * (a new soname, a broken install), or NULL. Without it the allow-list
 * would let its names through: the build is refused instead. */
static const char *load_libraries(void)
{
    static bool loaded;
    if (!loaded) {
        libc = dlopen("libc.so.6", RTLD_LAZY);
        libm = dlopen("libm.so.6", RTLD_LAZY);
        runner = dlopen("libcriterion.so.3", RTLD_LAZY); /* and all it pulls in */
        filter = dlopen("libseccomp.so.2", RTLD_LAZY);   /* the check library's */
        loaded = true;
    }
    return !libc     ? "libc.so.6"
           : !libm   ? "libm.so.6"
           : !runner ? "libcriterion.so.3"
           : !filter ? "libseccomp.so.2"
                     : NULL;
}

static enum library library_of(const char *name)
{
    load_libraries();
    if ((libc && dlsym(libc, name)) || (libm && dlsym(libm, name)))
        return LIB_C;
    return (runner && dlsym(runner, name)) || (filter && dlsym(filter, name)) ? LIB_RUNNER
                                                                              : LIB_NONE;
}

struct verdict {
    const char *shown; /* the student's file name, for messages */
    struct symset *kit;
    struct symset *checks;
    struct symset *hooks;
    char *log;
    int problems;
};

__attribute__((format(printf, 2, 3))) static void refuse(struct verdict *v, const char *fmt, ...)
{
    if (v->problems++ >= 12)
        return; /* enough to act on */
    va_list ap;
    va_start(ap, fmt);
    char *msg;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    char *joined = xasprintf("%s%s: error: %s\n", v->log ? v->log : "", v->shown, msg ? msg : "");
    free(msg);
    free(v->log);
    v->log = joined;
}

static void judge_symbol(const char *name, const Elf64_Sym *sym, void *arg)
{
    struct verdict *v = arg;
    int bind = ELF64_ST_BIND(sym->st_info), type = ELF64_ST_TYPE(sym->st_info);
    if (type == STT_GNU_IFUNC) {
        refuse(v,
               _("symbol '%s' is an IFUNC, whose resolver would run while the program loads, "
                 "before any check: write a plain function"),
               name);
        return;
    }
    if (bind == STB_LOCAL)
        return;
    bool defined = sym->st_shndx != SHN_UNDEF;
    if (defined) {
        const char *owner;
        enum library lib;
        if (bind == STB_WEAK)
            refuse(v,
                   _("symbol '%s' is a weak definition: lab code defines plain functions and "
                     "variables (drop __attribute__((weak)))"),
                   name);
        else if (bind != STB_GLOBAL)
            refuse(v,
                   _("symbol '%s' has an unusual binding (%d): lab code defines plain "
                     "functions and variables"),
                   name, bind);
        else if (!strcmp(name, "main"))
            refuse(v, _("your code defines main(): the lab's program has its own main; remove "
                        "yours (use the program given in the lab folder)"));
        else if (reserved_name(name))
            refuse(v,
                   _("symbol '%s' is a reserved name (names starting with __ or _ and a "
                     "capital belong to the compiler and the C library): rename it"),
                   name);
        else if ((owner = symset_owner(v->kit, name)) || (owner = symset_owner(v->checks, name)))
            refuse(v,
                   _("your code defines '%s', which %s also defines: rename it or make it "
                     "static"),
                   name, owner);
        else if ((lib = library_of(name)))
            refuse(v,
                   _("your code defines '%s', which %s also defines: rename it or make it "
                     "static"),
                   name,
                   lib == LIB_C ? _("the C library")
                                : _("the test runner (Criterion or libseccomp)"));
        else if ((owner = symset_owner(v->hooks, name)))
            refuse(v,
                   _("your code defines '%s', which %s calls when someone defines it (code that "
                     "also runs in the checks, outside your functions): rename it or make it "
                     "static"),
                   name, owner);
        return;
    }
    if (symset_owner(v->checks, name) || !strncmp(name, "__start_", 8) ||
        !strncmp(name, "__stop_", 7))
        refuse(v,
               _("your code refers to '%s', which belongs to the checks: lab code may not "
                 "call or read them"),
               name);
    else if (!symset_owner(v->kit, name) && library_of(name) == LIB_RUNNER)
        refuse(v,
               _("your code refers to '%s', which belongs to the test runner (Criterion or "
                 "libseccomp): lab code may not call it"),
               name);
}

/* A compiler's relocations patch the object's own sections; the kinds a
 * linker makes for the loader (IRELATIVE calls a resolver at load time,
 * COPY, GLOB_DAT, JUMP_SLOT, RELATIVE) have no place in an object file. */
static bool relocations_plain(const struct elf *e, const Elf64_Shdr *s)
{
    if (!in_file(e, s->sh_offset, s->sh_size) || s->sh_offset % 8)
        return false;
    const Elf64_Rela *r = (const Elf64_Rela *)(e->data + s->sh_offset);
    for (size_t i = 0; i < s->sh_size / sizeof *r; i++) {
        unsigned type = (unsigned)ELF64_R_TYPE(r[i].r_info);
        if (type == R_X86_64_IRELATIVE || type == R_X86_64_COPY || type == R_X86_64_GLOB_DAT ||
            type == R_X86_64_JUMP_SLOT || type == R_X86_64_RELATIVE)
            return false;
    }
    return true;
}

bool objcheck_student(const char *obj, const char *shown, struct symset *kit, struct symset *checks,
                      struct symset *hooks, char **log)
{
    struct elf e = {0};
    char *why = NULL;
    struct verdict v = {.shown = shown, .kit = kit, .checks = checks, .hooks = hooks};
    const char *missing = load_libraries();
    if (missing) {
        refuse(&v,
               _("the grader cannot load %s, which it needs to check the names your code "
                 "defines: the kit's packages are not installed as it expects (run make setup)"),
               missing);
    } else if (!elf_open(obj, &e, &why)) {
        refuse(&v, "%s", why);
        free(why);
    } else {
        bool stack_note = false;
        for (int i = 0; i < e.nsections; i++) {
            const Elf64_Shdr *s = &e.sections[i];
            const char *name = str_at(e.shstr, e.shstr_size, s->sh_name);
            if (!name) {
                refuse(&v, _("the object file has a broken section table"));
                break;
            }
            bool array = s->sh_type == SHT_INIT_ARRAY || s->sh_type == SHT_FINI_ARRAY ||
                         s->sh_type == SHT_PREINIT_ARRAY;
            if (array || !section_allowed(name))
                refuse(&v,
                       _("section '%s' is not one a plain C file needs%s: remove the "
                         "constructor, destructor, __attribute__((section)) or asm that made it"),
                       name,
                       array ? _(" (its functions would run before or after any check)") : "");
            else if (s->sh_type == SHT_GROUP)
                refuse(&v, _("section '%s' is a COMDAT group, which a C file does not need"), name);
            else if ((s->sh_flags & SHF_EXECINSTR) && strncmp(name, ".text", 5))
                refuse(&v, _("section '%s' holds code outside .text"), name);
            if (s->sh_type == SHT_RELA && !relocations_plain(&e, s))
                refuse(&v,
                       _("section '%s' holds a relocation that only a linker makes (one that "
                         "runs code or patches other objects while the program loads)"),
                       name);
            if (!strcmp(name, ".note.GNU-stack")) {
                stack_note = true;
                if (s->sh_flags & SHF_EXECINSTR)
                    refuse(&v, _("section '.note.GNU-stack' asks for an executable stack"));
            }
        }
        if (!stack_note && !v.problems)
            refuse(&v, _("section '.note.GNU-stack' is missing, which would make the stack "
                         "executable"));
        if (!each_symbol(&e, judge_symbol, &v))
            refuse(&v, _("the object file has a broken symbol table"));
    }
    elf_close(&e);
    if (v.problems > 12) {
        char *joined = xasprintf("%s%s: error: ... and %d more\n", v.log, shown, v.problems - 12);
        free(v.log);
        v.log = joined;
    }
    if (v.log) {
        char *joined = xasprintf("%s%s", *log ? *log : "", v.log);
        free(*log);
        *log = joined;
        free(v.log);
    }
    return v.problems == 0;
}
