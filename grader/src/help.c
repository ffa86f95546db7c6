/*
 * What `grade --help` and `grade CMD --help` print: one line per command,
 * then each command's own page. docs/cli.md quotes both (a test compares).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "i18n.h"

#include <string.h>

/* In the order a student meets them, then the instructor's. */
const struct command_doc command_docs[] = {
    {"grade", N_("grade [LAB...]"), N_("grade your work (all labs when none is named)"),
     N_("Builds and checks each lab named (all of them when none is), prints one line\n"
        "per lab, the details of the first lab not at full marks, and what to do next.\n"
        "-v shows every check of every lab with its timing.")},
    {"next", N_("grade next [LAB]"), N_("the lab to do now: what to read, edit, run"),
     N_("Names the first lab not at full marks (or LAB), the files to read and edit,\n"
        "the command to grade it, and its first failing check.")},
    {"list", N_("grade list [LAB...]"), N_("every lab (or those named): state and score"),
     N_("States: not started (the starter's files), started, partial, done. Labs\n"
        "edited since their last grade are graded first.")},
    {"watch", N_("grade watch [LAB] [--manual]"), N_("re-grade a lab at every save of its files"),
     N_("Redraws the screen at each save: the lab, its checks, the overall progress\n"
        "and the keys. Type a key and Enter: Enter re-grades, h shows the next hint,\n"
        "b the one before, e draws the first failing check (grade explain), n goes to\n"
        "the next lab, q stops. --manual: re-grade only on Enter (no file events).")},
    {"hint", N_("grade hint LAB [N]"), N_("the next hint for a lab (or hint N again)"),
     N_("Hints go from a nudge to nearly the answer; each call shows the next one,\n"
        "hint LAB N shows hint N again. In Chinese when LANG is zh_CN.")},
    {"reset", N_("grade reset LAB [--yes]"), N_("restore a lab's starter files"),
     N_("Asks first (--yes: does not ask; needed without a terminal). Your edited files\n"
        "are kept as FILE.orig-DATE (never overwriting an earlier copy); a file still\n"
        "the starter's is left as it is.")},
    {"explain", N_("grade explain LAB [CHECK]"),
     N_("re-run one check under a tracer and draw it"),
     N_("Runs the check (the first failing one when none is named) again in the same\n"
        "sandbox under strace and draws what its processes did: forks, exits, zombies,\n"
        "who held which pipe end, where each one was blocked, signals. --html FILE also\n"
        "writes the picture as a web page; --mutant NAME runs a shipped mutant instead.\n"
        "Needs root (a second user for the tracer).")},
    {"build", N_("grade build [LAB...]"), N_("compile the labs' programs into NN-slug/bin/"),
     N_("What `make` runs after building the kit. Exits 1 when a lab does not compile\n"
        "(its old programs are removed, the compiler's first error is shown).")},
    {"help", N_("grade help [COMMAND]"), N_("this text, or one command's"),
     N_("The same as grade --help, or grade COMMAND --help.")},
    {"batch", N_("grade batch SUBMISSIONS"), N_("grade a folder of submissions (.tar.gz, .zip)"),
     N_("Grades every lab (or LAB... after SUBMISSIONS) of every submission: folders,\n"
        ".tar.gz, .tgz, .tar or .zip. Writes a CSV of scores (--csv FILE, default\n"
        "SUBMISSIONS-scores.csv) and one JSON report per student (--out DIR, default\n"
        "SUBMISSIONS-reports/).")},
    {"merge", N_("grade merge OUT SHARDS..."), N_("join the reports of batch --shard runs"),
     N_("Reads the JSON reports of every shard folder and writes into OUT what one\n"
        "batch would have written: the CSV (--csv FILE), the feedback files and\n"
        "(--canvas FILE) the Canvas gradebook.")},
    {"batch-workflow", N_("grade batch-workflow [N] [LAB...]"),
     N_("print a GitHub Actions workflow grading in N shards"),
     N_("A matrix of N jobs, each grading one --shard K/N slice, and a last job that\n"
        "merges them (grade merge).")},
    {"report", N_("grade report REPORTS --html DIR"), N_("a class report from a batch's reports"),
     N_("One static page, DIR/index.html: the scores of each lab, the checks that fail\n"
        "most with their commonest message, a student x check map, links to each\n"
        "student's feedback (--feedback DIR, default REPORTS).")},
    {"verdict", N_("grade verdict FILE LAB CHECK"), N_("exit 0 if CHECK passed in a --json report"),
     N_("For CI systems that score one check per step (GitHub Classroom).")},
    {"classroom", N_("grade classroom [LAB...]"), N_("print a GitHub Classroom workflow"),
     N_("For those labs (all when none is named): packages cached, the labs graded\n"
        "once, every check reported with its points from that one run.")},
    {"manifest", N_("grade manifest [--public]"), N_("print the labs' manifest as JSON"),
     N_("--public leaves out the hidden checks (what the handout carries).")},
    {"starters", N_("grade starters DIR"), N_("write the pristine starters into DIR"),
     N_("What the handout carries in grader/starters/ for reset and list.")},
    {"selftest", N_("grade selftest [LAB...] [-v]"),
     N_("prove the checks: solutions pass, mutants fail"),
     N_("The kit's own test (make test runs it over every lab).")},
};
const int ncommand_docs = sizeof command_docs / sizeof command_docs[0];

const struct command_doc *command_doc(const char *name)
{
    for (int i = 0; i < ncommand_docs; i++)
        if (!strcmp(command_docs[i].name, name))
            return &command_docs[i];
    return NULL;
}

static void options(FILE *out)
{
    fputs(_("LAB is a number (3 or 03), a slug (join) or a folder name (03-join).\n"
            "\n"
            "Options:\n"
            "  --dir DIR         grade a submission: DIR holds the NN-slug lab folders (or a\n"
            "                    labs/ folder, one folder around either, or the labs' loose\n"
            "                    files); DIR may be a .zip, .tar, .tar.gz or .tgz archive\n"
            "  --solutions       grade the kit's solutions/\n"
            "  --json FILE       also write the results as JSON (- for stdout)\n"
            "  --junit FILE      also write JUnit XML, for CI systems\n"
            "  --gradescope FILE also write Gradescope's results.json\n"
            "  --classroom FILE  also write a GitHub Classroom runner's result\n"
            "  --jobs N          grade N labs at once (default: three times the CPUs;\n"
            "                    selftest and batch: the number of CPUs)\n"
            "  --csv FILE        (batch) the scores table\n"
            "  --out DIR         (batch) one JSON and Markdown report per student\n"
            "  --shard K/N       (batch) grade only the K-th of N slices of the submissions\n"
            "  --roster FILE     (batch) CSV: submission,student,id: names and LMS ids\n"
            "  --canvas FILE     (batch, merge) also write a Canvas gradebook CSV\n"
            "  --html DIR|FILE   (batch, report) the class report; (explain) the picture\n"
            "  --feedback DIR    (report) where the students' feedback files are\n"
            "  --mutant NAME     (explain) run a shipped mutant of the lab\n"
            "  -v                show every check with its timing, and the containment\n"
            "  --sandbox-info    say which containment of student code this machine allows\n"
            "  -h, --help        this text (grade COMMAND --help: one command's)\n"
            "\n"
            "Exit status: 0 full marks, 1 some check failed, 2 could not grade.\n"),
          out);
}

void print_usage(FILE *out)
{
    fputs(_("usage: grade [COMMAND] [LAB...] [options]\n\nCommands:\n"), out);
    for (int i = 0; i < ncommand_docs; i++) {
        if (!strcmp(command_docs[i].name, "batch"))
            fputs(_("For instructors:\n"), out);
        fprintf(out, "  %-33s %s\n", _(command_docs[i].synopsis), _(command_docs[i].summary));
    }
    fputc('\n', out);
    options(out);
}

void print_command_help(FILE *out, const struct command_doc *doc)
{
    fprintf(out, _("usage: %s\n  %s\n\n%s\n"), _(doc->synopsis), _(doc->summary), _(doc->details));
    fputs(_("\nLAB is a number (3 or 03), a slug (join) or a folder name (03-join).\n"
            "Exit status: 0 full marks, 1 some check failed, 2 could not grade.\n"),
          out);
}
