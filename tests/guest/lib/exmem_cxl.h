/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest test helpers for CXL device health: which QEMU device is which
 * memdev, region and ExMem device; injecting CXL errors and events through
 * QEMU's own QMP commands (relayed by scripts/qmp-broker.py over ttyS3);
 * reading health from sysfs and waiting for health uevents.
 */
#ifndef EXMEM_CXL_H
#define EXMEM_CXL_H

#include <stdbool.h>
#include <stddef.h>

#define EXMEM_CXL_MAX		4
#define EXMEM_DEVICES		"/sys/kernel/mm/exmem/devices"
#define EXMEM_CXL_INJECT	"/sys/kernel/debug/cxl/exmem/inject"
#define EXMEM_CXL_PARAMS	"/sys/module/cxl_exmem/parameters"

/* One CXL type-3 device as QEMU and the guest kernel name it. */
struct exmem_cxl_dev {
	char qdev[32];			/* QEMU id: cxl-vmem0, cxl-vmem1 */
	char memdev[16];		/* mem0 */
	char dax[16];			/* its ExMem device: dax1.0 */
	unsigned long long start, size;	/* host physical range of its region */
	unsigned long long dpa_base;	/* device address of the region start */
	/* The region's interleave: ways, granule bytes, this device's place. */
	unsigned int ways, pos;
	unsigned long long gran;
};

/* The CXL devices backing ExMem, sorted by QEMU id. Count or -1. */
int exmem_cxl_devs(struct exmem_cxl_dev *devs, int max);
/* The device whose region holds host physical address @phys, or NULL. */
const struct exmem_cxl_dev *exmem_cxl_dev_of(const struct exmem_cxl_dev *devs,
					     int n, unsigned long long phys);

/*
 * Send one QMP command (a JSON object on one line) to QEMU; the answer
 * lands in @reply. 0 if QEMU answered {"return": ...}, -1 otherwise.
 */
int exmem_qmp(const char *json, char *reply, size_t len);
int exmem_cxl_inject_correctable(const struct exmem_cxl_dev *d);
int exmem_cxl_inject_uncorrectable(const struct exmem_cxl_dev *d);
/* Poison @len bytes (a multiple of 64) from device address @dpa. */
int exmem_cxl_inject_poison(const struct exmem_cxl_dev *d,
			    unsigned long long dpa, unsigned long long len);
int exmem_cxl_inject_media(const struct exmem_cxl_dev *d,
			   unsigned long long dpa, int descriptor);
int exmem_cxl_inject_module(const struct exmem_cxl_dev *d, int health_status);
/* Read the device's poison list (the kernel acts on every record). */
int exmem_cxl_trigger_poison_list(const struct exmem_cxl_dev *d);
/*
 * The device address of host physical address @phys, through the region's
 * interleave; ULLONG_MAX if @phys is in another device's granule.
 */
unsigned long long exmem_cxl_dpa(const struct exmem_cxl_dev *d,
				 unsigned long long phys);
/* The host physical address of device address @dpa (in d's region). */
unsigned long long exmem_cxl_hpa(const struct exmem_cxl_dev *d,
				 unsigned long long dpa);

/* /sys/kernel/mm/exmem/devices/@dax/@attr into @buf, newline stripped. */
int exmem_dev_attr(const char *dax, const char *attr, char *buf, size_t len);
long exmem_dev_long(const char *dax, const char *attr);
int exmem_dev_set_health(const char *dax, const char *health);
/* Poll @dax until its health is @want; 0, or -1 after @timeout_s. */
int exmem_wait_health(const char *dax, const char *want, int timeout_s);
/* Poll until the errors count of @dax exceeds @than; 0 or -1. */
int exmem_wait_errors(const char *dax, long than, int timeout_s);

/* A netlink socket receiving kernel uevents, or -1. */
int exmem_uevent_open(void);
/*
 * Wait for a health uevent of @dax with EXMEM_HEALTH=@health; its
 * EXMEM_EVENT lands in @event. 0, or -1 after @timeout_s.
 */
int exmem_uevent_wait(int fd, const char *dax, const char *health,
		      char *event, size_t len, int timeout_s);

#endif /* EXMEM_CXL_H */
