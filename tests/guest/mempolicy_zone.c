// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: set_mempolicy() and mbind() accept MPOL_F_ZONE_EXMEM
 * (every page from ZONE_EXMEM) and MPOL_F_ZONE_NOEXMEM (none) with every
 * policy mode; get_mempolicy() reports them; a task policy is inherited
 * across fork and exec; a mapping's MAP_EXMEM/MAP_NORMAL outranks them;
 * contradictions are EINVAL; no privilege is needed.
 *
 * Placement is checked on the PFN of every page (pagemap against the zone
 * spans). NOEXMEM cases run with vm.exmem_user_default=prefer, so that the
 * pages would have gone to ExMem without the flag.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define MPOL_F_ADDR		(1 << 1)

enum {
	DEFAULT, PREFERRED, BIND, INTERLEAVE, LOCAL, PREFERRED_MANY,
	WEIGHTED_INTERLEAVE
};

#define PAGE		4096UL
#define LEN		(8UL << 20)
#define MAXNODE		64
#define SYSCTL		"/proc/sys/vm/exmem_user_default"

static long set_policy(int mode, unsigned long nodes)
{
	return syscall(SYS_set_mempolicy, mode, nodes ? &nodes : NULL,
		       nodes ? MAXNODE : 0);
}

static long bind_range(void *p, size_t len, int mode, unsigned long nodes)
{
	return syscall(SYS_mbind, p, len, mode, nodes ? &nodes : NULL,
		       nodes ? MAXNODE : 0, 0);
}

/* The policy mode word get_mempolicy() reports, for @addr or the task. */
static int get_policy(void *addr)
{
	unsigned long nodes[MAXNODE / 64];
	int mode = -1;

	if (syscall(SYS_get_mempolicy, &mode, nodes, MAXNODE, addr,
		    addr ? MPOL_F_ADDR : 0))
		return -errno;
	return mode;
}

/* Nodes with memory, as a mask: node0 and the ExMem node(s). */
static unsigned long memory_nodes(void)
{
	return exmem_node_mask() | 1UL;
}

/* Fault in fresh anonymous memory; count its pages in ExMem. */
static unsigned long fresh_pages_in_exmem(struct __test_metadata *_metadata,
					  int flags)
{
	char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	struct exmem_where w;

	ASSERT_NE(MAP_FAILED, p);
	madvise(p, LEN, MADV_NOHUGEPAGE);
	memset(p, 0x5a, LEN);
	ASSERT_EQ(0, exmem_count_pages_of(0, p, LEN, &w));
	ASSERT_EQ(LEN / PAGE, w.present);
	munmap(p, LEN);
	return w.exmem;
}

FIXTURE(policy) {
	char saved[32];
	unsigned long nodes;
};

/* One variant per policy mode; @nodes: 0 none, 1 node0, 2 all with memory. */
FIXTURE_VARIANT(policy) {
	int mode;
	int nodes;
};

FIXTURE_VARIANT_ADD(policy, default) { .mode = DEFAULT, .nodes = 0 };
FIXTURE_VARIANT_ADD(policy, local) { .mode = LOCAL, .nodes = 0 };
FIXTURE_VARIANT_ADD(policy, preferred) { .mode = PREFERRED, .nodes = 1 };
FIXTURE_VARIANT_ADD(policy, preferred_many) {
	.mode = PREFERRED_MANY, .nodes = 2 };
FIXTURE_VARIANT_ADD(policy, bind) { .mode = BIND, .nodes = 2 };
FIXTURE_VARIANT_ADD(policy, interleave) { .mode = INTERLEAVE, .nodes = 2 };
FIXTURE_VARIANT_ADD(policy, weighted_interleave) {
	.mode = WEIGHTED_INTERLEAVE, .nodes = 2 };

FIXTURE_SETUP(policy)
{
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->saved, sizeof(self->saved)));
	self->nodes = variant->nodes == 0 ? 0 :
		      variant->nodes == 1 ? 1UL : memory_nodes();
}

FIXTURE_TEARDOWN(policy)
{
	set_policy(DEFAULT, 0);
	exmem_write_file(SYSCTL, self->saved);
}

TEST_F_TIMEOUT(policy, zone_exmem_puts_every_page_in_exmem, 300)
{
	ASSERT_EQ(0, set_policy(variant->mode | MPOL_F_ZONE_EXMEM, self->nodes));
	EXPECT_EQ(variant->mode | MPOL_F_ZONE_EXMEM, get_policy(NULL));
	EXPECT_EQ(LEN / PAGE, fresh_pages_in_exmem(_metadata, 0));
}

TEST_F_TIMEOUT(policy, zone_noexmem_keeps_every_page_out, 300)
{
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
	ASSERT_EQ(0, set_policy(variant->mode | MPOL_F_ZONE_NOEXMEM,
				self->nodes));
	EXPECT_EQ(variant->mode | MPOL_F_ZONE_NOEXMEM, get_policy(NULL));
	EXPECT_EQ(0, fresh_pages_in_exmem(_metadata, 0));
}

TEST_F_TIMEOUT(policy, mbind_zone_exmem_on_a_range, 300)
{
	char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct exmem_where w;

	ASSERT_NE(MAP_FAILED, p);
	madvise(p, LEN, MADV_NOHUGEPAGE);
	ASSERT_EQ(0, bind_range(p, LEN, variant->mode | MPOL_F_ZONE_EXMEM,
				self->nodes));
	EXPECT_EQ(variant->mode | MPOL_F_ZONE_EXMEM, get_policy(p));
	memset(p, 0x6b, LEN);
	ASSERT_EQ(0, exmem_count_pages_of(0, p, LEN, &w));
	EXPECT_EQ(LEN / PAGE, w.exmem);
	munmap(p, LEN);
}

FIXTURE(zone) {
	char saved[32];
};

FIXTURE_SETUP(zone)
{
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->saved, sizeof(self->saved)));
}

FIXTURE_TEARDOWN(zone)
{
	set_policy(DEFAULT, 0);
	exmem_write_file(SYSCTL, self->saved);
}

#define EXPECT_EINVAL(call) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, call);						\
	EXPECT_EQ(EINVAL, errno);					\
} while (0)

TEST_F(zone, both_zone_flags_are_einval)
{
	int both = MPOL_F_ZONE_EXMEM | MPOL_F_ZONE_NOEXMEM;
	char *p = mmap(NULL, LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EINVAL(set_policy(LOCAL | both, 0));
	EXPECT_EINVAL(set_policy(BIND | both, memory_nodes()));
	EXPECT_EINVAL(bind_range(p, LEN, DEFAULT | both, 0));
	EXPECT_EQ(DEFAULT, get_policy(NULL));	/* nothing changed */
	EXPECT_EQ(DEFAULT, get_policy(p));
	munmap(p, LEN);
}

TEST_F(zone, bind_to_nodes_without_that_zone_is_einval)
{
	EXPECT_EINVAL(set_policy(BIND | MPOL_F_ZONE_EXMEM, 1UL));
	EXPECT_EINVAL(set_policy(BIND | MPOL_F_ZONE_NOEXMEM, exmem_node_mask()));
	EXPECT_EQ(DEFAULT, get_policy(NULL));
}

TEST_F(zone, bad_modes_and_flags_stay_einval)
{
	EXPECT_EINVAL(set_policy(7 | MPOL_F_ZONE_EXMEM, 0));	/* MPOL_MAX */
	EXPECT_EINVAL(set_policy(LOCAL | MPOL_F_ZONE_EXMEM, 1UL));
	EXPECT_EINVAL(set_policy(BIND | MPOL_F_ZONE_EXMEM, 0));
	/* MPOL_F_NUMA_BALANCING still needs bind or preferred-many. */
	EXPECT_EINVAL(set_policy(LOCAL | MPOL_F_ZONE_EXMEM | (1 << 13), 0));
}

TEST_F_TIMEOUT(zone, vma_flag_outranks_the_policy, 300)
{
	ASSERT_EQ(0, set_policy(LOCAL | MPOL_F_ZONE_NOEXMEM, 0));
	EXPECT_EQ(LEN / PAGE, fresh_pages_in_exmem(_metadata, MAP_EXMEM));
	ASSERT_EQ(0, set_policy(LOCAL | MPOL_F_ZONE_EXMEM, 0));
	EXPECT_EQ(0, fresh_pages_in_exmem(_metadata, MAP_NORMAL));
	/* The policy alone decides where there is no VMA flag. */
	EXPECT_EQ(LEN / PAGE, fresh_pages_in_exmem(_metadata, 0));
}

/* Run @cmd in a child with the task policy in force; its stdout. */
static int run_child(const char *cmd, char *out, size_t len)
{
	int fds[2], status;
	ssize_t got;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(fds[1], 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	got = read(fds[0], out, len - 1);
	out[got > 0 ? got : 0] = 0;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WEXITSTATUS(status);
}

TEST_F_TIMEOUT(zone, task_policy_is_inherited_across_fork_and_exec, 300)
{
	char out[256];
	int status;
	pid_t pid;

	ASSERT_EQ(0, set_policy(BIND | MPOL_F_ZONE_EXMEM, memory_nodes()));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(get_policy(NULL) == (BIND | MPOL_F_ZONE_EXMEM) ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* After exec, /proc/self/numa_maps shows the policy: "bind=exmem:0-1". */
	EXPECT_EQ(0, run_child("grep -c 'bind=exmem:' /proc/self/numa_maps",
			       out, sizeof(out)));
	EXPECT_LT(0, atoi(out));
}

TEST_F_TIMEOUT(zone, unprivileged_users_may_place_their_memory, 300)
{
	int fds[2], status;
	char *addr = NULL, ok = 0;
	struct exmem_where w;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *p;

		if (setgid(65534) || setuid(65534))
			_exit(1);
		if (set_policy(LOCAL | MPOL_F_ZONE_EXMEM, 0))
			_exit(2);
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		madvise(p, LEN, MADV_NOHUGEPAGE);
		memset(p, 0x11, LEN);
		if (write(fds[1], &p, sizeof(p)) != sizeof(p))
			_exit(4);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &addr, sizeof(addr)) == sizeof(addr)) {
		ok = 1;
		/* Root reads the child's PFNs. */
		ASSERT_EQ(0, exmem_count_pages_of(pid, addr, LEN, &w));
		EXPECT_EQ(LEN / PAGE, w.exmem);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(fds[0]);
	EXPECT_EQ(1, ok) TH_LOG("child exit status %d", WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
