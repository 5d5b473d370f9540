// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test hook for the page allocator's ExMem rule (CONFIG_EXMEM_DEBUG only;
 * never in a production kernel: its reclaim case allocates from the
 * PF_MEMALLOC reserves).
 *
 * /sys/kernel/debug/exmem/alloc_test: write "<case> <nr_pages>" to
 * allocate nr_pages order-0 pages with the case's GFP flags, note the zone
 * of each, and free them; read the zone counts of the last run. The pages
 * come from alloc_page(), so the writing task's mempolicy applies to them.
 * A case with @reclaim allocates as reclaim does (PF_MEMALLOC set), to show
 * that the task's zone flag then does not apply (exmem_mpol_gfp()).
 */
#include <linux/debugfs.h>
#include <linux/gfp_exmem.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../internal.h"

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

static int __init exmem_alloc_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("exmem", NULL);

	debugfs_create_file("alloc_test", 0600, dir, NULL,
			    &exmem_alloc_test_fops);
	return 0;
}
late_initcall(exmem_alloc_test_init);
