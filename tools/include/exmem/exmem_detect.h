/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exmem_detect.h - can this program rely on MAP_EXMEM?
 *
 * A kernel without ZONE_EXMEM ignores the unknown bits of
 * mmap(MAP_PRIVATE | MAP_EXMEM) and succeeds, so the mapping silently lands
 * in ordinary memory and the ENODEV fallback never fires. Ask first:
 *
 *	switch (exmem_supported()) {
 *	case EXMEM_USABLE:	    MAP_EXMEM works (ENODEV still possible
 *				    if the last ExMem goes offline later)
 *	case EXMEM_NONE_ONLINE:	    ZONE_EXMEM kernel, no ExMem online:
 *				    MAP_EXMEM fails with ENODEV
 *	case EXMEM_UNSUPPORTED:	    no ZONE_EXMEM: MAP_EXMEM would be ignored
 *	case EXMEM_UNKNOWN:	    neither /sys nor /proc could tell (errno)
 *	}
 *
 * exmem_supported() reads what the kernel publishes, without side effects:
 * /sys/kernel/mm/exmem/ exists on every ZONE_EXMEM kernel (mm/zone_exmem/
 * pin.c; /proc/sys/vm/exmem_user_default when sysfs is not mounted), and
 * ExMemTotal in /proc/meminfo is non-zero exactly when some ExMem is
 * online, the condition the kernel refuses MAP_EXMEM with ENODEV on.
 * exmem_supported_at(ROOT) reads ROOT/sys and ROOT/proc instead, for tests.
 *
 * exmem_probe() asks mmap() itself and needs neither /sys nor /proc (a
 * sandbox): a memfd mapped MAP_SHARED_VALIDATE | MAP_EXMEM is refused with
 * EOPNOTSUPP by a kernel that does not know the flag. It costs a memfd and a
 * one-page mapping that is never touched; with no ExMem online, the refusal
 * is counted in /proc/vmstat's exmem_map_refused.
 *
 * The values are the kernel's (include/uapi/asm-generic/mman-exmem.h and
 * uapi/linux/mempolicy.h). Alpha, MIPS, PA-RISC and Xtensa have their own
 * mmap flag values and no MAP_EXMEM; there this header defines no MAP_EXMEM
 * or MAP_NORMAL (0x200000 is alpha's MAP_FIXED_NOREPLACE), and both
 * functions answer EXMEM_UNSUPPORTED.
 *
 * Copy this file into your program; it needs only libc and the default
 * feature macros (_DEFAULT_SOURCE or _GNU_SOURCE with -std=c99/c11).
 */
#ifndef EXMEM_DETECT_H
#define EXMEM_DETECT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__alpha__) || defined(__mips__) || defined(__hppa__) || \
	defined(__xtensa__)
#define EXMEM_NO_MAP_FLAGS	1
#else
#ifndef MAP_EXMEM
#define MAP_EXMEM	0x200000	/* every page from ZONE_EXMEM */
#endif
#ifndef MAP_NORMAL
#define MAP_NORMAL	0x400000	/* never from ZONE_EXMEM */
#endif
#endif

#ifndef MPOL_F_ZONE_EXMEM
#define MPOL_F_ZONE_EXMEM	0x1000	/* (1 << 12): set_mempolicy(), mbind() */
#endif
#ifndef MPOL_F_ZONE_NOEXMEM
#define MPOL_F_ZONE_NOEXMEM	0x0800	/* (1 << 11) */
#endif

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#endif

enum exmem_support {
	EXMEM_UNKNOWN = -1,	/* cannot tell: errno says why */
	EXMEM_UNSUPPORTED = 0,	/* no ZONE_EXMEM: MAP_EXMEM is ignored */
	EXMEM_NONE_ONLINE = 1,	/* ZONE_EXMEM, nothing online: ENODEV */
	EXMEM_USABLE = 2,	/* MAP_EXMEM places pages in ExMem */
};

/* A short name for @support: "usable", "none-online", ... */
static inline const char *exmem_support_name(int support)
{
	switch (support) {
	case EXMEM_USABLE:
		return "usable";
	case EXMEM_NONE_ONLINE:
		return "none-online";
	case EXMEM_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}

/* Does @root/@path exist? 1 yes, 0 no (ENOENT, ENOTDIR), -1 cannot tell. */
static inline int exmem__exists(const char *root, const char *path)
{
	char buf[4096];
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s%s", root, path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!stat(buf, &st))
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/*
 * Is ExMem online? ExMemTotal in @root/proc/meminfo: 1 when non-zero, 0
 * when zero, -1 when the file cannot be read or has no such line.
 */
static inline int exmem__online(const char *root)
{
	unsigned long long kb = 0;
	char buf[4096], line[256];
	int ret = -1;
	FILE *f;

	if (snprintf(buf, sizeof(buf), "%s/proc/meminfo", root) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(buf, "re");
	if (!f)
		return -1;
	errno = ENOENT;		/* no ExMemTotal line */
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "ExMemTotal:", 11))
			continue;
		if (sscanf(line + 11, "%llu", &kb) == 1)
			ret = kb > 0;
		else
			errno = EINVAL;
		break;
	}
	fclose(f);
	return ret;
}

/*
 * Can MAP_EXMEM be relied on, according to @root/sys and @root/proc?
 * @root is "" or NULL for the running system. Returns an enum exmem_support.
 */
static inline int exmem_supported_at(const char *root)
{
	int has;

#ifdef EXMEM_NO_MAP_FLAGS
	return EXMEM_UNSUPPORTED;
#endif
	if (!root)
		root = "";
	has = exmem__exists(root, "/sys/kernel/mm/exmem");
	if (has == 0 && exmem__exists(root, "/sys/kernel/mm") != 1) {
		/* No sysfs (a container): ask procfs. */
		has = exmem__exists(root, "/proc/sys/vm/exmem_user_default");
		if (has == 0 && exmem__exists(root, "/proc/sys/vm") != 1) {
			errno = ENOENT;
			return EXMEM_UNKNOWN;
		}
	}
	if (has < 0)
		return EXMEM_UNKNOWN;
	if (!has)
		return EXMEM_UNSUPPORTED;
	switch (exmem__online(root)) {
	case 1:
		return EXMEM_USABLE;
	case 0:
		return EXMEM_NONE_ONLINE;
	}
	return EXMEM_UNKNOWN;
}

/* exmem_supported_at() on the running system. */
static inline int exmem_supported(void)
{
	return exmem_supported_at(NULL);
}

/*
 * Ask mmap() itself (see above). Returns an enum exmem_support; -1 with
 * errno when memfd_create() or mmap() fail for another reason.
 */
static inline int exmem_probe(void)
{
#ifdef EXMEM_NO_MAP_FLAGS
	return EXMEM_UNSUPPORTED;
#else
	long page = sysconf(_SC_PAGESIZE);
	int fd, err, ret;
	void *p;

	/* Empty: mmap() validates the flags before it looks at the size. */
	fd = (int)syscall(SYS_memfd_create, "exmem_probe", MFD_CLOEXEC);
	if (fd < 0)
		return EXMEM_UNKNOWN;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_SHARED_VALIDATE | MAP_EXMEM, fd, 0);
	err = errno;
	if (p != MAP_FAILED) {
		munmap(p, page);
		ret = EXMEM_USABLE;
	} else if (err == ENODEV) {
		ret = EXMEM_NONE_ONLINE;
	} else if (err == EOPNOTSUPP || err == EINVAL) {
		/* EINVAL: a kernel older than MAP_SHARED_VALIDATE (4.15) */
		ret = EXMEM_UNSUPPORTED;
	} else {
		ret = EXMEM_UNKNOWN;
	}
	close(fd);
	errno = err;
	return ret;
#endif
}

#endif /* EXMEM_DETECT_H */
