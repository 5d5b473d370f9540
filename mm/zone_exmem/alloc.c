// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where the page allocator decides whether a request may use ZONE_EXMEM.
 *
 * The filter itself is exmem_zone_allowed() in mm/internal.h, applied in
 * the zone loops of get_page_from_freelist() and the bulk allocator. This
 * file holds its slow path (checking __GFP_EXMEM/__GFP_NOEXMEM), the
 * vm.exmem_user_default sysctl. The test hook that allocates with given
 * flags is alloc_test.c (CONFIG_EXMEM_DEBUG only).
 */
#include <linux/gfp_exmem.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/sysctl.h>

#include "../internal.h"

/* Read locklessly on every movable allocation; written by the sysctl. */
u8 exmem_user_default __read_mostly = EXMEM_ALLOC_ANY;

struct exmem_mode_name {
	const char *name;
	u8 mode;
};

/* Values of vm.exmem_user_default. */
static const struct exmem_mode_name exmem_user_modes[] = {
	{ "fallback", EXMEM_ALLOC_ANY },
	{ "never", EXMEM_ALLOC_NEVER },
	{ "prefer", EXMEM_ALLOC_PREFER },
};

/**
 * exmem_gfp_mode - Check and decode __GFP_EXMEM/__GFP_NOEXMEM
 * @gfp_mask: GFP flags with at least one of the two bits set
 * @highest_zoneidx: gfp_zone(@gfp_mask)
 *
 * Only movable requests (highest zone ZONE_MOVABLE) may use ZONE_EXMEM.
 * A request with __GFP_EXMEM that is not movable, or with both bits, is a
 * caller error: it is logged once, counted, and kept out of ZONE_EXMEM.
 *
 * Return: the enum exmem_alloc mode of the request.
 */
u8 exmem_gfp_mode(gfp_t gfp_mask, enum zone_type highest_zoneidx)
{
	if ((gfp_mask & __GFP_EXMEM) && (gfp_mask & __GFP_NOEXMEM)) {
		pr_warn_once("exmem: __GFP_EXMEM with __GFP_NOEXMEM (%pGg): ExMem excluded\n",
			     &gfp_mask);
		count_vm_event(EXMEM_GFP_REFUSED);
		return EXMEM_ALLOC_NEVER;
	}
	if (gfp_mask & __GFP_NOEXMEM)
		return EXMEM_ALLOC_NEVER;
	if (highest_zoneidx != ZONE_MOVABLE) {
		pr_warn_once("exmem: __GFP_EXMEM needs a movable request (%pGg): served from ordinary zones\n",
			     &gfp_mask);
		count_vm_event(EXMEM_GFP_REFUSED);
		return EXMEM_ALLOC_ANY;
	}
	return EXMEM_ALLOC_ONLY;
}

static const char *exmem_user_mode_name(u8 mode)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(exmem_user_modes); i++)
		if (exmem_user_modes[i].mode == mode)
			return exmem_user_modes[i].name;
	return "fallback";
}

/*
 * vm.exmem_user_default: "fallback", "never" or "prefer"; else -EINVAL.
 * Both paths start from the current name, as proc_dostring() expects: a
 * write continues it at *ppos (and one past its end is ignored), so the
 * buffer must hold a string before a write too.
 */
static int exmem_user_default_handler(const struct ctl_table *table, int write,
				      void *buffer, size_t *lenp, loff_t *ppos)
{
	char val[16];
	struct ctl_table tmp = { .data = val, .maxlen = sizeof(val) };
	int ret, i;

	strscpy(val, exmem_user_mode_name(READ_ONCE(exmem_user_default)));
	ret = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (ret || !write)
		return ret;
	for (i = 0; i < ARRAY_SIZE(exmem_user_modes); i++) {
		if (sysfs_streq(val, exmem_user_modes[i].name)) {
			WRITE_ONCE(exmem_user_default, exmem_user_modes[i].mode);
			return 0;
		}
	}
	return -EINVAL;
}

static struct ctl_table exmem_alloc_sysctls[] = {
	{
		.procname	= "exmem_user_default",
		.maxlen		= 16,
		.mode		= 0644,
		.proc_handler	= exmem_user_default_handler,
	},
};

static int __init exmem_alloc_init(void)
{
	/* The table stores ZONE_EXMEM's index in 2 bits: see gfp_zone(). */
	BUILD_BUG_ON(ZONE_EXMEM > 3);
	register_sysctl_init("vm", exmem_alloc_sysctls);
	return 0;
}
subsys_initcall(exmem_alloc_init);
