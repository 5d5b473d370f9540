// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: CXL link errors, media events and QoS change where ExMem
 * memory is placed. Events are injected with QEMU's own QMP commands
 * (cxl-inject-*, relayed from this guest by scripts/qmp-broker.py), so the
 * real CXL driver callbacks run; the debugfs injector is used only for
 * states QEMU cannot produce on demand.
 *
 * This test runs in its own boot, in which the first CXL device
 * (cxl-vmem0) trained a slow link (x-speed=8,x-width=4). Its tests run in
 * order and the last one leaves a device offline.
 *
 * Placement is checked on real pages: pagemap PFNs against each device's
 * host physical range.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

#define MAP_LEN		(32UL << 20)
#define DRAIN_TIMEOUT	"/sys/module/exmem/parameters/drain_timeout_s"
#define LOAD_LEN	(96UL << 20)
#define OWNER_PAGES	16
#define POISONED	5		/* the owner's page that gets poisoned */
#define WAIT_S		120		/* bound for asynchronous reactions */

/* Pages of [buf, buf + len) on each device, and elsewhere. */
struct placement {
	unsigned long on[EXMEM_CXL_MAX];
	unsigned long elsewhere;
};

static int place(const char *buf, size_t len, const struct exmem_cxl_dev *d,
		 int n, struct placement *p)
{
	size_t i, nr = len / 4096;
	uint64_t *e = calloc(nr, sizeof(*e));
	const struct exmem_cxl_dev *dev;
	int err;

	memset(p, 0, sizeof(*p));
	if (!e)
		return -1;
	err = exmem_pagemap(0, buf, len, e);
	for (i = 0; !err && i < nr; i++) {
		unsigned long long phys = (e[i] & ((1ULL << 55) - 1)) * 4096;

		dev = (e[i] >> 63) ? exmem_cxl_dev_of(d, n, phys) : NULL;
		if (dev)
			p->on[dev - d]++;
		else
			p->elsewhere++;
	}
	free(e);
	return err;
}

/* Map and fault in @len bytes of MAP_EXMEM memory, and see where it is. */
static int map_and_place(size_t len, const struct exmem_cxl_dev *d, int n,
			 struct placement *p)
{
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM | MAP_POPULATE,
			 -1, 0);
	int err;

	if (buf == MAP_FAILED)
		return -1;
	err = place(buf, len, d, n, p);
	munmap(buf, len);
	return err;
}

/*
 * Does exmemstat's device table show @what on the line of @dax? The table
 * goes to the test log as well.
 */
static bool exmemstat_shows(const char *dax, const char *what)
{
	FILE *p = popen("/usr/bin/exmemstat -d", "r");
	size_t n = strlen(dax);
	bool found = false;
	char line[512];

	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		fprintf(stderr, "# | %s", line);
		if (!strncmp(line, dax, n) && line[n] == ' ' &&
		    strstr(line, what))
			found = true;
	}
	pclose(p);
	return found;
}

static int set_param(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), EXMEM_CXL_PARAMS "/%s", name);
	return exmem_write_file(path, val);
}

static int get_param(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), EXMEM_CXL_PARAMS "/%s", name);
	return exmem_read_file(path, buf, len);
}

static int inject(const char *memdev, const char *event)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %s", memdev, event);
	return exmem_write_file(EXMEM_CXL_INJECT, line);
}

/*
 * An owner: a process with OWNER_PAGES of MAP_EXMEM memory full of a
 * pattern. On a byte from @go it touches every page and reports, in
 * @result, the pages that raised SIGBUS and the words found wrong.
 */
struct owner_result {
	unsigned long *addr;
	int sigbus[OWNER_PAGES];
	unsigned long bad;
	int done;
};

static sigjmp_buf owner_jmp;

static void owner_sigbus(int sig)
{
	siglongjmp(owner_jmp, 1);
}

static void owner_main(struct owner_result *r, int go)
{
	unsigned long *buf = mmap(NULL, OWNER_PAGES * 4096UL,
				  PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM |
				  MAP_POPULATE, -1, 0);
	/* static: an automatic variable would not survive siglongjmp() */
	static int page;
	char c;

	if (buf == MAP_FAILED)
		_exit(1);
	exmem_fill_pattern(buf, OWNER_PAGES * 4096UL);
	r->addr = buf;
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	if (read(go, &c, 1) != 1)
		_exit(1);
	signal(SIGBUS, owner_sigbus);
	for (page = 0; page < OWNER_PAGES; page++) {
		unsigned long *w = buf + page * 4096 / sizeof(*w);
		size_t i;

		if (sigsetjmp(owner_jmp, 1)) {
			r->sigbus[page] = 1;
			continue;
		}
		for (i = 0; i < 4096 / sizeof(*w); i++)
			r->bad += w[i] != exmem_pattern_word(page * 4096 / sizeof(*w) + i);
	}
	__atomic_store_n(&r->done, 2, __ATOMIC_SEQ_CST);
	_exit(0);
}

struct owner {
	pid_t pid;
	int go;
	struct owner_result *r;
};

static int owner_start(struct owner *o)
{
	int p[2];

	o->r = mmap(NULL, sizeof(*o->r), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (o->r == MAP_FAILED || pipe(p))
		return -1;
	memset(o->r, 0, sizeof(*o->r));
	o->pid = fork();
	if (o->pid == 0) {
		close(p[1]);
		owner_main(o->r, p[0]);
	}
	close(p[0]);
	o->go = p[1];
	while (o->pid > 0 && !__atomic_load_n(&o->r->done, __ATOMIC_SEQ_CST))
		usleep(10000);
	return o->pid > 0 ? 0 : -1;
}

/* Host physical address of the owner's page @page. */
static unsigned long long owner_phys(const struct owner *o, int page)
{
	uint64_t e[OWNER_PAGES];

	if (exmem_pagemap(o->pid, o->r->addr, sizeof(e) / 8 * 4096, e) ||
	    !(e[page] >> 63))
		return 0;
	return (e[page] & ((1ULL << 55) - 1)) * 4096;
}

/* Let the owner check its pages; its exit status. */
static int owner_finish(struct owner *o)
{
	int status;

	if (write(o->go, "g", 1) != 1)
		return -1;
	close(o->go);
	waitpid(o->pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Wait until memory_failure() has taken @phys (asynchronous). */
static int wait_hwpoison(unsigned long long phys)
{
	int i;

	for (i = 0; i < WAIT_S * 10; i++) {
		if (exmem_kpageflags(phys / 4096) & (1ULL << KPF_HWPOISON_BIT))
			return 0;
		usleep(100000);
	}
	return -1;
}

FIXTURE(health) {
	struct exmem_cxl_dev dev[EXMEM_CXL_MAX];
	int n;
	int uevents;
	char event[64];
};

FIXTURE_SETUP(health)
{
	self->n = exmem_cxl_devs(self->dev, EXMEM_CXL_MAX);
	/* This boot always has two: every test moves pages from one to the other. */
	ASSERT_LE(2, self->n)
		TH_LOG("needs two CXL devices backing ExMem (found %d)", self->n);
	self->uevents = exmem_uevent_open();
	ASSERT_GE(self->uevents, 0);
	ASSERT_EQ(0, set_param("ce_threshold", "3"));
	ASSERT_EQ(0, set_param("quiet_ms", "600000"));
}

FIXTURE_TEARDOWN(health)
{
	char h[32];
	int i;

	set_param("ce_threshold", "5");
	set_param("quiet_ms", "30000");
	exmem_write_file(DRAIN_TIMEOUT, "120");
	for (i = 0; i < self->n; i++)
		if (!exmem_dev_attr(self->dev[i].dax, "health", h, sizeof(h)) &&
		    strcmp(h, "failing") && strcmp(h, "offline"))
			exmem_dev_set_health(self->dev[i].dax, "ok");
	if (self->uevents >= 0)
		close(self->uevents);
}

/*
 * A device whose link trained far below the other's is degraded as its
 * memory comes online; new MAP_EXMEM pages go to the other device; the
 * administrator returns it to service by writing "ok".
 */
TEST_F_TIMEOUT(health, slow_link_is_degraded_and_avoided, 300)
{
	const struct exmem_cxl_dev *slow = &self->dev[0], *fast = &self->dev[1];
	struct placement p;
	char buf[64];

	TH_LOG("%s (%s): %ld MT/s x%ld; %s: %ld MT/s x%ld", slow->qdev,
	       slow->dax, exmem_dev_long(slow->dax, "link_speed_mts"),
	       exmem_dev_long(slow->dax, "link_width"), fast->qdev,
	       exmem_dev_long(fast->dax, "link_speed_mts"),
	       exmem_dev_long(fast->dax, "link_width"));
	/* This boot gives cxl-vmem0 x-speed=8,x-width=4: the slower link. */
	ASSERT_LT(exmem_dev_long(slow->dax, "link_speed_mts") *
		  exmem_dev_long(slow->dax, "link_width"),
		  exmem_dev_long(fast->dax, "link_speed_mts") *
		  exmem_dev_long(fast->dax, "link_width"))
		TH_LOG("%s trained no slower link than %s", slow->qdev, fast->qdev);
	ASSERT_EQ(0, exmem_dev_attr(slow->dax, "health", buf, sizeof(buf)));
	ASSERT_STREQ("degraded", buf);
	ASSERT_EQ(0, exmem_dev_attr(slow->dax, "last_event", buf, sizeof(buf)));
	ASSERT_STREQ("link-degraded", buf);

	ASSERT_EQ(0, map_and_place(MAP_LEN, self->dev, self->n, &p));
	TH_LOG("MAP_EXMEM pages: %lu on %s, %lu on %s, %lu elsewhere",
	       p.on[0], slow->dax, p.on[1], fast->dax, p.elsewhere);
	EXPECT_EQ(0, p.on[0]);
	EXPECT_EQ(MAP_LEN / 4096, p.on[1]);

	ASSERT_EQ(0, exmem_dev_set_health(slow->dax, "ok"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, slow->dax, "ok",
				       self->event, sizeof(self->event), WAIT_S));
	EXPECT_STREQ("admin", self->event);
}

/* Garbage is refused with EINVAL or ENODEV; users other than root get EACCES. */
TEST_F(health, bad_input_is_refused)
{
	static const char * const out_of_range[][2] = {
		{ "ce_threshold", "0" }, { "ce_threshold", "100001" },
		{ "ce_window_ms", "0" }, { "ce_window_ms", "86400001" },
		{ "quiet_ms", "0" }, { "link_bw_pct", "0" },
		{ "link_bw_pct", "101" },
	};
	const char *dax = self->dev[0].dax;
	char path[128], buf[64], before[32], after[32];
	size_t i;
	pid_t pid;
	int status;

	EXPECT_EQ(-EINVAL, exmem_dev_set_health(dax, "healthy"));
	EXPECT_EQ(-EINVAL, exmem_dev_set_health(dax, "\n"));
	EXPECT_EQ(-EINVAL, inject(self->dev[0].memdev, "meltdown"));
	EXPECT_EQ(-EINVAL, exmem_write_file(EXMEM_CXL_INJECT, "mem0"));
	EXPECT_EQ(-ENODEV, inject("mem99", "throttle"));
	EXPECT_EQ(-ENODEV, inject("region0", "throttle"));
	EXPECT_EQ(-EINVAL, set_param("ce_threshold", "many"));
	EXPECT_EQ(-EINVAL, set_param("quiet_ms", "-1"));
	/* Numbers out of each parameter's documented range. */
	for (i = 0; i < ARRAY_SIZE(out_of_range); i++) {
		const char *name = out_of_range[i][0];

		ASSERT_EQ(0, get_param(name, before, sizeof(before)));
		EXPECT_EQ(-EINVAL, set_param(name, out_of_range[i][1]))
			TH_LOG("%s <- %s", name, out_of_range[i][1]);
		ASSERT_EQ(0, get_param(name, after, sizeof(after)));
		EXPECT_STREQ(before, after);
	}
	/* Nothing changed. */
	ASSERT_EQ(0, exmem_dev_attr(dax, "health", buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);

	snprintf(path, sizeof(path), EXMEM_DEVICES "/%s/health", dax);
	pid = fork();
	if (pid == 0) {
		int e1, e2;

		if (setuid(65534))
			_exit(2);
		e1 = open(path, O_WRONLY) < 0 ? errno : 0;
		e2 = open(EXMEM_CXL_INJECT, O_WRONLY) < 0 ? errno : 0;
		_exit(e1 == EACCES && e2 == EACCES ? 0 : 1);
	}
	ASSERT_GT(pid, 0);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * ce_threshold correctable errors (QMP cxl-inject-correctable-error, the
 * driver's AER handler) degrade a device: new MAP_EXMEM pages avoid it.
 * After quiet_ms without errors it is ok again.
 */
TEST_F_TIMEOUT(health, correctable_errors_degrade_then_quiet_recovers, 600)
{
	const struct exmem_cxl_dev *b = &self->dev[1];
	struct placement p;
	long errors;
	int i;

	for (i = 0; i < 3; i++) {
		errors = exmem_dev_long(b->dax, "errors");
		ASSERT_EQ(0, exmem_cxl_inject_correctable(b));
		/* One at a time: AER merges errors that arrive together. */
		ASSERT_EQ(0, exmem_wait_errors(b->dax, errors, WAIT_S));
	}
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, b->dax, "degraded",
				       self->event, sizeof(self->event), WAIT_S));
	EXPECT_STREQ("correctable-errors", self->event);
	/* The administrator's view follows. */
	EXPECT_TRUE(exmemstat_shows(b->dax, " degraded  correctable-errors "));

	ASSERT_EQ(0, map_and_place(MAP_LEN, self->dev, self->n, &p));
	TH_LOG("MAP_EXMEM pages while %s is degraded: %lu on it, %lu on %s",
	       b->dax, p.on[1], p.on[0], self->dev[0].dax);
	EXPECT_EQ(0, p.on[1]);
	EXPECT_EQ(MAP_LEN / 4096, p.on[0]);

	/* A short quiet period; one more error restarts it. */
	ASSERT_EQ(0, set_param("quiet_ms", "1000"));
	errors = exmem_dev_long(b->dax, "errors");
	ASSERT_EQ(0, exmem_cxl_inject_correctable(b));
	ASSERT_EQ(0, exmem_wait_errors(b->dax, errors, WAIT_S));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, b->dax, "ok",
				       self->event, sizeof(self->event), WAIT_S));
	EXPECT_STREQ("quiet", self->event);
	EXPECT_TRUE(exmemstat_shows(b->dax, " ok        quiet "));
}

/*
 * A memory module event reporting degraded performance (throttling, QMP
 * cxl-inject-memory-module-event) degrades the device.
 */
TEST_F_TIMEOUT(health, throttling_event_degrades, 300)
{
	const struct exmem_cxl_dev *a = &self->dev[0];
	struct placement p;

	ASSERT_EQ(0, exmem_cxl_inject_module(a, 0x2));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, a->dax, "degraded",
				       self->event, sizeof(self->event), WAIT_S));
	EXPECT_STREQ("throttling", self->event);
	ASSERT_EQ(0, map_and_place(MAP_LEN, self->dev, self->n, &p));
	EXPECT_EQ(0, p.on[0]);
	EXPECT_EQ(MAP_LEN / 4096, p.on[1]);

	ASSERT_EQ(0, inject(a->memdev, "quiet"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, a->dax, "ok",
				       self->event, sizeof(self->event), WAIT_S));
}

/*
 * A lasting cause (the link trained below its capability: the injector's
 * "link-degraded") keeps a device degraded through the end of a quiet
 * period that a recoverable cause (throttling) started on top of it: only
 * the administrator's "ok" lifts it (review F13: the quiet timer returned
 * such a device, or one asking to be replaced, to service).
 */
TEST_F_TIMEOUT(health, quiet_period_does_not_lift_a_lasting_degradation, 300)
{
	const struct exmem_cxl_dev *a = &self->dev[0], *b = &self->dev[1];
	char buf[32];

	ASSERT_EQ(0, inject(a->memdev, "link-degraded"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, a->dax, "degraded",
				       self->event, sizeof(self->event), WAIT_S));
	EXPECT_STREQ("link-degraded", self->event);
	/* A recoverable cause on top; its quiet period ends at once. */
	ASSERT_EQ(0, inject(a->memdev, "throttle"));
	ASSERT_EQ(0, inject(a->memdev, "quiet"));
	/*
	 * Reports apply in order: once a report made after the quiet one
	 * (the other device's throttling) is applied, so is the quiet one.
	 */
	ASSERT_EQ(0, inject(b->memdev, "throttle"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, b->dax, "degraded",
				       self->event, sizeof(self->event), WAIT_S));
	ASSERT_EQ(0, exmem_dev_attr(a->dax, "health", buf, sizeof(buf)));
	EXPECT_STREQ("degraded", buf);

	/* The administrator lifts it; the other device's quiet ends. */
	ASSERT_EQ(0, exmem_dev_set_health(a->dax, "ok"));
	ASSERT_EQ(0, inject(b->memdev, "quiet"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, b->dax, "ok",
				       self->event, sizeof(self->event), WAIT_S));
	EXPECT_STREQ("quiet", self->event);
}

/* General media event descriptors (CXL 3.1 8.2.9.2.1.1). */
#define MEDIA_CORRECTED		0
#define MEDIA_UNCORRECTABLE	1
#define MEDIA_THRESHOLD		2

/*
 * A media event whose address lies outside every region is logged and
 * ignored: no error counted, no state change, no page poisoned.
 *
 * Every media event goes to the device's failure log, which the driver
 * reads in order. So a marker injected after the outside events, once it
 * has visibly acted, shows that they were processed: a threshold event
 * inside the region, which degrades the device ("media-threshold") and
 * counts one error.
 */
TEST_F_TIMEOUT(health, event_outside_region_is_ignored, 300)
{
	const struct exmem_cxl_dev *a = &self->dev[0];
	unsigned long long inside = a->dpa_base + 8192;
	unsigned long long outside = a->dpa_base + a->size + 4096;
	long before = exmem_dev_long(a->dax, "errors");
	char buf[32];

	/* The control: an event inside the region is counted. */
	ASSERT_EQ(0, exmem_cxl_inject_media(a, inside, MEDIA_CORRECTED));
	ASSERT_EQ(0, exmem_wait_errors(a->dax, before, WAIT_S));
	EXPECT_EQ(before + 1, exmem_dev_long(a->dax, "errors"));

	before = exmem_dev_long(a->dax, "errors");
	ASSERT_EQ(0, exmem_cxl_inject_media(a, outside, MEDIA_CORRECTED));
	ASSERT_EQ(0, exmem_cxl_inject_media(a, outside, MEDIA_UNCORRECTABLE));
	ASSERT_EQ(0, exmem_cxl_inject_media(a, inside, MEDIA_THRESHOLD));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, a->dax, "degraded",
				       self->event, sizeof(self->event), WAIT_S));
	/* The marker did it, not errors counted for the outside events. */
	EXPECT_STREQ("media-threshold", self->event);
	/* Only the marker counted. */
	EXPECT_EQ(before + 1, exmem_dev_long(a->dax, "errors"));

	/* Back to ok, for the tests that follow. */
	ASSERT_EQ(0, inject(a->memdev, "quiet"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, a->dax, "ok",
				       self->event, sizeof(self->event), WAIT_S));
	ASSERT_EQ(0, exmem_dev_attr(a->dax, "health", buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
}

/* With every device degraded, ExMem still serves MAP_EXMEM. */
TEST_F_TIMEOUT(health, all_degraded_still_serves, 300)
{
	struct placement p;
	int i;

	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(0, inject(self->dev[i].memdev, "throttle"));
		ASSERT_EQ(0, exmem_wait_health(self->dev[i].dax, "degraded",
					       WAIT_S));
	}
	ASSERT_EQ(0, map_and_place(MAP_LEN, self->dev, self->n, &p));
	TH_LOG("all degraded: %lu + %lu pages on the devices, %lu elsewhere",
	       p.on[0], p.on[1], p.elsewhere);
	EXPECT_EQ(MAP_LEN / 4096, p.on[0] + p.on[1]);
	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(0, inject(self->dev[i].memdev, "quiet"));
		ASSERT_EQ(0, exmem_wait_health(self->dev[i].dax, "ok", WAIT_S));
	}
}

/* Online every block of @d again, into ZONE_EXMEM. */
static int online_device(const struct exmem_cxl_dev *d)
{
	unsigned long long block = exmem_block_pages() * 4096ULL;
	unsigned long long a;
	char name[32];
	int err;

	for (a = d->start; a < d->start + d->size; a += block) {
		snprintf(name, sizeof(name), "memory%llu", a / block);
		err = exmem_block_set_state(name, "online_exmem");
		if (err)
			return err;
	}
	return 0;
}

/*
 * The administrator drains a device before maintenance ("failing"): its
 * pages move to the other ExMem device, intact, and it ends "offline". Back
 * in service ("ok", blocks onlined), it is used again. Runs before any
 * page is poisoned: a block holding a poisoned page cannot be onlined again
 * (EHWPOISON).
 */
TEST_F_TIMEOUT(health, admin_drains_device_and_returns_it, 900)
{
	unsigned long *buf = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM |
				  MAP_POPULATE, -1, 0);
	const struct exmem_cxl_dev *d;
	struct placement p;
	int v;

	ASSERT_NE(MAP_FAILED, buf);
	exmem_fill_pattern(buf, MAP_LEN);
	ASSERT_EQ(0, place((char *)buf, MAP_LEN, self->dev, self->n, &p));
	v = p.on[0] > p.on[1] ? 0 : 1;
	d = &self->dev[v];
	ASSERT_GT(p.on[v], 0);

	ASSERT_EQ(0, exmem_dev_set_health(d->dax, "failing"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, d->dax, "offline",
				       self->event, sizeof(self->event), 600));
	EXPECT_STREQ("drained", self->event);
	EXPECT_EQ(0, exmem_dev_long(d->dax, "online_bytes"));
	EXPECT_EQ(0, exmem_bad_words(buf, MAP_LEN));
	ASSERT_EQ(0, place((char *)buf, MAP_LEN, self->dev, self->n, &p));
	EXPECT_EQ(0, p.on[v]);
	EXPECT_EQ(MAP_LEN / 4096, p.on[!v]);

	ASSERT_EQ(0, exmem_dev_set_health(d->dax, "ok"));
	ASSERT_EQ(0, online_device(d));
	EXPECT_EQ((long)d->size, exmem_dev_long(d->dax, "online_bytes"));
	munmap(buf, MAP_LEN);
}

/*
 * Does a write to memory hotplug sysfs (which takes the device hotplug
 * lock) return within @secs? "online" to online block @id answers EINVAL
 * once it has the lock. The writer is a child, killed if it is late.
 */
static bool hotplug_answers_within(unsigned long id, int secs)
{
	int i, status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(exmem_block_id_set_state(id, "online") == -EINVAL ? 0 : 1);
	if (pid < 0)
		return false;
	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status);
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return false;
}

/* Wait up to @secs for @dax's drain file to start with @prefix. */
static int wait_drain(const char *dax, const char *prefix, int secs)
{
	char buf[64] = "";
	int i;

	for (i = 0; i < secs; i++) {
		if (!exmem_dev_attr(dax, "drain", buf, sizeof(buf)) &&
		    !strncmp(buf, prefix, strlen(prefix)))
			return 0;
		sleep(1);
	}
	fprintf(stderr, "# %s: drain is \"%s\", not \"%s...\" after %d s\n",
		dax, buf, prefix, secs);
	return -ETIMEDOUT;
}

/*
 * drain_bounded: the drain of a failing device holding a page that cannot
 * migrate (a vmsplice() reference held in a pipe) stops with a reason
 * (the device's "drain" file names the block; drain_stalls counts it)
 * after three passes that offline no block (drain_timeout_s per
 * attempt), while memory hotplug
 * sysfs keeps answering; "ok" cancels a drain in the middle of that
 * block's offline, long before its timeout; once the reference is gone, a
 * new drain completes, every byte intact.
 */
TEST_F_TIMEOUT(health, drain_bounded_stops_with_a_reason_and_ok_cancels_it, 900)
{
	const unsigned long block = exmem_block_pages();
	char *buf = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	const struct exmem_cxl_dev *d, *other;
	unsigned long stuck, other_block;
	char want[64], state[32];
	struct iovec iov;
	uint64_t pm;
	long stalls;
	time_t t0;
	int pfd[2];

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, madvise(buf, MAP_LEN, MADV_NOHUGEPAGE));
	exmem_fill_pattern(buf, MAP_LEN);
	ASSERT_EQ(0, exmem_pagemap(getpid(), buf, 4096, &pm));
	pm &= (1ULL << 55) - 1;
	d = exmem_cxl_dev_of(self->dev, self->n, pm * 4096);
	ASSERT_NE(NULL, d);
	other = d == &self->dev[0] ? &self->dev[1] : &self->dev[0];
	stuck = pm / block;
	other_block = other->start / 4096 / block;
	TH_LOG("page %#llx of %s in memory%lu held by vmsplice()",
	       (unsigned long long)pm * 4096, d->dax, stuck);
	ASSERT_EQ(0, pipe(pfd));
	iov.iov_base = buf;
	iov.iov_len = 4096;
	ASSERT_EQ(4096, vmsplice(pfd[1], &iov, 1, 0));
	stalls = exmem_dev_long(d->dax, "drain_stalls");

	/* The drain stops with a reason; hotplug answers meanwhile. */
	EXPECT_EQ(0, exmem_write_file(DRAIN_TIMEOUT, "5"));
	ASSERT_EQ(0, exmem_dev_set_health(d->dax, "failing"));
	EXPECT_TRUE(hotplug_answers_within(other_block, 5 + 60));
	snprintf(want, sizeof(want), "stalled: memory%lu ", stuck);
	ASSERT_EQ(0, wait_drain(d->dax, want, 300));
	EXPECT_EQ(stalls + 1, exmem_dev_long(d->dax, "drain_stalls"));
	ASSERT_EQ(0, exmem_dev_attr(d->dax, "health", state, sizeof(state)));
	EXPECT_STREQ("failing", state);
	EXPECT_EQ(block * 4096, exmem_dev_long(d->dax, "online_bytes"));

	/* "ok" interrupts the offline of the stuck block at once. */
	ASSERT_EQ(0, exmem_write_file(DRAIN_TIMEOUT, "600"));
	ASSERT_EQ(0, exmem_dev_set_health(d->dax, "failing"));
	ASSERT_EQ(0, wait_drain(d->dax, "running", 10));
	sleep(3);
	t0 = time(NULL);
	ASSERT_EQ(0, exmem_dev_set_health(d->dax, "ok"));
	EXPECT_LT(time(NULL) - t0, 60);
	EXPECT_EQ(0, wait_drain(d->dax, "cancelled", 60));

	/* Without the reference, a new drain completes. */
	close(pfd[0]);
	close(pfd[1]);
	ASSERT_EQ(0, exmem_write_file(DRAIN_TIMEOUT, "120"));
	ASSERT_EQ(0, exmem_dev_set_health(d->dax, "failing"));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, d->dax, "offline",
				       self->event, sizeof(self->event), 600));
	EXPECT_EQ(0, wait_drain(d->dax, "done", 10));
	EXPECT_EQ(0, exmem_dev_long(d->dax, "online_bytes"));
	EXPECT_EQ(0, exmem_bad_words(buf, MAP_LEN));
	ASSERT_EQ(0, exmem_dev_set_health(d->dax, "ok"));
	ASSERT_EQ(0, online_device(d));
	munmap(buf, MAP_LEN);
}

/*
 * Poison on the device's poison list (QMP cxl-inject-poison, read through
 * trigger_poison_list) goes to memory_failure(): the page's owner gets
 * SIGBUS on that page and only there; this process, which owns other
 * ExMem pages, does not.
 */
TEST_F_TIMEOUT(health, poisoned_page_sigbus_only_for_owner, 300)
{
	unsigned long *mine = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM |
				   MAP_POPULATE, -1, 0);
	const struct exmem_cxl_dev *d;
	unsigned long long phys;
	struct owner o;
	int i;

	ASSERT_NE(MAP_FAILED, mine);
	exmem_fill_pattern(mine, MAP_LEN);
	ASSERT_EQ(0, owner_start(&o));
	phys = owner_phys(&o, POISONED);
	d = exmem_cxl_dev_of(self->dev, self->n, phys);
	ASSERT_NE(NULL, d);
	TH_LOG("poisoning %#llx (%s DPA %#llx)", phys, d->qdev,
	       exmem_cxl_dpa(d, phys));
	ASSERT_EQ(0, exmem_cxl_inject_poison(d, exmem_cxl_dpa(d, phys), 64));
	ASSERT_EQ(0, exmem_cxl_trigger_poison_list(d));
	ASSERT_EQ(0, wait_hwpoison(phys));

	ASSERT_EQ(0, owner_finish(&o));
	for (i = 0; i < OWNER_PAGES; i++)
		EXPECT_EQ(i == POISONED, o.r->sigbus[i]);
	EXPECT_EQ(0, o.r->bad);
	EXPECT_EQ(0, exmem_bad_words(mine, MAP_LEN));
}

struct poison_count {
	unsigned long pfn, nr;
};

static bool all_poisoned(void *arg)
{
	const struct poison_count *c = arg;

	return exmem_hwpoisoned(c->pfn, c->nr) == c->nr;
}

/*
 * One poison list record of 1 MiB (QEMU's cxl-inject-poison with a
 * length) poisons all 256 of its pages, and not the pages on either side:
 * memory_failure_queue()'s per-CPU queue holds 16 entries and a record
 * handed to it page by page lost the rest (review F6). The pages are
 * free ones, so that no process is hit.
 */
TEST_F_TIMEOUT(health, poison_record_of_a_megabyte_poisons_every_page, 300)
{
	const unsigned long nr = 256;
	const struct exmem_cxl_dev *d = &self->dev[self->n - 1];
	struct poison_count c = { .nr = nr };

	c.pfn = exmem_free_run(d->start / 4096, (d->start + d->size) / 4096, nr);
	ASSERT_NE(0, c.pfn) TH_LOG("no free 1 MiB on %s", d->dax);
	TH_LOG("poisoning PFN %#lx-%#lx (%s DPA %#llx, 1 MiB)", c.pfn,
	       c.pfn + nr - 1, d->qdev, exmem_cxl_dpa(d, c.pfn * 4096ULL));
	ASSERT_EQ(0, exmem_hwpoisoned(c.pfn - 1, nr + 2));
	ASSERT_EQ(0, exmem_cxl_inject_poison(d, exmem_cxl_dpa(d, c.pfn * 4096ULL),
					     nr * 4096));
	ASSERT_EQ(0, exmem_cxl_trigger_poison_list(d));
	EXPECT_TRUE(exmem_wait_until(all_poisoned, &c, 120, 200))
		TH_LOG("%lu of %lu pages poisoned after 120 s",
		       exmem_hwpoisoned(c.pfn, nr), nr);
	EXPECT_EQ(0, exmem_kpageflags(c.pfn - 1) & (1ULL << KPF_HWPOISON_BIT));
	EXPECT_EQ(0, exmem_kpageflags(c.pfn + nr) & (1ULL << KPF_HWPOISON_BIT));
}

/*
 * An uncorrectable error (QMP cxl-inject-uncorrectable-errors, the
 * driver's AER handler) under stress-ng load: the device is failing at
 * once, its pages migrate to the healthy device, its memory goes offline
 * and the device is "offline". Every byte of every page survives, except
 * one page poisoned by an uncorrectable media event, whose owner alone
 * gets SIGBUS. Leaves the device offline: the last test of the boot.
 */
TEST_F_TIMEOUT(health, uncorrectable_error_drains_device_under_load, 900)
{
	unsigned long *buf = mmap(NULL, LOAD_LEN, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM |
				  MAP_POPULATE, -1, 0);
	const struct exmem_cxl_dev *victim, *d;
	unsigned long long phys;
	struct placement p;
	struct owner o;
	pid_t stress;
	int i, v;

	ASSERT_NE(MAP_FAILED, buf);
	exmem_fill_pattern(buf, LOAD_LEN);
	ASSERT_EQ(0, place((char *)buf, LOAD_LEN, self->dev, self->n, &p));
	v = p.on[0] > p.on[1] ? 0 : 1;
	victim = &self->dev[v];
	TH_LOG("before: %lu pages on %s, %lu on %s; failing %s",
	       p.on[0], self->dev[0].dax, p.on[1], self->dev[1].dax,
	       victim->dax);
	ASSERT_GT(p.on[v], 0);

	/* An owner whose page is hit by an uncorrectable media event. */
	ASSERT_EQ(0, owner_start(&o));
	phys = owner_phys(&o, POISONED);
	d = exmem_cxl_dev_of(self->dev, self->n, phys);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, exmem_cxl_inject_media(d, exmem_cxl_dpa(d, phys), 1));
	ASSERT_EQ(0, wait_hwpoison(phys));

	stress = exmem_stress_start(2, "32M", true);
	ASSERT_GT(stress, 0);
	/* The load is running: half of its 64 MiB are in memory. */
	ASSERT_EQ(0, exmem_wait_load(stress, 32 << 10, WAIT_S))
		TH_LOG("stress-ng did not fault in 32 MiB in %d s", WAIT_S);
	ASSERT_EQ(0, exmem_cxl_inject_uncorrectable(victim));
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, victim->dax, "failing",
				       self->event, sizeof(self->event), WAIT_S));
	EXPECT_STREQ("uncorrectable-error", self->event);
	ASSERT_EQ(0, exmem_uevent_wait(self->uevents, victim->dax, "offline",
				       self->event, sizeof(self->event), 600));
	kill(-stress, SIGKILL);
	waitpid(stress, NULL, 0);

	EXPECT_EQ(0, exmem_dev_long(victim->dax, "online_bytes"));
	EXPECT_TRUE(exmemstat_shows(victim->dax, " offline  offline   drained "));
	EXPECT_EQ(0, exmem_bad_words(buf, LOAD_LEN));
	ASSERT_EQ(0, place((char *)buf, LOAD_LEN, self->dev, self->n, &p));
	TH_LOG("after: %lu pages on %s, %lu on %s, %lu elsewhere",
	       p.on[0], self->dev[0].dax, p.on[1], self->dev[1].dax,
	       p.elsewhere);
	EXPECT_EQ(0, p.on[v]);
	EXPECT_EQ(LOAD_LEN / 4096, p.on[!v]);

	ASSERT_EQ(0, owner_finish(&o));
	for (i = 0; i < OWNER_PAGES; i++)
		EXPECT_EQ(i == POISONED, o.r->sigbus[i]);
	EXPECT_EQ(0, o.r->bad);
}

TEST_HARNESS_MAIN
