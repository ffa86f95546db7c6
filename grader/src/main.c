/*
 * grade - the proc-labs autograder.
 *
 *   grade [LAB...] [--dir DIR | --solutions] [-v] [--json FILE] [--jobs N]
 *   grade build [LAB...]      compile the workspace's programs into NN-slug/bin/
 *   grade selftest [LAB...]   the kit's own proof that its checks work
 *
 * Exit status: 0 full marks, 1 some check failed, 2 could not grade.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs("usage: grade [LAB...] [options]             grade the workspace (all labs when none "
          "named)\n"
          "       grade build [LAB...]                 compile the workspace's programs into "
          "NN-slug/bin/\n"
          "       grade batch SUBMISSIONS [options]    grade a folder of submissions (folders, "
          ".tar.gz, .zip)\n"
          "       grade verdict FILE LAB CHECK         exit 0 if that check passed in a --json "
          "report\n"
          "       grade classroom                      print a GitHub Classroom workflow for this "
          "kit\n"
          "       grade selftest [LAB...] [-v]         prove the kit's checks: solutions pass,\n"
          "                                            starters fail, every mutant is caught\n"
          "       grade explain LAB [CHECK] [--html F] re-run one check under a tracer and draw\n"
          "                    [--mutant NAME]         what its processes did\n"
          "\n"
          "LAB is a number (3 or 03), a slug (join) or a folder name (03-join).\n"
          "options:\n"
          "  --dir DIR         grade a submission: DIR holds the NN-slug lab folders (or a labs/\n"
          "                    folder, or one folder around either)\n"
          "  --solutions       grade the kit's solutions/\n"
          "  --json FILE       also write the results as JSON (- for stdout)\n"
          "  --junit FILE      also write JUnit XML, for CI systems\n"
          "  --gradescope FILE also write Gradescope's results.json\n"
          "  --jobs N          grade N labs at once (default: the number of CPUs)\n"
          "  --csv FILE        (batch) the scores table; default SUBMISSIONS-scores.csv\n"
          "  --out DIR         (batch) one JSON report per student; default SUBMISSIONS-reports/\n"
          "  -v                show every check with its timing, and the containment in force\n"
          "  --sandbox-info    say which containment of student code this machine allows\n"
          "  -h, --help        this text\n"
          "Exit status: 0 full marks, 1 some check failed, 2 could not grade.\n",
          out);
}

static bool find_kit_root(char *root, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    /* the grader lives at KIT/grader/grade */
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return false;
        *slash = '\0';
    }
    if (strlen(exe) >= size)
        return false;
    memcpy(root, exe, strlen(exe) + 1);
    return true;
}

static const struct command {
    const char *name;
    int (*run)(struct kit *, const struct cli *);
    bool needs_workspace;
} commands[] = {
    {"grade", cmd_grade, true},        {"build", cmd_build, true},
    {"selftest", cmd_selftest, true},  {"batch", cmd_batch, false},
    {"verdict", cmd_verdict, false},   {"classroom", cmd_classroom, false},
    {"manifest", cmd_manifest, false}, {"list", cmd_list, true},
    {"next", cmd_next, true},          {"hint", cmd_hint, true},
    {"watch", cmd_watch, true},        {"reset", cmd_reset, true},
    {"starters", cmd_starters, false}, {"explain", cmd_explain, true},
};

static int parse_options(int argc, char **argv, struct cli *cli)
{
    enum { JSON = 256, JUNIT, GRADESCOPE, CSV, OUT, SANDBOX, PUBLIC, MANUAL, HTML, MUTANT, TRACE };
    static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                             {"solutions", no_argument, NULL, 's'},
                                             {"json", required_argument, NULL, JSON},
                                             {"junit", required_argument, NULL, JUNIT},
                                             {"gradescope", required_argument, NULL, GRADESCOPE},
                                             {"csv", required_argument, NULL, CSV},
                                             {"out", required_argument, NULL, OUT},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"sandbox-info", no_argument, NULL, SANDBOX},
                                             {"public", no_argument, NULL, PUBLIC},
                                             {"manual", no_argument, NULL, MANUAL},
                                             {"yes", no_argument, NULL, 'y'},
                                             {"html", required_argument, NULL, HTML},
                                             {"mutant", required_argument, NULL, MUTANT},
                                             {"trace", required_argument, NULL, TRACE},
                                             {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "vhyj:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            cli->dir = optarg;
            break;
        case 's':
            cli->solutions = true;
            break;
        case JSON:
            cli->json = optarg;
            break;
        case JUNIT:
            cli->junit = optarg;
            break;
        case GRADESCOPE:
            cli->gradescope = optarg;
            break;
        case CSV:
            cli->csv = optarg;
            break;
        case OUT:
            cli->out = optarg;
            break;
        case PUBLIC:
            cli->public_only = true;
            break;
        case MANUAL:
            cli->manual = true;
            break;
        case 'y':
            cli->yes = true;
            break;
        case HTML:
            cli->html = optarg;
            break;
        case MUTANT:
            cli->mutant = optarg;
            break;
        case TRACE:
            cli->trace = optarg;
            break;
        case 'j':
            cli->jobs = atoi(optarg);
            if (cli->jobs < 1) {
                fprintf(stderr, "grade: --jobs needs a number of at least 1, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'v':
            cli->verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case SANDBOX:
            contain_init();
            contain_describe(stdout);
            return 0;
        default:
            fputs("grade: see 'grade --help'\n", stderr);
            return 2;
        }
    }
    cli->names = argv + optind;
    cli->nnames = argc - optind;
    return -1;
}

int main(int argc, char **argv)
{
    struct cli cli = {.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN)};
    const struct command *cmd = &commands[0];
    for (size_t i = 1; argc > 1 && i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            cmd = &commands[i];
            argv++;
            argc--;
        }
    int rc = parse_options(argc, argv, &cli);
    if (rc >= 0)
        return rc;

    struct kit kit = {.verbose = cli.verbose};
    if (!find_kit_root(kit.root, sizeof kit.root)) {
        fputs("grade: cannot tell where the kit is (/proc/self/exe unreadable)\n", stderr);
        return 2;
    }
    char *manifest = xasprintf("%s/grader/manifest.json", kit.root);
    bool loaded = manifest_load(manifest, &kit.manifest);
    free(manifest);
    if (!loaded)
        return 2;

    if (cli.dir && cli.solutions) {
        fputs("grade: use --dir or --solutions, not both\n", stderr);
        return 2;
    }
    if (cli.dir) {
        if (!is_dir(cli.dir)) {
            fprintf(stderr,
                    "grade: --dir %s: no such folder (give the folder that holds the "
                    "NN-slug lab folders)\n",
                    cli.dir);
            return 2;
        }
        char *root = find_lab_root(&kit.manifest, cli.dir);
        if (!root) {
            if (cli.gradescope) /* Gradescope shows this to the student */
                write_gradescope_error(cli.gradescope,
                                       "No lab folders were found in your submission. Upload "
                                       "your lab folders (like 01-fork-getpid) or the labs/ "
                                       "folder that holds them.");
            fprintf(stderr,
                    "grade: --dir %s: no lab folders found (expected folders named like "
                    "01-fork-getpid, or a labs/ folder holding them)\n",
                    cli.dir);
            return 2;
        }
        snprintf(kit.workspace, sizeof kit.workspace, "%s", root);
        free(root);
    } else if (cmd->needs_workspace) {
        snprintf(kit.workspace, sizeof kit.workspace, "%s/%s", kit.root,
                 cli.solutions ? "solutions" : "labs");
    }

    contain_init();
    contain_clean_stale();
    /* Our own student and judge users for what this process runs itself
     * (a build, an archive to unpack); each worker claims its own. */
    kit.slot = contain_claim_slot(0);
    return cmd->run(&kit, &cli);
}
