// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: a zone rule never widens a node rule. MAP_EXMEM,
 * MAP_NORMAL and the zone flags allocate only on the nodes a task may use:
 * those of an MPOL_BIND policy and those of its cpuset.
 *
 *  - What is known to fail up front is refused: mmap(MAP_EXMEM) in a task
 *    bound to DRAM nodes, or in a cpuset without an ExMem node, and
 *    mmap(MAP_NORMAL) in a task bound to ExMem nodes, with ENODEV;
 *    MPOL_F_ZONE_EXMEM in a cpuset without ExMem with ENODEV; an MPOL_BIND
 *    set without memory of the flag's zone with EINVAL.
 *  - A fault that no allowed node can serve (the policy or the cpuset
 *    changed after the mapping was made) kills the faulting task: an OOM
 *    kill of that task alone, reported as constrained. Not one of its
 *    pages lands outside the allowed nodes (or in ExMem, for MAP_NORMAL),
 *    and a bystander that holds ExMem, the largest task, lives, its data
 *    intact.
 *
 * Every case runs in a child, so that its policy and cpuset end with it.
 * Every OOM report lies between "exmem-test: expect oom begin/end".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define MPOL_BIND	2
#define MAXNODE		64
#define PAGE		4096UL
#define MIB		(1UL << 20)
#define FAULT_LEN	(16 * MIB)	/* what the faulting child touches */
#define BYSTANDER_LEN	(64 * MIB)	/* the ExMem a bystander holds */
#define CPUSET		"/sys/fs/cgroup/exmem-dram-only"

static long set_policy(int mode, unsigned long nodes)
{
	return syscall(SYS_set_mempolicy, mode, &nodes, MAXNODE);
}

static long bind_range(void *p, size_t len, int mode, unsigned long nodes)
{
	return syscall(SYS_mbind, p, len, mode, &nodes, MAXNODE, 0);
}

/* Nodes with memory outside ZONE_EXMEM: DRAM. */
static unsigned long dram_node_mask(void)
{
	struct exmem_zone z[EXMEM_MAX_ZONES];
	unsigned long mask = 0;
	int i, n = exmem_read_zones(z, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (strcmp(z[i].name, "ExMem") && z[i].managed)
			mask |= 1UL << z[i].nid;
	return mask;
}

/* Run @fn in a child; its exit status (errno values), or -1. */
static int in_child(int (*fn)(unsigned long), unsigned long arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* errno of mmap(@zone_flag) of 1 MiB, 0 if it succeeded. */
static int map_errno(int zone_flag)
{
	void *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | zone_flag, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, MIB);
	return 0;
}

static int map_exmem_bound_to(unsigned long nodes)
{
	return set_policy(MPOL_BIND, nodes) ? 100 : map_errno(MAP_EXMEM);
}

static int map_normal_bound_to(unsigned long nodes)
{
	return set_policy(MPOL_BIND, nodes) ? 100 : map_errno(MAP_NORMAL);
}

FIXTURE(never_widens)
{
};

FIXTURE_SETUP(never_widens)
{
	ASSERT_NE(0, exmem_node_mask()) TH_LOG("no ExMem memory online");
	ASSERT_NE(0, dram_node_mask());
}

FIXTURE_TEARDOWN(never_widens)
{
}

TEST_F(never_widens, map_exmem_in_a_task_bound_to_dram_is_enodev)
{
	unsigned long dram = dram_node_mask();

	EXPECT_EQ(ENODEV, in_child(map_exmem_bound_to, dram));
	/* Bound to nodes that include ExMem, it is allowed. */
	EXPECT_EQ(0, in_child(map_exmem_bound_to, dram | exmem_node_mask()));
}

TEST_F(never_widens, map_normal_in_a_task_bound_to_exmem_nodes_is_enodev)
{
	unsigned long exmem = exmem_node_mask() & ~dram_node_mask();

	ASSERT_NE(0, exmem) TH_LOG("no node with ExMem only");
	EXPECT_EQ(ENODEV, in_child(map_normal_bound_to, exmem));
	EXPECT_EQ(0, in_child(map_normal_bound_to, exmem | dram_node_mask()));
}

TEST_F(never_widens, zone_flag_with_a_bind_set_without_the_zone_is_einval)
{
	unsigned long dram = dram_node_mask(), exmem = exmem_node_mask();
	void *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, set_policy(MPOL_BIND | MPOL_F_ZONE_EXMEM, dram));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind_range(p, MIB, MPOL_BIND | MPOL_F_ZONE_EXMEM, dram));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_policy(MPOL_BIND | MPOL_F_ZONE_NOEXMEM,
				 exmem & ~dram));
	EXPECT_EQ(EINVAL, errno);
	munmap(p, MIB);
}

/*
 * How the faulting child loses its right to its zone after mapping: an
 * mbind() of the MAP_EXMEM mapping to DRAM, a task policy bound to DRAM,
 * a move into a cpuset whose memory is DRAM only; or an mbind() of a
 * MAP_NORMAL mapping to the nodes that have only ExMem.
 */
enum narrowing { VMA_POLICY, TASK_POLICY, CPUSET_MEMS, NORMAL_TO_EXMEM };

/* Move the calling task into CPUSET. 0 or an errno value. */
static int join_dram_cpuset(void)
{
	return exmem_memcg_join(CPUSET) ? EPERM : 0;
}

/*
 * The faulting child: map MAP_EXMEM, lose ExMem by @how, then touch page
 * by page, reporting each page done on @fd. Reaching the end (exit 0) is
 * the defect: the pages went outside the allowed nodes.
 */
static void fault_child(enum narrowing how, unsigned long dram, int fd)
{
	int zone = how == NORMAL_TO_EXMEM ? MAP_NORMAL : MAP_EXMEM;
	char *p = mmap(NULL, FAULT_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | zone, -1, 0);
	unsigned long exmem_only = exmem_node_mask() & ~dram;
	size_t i;

	if (p == MAP_FAILED)
		_exit(2);
	madvise(p, FAULT_LEN, MADV_NOHUGEPAGE);
	if ((how == NORMAL_TO_EXMEM &&
	     bind_range(p, FAULT_LEN, MPOL_BIND, exmem_only)) ||
	    (how == VMA_POLICY && bind_range(p, FAULT_LEN, MPOL_BIND, dram)) ||
	    (how == TASK_POLICY && set_policy(MPOL_BIND, dram)) ||
	    (how == CPUSET_MEMS && join_dram_cpuset()))
		_exit(3);
	for (i = 0; i < FAULT_LEN; i += PAGE) {
		p[i] = 1;
		if (write(fd, "x", 1) != 1)
			_exit(4);
	}
	_exit(0);
}

/*
 * A bystander holding BYSTANDER_LEN of ExMem until @wait_fd reads end of
 * file; it exits 0 if its data is intact.
 */
static void bystander(int ready, int wait_fd)
{
	char *p = mmap(NULL, BYSTANDER_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	char c;

	if (p == MAP_FAILED)
		_exit(2);
	exmem_fill_pattern(p, BYSTANDER_LEN);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	/* Until the test closes its end of the pipe. */
	while (read(wait_fd, &c, 1) > 0)
		;
	_exit(exmem_bad_words(p, BYSTANDER_LEN) ? 4 : 0);
}

struct fault_result {
	int status;		/* of the faulting child */
	int bystander;		/* of the bystander */
	size_t pages;		/* pages the faulting child touched */
	char *klog;		/* kernel log of the fault */
};

static void fault_outside(struct __test_metadata *_metadata,
			  enum narrowing how, struct fault_result *r)
{
	unsigned long dram = dram_node_mask() & ~exmem_node_mask();
	int ready[2], hold[2], done[2];
	pid_t by, f;
	char c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(hold));
	by = fork();
	ASSERT_LE(0, by);
	if (!by) {
		close(hold[1]);
		bystander(ready[1], hold[0]);
	}
	close(hold[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the bystander did not start");

	/* Made now: the bystander must not hold its write end. */
	ASSERT_EQ(0, pipe(done));
	exmem_klog_mark("expect oom begin");
	f = fork();
	ASSERT_LE(0, f);
	if (!f) {
		close(hold[1]);
		fault_child(how, dram, done[1]);
	}
	close(done[1]);
	r->pages = 0;
	while (read(done[0], &c, 1) == 1)
		r->pages++;
	ASSERT_EQ(f, waitpid(f, &r->status, 0));
	exmem_klog_mark("expect oom end");
	r->klog = exmem_klog_since("exmem-test: expect oom begin");

	close(hold[1]);
	ASSERT_EQ(by, waitpid(by, &r->bystander, 0));
	TH_LOG("faulting child: %s %d after %zu of %lu pages",
	       WIFSIGNALED(r->status) ? "signal" : "exit",
	       WIFSIGNALED(r->status) ? WTERMSIG(r->status) :
					WEXITSTATUS(r->status),
	       r->pages, FAULT_LEN / PAGE);
}

/*
 * The verdict of every narrowing: the faulting child is killed at its
 * first page, alone, and the kernel log says why.
 */
static void expect_killed_alone(struct __test_metadata *_metadata,
				enum narrowing how)
{
	struct fault_result r;

	fault_outside(_metadata, how, &r);
	EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	/* Not one page was placed: the first fault already had none. */
	EXPECT_EQ(0, r.pages);
	EXPECT_TRUE(WIFEXITED(r.bystander) && !WEXITSTATUS(r.bystander))
		TH_LOG("the bystander holding ExMem did not survive intact");
	ASSERT_NE(NULL, r.klog);
	EXPECT_NE(NULL, strstr(r.klog, "No allowed node has the zone"));
	EXPECT_NE(NULL, strstr(r.klog, "constraint=CONSTRAINT_MEMORY_POLICY"));
	free(r.klog);
}

TEST_F_TIMEOUT(never_widens, fault_after_mbind_to_dram_kills_only_the_faulting_task, 300)
{
	expect_killed_alone(_metadata, VMA_POLICY);
}

TEST_F_TIMEOUT(never_widens,
	       fault_after_set_mempolicy_bind_to_dram_kills_only_the_faulting_task,
	       300)
{
	expect_killed_alone(_metadata, TASK_POLICY);
}

/* The same rule the other way round: MAP_NORMAL never lands in ExMem. */
TEST_F_TIMEOUT(never_widens,
	       map_normal_fault_after_mbind_to_exmem_nodes_kills_only_the_faulting_task,
	       300)
{
	expect_killed_alone(_metadata, NORMAL_TO_EXMEM);
}

/* A cgroup v2 cpuset whose memory is the DRAM nodes only. */
FIXTURE(never_widens_cpuset)
{
};

FIXTURE_SETUP(never_widens_cpuset)
{
	unsigned long dram = dram_node_mask() & ~exmem_node_mask();
	char mems[16];

	ASSERT_NE(0, dram) TH_LOG("no node with DRAM only");
	ASSERT_EQ(0, exmem_memcg_create(CPUSET));
	ASSERT_EQ(0, exmem_write_file("/sys/fs/cgroup/cgroup.subtree_control",
				      "+cpuset"));
	/* The first DRAM-only node is memory enough for the tasks. */
	snprintf(mems, sizeof(mems), "%d", __builtin_ctzl(dram));
	ASSERT_EQ(0, exmem_write_file(CPUSET "/cpuset.mems", mems));
}

FIXTURE_TEARDOWN(never_widens_cpuset)
{
	/* Its tasks have all exited: the children of each test. */
	EXPECT_EQ(0, rmdir(CPUSET));
}

static int map_exmem_in_cpuset(unsigned long unused)
{
	return join_dram_cpuset() ?: map_errno(MAP_EXMEM);
}

static int zone_flag_in_cpuset(unsigned long unused)
{
	if (join_dram_cpuset())
		return 100;
	/* MPOL_DEFAULT with the flag: no nodes to check but the cpuset's. */
	return syscall(SYS_set_mempolicy, MPOL_F_ZONE_EXMEM, NULL, 0) ?
	       errno : 0;
}

TEST_F(never_widens_cpuset, map_exmem_and_zone_flag_in_a_cpuset_without_exmem_are_enodev)
{
	EXPECT_EQ(ENODEV, in_child(map_exmem_in_cpuset, 0));
	EXPECT_EQ(ENODEV, in_child(zone_flag_in_cpuset, 0));
}

TEST_F_TIMEOUT(never_widens_cpuset,
	       fault_after_moving_into_a_cpuset_without_exmem_kills_only_the_faulting_task,
	       300)
{
	expect_killed_alone(_metadata, CPUSET_MEMS);
}

TEST_HARNESS_MAIN
