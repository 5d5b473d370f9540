/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exmemstat --pid: how much of a process is in ExMem, as numastat -p shows
 * per node.
 */
#ifndef EXMEMSTAT_PROC_H
#define EXMEMSTAT_PROC_H

#include <stdio.h>

#include "exmemstat.h"

#define EXM_MAX_PIDS	64

/* The --pid arguments: PID or PID,PID,...; may be given more than once. */
struct exm_pids {
	int nr;
	int pid[EXM_MAX_PIDS];
};

/* Add the PIDs of @arg to @pids. 0, or -1 after a message on stderr. */
int exm_pids_parse(struct exm_pids *pids, const char *arg);

/*
 * Print one row per PID to @f: its resident memory and the part of it in
 * ExMem (RssExMem in /proc/PID/status, or numa_maps on the ExMem nodes
 * when the kernel lacks that line). Returns an EXM_EXIT_* status; errors
 * are said on stderr.
 */
int exm_print_pids(FILE *f, struct exm_source *src, const struct exm_pids *pids);

#endif /* EXMEMSTAT_PROC_H */
