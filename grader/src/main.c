/*
 * grade - the proc-labs autograder.
 *
 *   grade [COMMAND] [LAB...] [options]     (grade --help lists the commands: help.c)
 *
 * Exit status: 0 full marks, 1 some check failed, 2 could not grade.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "cli.h"
#include "i18n.h"
#include "submission.h"
#include "classreport.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* min_args..max_args: how many LAB or other words the command takes (-1: any). */
static const struct command {
    const char *name;
    int (*run)(struct kit *, const struct cli *);
    bool needs_workspace;
    int min_args, max_args;
} commands[] = {
    {"grade", cmd_grade, true, 0, -1},       {"build", cmd_build, true, 0, -1},
    {"selftest", cmd_selftest, true, 0, -1}, {"batch", cmd_batch, false, 1, -1},
    {"verdict", cmd_verdict, false, 3, 3},   {"classroom", cmd_classroom, false, 0, -1},
    {"manifest", cmd_manifest, false, 0, 0}, {"list", cmd_list, true, 0, -1},
    {"next", cmd_next, true, 0, 1},          {"hint", cmd_hint, true, 1, 2},
    {"watch", cmd_watch, true, 0, 1},        {"reset", cmd_reset, true, 1, 1},
    {"starters", cmd_starters, false, 1, 1}, {"merge", cmd_merge, false, 2, -1},
    {"batch-workflow", cmd_batch_workflow, false, 0, -1}, {"report", cmd_report, false, 1, 1},
    {"explain", cmd_explain, true, 0, 2},
};

/* `grade help [COMMAND]`; false when COMMAND is none. */
static int help(const char *name)
{
    const struct command_doc *doc = name ? command_doc(name) : NULL;
    if (name && !doc) {
        fprintf(stderr, _("grade: no command '%s' (grade --help lists them)\n"), name);
        return 2;
    }
    if (doc && strcmp(name, "help"))
        print_command_help(stdout, doc);
    else
        print_usage(stdout);
    return 0;
}

/* Words beyond what the command takes are refused, never ignored. */
static int check_arg_count(const struct command *cmd, const struct cli *cli)
{
    bool few = cli->nnames < cmd->min_args,
         many = cmd->max_args >= 0 && cli->nnames > cmd->max_args;
    if (!few && !many)
        return -1;
    const struct command_doc *doc = command_doc(cmd->name);
    if (many)
        fprintf(stderr, _("grade: %s: too many arguments (from '%s' on)\n"), cmd->name,
                cli->names[cmd->max_args]);
    else
        fprintf(stderr, _("grade: %s: missing arguments\n"), cmd->name);
    fprintf(stderr, _("usage: %s   (grade %s --help says more)\n"),
            doc ? _(doc->synopsis) : cmd->name, cmd->name);
    return 2;
}

static int parse_options(int argc, char **argv, struct cli *cli, const char *cmd)
{
    enum {
        JSON = 256,
        JUNIT,
        GRADESCOPE,
        CSV,
        OUT,
        SANDBOX,
        PUBLIC,
        MANUAL,
        SHARD,
        ROSTER,
        CANVAS,
        CLASSROOM,
        HTML,
        FEEDBACK,
        MUTANT_NAME,
        TRACE
    };
    static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                             {"solutions", no_argument, NULL, 's'},
                                             {"json", required_argument, NULL, JSON},
                                             {"junit", required_argument, NULL, JUNIT},
                                             {"gradescope", required_argument, NULL, GRADESCOPE},
                                             {"classroom", required_argument, NULL, CLASSROOM},
                                             {"csv", required_argument, NULL, CSV},
                                             {"out", required_argument, NULL, OUT},
                                             {"shard", required_argument, NULL, SHARD},
                                             {"roster", required_argument, NULL, ROSTER},
                                             {"canvas", required_argument, NULL, CANVAS},
                                             {"html", required_argument, NULL, HTML},
                                             {"feedback", required_argument, NULL, FEEDBACK},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"sandbox-info", no_argument, NULL, SANDBOX},
                                             {"public", no_argument, NULL, PUBLIC},
                                             {"manual", no_argument, NULL, MANUAL},
                                             {"yes", no_argument, NULL, 'y'},
                                             {"mutant", required_argument, NULL, MUTANT_NAME},
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
        case CLASSROOM:
            cli->classroom = optarg;
            break;
        case CSV:
            cli->csv = optarg;
            break;
        case OUT:
            cli->out = optarg;
            break;
        case SHARD:
            cli->shard = optarg;
            break;
        case ROSTER:
            cli->roster = optarg;
            break;
        case HTML:
            cli->html = optarg;
            break;
        case FEEDBACK:
            cli->feedback = optarg;
            break;
        case CANVAS:
            cli->canvas = optarg;
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
        case MUTANT_NAME:
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
            return help(strcmp(cmd, "grade") ? cmd : NULL);
        case SANDBOX:
            contain_init();
            contain_describe(stdout);
            return 0;
        default:
            if (strcmp(cmd, "grade"))
                fprintf(stderr, _("grade: see 'grade %s --help'\n"), cmd);
            else
                fputs(_("grade: see 'grade --help'\n"), stderr);
            return 2;
        }
    }
    cli->names = argv + optind;
    cli->nnames = argc - optind;
    return -1;
}

int main(int argc, char **argv)
{
    i18n_init();
    struct cli cli = {.jobs = 0};
    const struct command *cmd = &commands[0];
    if (argc > 1 && !strcmp(argv[1], "help"))
        return argc > 3 || (argc > 2 && argv[2][0] == '-') ? help("help")
                                                           : help(argc > 2 ? argv[2] : NULL);
    for (size_t i = 1; argc > 1 && i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            cmd = &commands[i];
            argv++;
            argc--;
            break;
        }
    int rc = parse_options(argc, argv, &cli, cmd->name);
    if (rc >= 0)
        return rc;
    if ((rc = check_arg_count(cmd, &cli)) >= 0)
        return rc;
    /* A lab spends much of its time asleep (in the timeouts its checks
     * prove): grading three times as many labs as CPUs keeps every CPU busy
     * (all twenty labs on 2 CPUs: 6.0 s with 4 at once, 4.7 s with 6), and
     * the stress proof grades 6 at once on 2 CPUs beside 6 busy loops with
     * no verdict changed (docs/benchmarks.md). */
    if (cli.jobs == 0)
        cli.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN) * (cmd->run == cmd_grade ? 3 : 1);

    /* selftest and batch prove and grade by running; the rest may answer
     * an unchanged lab from the verdict cache. */
    struct kit kit = {.verbose = cli.verbose,
                      .verdict_cache = cmd->run != cmd_selftest && cmd->run != cmd_batch};
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
    if (!cli.dir && cmd->needs_workspace)
        snprintf(kit.workspace, sizeof kit.workspace, "%s/%s", kit.root,
                 cli.solutions ? "solutions" : "labs");

    contain_init();
    contain_clean_stale();
    /* Our own student and judge users for what this process runs itself
     * (a build, an archive to unpack); each worker claims its own. */
    kit.slot = contain_claim_slot(0);
    kit.side_slot = contain_claim_side_slot(kit.slot);
    if (!cli.dir)
        return cmd->run(&kit, &cli);

    /* A submission: a folder, an archive, or loose files (as uploaded). */
    if (!path_exists(cli.dir)) {
        fprintf(stderr,
                "grade: --dir %s: no such folder or archive (give the folder that holds the "
                "NN-slug lab folders, or an archive of it)\n",
                cli.dir);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char *scratch = xasprintf("%s/proclabs-dir-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        fprintf(stderr, "grade: --dir: cannot create %s\n", scratch);
        return 2;
    }
    chmod(scratch, 0755);
    struct note_list notes = {0};
    char *root = NULL;
    rc = 2;
    if (workspace_from_submission(&kit, cli.dir, scratch, &root, &notes) < 0) {
        char *why = xasprintf("No lab folders were found in your submission (%s). Upload your lab "
                              "folders (like 01-fork-getpid), the labs/ "
                              "folder that holds them, an archive of either, or the lab's "
                              "files themselves (like family.c).",
                              notes.error);
        if (cli.gradescope) /* Gradescope shows this to the student */
            write_gradescope_error(cli.gradescope, why);
        fprintf(stderr, "grade: --dir %s: %s\n", cli.dir, why);
        free(why);
    } else {
        snprintf(kit.workspace, sizeof kit.workspace, "%s", root);
        char *said = note_join(&notes, "\n", false);
        for (int i = 0; i < notes.n; i++)
            fprintf(stderr, "%s\n", notes.items[i]);
        kit.submission_notes = said;
        rc = cmd->run(&kit, &cli);
        free(said);
    }
    free(root);
    note_list_free(&notes);
    remove_tree(scratch);
    free(scratch);
    return rc;
}
