// SPDX-License-Identifier: GPL-2.0
/*
 * exmemctl - run a program with its memory placed in, or kept out of,
 * ZONE_EXMEM (CXL memory), the way numactl places memory on nodes.
 *
 * It sets a task mempolicy with MPOL_F_ZONE_EXMEM or MPOL_F_ZONE_NOEXMEM
 * and executes the program; the policy is inherited across exec and fork,
 * so an unmodified program and all its children are placed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <numaif.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MPOL_F_ZONE_EXMEM
#define MPOL_F_ZONE_EXMEM	(1 << 12)
#define MPOL_F_ZONE_NOEXMEM	(1 << 11)
#endif
/* Newer than the numaif.h of some distributions. */
#ifndef MPOL_LOCAL
#define MPOL_LOCAL		4
#endif
#ifndef MPOL_PREFERRED_MANY
#define MPOL_PREFERRED_MANY	5
#endif
#ifndef MPOL_WEIGHTED_INTERLEAVE
#define MPOL_WEIGHTED_INTERLEAVE 6
#endif

/* Present only on kernels built with CONFIG_ZONE_EXMEM. */
#define EXMEM_SYSCTL		"/proc/sys/vm/exmem_user_default"

#define EXMEMCTL_VERSION	"1.0"

/* Exit codes, as for exmemstat: 1 usage, 2 the kernel has no ExMem. */
enum { EXIT_USAGE = 1, EXIT_NO_EXMEM = 2, EXIT_EXEC = 127 };

struct placement {
	int zone_flag;		/* MPOL_F_ZONE_EXMEM/NOEXMEM, or 0 */
	int mode;		/* MPOL_* policy mode */
	struct bitmask *nodes;	/* NULL: no nodemask */
	bool verbose;
};

static const char help_text[] =
	"Usage: exmemctl (--exmem | --normal) [POLICY] [-v] [--] PROGRAM [ARGS...]\n"
	"Run PROGRAM with all its memory in ZONE_EXMEM (CXL memory) or none of it.\n"
	"\n"
	"Zone (one is required):\n"
	"  -e, --exmem              every page from ZONE_EXMEM (MPOL_F_ZONE_EXMEM)\n"
	"  -n, --normal             no page from ZONE_EXMEM (MPOL_F_ZONE_NOEXMEM)\n"
	"Policy (default: local allocation):\n"
	"  -i, --interleave[=NODES] interleave over NODES (default: all with memory)\n"
	"  -w, --weighted[=NODES]   weighted interleave over NODES\n"
	"  -b, --bind=NODES         allocate only on NODES\n"
	"  -p, --preferred=NODE     prefer NODE\n"
	"  -P, --preferred-many=NODES  prefer NODES\n"
	"Other:\n"
	"  -v, --verbose            print the policy before running PROGRAM\n"
	"  -h, --help               show this help\n"
	"  -V, --version            show the version\n"
	"\n"
	"NODES uses numactl's syntax (1,3 or 0-2 or all). The policy is inherited\n"
	"by PROGRAM's children. Exit status: PROGRAM's; 1 usage error; 2 the kernel\n"
	"has no ExMem (or none online) for --exmem; 127 PROGRAM not executable.\n"
	"See exmemctl(8).\n";

static void print_help(FILE *f)
{
	fputs(help_text, f);
}

static int set_policy_mode(struct placement *pl, int mode, const char *arg,
			   const char *dflt)
{
	if (pl->mode != MPOL_LOCAL) {
		fprintf(stderr, "exmemctl: only one policy option may be given\n");
		return -1;
	}
	pl->mode = mode;
	if (!arg && !dflt)
		return 0;
	pl->nodes = numa_parse_nodestring(arg ? arg : dflt);
	if (!pl->nodes) {
		fprintf(stderr, "exmemctl: invalid node list '%s'\n",
			arg ? arg : dflt);
		return -1;
	}
	return 0;
}

static int set_zone(struct placement *pl, int flag)
{
	if (pl->zone_flag && pl->zone_flag != flag) {
		fprintf(stderr, "exmemctl: --exmem and --normal exclude each other\n");
		return -1;
	}
	pl->zone_flag = flag;
	return 0;
}

/* Parse the options; return the index of PROGRAM in argv, or -1. */
static int parse_args(int argc, char **argv, struct placement *pl)
{
	static const struct option opts[] = {
		{ "exmem", no_argument, NULL, 'e' },
		{ "normal", no_argument, NULL, 'n' },
		{ "interleave", optional_argument, NULL, 'i' },
		{ "weighted", optional_argument, NULL, 'w' },
		{ "bind", required_argument, NULL, 'b' },
		{ "preferred", required_argument, NULL, 'p' },
		{ "preferred-many", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err = 0;

	while (!err && (c = getopt_long(argc, argv, "+eni::w::b:p:P:vhV",
					opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			err = set_zone(pl, MPOL_F_ZONE_EXMEM);
			break;
		case 'n':
			err = set_zone(pl, MPOL_F_ZONE_NOEXMEM);
			break;
		case 'i':
			err = set_policy_mode(pl, MPOL_INTERLEAVE, optarg, "all");
			break;
		case 'w':
			err = set_policy_mode(pl, MPOL_WEIGHTED_INTERLEAVE,
					      optarg, "all");
			break;
		case 'b':
			err = set_policy_mode(pl, MPOL_BIND, optarg, NULL);
			break;
		case 'p':
			err = set_policy_mode(pl, MPOL_PREFERRED, optarg, NULL);
			break;
		case 'P':
			err = set_policy_mode(pl, MPOL_PREFERRED_MANY, optarg,
					      NULL);
			break;
		case 'v':
			pl->verbose = true;
			break;
		case 'h':
			print_help(stdout);
			exit(0);
		case 'V':
			printf("exmemctl %s\n", EXMEMCTL_VERSION);
			exit(0);
		default:
			err = -1;
		}
	}
	if (!err && !pl->zone_flag) {
		fprintf(stderr, "exmemctl: one of --exmem or --normal is required\n");
		err = -1;
	}
	if (!err && optind >= argc) {
		fprintf(stderr, "exmemctl: no program to run\n");
		err = -1;
	}
	return err ? -1 : optind;
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case MPOL_LOCAL: return "local";
	case MPOL_PREFERRED: return "preferred";
	case MPOL_BIND: return "bind";
	case MPOL_INTERLEAVE: return "interleave";
	case MPOL_PREFERRED_MANY: return "preferred-many";
	case MPOL_WEIGHTED_INTERLEAVE: return "weighted-interleave";
	}
	return "?";
}

/* Install the task policy; returns 0 or an exit code. */
static int apply(const struct placement *pl)
{
	const unsigned long *mask = pl->nodes ? pl->nodes->maskp : NULL;
	unsigned long maxnode = pl->nodes ? pl->nodes->size + 1 : 0;

	if (!set_mempolicy(pl->mode | pl->zone_flag, mask, maxnode))
		return 0;
	if (access(EXMEM_SYSCTL, F_OK)) {
		fprintf(stderr, "exmemctl: this kernel has no ZONE_EXMEM\n");
		return EXIT_NO_EXMEM;
	}
	if (errno == ENODEV) {
		fprintf(stderr, "exmemctl: no ExMem memory is online\n");
		return EXIT_NO_EXMEM;
	}
	if (errno == EINVAL)
		fprintf(stderr,
			"exmemctl: set_mempolicy: invalid policy (do the nodes have %s memory?)\n",
			pl->zone_flag == MPOL_F_ZONE_EXMEM ? "ExMem" : "non-ExMem");
	else
		fprintf(stderr, "exmemctl: set_mempolicy: %s\n", strerror(errno));
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct placement pl = { .mode = MPOL_LOCAL };
	int prog, ret;

	prog = parse_args(argc, argv, &pl);
	if (prog < 0) {
		fprintf(stderr, "Try 'exmemctl --help'.\n");
		return EXIT_USAGE;
	}
	ret = apply(&pl);
	if (ret)
		return ret;
	if (pl.verbose)
		fprintf(stderr, "exmemctl: %s %s, running %s\n",
			mode_name(pl.mode),
			pl.zone_flag == MPOL_F_ZONE_EXMEM ? "exmem" : "noexmem",
			argv[prog]);
	execvp(argv[prog], &argv[prog]);
	fprintf(stderr, "exmemctl: %s: %s\n", argv[prog], strerror(errno));
	return EXIT_EXEC;
}
