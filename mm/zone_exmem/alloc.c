// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where the page allocator decides whether a request may use ZONE_EXMEM.
 *
 * The filter itself is exmem_zone_allowed() in mm/internal.h, applied in
 * the zone loops of get_page_from_freelist() and the bulk allocator. This
 * file holds its slow path (checking __GFP_EXMEM/__GFP_NOEXMEM), the
 * vm.exmem_user_default sysctl, and a debugfs hook that lets the guest
 * tests allocate with given flags and see which zone served them.
 */
#include <linux/debugfs.h>
#include <linux/gfp_exmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <linux/uaccess.h>

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

#ifdef CONFIG_DEBUG_FS
/*
 * /sys/kernel/debug/exmem/alloc_test: write "<case> <nr_pages>" to
 * allocate nr_pages order-0 pages with the case's GFP flags, note the zone
 * of each, and free them; read the zone counts of the last run. The pages
 * come from alloc_page(), so the writing task's mempolicy applies to them.
 * A case with @reclaim allocates as reclaim does (PF_MEMALLOC set), to show
 * that the task's zone flag then does not apply (exmem_mpol_gfp()).
 */
struct exmem_alloc_case {
	const char *name;
	gfp_t gfp;
	bool reclaim;
};

static const struct exmem_alloc_case exmem_alloc_cases[] = {
	{ "exmem", GFP_EXMEM },
	{ "noexmem", GFP_NOEXMEM },
	{ "movable", GFP_HIGHUSER_MOVABLE },
	{ "movable_reclaim", GFP_HIGHUSER_MOVABLE, true },
	{ "kernel", GFP_KERNEL },
	{ "kernel_exmem", GFP_KERNEL | __GFP_EXMEM },
	{ "both", GFP_HIGHUSER_MOVABLE | __GFP_EXMEM | __GFP_NOEXMEM },
};

#define EXMEM_TEST_MAX_PAGES 65536
/*
 * PF_MEMALLOC lets a reclaim case allocate below the min watermark, from
 * the reserves that reclaim itself needs: it gets 16 MiB at most.
 */
#define EXMEM_TEST_MAX_RECLAIM_PAGES 4096

/* Zone counts of the last run, [MAX_NR_ZONES] = failed allocations. */
static unsigned long exmem_test_counts[MAX_NR_ZONES + 1];
static DEFINE_MUTEX(exmem_test_lock);	/* one run at a time */

static void exmem_alloc_test_run(const struct exmem_alloc_case *c,
				 unsigned long nr)
{
	gfp_t gfp = c->gfp;
	struct page *page, *next;
	unsigned int memalloc = 0;
	LIST_HEAD(pages);

	memset(exmem_test_counts, 0, sizeof(exmem_test_counts));
	if (c->reclaim)
		memalloc = memalloc_noreclaim_save();
	while (nr--) {
		page = alloc_page(gfp | __GFP_NOWARN | __GFP_NORETRY);
		if (!page) {
			exmem_test_counts[MAX_NR_ZONES]++;
			continue;
		}
		exmem_test_counts[page_zonenum(page)]++;
		list_add(&page->lru, &pages);
	}
	if (c->reclaim)
		memalloc_noreclaim_restore(memalloc);
	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

static ssize_t exmem_alloc_test_write(struct file *file, const char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	char buf[64], name[24];
	unsigned long nr;
	int i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%23s %lu", name, &nr) != 2 || !nr)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(exmem_alloc_cases); i++) {
		const struct exmem_alloc_case *c = &exmem_alloc_cases[i];

		if (strcmp(name, c->name))
			continue;
		if (nr > (c->reclaim ? EXMEM_TEST_MAX_RECLAIM_PAGES :
				       EXMEM_TEST_MAX_PAGES))
			return -EINVAL;
		mutex_lock(&exmem_test_lock);
		exmem_alloc_test_run(c, nr);
		mutex_unlock(&exmem_test_lock);
		return count;
	}
	return -EINVAL;
}

static int exmem_alloc_test_show(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&exmem_test_lock);
	for (i = 0; i < MAX_NR_ZONES; i++)
		seq_printf(m, "%s %lu\n", zone_names[i], exmem_test_counts[i]);
	seq_printf(m, "failed %lu\n", exmem_test_counts[MAX_NR_ZONES]);
	mutex_unlock(&exmem_test_lock);
	return 0;
}

static int exmem_alloc_test_open(struct inode *inode, struct file *file)
{
	return single_open(file, exmem_alloc_test_show, NULL);
}

static const struct file_operations exmem_alloc_test_fops = {
	.owner		= THIS_MODULE,
	.open		= exmem_alloc_test_open,
	.read		= seq_read,
	.write		= exmem_alloc_test_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static void __init exmem_alloc_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("exmem", NULL);

	debugfs_create_file("alloc_test", 0600, dir, NULL,
			    &exmem_alloc_test_fops);
}
#else
static inline void exmem_alloc_debugfs_init(void)
{
}
#endif /* CONFIG_DEBUG_FS */

static int __init exmem_alloc_init(void)
{
	/* The table stores ZONE_EXMEM's index in 2 bits: see gfp_zone(). */
	BUILD_BUG_ON(ZONE_EXMEM > 3);
	register_sysctl_init("vm", exmem_alloc_sysctls);
	exmem_alloc_debugfs_init();
	return 0;
}
subsys_initcall(exmem_alloc_init);
