/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef __ASM_GENERIC_MMAN_EXMEM_H
#define __ASM_GENERIC_MMAN_EXMEM_H

/*
 * ZONE_EXMEM placement flags for mmap() and the mempolicy syscalls.
 *
 * The values are Samsung SMDK's, so binaries built for SMDK run unchanged.
 * They are free on every architecture whose mman.h builds on
 * asm-generic/mman-common.h without redefining bits 21-22 (x86, arm64, arm,
 * riscv, loongarch, s390, powerpc, sparc, m68k, ...). Alpha uses 0x200000
 * for MAP_FIXED_NOREPLACE: tests/host/mman-exmem-abi.sh checks every arch.
 */
#define MAP_EXMEM	0x200000	/* every page from ZONE_EXMEM */
#define MAP_NORMAL	0x400000	/* never from ZONE_EXMEM */

/* Mode flags for set_mempolicy()/mbind(), beside MPOL_F_STATIC_NODES. */
#define MPOL_F_ZONE_NOEXMEM	0x0800	/* (1 << 11): exclude ZONE_EXMEM */
#define MPOL_F_ZONE_EXMEM	0x1000	/* (1 << 12): only ZONE_EXMEM */

#endif /* __ASM_GENERIC_MMAN_EXMEM_H */
