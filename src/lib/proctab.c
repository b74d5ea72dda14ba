// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proctab.h"

static void proc_put(struct va_proc *p)
{
	if (!p || --p->refs)
		return;
	free(p->exe);
	free(p->argv);
	free(p);
}

static char *dup_bytes(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (!d)
		return NULL;
	if (len)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static struct va_proc *proc_new(const char *exe, size_t exe_len, const char *argv,
				size_t argv_len)
{
	struct va_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->refs = 1;
	if (exe) {
		p->exe = dup_bytes(exe, exe_len);
		p->exe_len = exe_len;
	}
	if (argv && argv_len) {
		p->argv = dup_bytes(argv, argv_len);
		p->argv_len = argv_len;
	}
	if ((exe && !p->exe) || (argv && argv_len && !p->argv)) {
		proc_put(p);
		return NULL;
	}
	return p;
}

static int replace(struct va_proctab *t, uint32_t pid, struct va_proc *p)
{
	struct va_proc *old = va_u64map_get(&t->map, pid);
	int err = va_u64map_put(&t->map, pid, p);

	if (err) {
		proc_put(p);
		return err;
	}
	proc_put(old);
	return 0;
}

void va_proctab_init(struct va_proctab *t, const char *proc_root)
{
	va_u64map_init(&t->map);
	t->linger_ns = 5ull * 1000000000ull;
	t->proc_root = proc_root ? proc_root : "/proc";
}

static void put_cb(uint64_t key, void *val, void *ctx)
{
	proc_put(val);
}

void va_proctab_free(struct va_proctab *t)
{
	if (!t)
		return;
	va_u64map_each(&t->map, put_cb, NULL);
	va_u64map_free(&t->map);
}

/* Read /proc/PID/exe and cmdline. Returns: a new entry, or NULL (gone, kernel thread). */
static struct va_proc *read_proc(const struct va_proctab *t, uint32_t pid)
{
	char path[PATH_MAX], exe[PATH_MAX], argv[4096];
	ssize_t n, alen = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/exe", t->proc_root, pid);
	n = readlink(path, exe, sizeof(exe));
	if (n <= 0 || n >= (ssize_t)sizeof(exe))
		return NULL;
	snprintf(path, sizeof(path), "%s/%u/cmdline", t->proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		alen = read(fd, argv, sizeof(argv));
		close(fd);
		if (alen < 0)
			alen = 0;
	}
	return proc_new(exe, (size_t)n, argv, (size_t)alen);
}

int va_proctab_seed(struct va_proctab *t)
{
	DIR *d = opendir(t->proc_root);
	struct dirent *de;
	int added = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid;
		struct va_proc *p;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || pid > UINT32_MAX || va_u64map_get(&t->map, pid))
			continue;
		p = read_proc(t, (uint32_t)pid);
		if (p && !replace(t, (uint32_t)pid, p))
			added++;
	}
	closedir(d);
	return added;
}

int va_proctab_exec(struct va_proctab *t, uint32_t pid, const char *exe, size_t exe_len,
		    const char *argv, size_t argv_len)
{
	struct va_proc *p = proc_new(exe, exe_len, argv, argv_len);

	if (!p)
		return -ENOMEM;
	return replace(t, pid, p);
}

int va_proctab_fork(struct va_proctab *t, uint32_t child, uint32_t parent)
{
	struct va_proc *p = va_u64map_get(&t->map, parent);

	if (!p)
		return -ENOENT;
	/* Parent and child share one entry until either execs. */
	p->refs++;
	return replace(t, child, p);
}

void va_proctab_exit(struct va_proctab *t, uint32_t pid, uint64_t now_ns)
{
	struct va_proc *p = va_u64map_get(&t->map, pid);
	struct va_proc *own;

	if (!p)
		return;
	if (p->refs > 1) {
		/* Give the dead process its own copy to carry the death time. */
		own = proc_new(p->exe, p->exe_len, p->argv, p->argv_len);
		if (!own || replace(t, pid, own))
			return;
		p = own;
	}
	p->dead_since_ns = now_ns ? now_ns : 1;
}

struct expire_ctx {
	struct va_proctab *t;
	uint64_t now;
	uint64_t dead[256];
	unsigned int n;
};

static void expire_cb(uint64_t key, void *val, void *arg)
{
	struct expire_ctx *c = arg;
	struct va_proc *p = val;

	if (p->dead_since_ns && c->now - p->dead_since_ns > c->t->linger_ns &&
	    c->n < sizeof(c->dead) / sizeof(c->dead[0]))
		c->dead[c->n++] = key;
}

void va_proctab_expire(struct va_proctab *t, uint64_t now_ns)
{
	struct expire_ctx c = { .t = t, .now = now_ns };

	do {
		c.n = 0;
		va_u64map_each(&t->map, expire_cb, &c);
		for (unsigned int i = 0; i < c.n; i++)
			proc_put(va_u64map_del(&t->map, c.dead[i]));
	} while (c.n == sizeof(c.dead) / sizeof(c.dead[0]));
}

const struct va_proc *va_proctab_get(struct va_proctab *t, uint32_t pid)
{
	struct va_proc *p = va_u64map_get(&t->map, pid);

	if (p)
		return p;
	p = read_proc(t, pid);
	if (!p) {
		/* Remember the miss for a while rather than read /proc on every event. */
		p = proc_new(NULL, 0, NULL, 0);
		if (!p)
			return NULL;
		p->dead_since_ns = 1;
	}
	if (replace(t, pid, p))
		return NULL;
	return p;
}
