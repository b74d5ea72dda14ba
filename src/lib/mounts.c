// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "filter.h"
#include "mounts.h"

struct mount_entry {
	char *point;
	uint32_t dev;
};

struct mount_table {
	uint64_t loaded_ns;
	struct mount_entry *v;
	size_t n;
};

static void table_clear(struct mount_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].point);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

static void table_free_cb(uint64_t key, void *val, void *ctx)
{
	table_clear(val);
	free(val);
}

void va_mounts_init(struct va_mounts *m, const char *proc_root)
{
	va_u64map_init(&m->by_ns);
	m->proc_root = proc_root ? proc_root : "/proc";
	struct stat st;
	char ns[256];

	m->ttl_ns = 1000000000ull;
	snprintf(ns, sizeof(ns), "%s/self/ns/mnt", m->proc_root);
	m->self_mntns = stat(ns, &st) ? 0 : st.st_ino;
}

void va_mounts_free(struct va_mounts *m)
{
	if (!m)
		return;
	va_u64map_each(&m->by_ns, table_free_cb, NULL);
	va_u64map_free(&m->by_ns);
}

size_t va_mountinfo_unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* "36 35 98:0 /root /mnt/point opts..." -> mount point and device. */
static int parse_line(char *line, struct mount_entry *e)
{
	unsigned int major, minor;
	char *save = NULL, *f[5];

	for (int i = 0; i < 5; i++) {
		f[i] = strtok_r(i ? NULL : line, " \n", &save);
		if (!f[i])
			return -EINVAL;
	}
	if (sscanf(f[2], "%u:%u", &major, &minor) != 2 || f[4][0] != '/')
		return -EINVAL;
	va_mountinfo_unescape(f[4]);
	e->point = strdup(f[4]);
	if (!e->point)
		return -ENOMEM;
	e->dev = (major << 20) | (minor & 0xfffff);
	return 0;
}

static int table_load(struct mount_table *t, const char *file)
{
	FILE *fp = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	struct mount_entry e;

	if (!fp)
		return -errno;
	table_clear(t);
	while (getline(&line, &cap, fp) > 0) {
		struct mount_entry *nv;

		if (parse_line(line, &e))
			continue;
		nv = realloc(t->v, (t->n + 1) * sizeof(*nv));
		if (!nv) {
			free(e.point);
			break;
		}
		t->v = nv;
		t->v[t->n++] = e;
	}
	free(line);
	fclose(fp);
	return t->n ? 0 : -ENOENT;
}

/* Load @t from the first of pid, ppid, self (own namespace only) that answers. */
static void table_refresh(struct va_mounts *m, struct mount_table *t, uint64_t mntns, uint32_t pid,
			  uint32_t ppid, uint64_t now_ns)
{
	char file[256];

	snprintf(file, sizeof(file), "%s/%u/mountinfo", m->proc_root, pid);
	if (!table_load(t, file))
		goto loaded;
	snprintf(file, sizeof(file), "%s/%u/mountinfo", m->proc_root, ppid);
	if (ppid && !table_load(t, file))
		goto loaded;
	snprintf(file, sizeof(file), "%s/self/mountinfo", m->proc_root);
	if (mntns == m->self_mntns && !table_load(t, file))
		goto loaded;
	/* Nobody answered: keep the last table of that namespace. */
	return;
loaded:
	t->loaded_ns = now_ns;
}

int va_mounts_dev(struct va_mounts *m, uint64_t mntns, uint32_t pid, uint32_t ppid, const char *path,
		  size_t len, uint64_t now_ns, uint32_t *dev)
{
	struct mount_table *t = va_u64map_get(&m->by_ns, mntns);
	const struct mount_entry *best = NULL;
	size_t best_len = 0;

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t || va_u64map_put(&m->by_ns, mntns, t)) {
			free(t);
			return -ENOMEM;
		}
	}
	if (!t->n || now_ns - t->loaded_ns > m->ttl_ns)
		table_refresh(m, t, mntns, pid, ppid, now_ns);
	/* Later lines are mounted over earlier ones at the same point. */
	for (size_t i = 0; i < t->n; i++) {
		size_t n = strlen(t->v[i].point);

		if (va_path_under(path, len, t->v[i].point) && (!best || n >= best_len)) {
			best = &t->v[i];
			best_len = n;
		}
	}
	if (!best)
		return -ENOENT;
	*dev = best->dev;
	return 0;
}
