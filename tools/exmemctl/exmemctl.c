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

/* exmem_supported(), exmem_probe(); MPOL_F_ZONE_EXMEM/NOEXMEM. */
#include "../include/exmem/exmem_detect.h"
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

/*
 * Exit codes: 1 usage (or an invalid policy), 2 the kernel has no ExMem
 * for --exmem; 126 and 127 as env(1): PROGRAM found but not executable,
 * PROGRAM not found. Otherwise PROGRAM's own status: exmemctl execs it.
 * --check: 0 usable, 2 no ZONE_EXMEM, 3 none online, 4 cannot tell.
 */
enum {
	EXIT_USAGE = 1,
	EXIT_NO_EXMEM = 2,
	EXIT_NONE_ONLINE = 3,
	EXIT_UNKNOWN = 4,
	EXIT_CANNOT_INVOKE = 126,
	EXIT_ENOENT = 127,
};

/* get_mempolicy() returns the mode in the low bits, its flags above. */
#define MPOL_MODE_MASK		0xff

struct placement {
	int zone_flag;		/* MPOL_F_ZONE_EXMEM/NOEXMEM, or 0 */
	int mode;		/* MPOL_* policy mode */
	struct bitmask *nodes;	/* NULL: no nodemask */
	struct bitmask *cpunodes; /* --cpunodebind, or NULL */
	bool show;
	bool verbose;
	bool check;		/* --check: can MAP_EXMEM be relied on? */
	const char *root;	/* --root: --check reads ROOT/sys, ROOT/proc */
};

static const char help_text[] =
	"Usage: exmemctl (--exmem | --normal) [POLICY] [-N NODES] [-v] [--] PROGRAM [ARGS...]\n"
	"       exmemctl [--exmem | --normal] [POLICY] [-N NODES] --show\n"
	"       exmemctl --check [--root DIR]\n"
	"Run PROGRAM with all its memory in ZONE_EXMEM (CXL memory) or none of it.\n"
	"\n"
	"Zone (one is required to run PROGRAM):\n"
	"  -e, --exmem                  every page from ZONE_EXMEM (MPOL_F_ZONE_EXMEM)\n"
	"  -n, --normal                 no page from ZONE_EXMEM (MPOL_F_ZONE_NOEXMEM);\n"
	"                               on a kernel without ExMem, just the policy\n"
	"Policy (default: local allocation), as numactl(8):\n"
	"  -i, --interleave=NODES       interleave over NODES\n"
	"  -w, --weighted-interleave=NODES  weighted interleave over NODES\n"
	"  -m, --membind=NODES          allocate only on NODES (also -b, --bind)\n"
	"  -p, --preferred=NODE         prefer NODE\n"
	"  -P, --preferred-many=NODES   prefer NODES\n"
	"  -N, --cpunodebind=NODES      run on the CPUs of NODES\n"
	"Other:\n"
	"  -s, --show                   show the policy (after the options above)\n"
	"      --check                  can MAP_EXMEM be relied on? exit 0 usable,\n"
	"                               2 no ZONE_EXMEM (MAP_EXMEM is ignored),\n"
	"                               3 no ExMem online (ENODEV), 4 cannot tell\n"
	"      --root=DIR               --check reads DIR/sys and DIR/proc (tests)\n"
	"  -v, --verbose                print the policy before running PROGRAM\n"
	"  -h, --help                   show this help\n"
	"  -V, --version                show the version\n"
	"\n"
	"NODES uses numactl's syntax (1,3 or 0-2 or all). The policy is inherited\n"
	"by PROGRAM's children. Exit status: PROGRAM's; 1 usage error or invalid\n"
	"policy; 2 the kernel has no ExMem (or none online) for --exmem; 126 PROGRAM\n"
	"found but not executable; 127 PROGRAM not found. See exmemctl(8).\n";

static void print_help(FILE *f)
{
	fputs(help_text, f);
}

/* Close stdout; a write error (--show >/dev/full) is exit status 1. */
static int close_stdout(int status)
{
	errno = 0;
	if (!fclose(stdout))
		return status;
	fprintf(stderr, "exmemctl: write error: %s\n",
		errno ? strerror(errno) : "unknown error");
	return status ? status : EXIT_USAGE;
}

/* NODES, a required argument as in numactl: "-i 0 prog" interleaves on 0. */
static struct bitmask *parse_nodes(const char *arg)
{
	struct bitmask *nodes;

	if (arg[0] == '-') {	/* "-i -- prog": the argument is missing */
		fprintf(stderr,
			"exmemctl: '%s' is not a node list; the option needs NODES (0-1, all)\n",
			arg);
		return NULL;
	}
	nodes = numa_parse_nodestring(arg);

	if (!nodes)
		fprintf(stderr, "exmemctl: invalid node list '%s'\n", arg);
	return nodes;
}

static int set_policy_mode(struct placement *pl, int mode, const char *arg)
{
	if (pl->mode != MPOL_LOCAL) {
		fprintf(stderr, "exmemctl: only one policy option may be given\n");
		return -1;
	}
	pl->mode = mode;
	pl->nodes = parse_nodes(arg);
	return pl->nodes ? 0 : -1;
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

/*
 * Parse the options; return the index of PROGRAM in argv (argc for
 * --show), or -1.
 */
static int parse_args(int argc, char **argv, struct placement *pl)
{
	/* numactl's names and forms; every NODES argument is required. */
	static const struct option opts[] = {
		{ "exmem", no_argument, NULL, 'e' },
		{ "normal", no_argument, NULL, 'n' },
		{ "interleave", required_argument, NULL, 'i' },
		{ "weighted-interleave", required_argument, NULL, 'w' },
		{ "weighted", required_argument, NULL, 'w' },
		{ "membind", required_argument, NULL, 'm' },
		{ "bind", required_argument, NULL, 'm' },
		{ "preferred", required_argument, NULL, 'p' },
		{ "preferred-many", required_argument, NULL, 'P' },
		{ "cpunodebind", required_argument, NULL, 'N' },
		{ "show", no_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err = 0;

	while (!err && (c = getopt_long(argc, argv, "+eni:w:m:b:p:P:N:svhV",
					opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			err = set_zone(pl, MPOL_F_ZONE_EXMEM);
			break;
		case 'n':
			err = set_zone(pl, MPOL_F_ZONE_NOEXMEM);
			break;
		case 'i':
			err = set_policy_mode(pl, MPOL_INTERLEAVE, optarg);
			break;
		case 'w':
			err = set_policy_mode(pl, MPOL_WEIGHTED_INTERLEAVE, optarg);
			break;
		case 'm':
		case 'b':
			err = set_policy_mode(pl, MPOL_BIND, optarg);
			break;
		case 'p':
			err = set_policy_mode(pl, MPOL_PREFERRED, optarg);
			break;
		case 'P':
			err = set_policy_mode(pl, MPOL_PREFERRED_MANY, optarg);
			break;
		case 'N':
			if (pl->cpunodes)
				numa_free_nodemask(pl->cpunodes);
			pl->cpunodes = parse_nodes(optarg);
			err = pl->cpunodes ? 0 : -1;
			break;
		case 's':
			pl->show = true;
			break;
		case 'c':
			pl->check = true;
			break;
		case 'r':
			pl->root = optarg;
			break;
		case 'v':
			pl->verbose = true;
			break;
		case 'h':
			print_help(stdout);
			exit(close_stdout(0));
		case 'V':
			printf("exmemctl %s\n", EXMEMCTL_VERSION);
			exit(close_stdout(0));
		default:
			err = -1;
		}
	}
	if (err)
		return -1;
	if (pl->root && !pl->check) {
		fprintf(stderr, "exmemctl: --root is only for --check\n");
		return -1;
	}
	if (pl->check) {
		if (pl->show || pl->zone_flag || pl->mode != MPOL_LOCAL ||
		    pl->cpunodes || optind < argc) {
			fprintf(stderr, "exmemctl: --check takes no other option or program\n");
			return -1;
		}
		return argc;
	}
	if (pl->show) {
		if (optind < argc) {
			fprintf(stderr, "exmemctl: --show takes no program ('%s')\n",
				argv[optind]);
			return -1;
		}
		return argc;
	}
	if (!pl->zone_flag) {
		fprintf(stderr, "exmemctl: one of --exmem or --normal is required\n");
		return -1;
	}
	if (optind >= argc) {
		fprintf(stderr, "exmemctl: no program to run\n");
		return -1;
	}
	return optind;
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case MPOL_DEFAULT: return "default";
	case MPOL_LOCAL: return "local";
	case MPOL_PREFERRED: return "preferred";
	case MPOL_BIND: return "bind";
	case MPOL_INTERLEAVE: return "interleave";
	case MPOL_PREFERRED_MANY: return "preferred-many";
	case MPOL_WEIGHTED_INTERLEAVE: return "weighted-interleave";
	}
	return "?";
}

static bool kernel_has_exmem(void)
{
	return !access(EXMEM_SYSCTL, F_OK);
}

/* Install the task policy; returns 0 or an exit code. */
static int apply(const struct placement *pl)
{
	const unsigned long *mask = pl->nodes ? pl->nodes->maskp : NULL;
	unsigned long maxnode = pl->nodes ? pl->nodes->size + 1 : 0;

	if (pl->cpunodes && numa_run_on_node_mask(pl->cpunodes)) {
		fprintf(stderr, "exmemctl: --cpunodebind: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	if (!pl->zone_flag && pl->mode == MPOL_LOCAL && !pl->nodes)
		return 0;	/* --show alone: change nothing */
	if (!set_mempolicy(pl->mode | pl->zone_flag, mask, maxnode))
		return 0;
	if (!kernel_has_exmem()) {
		/* No ExMem to keep out of: --normal is the plain policy. */
		if (pl->zone_flag == MPOL_F_ZONE_NOEXMEM) {
			if (!set_mempolicy(pl->mode, mask, maxnode))
				return 0;
			fprintf(stderr, "exmemctl: set_mempolicy: %s\n",
				strerror(errno));
			return EXIT_USAGE;
		}
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

/* "0-2,5", or "none". */
static void print_nodes(const char *title, struct bitmask *b)
{
	unsigned int i, first;
	bool any = false;

	printf("%s: ", title);
	for (i = 0; i < b->size; i++) {
		if (!numa_bitmask_isbitset(b, i))
			continue;
		first = i;
		while (i + 1 < b->size && numa_bitmask_isbitset(b, i + 1))
			i++;
		printf("%s%u", any ? "," : "", first);
		if (i > first)
			printf("-%u", i);
		any = true;
	}
	printf("%s\n", any ? "" : "none");
}

/*
 * --show: the task policy, as PROGRAM would inherit it, in numactl
 * --show's "key: value" lines, with its ZONE_EXMEM flag decoded.
 */
static int show(void)
{
	struct bitmask *nodes = numa_allocate_nodemask();
	struct bitmask *run;
	int mode, flags;

	if (get_mempolicy(&mode, nodes->maskp, nodes->size + 1, NULL, 0)) {
		fprintf(stderr, "exmemctl: get_mempolicy: %s\n", strerror(errno));
		numa_free_nodemask(nodes);
		return EXIT_USAGE;
	}
	flags = mode & ~MPOL_MODE_MASK;
	mode &= MPOL_MODE_MASK;
	printf("policy: %s\n", mode_name(mode));
	printf("zone: %s\n", flags & MPOL_F_ZONE_EXMEM ? "exmem" :
	       flags & MPOL_F_ZONE_NOEXMEM ? "noexmem" : "any");
	if (mode != MPOL_DEFAULT && mode != MPOL_LOCAL)
		print_nodes("nodes", nodes);
	run = numa_get_run_node_mask();
	if (run) {
		print_nodes("cpunodebind", run);
		numa_free_nodemask(run);
	}
	printf("exmem: %s\n", kernel_has_exmem() ? "yes" : "no");
	numa_free_nodemask(nodes);
	return 0;
}

/*
 * --check: what an application gets from exmem_supported() (the helper in
 * tools/include/exmem/exmem_detect.h), as a line and an exit status. When
 * /sys and /proc cannot tell (a sandbox), ask mmap() with exmem_probe().
 */
static int check(const char *root)
{
	int s = exmem_supported_at(root);
	const char *how = "/sys and /proc";
	const char *why;
	int status;

	if (s == EXMEM_UNKNOWN && !root) {
		s = exmem_probe();
		how = "mmap probe";
	}
	switch (s) {
	case EXMEM_USABLE:
		why = "MAP_EXMEM places pages in ExMem";
		status = 0;
		break;
	case EXMEM_NONE_ONLINE:
		why = "ZONE_EXMEM kernel, no ExMem memory online; MAP_EXMEM fails with ENODEV";
		status = EXIT_NONE_ONLINE;
		break;
	case EXMEM_UNSUPPORTED:
		why = "this kernel has no ZONE_EXMEM; MAP_EXMEM would be ignored";
		status = EXIT_NO_EXMEM;
		break;
	default:
		why = strerror(errno);
		how = "cannot tell";
		status = EXIT_UNKNOWN;
	}
	printf("exmem: %s: %s (%s)\n", exmem_support_name(s), why, how);
	return status;
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
	if (pl.check)
		return close_stdout(check(pl.root));
	ret = apply(&pl);
	if (ret)
		return ret;
	if (pl.show)
		return close_stdout(show());
	if (pl.verbose)
		fprintf(stderr, "exmemctl: %s %s, running %s\n",
			mode_name(pl.mode),
			pl.zone_flag == MPOL_F_ZONE_EXMEM ? "exmem" :
			kernel_has_exmem() ? "noexmem" :
			"(no ZONE_EXMEM on this kernel)", argv[prog]);
	execvp(argv[prog], &argv[prog]);
	ret = errno == ENOENT ? EXIT_ENOENT : EXIT_CANNOT_INVOKE;
	fprintf(stderr, "exmemctl: %s: %s\n", argv[prog], strerror(errno));
	return ret;
}
