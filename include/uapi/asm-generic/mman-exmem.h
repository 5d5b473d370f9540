/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef __ASM_GENERIC_MMAN_EXMEM_H
#define __ASM_GENERIC_MMAN_EXMEM_H

/*
 * ZONE_EXMEM placement flags for mmap(), included by mman-common.h.
 *
 * The values are Samsung SMDK's, so binaries built for SMDK run unchanged.
 *
 * Covered: every architecture whose uapi mman.h builds on asm-generic
 * (arm, arm64, powerpc, sparc, x86 and all that use asm-generic/mman.h
 * directly: arc, csky, hexagon, loongarch, m68k, microblaze, nios2,
 * openrisc, riscv, s390, sh, um). Bits 21-22 are free on all of them.
 * Not covered: alpha, mips, parisc and xtensa define their own flags
 * (alpha's MAP_FIXED_NOREPLACE is 0x200000); there MAP_EXMEM and MAP_NORMAL
 * are not defined and the kernel treats them as 0.
 * tests/host/mman-exmem-abi.sh checks this list against the tree.
 */
#define MAP_EXMEM	0x200000	/* every page from ZONE_EXMEM */
#define MAP_NORMAL	0x400000	/* never from ZONE_EXMEM */

/*
 * The matching mode flags for set_mempolicy()/mbind(), MPOL_F_ZONE_EXMEM
 * (1 << 12) and MPOL_F_ZONE_NOEXMEM (1 << 11), are in <linux/mempolicy.h>.
 */

#endif /* __ASM_GENERIC_MMAN_EXMEM_H */
