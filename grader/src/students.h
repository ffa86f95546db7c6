/* students.h - who a submission belongs to, and the file names of its reports. */
#ifndef STUDENTS_H
#define STUDENTS_H

#include <stdbool.h>

struct who {
    char *entry;   /* the submission's own name, as handed in (UTF-8 kept) */
    char *name;    /* the student: the roster's, Canvas's, or the entry without its ending */
    char *id;      /* the LMS's id (roster, or Canvas's download name), or "" */
    char *sis_id;  /* the roster's SIS User ID, or "" */
    char *login;   /* the roster's SIS Login ID, or "" */
    char *section; /* the roster's, or "" */
    bool late;     /* Canvas marked it LATE */
    char *stem;    /* report file name: safe bytes, unique per entry */
};

/* A roster: CSV with a header naming at least "submission" and any of
 * "student", "id", "sis_user_id", "sis_login_id", "section". */
struct roster {
    char ***rows; /* rows[i][col] */
    int nrows;
    int col[6]; /* submission, student, id, sis_user_id, sis_login_id, section (-1: none) */
};

/* Load path; on error print what is wrong and return false. */
bool roster_load(const char *path, struct roster *r);
void roster_free(struct roster *r);

/* Who handed in entry (a roster may be NULL). */
void who_from_entry(struct who *w, const char *entry, const struct roster *r);
void who_free(struct who *w);

/* One CSV record of fields from line (quotes and "" understood); NULL-terminated. */
char **csv_split(const char *line);
void csv_free(char **fields);

#endif
