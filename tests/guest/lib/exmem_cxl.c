// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test helpers for CXL device health (see exmem_cxl.h).
 *
 * QEMU's device ids follow the host bridges that scripts/qemu.sh creates:
 * cxl-vmem0 sits under bus 0x0c, cxl-vmem1 under bus 0x18. The guest's
 * memdev numbering does not follow the command line (PLATFORM.md), so the
 * mapping is read from sysfs, never assumed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "exmem_cxl.h"
#include "exmem_test.h"

#define CXL_DEVICES	"/sys/bus/cxl/devices"
#define QMP_TTY		"/dev/ttyS3"
#define QMP_TIMEOUT_MS	120000

static const struct {
	const char *bus;
	const char *qdev;
} qemu_devices[] = {
	{ "/pci0000:0c/", "cxl-vmem0" },
	{ "/pci0000:18/", "cxl-vmem1" },
};

static int cxl_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), CXL_DEVICES "/%s/%s", dev, attr);
	return exmem_read_file(path, buf, len);
}

static const char *qdev_of_memdev(const char *memdev)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	size_t i;

	snprintf(path, sizeof(path), CXL_DEVICES "/%s", memdev);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	for (i = 0; i < ARRAY_SIZE(qemu_devices); i++)
		if (strstr(target, qemu_devices[i].bus))
			return qemu_devices[i].qdev;
	return NULL;
}

/* The endpoint port whose uport is @memdev: "endpointN", or -1. */
static int endpoint_of_memdev(const char *memdev, char *ep, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	DIR *d = opendir(CXL_DEVICES);
	struct dirent *de;
	int found = -1;
	ssize_t n;

	while (d && found && (de = readdir(d))) {
		if (strncmp(de->d_name, "endpoint", 8))
			continue;
		snprintf(path, sizeof(path), CXL_DEVICES "/%s/uport", de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(strrchr(target, '/') + 1, memdev)) {
			snprintf(ep, len, "%.31s", de->d_name);
			found = 0;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * Region and device address base of the endpoint's first bound decoder,
 * whose name goes to @decoder (32 bytes).
 */
static int region_of_endpoint(const char *ep, char *region, size_t len,
			      unsigned long long *dpa_base, char *decoder)
{
	char prefix[32], buf[64];
	DIR *d = opendir(CXL_DEVICES);
	struct dirent *de;
	int found = -1;

	snprintf(prefix, sizeof(prefix), "decoder%s.", ep + strlen("endpoint"));
	while (d && found && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    cxl_attr(de->d_name, "region", region, len) || !region[0] ||
		    cxl_attr(de->d_name, "dpa_resource", buf, sizeof(buf)))
			continue;
		*dpa_base = strtoull(buf, NULL, 0);
		snprintf(decoder, 32, "%.31s", de->d_name);
		found = 0;
	}
	if (d)
		closedir(d);
	return found;
}

/* The region's interleave, and the place of @decoder among its targets. */
static int fill_interleave(struct exmem_cxl_dev *dev, const char *region,
			   const char *decoder)
{
	char buf[64], attr[24];
	unsigned int i;

	if (cxl_attr(region, "interleave_ways", buf, sizeof(buf)))
		return -1;
	dev->ways = strtoul(buf, NULL, 0);
	if (cxl_attr(region, "interleave_granularity", buf, sizeof(buf)))
		return -1;
	dev->gran = strtoull(buf, NULL, 0);
	for (i = 0; i < dev->ways; i++) {
		snprintf(attr, sizeof(attr), "target%u", i);
		if (!cxl_attr(region, attr, buf, sizeof(buf)) &&
		    !strcmp(buf, decoder)) {
			dev->pos = i;
			return dev->gran ? 0 : -1;
		}
	}
	return -1;
}

static int fill_dev(struct exmem_cxl_dev *dev, const char *memdev)
{
	const char *qdev = qdev_of_memdev(memdev);
	char ep[32], region[32], decoder[32], buf[64];
	unsigned long first, nr;

	if (!qdev || endpoint_of_memdev(memdev, ep, sizeof(ep)) ||
	    region_of_endpoint(ep, region, sizeof(region), &dev->dpa_base,
			       decoder) ||
	    fill_interleave(dev, region, decoder) ||
	    cxl_attr(region, "resource", buf, sizeof(buf)))
		return -1;
	dev->start = strtoull(buf, NULL, 0);
	if (cxl_attr(region, "size", buf, sizeof(buf)))
		return -1;
	dev->size = strtoull(buf, NULL, 0);
	snprintf(dev->qdev, sizeof(dev->qdev), "%s", qdev);
	snprintf(dev->memdev, sizeof(dev->memdev), "%.15s", memdev);
	return exmem_dax_of_phys(dev->start, dev->dax, sizeof(dev->dax),
				 &first, &nr);
}

static int by_qdev(const void *a, const void *b)
{
	return strcmp(((const struct exmem_cxl_dev *)a)->qdev,
		      ((const struct exmem_cxl_dev *)b)->qdev);
}

int exmem_cxl_devs(struct exmem_cxl_dev *devs, int max)
{
	DIR *d = opendir(CXL_DEVICES);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while (n < max && (de = readdir(d))) {
		if (strncmp(de->d_name, "mem", 3))
			continue;
		memset(&devs[n], 0, sizeof(devs[n]));
		if (!fill_dev(&devs[n], de->d_name))
			n++;
	}
	closedir(d);
	qsort(devs, n, sizeof(*devs), by_qdev);
	return n;
}

const struct exmem_cxl_dev *exmem_cxl_dev_of(const struct exmem_cxl_dev *devs,
					     int n, unsigned long long phys)
{
	int i;

	for (i = 0; i < n; i++)
		if (phys >= devs[i].start && phys < devs[i].start + devs[i].size)
			return &devs[i];
	return NULL;
}

/*
 * Granule g of the region (from its start) is granule g / ways of the
 * device at place g % ways (CXL 3.0 8.2.4.19.13, power-of-two ways).
 */
unsigned long long exmem_cxl_dpa(const struct exmem_cxl_dev *d,
				 unsigned long long phys)
{
	unsigned long long off = phys - d->start, g = off / d->gran;

	if (g % d->ways != d->pos)
		return ULLONG_MAX;
	return d->dpa_base + g / d->ways * d->gran + off % d->gran;
}

unsigned long long exmem_cxl_hpa(const struct exmem_cxl_dev *d,
				 unsigned long long dpa)
{
	unsigned long long off = dpa - d->dpa_base, g = off / d->gran;

	return d->start + (g * d->ways + d->pos) * d->gran + off % d->gran;
}

static int qmp_open(void)
{
	struct termios t;
	int fd = open(QMP_TTY, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, B115200);
		tcsetattr(fd, TCSANOW, &t);
	}
	tcflush(fd, TCIOFLUSH);
	return fd;
}

int exmem_qmp(const char *json, char *reply, size_t len)
{
	struct pollfd p = { .events = POLLIN };
	size_t got = 0;
	char c;
	int fd = qmp_open();

	reply[0] = '\0';
	if (fd < 0)
		return -1;
	p.fd = fd;
	if (dprintf(fd, "%s\n", json) < 0)
		goto fail;
	while (got + 1 < len) {
		if (poll(&p, 1, QMP_TIMEOUT_MS) != 1 || read(fd, &c, 1) != 1)
			goto fail;
		if (c == '\n')
			break;
		if (c != '\r')
			reply[got++] = c;
	}
	reply[got] = '\0';
	close(fd);
	return strncmp(reply, "{\"return\"", 9) ? -1 : 0;
fail:
	reply[got] = '\0';
	close(fd);
	return -1;
}

static int qmp_cmd(const char *fmt, const struct exmem_cxl_dev *d,
		   const char *args)
{
	char json[1024], reply[512];

	snprintf(json, sizeof(json),
		 "{\"execute\": \"%s\", \"arguments\": {\"path\": \"/machine/peripheral/%s\"%s}}",
		 fmt, d->qdev, args);
	if (exmem_qmp(json, reply, sizeof(reply))) {
		fprintf(stderr, "qmp: %s -> %s\n", json, reply);
		return -1;
	}
	return 0;
}

int exmem_cxl_inject_correctable(const struct exmem_cxl_dev *d)
{
	return qmp_cmd("cxl-inject-correctable-error", d,
		       ", \"type\": \"mem-data-ecc\"");
}

int exmem_cxl_inject_uncorrectable(const struct exmem_cxl_dev *d)
{
	return qmp_cmd("cxl-inject-uncorrectable-errors", d,
		       ", \"errors\": [{\"type\": \"mem-data-ecc\", \"header\": [1, 2]}]");
}

int exmem_cxl_inject_poison(const struct exmem_cxl_dev *d,
			    unsigned long long dpa, unsigned long long len)
{
	char args[128];

	snprintf(args, sizeof(args), ", \"start\": %llu, \"length\": %llu",
		 dpa, len);
	return qmp_cmd("cxl-inject-poison", d, args);
}

int exmem_cxl_inject_media(const struct exmem_cxl_dev *d,
			   unsigned long long dpa, int descriptor)
{
	char args[256];

	snprintf(args, sizeof(args),
		 ", \"log\": \"failure\", \"flags\": 1, \"dpa\": %llu, \"descriptor\": %d, \"type\": 3, \"transaction-type\": 192",
		 dpa, descriptor);
	return qmp_cmd("cxl-inject-general-media-event", d, args);
}

int exmem_cxl_inject_module(const struct exmem_cxl_dev *d, int health_status)
{
	char args[512];

	snprintf(args, sizeof(args),
		 ", \"log\": \"warning\", \"flags\": 1, \"type\": 0, \"health-status\": %d, \"media-status\": 0, \"additional-status\": 0, \"life-used\": 10, \"temperature\": 40, \"dirty-shutdown-count\": 0, \"corrected-volatile-error-count\": 0, \"corrected-persistent-error-count\": 0",
		 health_status);
	return qmp_cmd("cxl-inject-memory-module-event", d, args);
}

int exmem_cxl_trigger_poison_list(const struct exmem_cxl_dev *d)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), CXL_DEVICES "/%s/trigger_poison_list",
		 d->memdev);
	return exmem_write_file(path, "1");
}

int exmem_dev_attr(const char *dax, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), EXMEM_DEVICES "/%s/%s", dax, attr);
	return exmem_read_file(path, buf, len);
}

long exmem_dev_long(const char *dax, const char *attr)
{
	char buf[64];

	return exmem_dev_attr(dax, attr, buf, sizeof(buf)) ? -1 :
	       strtol(buf, NULL, 0);
}

int exmem_dev_set_health(const char *dax, const char *health)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), EXMEM_DEVICES "/%s/health", dax);
	return exmem_write_file(path, health);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int exmem_wait_health(const char *dax, const char *want, int timeout_s)
{
	long end = now_ms() + timeout_s * 1000L;
	char buf[32];

	do {
		if (!exmem_dev_attr(dax, "health", buf, sizeof(buf)) &&
		    !strcmp(buf, want))
			return 0;
		usleep(100000);
	} while (now_ms() < end);
	return -1;
}

int exmem_wait_errors(const char *dax, long than, int timeout_s)
{
	long end = now_ms() + timeout_s * 1000L;

	do {
		if (exmem_dev_long(dax, "errors") > than)
			return 0;
		usleep(100000);
	} while (now_ms() < end);
	return -1;
}

int exmem_uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int size = 1 << 20;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Does the uevent in @msg (@n bytes) match? Copy its EXMEM_EVENT. */
static bool uevent_matches(const char *msg, size_t n, const char *dax,
			   const char *health, char *event, size_t len)
{
	bool subsys = false, dev = false, state = false;
	char want[64];
	const char *p;
	size_t l;

	snprintf(want, sizeof(want), "EXMEM_HEALTH=%s", health);
	for (p = msg; p < msg + n; p += strlen(p) + 1) {
		l = strlen(p);
		if (!strcmp(p, "SUBSYSTEM=exmem"))
			subsys = true;
		else if (!strncmp(p, "DEVPATH=", 8) && l > strlen(dax) &&
			 !strcmp(p + l - strlen(dax), dax) &&
			 p[l - strlen(dax) - 1] == '/')
			dev = true;
		else if (!strcmp(p, want))
			state = true;
		else if (!strncmp(p, "EXMEM_EVENT=", 12))
			snprintf(event, len, "%s", p + 12);
	}
	return subsys && dev && state;
}

int exmem_uevent_wait(int fd, const char *dax, const char *health,
		      char *event, size_t len, int timeout_s)
{
	long end = now_ms() + timeout_s * 1000L;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char msg[8192];
	ssize_t n;

	while (now_ms() < end) {
		if (poll(&p, 1, end - now_ms()) != 1)
			break;
		n = recv(fd, msg, sizeof(msg) - 1, 0);
		if (n <= 0)
			continue;
		msg[n] = '\0';
		if (uevent_matches(msg, n, dax, health, event, len))
			return 0;
	}
	return -1;
}
