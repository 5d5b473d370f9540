// SPDX-License-Identifier: GPL-2.0
/*
 * exmemstat --pid PID: how much of a process is in ExMem, the question
 * numastat -p answers per node. The kernel counts a process's resident
 * ExMem pages itself (MM_EXMEMPAGES) and shows them as RssExMem in
 * /proc/PID/status, next to VmRSS; that is what is printed. A kernel that
 * has ExMem but not that line is read from /proc/PID/numa_maps instead:
 * the pages on the nodes that have an ExMem zone. Those nodes are CPU-less
 * CXL nodes holding ExMem only, so the count is the same unless a node
 * holds both (the "source" column says which was used).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exmemstat.h"
#include "proc.h"

#define KIB	1024.0
#define MIB	(1024.0 * 1024.0)

struct exm_proc {
	int pid;
	char name[64];			/* Name: in status (comm) */
	unsigned long long rss_kb;	/* VmRSS; 0 for a kernel thread */
	unsigned long long exmem_kb;
	bool from_numa_maps;
};

int exm_pids_parse(struct exm_pids *pids, const char *arg)
{
	const char *s = arg;
	unsigned long v;
	char *end;

	for (;;) {
		if (!isdigit((unsigned char)*s))
			goto bad;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || !v || v > INT_MAX)
			goto bad;
		if (pids->nr == EXM_MAX_PIDS) {
			fprintf(stderr, "exmemstat: at most %d PIDs\n", EXM_MAX_PIDS);
			return -1;
		}
		pids->pid[pids->nr++] = (int)v;
		if (!*end)
			return 0;
		if (*end != ',')
			goto bad;
		s = end + 1;
	}
bad:
	fprintf(stderr, "exmemstat: bad --pid '%s': PID or PID,PID,... (positive integers)\n",
		arg);
	return -1;
}

/* "  1234 kB" after a status key: whole kB, strictly. */
static int parse_kb(const char *s, unsigned long long *kb)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*kb = strtoull(s, &end, 10);
	return errno || strcmp(end, " kB") ? -1 : 0;
}

/*
 * Name, VmRSS and RssExMem from ROOT/proc/PID/status. Returns 0, 1 when
 * there is no RssExMem line, or EXM_EXIT_DATA (src->error says why).
 */
static int read_status(struct exm_source *src, struct exm_proc *p)
{
	bool has_exmem = false;
	char path[4096], line[512];
	int lineno = 0, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/%d/status", src->root, p->pid);
	f = fopen(path, "re");
	if (!f) {
		return exm_fail(src, "%s: %s%s", path, strerror(errno),
				errno == ENOENT ? " (no such process)" : "");
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long *v = NULL;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "Name:\t", 6))
			snprintf(p->name, sizeof(p->name), "%.63s", line + 6);
		else if (!strncmp(line, "VmRSS:", 6))
			v = &p->rss_kb;
		else if (!strncmp(line, "RssExMem:", 9))
			v = &p->exmem_kb;
		if (!v)
			continue;
		if (parse_kb(strchr(line, ':') + 1, v)) {
			ret = exm_fail(src, "%s:%d: '%s' is not 'Key: N kB'",
				       path, lineno, line);
			break;
		}
		has_exmem |= v == &p->exmem_kb;
	}
	if (!ret && ferror(f))
		ret = exm_fail(src, "%s: read error", path);
	fclose(f);
	if (!ret && !p->name[0])
		ret = exm_fail(src, "%s: no Name line", path);
	return ret ? ret : !has_exmem;
}

static bool is_exmem_node(const struct exm_sample *s, long nid)
{
	int i;

	for (i = 0; i < s->nr_nodes; i++)
		if (s->nodes[i].nid == nid)
			return true;
	return false;
}

/* The pages of ROOT/proc/PID/numa_maps on ExMem nodes, in kB. */
static int read_numa_maps(struct exm_source *src, const struct exm_sample *s,
			  struct exm_proc *p)
{
	unsigned long long pages = 0, kps, kb = 0;
	char path[4096], *line = NULL, *tok, *save, *end;
	int lineno = 0, ret = 0;
	size_t len = 0;
	FILE *f;
	long nid;

	snprintf(path, sizeof(path), "%s/proc/%d/numa_maps", src->root, p->pid);
	f = fopen(path, "re");
	if (!f)
		return exm_fail(src, "%s: %s", path, strerror(errno));
	while (!ret && getline(&line, &len, f) > 0) {
		unsigned long long on_exmem = 0;

		lineno++;
		kps = 0;
		for (tok = strtok_r(line, "\n ", &save); tok;
		     tok = strtok_r(NULL, "\n ", &save)) {
			if (!strncmp(tok, "kernelpagesize_kB=", 18)) {
				errno = 0;
				kps = strtoull(tok + 18, &end, 10);
				if (errno || *end || !kps)
					ret = EXM_EXIT_DATA;
			} else if (tok[0] == 'N' && isdigit((unsigned char)tok[1])) {
				errno = 0;
				nid = strtol(tok + 1, &end, 10);
				if (errno || *end != '=' ||
				    !isdigit((unsigned char)end[1]))
					ret = EXM_EXIT_DATA;
				else
					pages = strtoull(end + 1, &end, 10);
				if (!ret && (errno || *end))
					ret = EXM_EXIT_DATA;
				if (!ret && is_exmem_node(s, nid))
					on_exmem += pages;
			}
		}
		if (!ret && on_exmem && !kps)
			ret = EXM_EXIT_DATA;	/* pages without a page size */
		if (ret)
			exm_fail(src, "%s:%d: bad N<node>=<pages> or kernelpagesize_kB",
				 path, lineno);
		kb += on_exmem * kps;
	}
	free(line);
	fclose(f);
	p->exmem_kb = kb;
	p->from_numa_maps = true;
	return ret;
}

int exm_print_pids(FILE *f, struct exm_source *src, const struct exm_pids *pids)
{
	static struct exm_sample s;
	struct exm_proc p;
	int i, err;

	/* The kernel has ExMem (else exit 2), and which nodes hold it. */
	err = exm_read(src, &s);
	exm_sample_free(&s);	/* the devices are not needed, the nodes are */
	if (err == EXM_EXIT_NO_EXMEM) {
		fprintf(stderr, "exmemstat: this kernel has no ZONE_EXMEM\n");
		return err;
	}
	if (err) {
		fprintf(stderr, "exmemstat: %s\n", src->error);
		return err;
	}
	fprintf(f, "%-8s %12s %12s %7s %-9s %s\n", "pid", "rss_MiB",
		"exmem_MiB", "exmem%", "source", "command");
	for (i = 0; i < pids->nr; i++) {
		memset(&p, 0, sizeof(p));
		p.pid = pids->pid[i];
		err = read_status(src, &p);
		if (err == 1)
			err = read_numa_maps(src, &s, &p);
		if (err) {
			fprintf(stderr, "exmemstat: %s\n", src->error);
			return err;
		}
		fprintf(f, "%-8d %12.1f %12.1f", p.pid, p.rss_kb * KIB / MIB,
			p.exmem_kb * KIB / MIB);
		if (p.rss_kb)
			fprintf(f, " %7.1f", 100.0 * p.exmem_kb / p.rss_kb);
		else
			fprintf(f, " %7s", "-");
		fprintf(f, " %-9s %s\n", p.from_numa_maps ? "numa_maps" : "status",
			p.name);
	}
	return EXM_EXIT_OK;
}
