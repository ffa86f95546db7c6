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
    fputs(
        "usage: grade [LAB...] [options]          grade the workspace (all labs when none named)\n"
        "       grade build [LAB...]              compile the workspace's programs into "
        "NN-slug/bin/\n"
        "       grade selftest [LAB...] [-v]      prove the kit's checks: solutions pass,\n"
        "                                         starters fail, every mutant is caught\n"
        "\n"
        "LAB is a number (3 or 03), a slug (join) or a folder name (03-join).\n"
        "options:\n"
        "  --dir DIR      grade the lab folders in DIR (a submission) instead of labs/\n"
        "  --solutions    grade the kit's solutions/\n"
        "  --json FILE    also write the results as JSON to FILE (- for stdout)\n"
        "  --jobs N       grade N labs at once (default: the number of CPUs)\n"
        "  -v             show every check with its timing, and the containment in force\n"
        "  --sandbox-info say which containment of student code this machine allows\n"
        "  -h, --help     this text\n",
        out);
}

static bool find_kit_root(char *root, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return false;
    exe[n] = '\0';
    /* the grader lives at KIT/grader/grade */
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash) return false;
        *slash = '\0';
    }
    if (strlen(exe) >= size) return false;
    memcpy(root, exe, strlen(exe) + 1);
    return true;
}

int main(int argc, char **argv)
{
    struct cli cli = {.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN)};
    const char *command = "grade";
    if (argc > 1 && (!strcmp(argv[1], "build") || !strcmp(argv[1], "selftest"))) {
        command = argv[1];
        argv++;
        argc--;
    }
    static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                             {"solutions", no_argument, NULL, 's'},
                                             {"json", required_argument, NULL, 'J'},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"sandbox-info", no_argument, NULL, 'S'},
                                             {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "vhj:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            cli.dir = optarg;
            break;
        case 's':
            cli.solutions = true;
            break;
        case 'J':
            cli.json = optarg;
            break;
        case 'j':
            cli.jobs = atoi(optarg);
            if (cli.jobs < 1) {
                fprintf(stderr, "grade: --jobs needs a number of at least 1, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'v':
            cli.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'S':
            contain_init();
            contain_describe(stdout);
            return 0;
        default:
            fputs("grade: see 'grade --help'\n", stderr);
            return 2;
        }
    }
    cli.names = argv + optind;
    cli.nnames = argc - optind;

    struct kit kit = {.verbose = cli.verbose};
    if (!find_kit_root(kit.root, sizeof kit.root)) {
        fputs("grade: cannot tell where the kit is (/proc/self/exe unreadable)\n", stderr);
        return 2;
    }
    char *manifest = xasprintf("%s/grader/manifest.json", kit.root);
    bool loaded = manifest_load(manifest, &kit.manifest);
    free(manifest);
    if (!loaded) return 2;

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
        if (!realpath(cli.dir, kit.workspace)) {
            fprintf(stderr, "grade: --dir %s: %s\n", cli.dir, strerror(errno));
            return 2;
        }
    } else {
        snprintf(kit.workspace, sizeof kit.workspace, "%s/%s", kit.root,
                 cli.solutions ? "solutions" : "labs");
    }

    contain_init();
    if (!strcmp(command, "build")) return cmd_build(&kit, &cli);
    if (!strcmp(command, "selftest")) return cmd_selftest(&kit, &cli);
    return cmd_grade(&kit, &cli);
}
