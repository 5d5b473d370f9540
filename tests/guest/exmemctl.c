// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: exmemctl runs an unmodified program (stress-ng) with all
 * its memory in ZONE_EXMEM (--exmem) or none of it (--normal), checked on
 * the PFN of every present page of every anonymous mapping of every
 * stress-ng process. Usage errors exit 1, a missing program 127.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define SYSCTL "/proc/sys/vm/exmem_user_default"

/* Add up where the anonymous pages of process @pid are. */
static void count_anon(pid_t pid, struct exmem_where *sum)
{
	unsigned long start, end, inode;
	char path[64], line[512], name[256];
	struct exmem_where w;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		name[0] = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu %255s", &start, &end,
			   &inode, name) < 3 || inode)
			continue;
		/* Anonymous: no name, the heap or the stack; not [vdso]... */
		if (name[0] && strcmp(name, "[heap]") && strcmp(name, "[stack]"))
			continue;
		if (exmem_count_pages_of(pid, (void *)start, end - start, &w))
			continue;
		sum->present += w.present;
		sum->exmem += w.exmem;
		sum->other += w.other;
	}
	fclose(f);
}

/* Where are the anonymous pages of all stress-ng processes right now? */
static void count_stress_ng(struct exmem_where *sum)
{
	char path[64], comm[32];
	struct dirent *d;
	DIR *proc = opendir("/proc");

	memset(sum, 0, sizeof(*sum));
	while (proc && (d = readdir(proc))) {
		pid_t pid = atoi(d->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if (exmem_read_file(path, comm, sizeof(comm)) ||
		    strncmp(comm, "stress-ng", 9))
			continue;
		count_anon(pid, sum);
	}
	if (proc)
		closedir(proc);
}

/*
 * The sample is taken once the stress-ng processes hold more than a third
 * of the worker's 48 MiB: enough pages that a placement rule applied to
 * only some of them shows. The bound only has to cover a slow guest.
 */
#define MIN_PAGES	(16UL << 8)	/* 16 MiB in 4 KiB pages */
#define FAULT_IN_S	300
#define POLL_MS		250

/* One run of stress-ng under exmemctl, as the poll below sees it. */
struct run {
	pid_t pid;		/* exmemctl, which execs stress-ng */
	bool exited;		/* it ended before the sample */
	struct exmem_where w;	/* the last sample */
};

/* Has the run faulted in MIN_PAGES (or ended, which fails the test)? */
static bool faulted_in(void *arg)
{
	struct run *run = arg;

	if (waitpid(run->pid, NULL, WNOHANG) == run->pid) {
		run->exited = true;
		return true;
	}
	count_stress_ng(&run->w);
	return run->w.present > MIN_PAGES;
}

/* Run stress-ng's vm stressor under exmemctl @zone; sample its pages. */
static void run_stress(struct __test_metadata *_metadata, const char *zone,
		       struct exmem_where *w)
{
	struct run run = { .exited = false };
	bool sampled;
	int status;

	run.pid = fork();
	ASSERT_LE(0, run.pid);
	if (!run.pid) {
		/* Its own timeout outlasts the poll: only we end it early. */
		execlp("exmemctl", "exmemctl", zone, "--", "stress-ng", "--vm",
		       "1", "--vm-bytes", "48M", "--vm-keep", "--timeout",
		       "500s", "--quiet", (char *)NULL);
		_exit(127);
	}
	sampled = exmem_wait_until(faulted_in, &run, FAULT_IN_S, POLL_MS);
	if (!run.exited) {
		kill(run.pid, SIGINT);
		ASSERT_EQ(run.pid, waitpid(run.pid, &status, 0));
	}
	*w = run.w;
	TH_LOG("%s: %lu pages present, %lu in ExMem, %lu elsewhere", zone,
	       w->present, w->exmem, w->other);
	ASSERT_FALSE(run.exited) TH_LOG("exmemctl %s stress-ng ended early", zone);
	ASSERT_TRUE(sampled)
		TH_LOG("stress-ng had not faulted in %lu pages after %d s",
		       MIN_PAGES, FAULT_IN_S);
}

FIXTURE(exmemctl) {
	char saved[32];
};

FIXTURE_SETUP(exmemctl)
{
	/* This guest always has ExMem online: without it, "--exmem" is moot. */
	ASSERT_LT(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->saved, sizeof(self->saved)));
}

FIXTURE_TEARDOWN(exmemctl)
{
	exmem_write_file(SYSCTL, self->saved);
}

TEST_F_TIMEOUT(exmemctl, exmem_runs_stress_ng_entirely_in_exmem, 600)
{
	struct exmem_where w;

	run_stress(_metadata, "--exmem", &w);
	EXPECT_EQ(0, w.other);
	EXPECT_EQ(w.present, w.exmem);
}

TEST_F_TIMEOUT(exmemctl, normal_keeps_stress_ng_out_of_exmem, 600)
{
	struct exmem_where w;

	/* Without --normal, these pages would go to ExMem. */
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
	run_stress(_metadata, "--normal", &w);
	EXPECT_EQ(0, w.exmem);
}

/* Exit status of "exmemctl ARGS" (a shell command line). */
static int exmemctl_status(const char *args)
{
	char cmd[256];
	int status;

	snprintf(cmd, sizeof(cmd), "exmemctl %s >/dev/null 2>&1", args);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(exmemctl, exit_codes)
{
	EXPECT_EQ(0, exmemctl_status("--help"));
	EXPECT_EQ(0, exmemctl_status("--version"));
	EXPECT_EQ(0, exmemctl_status("--exmem -- true"));
	EXPECT_EQ(0, exmemctl_status("--normal --interleave=all -- true"));
	EXPECT_EQ(0, exmemctl_status("--exmem --interleave=all -- true"));
	EXPECT_EQ(3, exmemctl_status("--exmem -- sh -c 'exit 3'"));
	EXPECT_EQ(1, exmemctl_status("-- true"));		/* no zone */
	EXPECT_EQ(1, exmemctl_status("--exmem --normal -- true"));
	EXPECT_EQ(1, exmemctl_status("--exmem"));		/* no program */
	EXPECT_EQ(1, exmemctl_status("--exmem --bind=nonsense -- true"));
	EXPECT_EQ(1, exmemctl_status("--exmem --bind=0 -- true")); /* DRAM */
	EXPECT_EQ(1, exmemctl_status("--bogus -- true"));
	EXPECT_EQ(127, exmemctl_status("--exmem -- /nonexistent"));
}

TEST_HARNESS_MAIN
