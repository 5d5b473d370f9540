// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: 100,000 random mmap/mremap/mprotect/munmap/madvise/mbind/
 * set_mempolicy/get_mempolicy calls with random flag words and lengths,
 * made by an unprivileged user, crash nothing, and every error they get is
 * one that Documentation/userspace-api/exmem.rst lists for that call. The
 * guest's dmesg scan (no WARNING, BUG, ...) completes the check.
 *
 * One outcome ends a fuzzing process early, and is documented: a fault
 * in a MAP_EXMEM mapping after mbind()/set_mempolicy() bound it to nodes
 * without ExMem kills the faulting task (a zone rule never widens a node
 * rule; Documentation/userspace-api/exmem.rst). The kernel log must name
 * that kill; a new process then carries on with the calls that are left,
 * from the random state the killed one reached. Any other death fails.
 *
 * The seed is printed; EXMEM_FUZZ_SEED and EXMEM_FUZZ_CALLS override the
 * seed and the number of calls, to reproduce a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE	0x08
#endif

#define ZONE_FLAGS	((1 << 11) | (1 << 12))	/* MPOL_F_ZONE_* */
#define PAGE		4096UL
#define ARENA_PAGES	4096UL		/* 16 MiB playground */
#define MAX_PAGES	64UL
#define DEFAULT_CALLS	100000UL

/*
 * What the fuzzing processes share, in MAP_SHARED memory: a process killed
 * for a documented reason hands its random state and counts to the next.
 */
struct fuzz_state {
	uint64_t rng;
	unsigned long done;	/* calls completed */
	unsigned long calls, errors, bad, sigbus;
};

static struct fuzz_state *st;

static uint64_t next(void)
{
	st->rng ^= st->rng << 13;
	st->rng ^= st->rng >> 7;
	st->rng ^= st->rng << 17;
	return st->rng;
}

static unsigned long pick(unsigned long n)
{
	return next() % n;
}

/* Random subset of @bits, plus now and then one random bit. */
static unsigned long flags_from(const unsigned long *bits, int n)
{
	unsigned long f = 0;
	int i;

	for (i = 0; i < n; i++)
		if (pick(3) == 0)
			f |= bits[i];
	if (pick(16) == 0)
		f |= 1UL << pick(32);
	return f;
}

static char *arena;

static char *arena_addr(void)
{
	return arena + pick(ARENA_PAGES) * PAGE;
}

static size_t rand_len(void)
{
	switch (pick(8)) {
	case 0:
		return 0;
	case 1:
		return 1 + pick(PAGE);		/* unaligned */
	default:
		return (1 + pick(MAX_PAGES)) * PAGE;
	}
}

/* The errors each call may return (Documentation/userspace-api/exmem.rst). */
static const int mmap_errs[] = { EINVAL, ENOMEM, EPERM, EACCES, EAGAIN,
	EBADF, EEXIST, ENODEV, EOPNOTSUPP, EOVERFLOW, 0 };
static const int mremap_errs[] = { EINVAL, ENOMEM, EFAULT, EAGAIN, EPERM, 0 };
static const int mprotect_errs[] = { EINVAL, ENOMEM, EACCES, 0 };
static const int munmap_errs[] = { EINVAL, 0 };
static const int madvise_errs[] = { EINVAL, ENOMEM, EPERM, EAGAIN, EFAULT,
	EBADF, EIO, EACCES, EBUSY, 0 };
static const int mbind_errs[] = { EINVAL, EFAULT, ENOMEM, EIO, EPERM,
	ENODEV, 0 };
static const int set_mempolicy_errs[] = { EINVAL, EFAULT, ENOMEM, ENODEV, 0 };
static const int get_mempolicy_errs[] = { EINVAL, EFAULT, 0 };

static void check(const char *call, long ret, const int *allowed)
{
	int i;

	st->calls++;
	if (ret != -1)
		return;
	st->errors++;
	for (i = 0; allowed[i]; i++)
		if (errno == allowed[i])
			return;
	if (st->bad++ < 20)
		fprintf(stderr, "# %s: undocumented errno %d (%s)\n", call,
			errno, strerror(errno));
}

static int memfd = -1;
static sigjmp_buf sigbus_env;
static void on_sigbus(int sig)
{
	st->sigbus++;
	siglongjmp(sigbus_env, 1);
}

static void do_mmap(void)
{
	static const unsigned long fl[] = { MAP_FIXED, MAP_ANONYMOUS,
		MAP_EXMEM, MAP_NORMAL, MAP_POPULATE, MAP_NORESERVE,
		MAP_HUGETLB, MAP_LOCKED, MAP_GROWSDOWN, MAP_STACK,
		MAP_FIXED_NOREPLACE, MAP_SYNC, MAP_UNINITIALIZED };
	static const int types[] = { MAP_PRIVATE, MAP_SHARED,
		MAP_SHARED_VALIDATE, MAP_DROPPABLE, 0, 0xf };
	int prot = pick(8), fd = -1;
	unsigned long f = flags_from(fl, 13) | types[pick(6)];
	size_t len = rand_len();
	char *p;

	/* Anything fixed lands in the arena, never on our own memory. */
	if (!(f & MAP_ANONYMOUS) && pick(2))
		fd = memfd;
	if ((f & MAP_FIXED) && pick(4))
		f &= ~MAP_FIXED;
	p = mmap(arena_addr(), len, prot, f, fd, 0);
	check("mmap", p == MAP_FAILED ? -1 : 0, mmap_errs);
	if (p == MAP_FAILED)
		return;
	/* Touch it; hugetlb without reserve may SIGBUS, as documented. */
	if ((prot & PROT_WRITE) && len && !(f & MAP_GROWSDOWN) &&
	    (fd < 0 || len <= 256 * PAGE) && !sigsetjmp(sigbus_env, 1))
		p[0] = 1;
	/* Keep the arena whole: what landed outside it goes again. */
	if (p < arena || p >= arena + ARENA_PAGES * PAGE)
		munmap(p, len);
}

static void do_mremap(void)
{
	static const unsigned long fl[] = { MREMAP_MAYMOVE, MREMAP_FIXED,
		MREMAP_DONTUNMAP };
	size_t old = rand_len(), len = rand_len();
	unsigned long f = flags_from(fl, 3);
	char *p;

	if (f & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		f |= pick(8) ? MREMAP_MAYMOVE : 0;
	p = mremap(arena_addr(), old, len, f, arena_addr());
	check("mremap", p == MAP_FAILED ? -1 : 0, mremap_errs);
	if (p != MAP_FAILED && (p < arena || p >= arena + ARENA_PAGES * PAGE))
		munmap(p, len);
}

static void do_madvise(void)
{
	static const int advice[] = { 0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14,
		15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 100, 101, 77 };

	check("madvise", madvise(arena_addr(), rand_len(),
				 advice[pick(sizeof(advice) / sizeof(int))]),
	      madvise_errs);
}

static int rand_mode(void)
{
	static const unsigned long fl[] = { 1 << 11, 1 << 12, 1 << 13,
		1 << 14, 1 << 15 };

	return pick(9) | flags_from(fl, 5);
}

static unsigned long rand_maxnode(void)
{
	static const unsigned long m[] = { 0, 1, 2, 3, 64, 1025 };

	return m[pick(6)];
}

static void do_policy(void)
{
	unsigned long nodes[32] = { pick(16) }, f;
	int mode = rand_mode(), got;

	switch (pick(3)) {
	case 0:
		f = flags_from((const unsigned long[]){ 1, 2, 4 }, 3);
		check("mbind", syscall(SYS_mbind, arena_addr(), rand_len(),
				       mode, nodes, rand_maxnode(), f),
		      mbind_errs);
		break;
	case 1:
		if (syscall(SYS_set_mempolicy, mode, nodes, rand_maxnode())) {
			check("set_mempolicy", -1, set_mempolicy_errs);
			break;
		}
		check("set_mempolicy", 0, set_mempolicy_errs);
		/* The zone flag accepted is the zone flag reported. */
		if (syscall(SYS_get_mempolicy, &got, NULL, 0, NULL, 0) ||
		    (got & ZONE_FLAGS) != (mode & ZONE_FLAGS))
			if (st->bad++ < 20)
				fprintf(stderr, "# set 0x%x, got 0x%x\n", mode,
					got);
		break;
	default:
		check("get_mempolicy", syscall(SYS_get_mempolicy, &got, nodes,
					       rand_maxnode(), arena_addr(),
					       pick(8)),
		      get_mempolicy_errs);
	}
}

static void fuzz(unsigned long n)
{
	for (; st->done < n; st->done++) {
		switch (pick(8)) {
		case 0:
		case 1:
			do_mmap();
			break;
		case 2:
			do_mremap();
			break;
		case 3:
			check("mprotect", mprotect(arena_addr(), rand_len(),
						   pick(8)), mprotect_errs);
			break;
		case 4:
			check("munmap", munmap(arena_addr(), rand_len()),
			      munmap_errs);
			break;
		case 5:
			do_madvise();
			break;
		default:
			do_policy();
		}
	}
}

FIXTURE(fuzz) {};
FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

/* One fuzzing process: an unprivileged user with an arena of its own. */
static void fuzz_child(unsigned long n)
{
	if (setgid(65534) || setuid(65534))
		_exit(2);
	memfd = memfd_create("fuzz", 0);
	if (memfd < 0 || ftruncate(memfd, 256 * PAGE))
		_exit(2);
	/* The arena: every address the fuzzer touches lies in it. */
	arena = mmap(NULL, ARENA_PAGES * PAGE, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		_exit(2);
	signal(SIGBUS, on_sigbus);
	fuzz(n);
	_exit(st->bad ? 1 : 0);
}

/* Was @pid killed as a task whose nodes hold no ExMem, as documented? */
static bool killed_for_no_exmem(pid_t pid)
{
	char *log = exmem_klog_since("exmem-test: fuzz process");
	char what[96];
	bool found;

	if (!log)
		return false;
	snprintf(what, sizeof(what),
		 "No allowed node has the zone: Killed process %d ", (int)pid);
	found = strstr(log, what);
	free(log);
	return found;
}

/* At most this many processes are killed for a documented reason. */
#define MAX_KILLS	1000

/*
 * Not the harness's default 30 s: 10^5 calls fit in it on the normal
 * kernel under TCG, but not always on the debug kernel.
 */
TEST_F_TIMEOUT(fuzz, random_calls_as_an_unprivileged_user, 1800)
{
	const char *s = getenv("EXMEM_FUZZ_SEED");
	const char *c = getenv("EXMEM_FUZZ_CALLS");
	unsigned long n = c ? strtoul(c, NULL, 0) : DEFAULT_CALLS, kills = 0;
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	int status;
	pid_t pid;

	TH_LOG("seed %llu, %lu calls", (unsigned long long)seed, n);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	st->rng = seed | 1;
	/* The kills below print OOM reports: the kernel-log check expects them. */
	exmem_klog_mark("expect oom begin");
	for (;;) {
		exmem_klog_mark("fuzz process");
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			fuzz_child(n);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFEXITED(status))
			break;
		/* The call that faulted is skipped; the next process goes on. */
		st->done++;
		ASSERT_TRUE(WTERMSIG(status) == SIGKILL && killed_for_no_exmem(pid))
			TH_LOG("killed by signal %d after %lu calls, not as documented",
			       WTERMSIG(status), st->done);
		ASSERT_GT(MAX_KILLS, ++kills);
	}
	exmem_klog_mark("expect oom end");
	TH_LOG("%lu calls, %lu errors, %lu undocumented, %lu SIGBUS",
	       st->calls, st->errors, st->bad, st->sigbus);
	TH_LOG("%lu processes killed as documented (no ExMem allowed)", kills);
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(st, sizeof(*st));
}

TEST_HARNESS_MAIN
