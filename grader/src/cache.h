/* cache.h - verdicts of unchanged labs, answered without grading again.
 *
 * The key is a SHA-256 of everything a verdict depends on: the student's
 * files, the lab's given files, its checks and the check library, the kit's
 * helper library and compiled objects, the manifest's entry, the grader
 * binary, the environment that reaches the runs, the containment in force
 * and the installed packages. Entries are written by the grader, outside any
 * run's view, into a folder only its user may write. */
#ifndef CACHE_H
#define CACHE_H

#include "grader.h"

struct verdict_cache {
    bool on;        /* a verdict may be looked up and stored */
    char kit[65];   /* the kit's part of the key */
    char files[65]; /* the student's part */
    char key[65];
};

/* Look the lab up; true (res filled) when a verdict for exactly these inputs
 * is stored. Otherwise prepares vc for cache_copied and cache_store. */
bool cache_lookup(const struct kit *kit, const struct lab_spec *lab, struct verdict_cache *vc,
                  struct lab_result *res);
/* Grade a lab the cache was asked about already (vc as cache_lookup left
 * it on a miss, maybe in the process this one was forked from): the key
 * is not computed again. */
void grade_lab_missed(const struct kit *kit, const struct lab_spec *lab, struct lab_result *res,
                      struct verdict_cache *vc);
/* The student's files as copied into the build folder, before any of them
 * ran: when they are not those hashed at lookup (edited meanwhile), the
 * verdict is not stored. */
void cache_copied(const struct lab_spec *lab, const char *build_dir, struct verdict_cache *vc);
/* Store a finished verdict, unless the kit changed while grading or the
 * verdict may depend on more than its inputs (a timeout, an error). */
void cache_store(const struct kit *kit, const struct lab_spec *lab, struct verdict_cache *vc,
                 const struct lab_result *res);

/* How long the lab took to grade last time (ms), 0 when unknown; and note
 * the time a grade took. Only to start the longest labs first: the order
 * labs are graded in decides no verdict. */
double cache_last_ms(const struct lab_spec *lab);
void cache_note_ms(const struct lab_spec *lab, double ms);

/* The build cache: the lab's given files (its scaffolding and its
 * programs' main files) compiled once, by the grader, per content of every
 * file such a compile can read (the lab's given files and headers, common/'s
 * headers, the flags, the installed packages), then copied into the build
 * folder as NAME.o. Sound for selftest too: a mutant changes only student
 * files, which no given object is made from. False when they cannot be made
 * or kept (a kit the user may not write): then build them in the folder. */
bool given_objects(const struct kit *kit, const struct lab_spec *lab, const char *dir,
                   const char *const *cflags);
/* Whether the file is one given_objects compiles. */
bool given_compiled(const struct lab_spec *lab, const char *file);

#endif
