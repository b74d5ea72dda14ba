// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The part of capture every backend shares: wire record -> event, the
 * process table, read/write aggregation templates, the user-space half of
 * the filters, numbering (seq) and loss reports.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "capture_priv.h"

/*
 * An aggregated read/write: the full first event, reused for each flush;
 * or a thread's last open, which the first read or write of that open
 * begins from (VA_WIRE_RW_START). One allocation: the event, then its path
 * and exe, each NUL-terminated.
 */
struct agg_template {
	struct va_event ev;
	uint64_t seen; /* c->flushes at its last record */
	uint32_t tmpl; /* an open's: the thread's template number */
	size_t room;   /* bytes[]'s size */
	char bytes[];
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void va_capture_sync_clock(struct va_capture *c)
{
	c->boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

/* The file named @path (the daemon's view) is the object of @ev. */
static bool same_file(const char *path, const struct va_event *ev)
{
	struct stat st;

	return ev->has_dev && ev->has_ino && !stat(path, &st) && st.st_ino == ev->ino &&
	       major(st.st_dev) == ev->dev_major && minor(st.st_dev) == ev->dev_minor;
}

/*
 * @ev is this program (another process of it: a query) opening or chowning
 * the store's files, as SQLite does for any reader (va_capture_opts), and
 * done: the object is the store's own file (device and inode, whatever
 * mount namespace the query or the daemon runs in: systemd gives the daemon
 * one of its own). A failed attempt is recorded, whoever made it, as is a
 * container's own vfsaudit on its own store.
 */
static bool own_store_access(const struct va_capture *c, const struct va_event *ev)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char file[PATH_MAX + 16];
	size_t n;

	if (!c->own_exe || ev->ret < 0 ||
	    (ev->op != VA_OP_OPEN && ev->op != VA_OP_CREATE && ev->op != VA_OP_CHOWN))
		return false;
	if (ev->exe.len != strlen(c->own_exe) || memcmp(ev->exe.ptr, c->own_exe, ev->exe.len))
		return false;
	n = strlen(c->store_file);
	if (ev->path.len < n || memcmp(ev->path.ptr, c->store_file, n))
		return false;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (ev->path.len - n == strlen(suffixes[i]) &&
		    !memcmp(ev->path.ptr + n, suffixes[i], ev->path.len - n)) {
			snprintf(file, sizeof(file), "%s%s", c->store_file, suffixes[i]);
			return same_file(file, ev);
		}
	return false;
}

static int deliver_event(struct va_capture *c, struct va_event *ev)
{
	int ret;

	ev->seq = ++c->seq;
	c->stats.events++;
	ret = c->fn(ev, c->fn_ctx);
	if (ret)
		c->stop = ret;
	return ret;
}

int va_capture_report_lost(struct va_capture *c, uint64_t n, uint64_t boot_ts)
{
	struct va_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.op = VA_OP_LOST;
	ev.lost = n;
	ev.ts_ns = boot_ts + c->boot_to_real_ns;
	ev.auid = VA_ID_UNSET;
	ev.ses = VA_ID_UNSET;
	c->stats.lost += n;
	return deliver_event(c, &ev);
}

/*
 * Path prefixes: the longest matching prefix decides, an exclude winning a
 * tie, exactly as the kernel's LPM trie does (capture inserts excludes last);
 * a path whose head is not known is kept, as the kernel's path_kept() does.
 */
static bool path_kept(const struct va_filter *f, const struct va_bytes *p, uint32_t flags)
{
	return VA_PATH_HEAD_UNKNOWN(flags) || va_filter_path_kept(f, p->ptr, p->len, NULL, NULL);
}

/* The filters the kernel left to user space: those on a path built from a name. */
static bool user_filter_kept(const struct va_filter *f, const struct va_event *ev)
{
	if (f->n_devs && ev->has_dev) {
		uint32_t dev = (ev->dev_major << 20) | ev->dev_minor;
		bool found = false;

		for (unsigned int i = 0; i < f->n_devs; i++)
			found |= f->devs[i] == dev;
		if (!found)
			return false;
	}
	if (path_kept(f, &ev->path, ev->path_flags))
		return true;
	return (ev->op == VA_OP_RENAME || ev->op == VA_OP_LINK) &&
	       path_kept(f, &ev->path2, ev->path2_flags);
}

/* Copy @b into @dst as a C string. Returns: where the copy starts. */
static char *put_string(char *dst, const struct va_bytes *b)
{
	if (b->len)
		memcpy(dst, b->ptr, b->len);
	dst[b->len] = '\0';
	return dst;
}

static size_t template_room(const struct va_event *ev)
{
	return ev->path.len + 1 + ev->exe.len + 1;
}

/* Copy @ev into @t, whose room is enough. */
static void template_fill(struct agg_template *t, const struct va_capture *c,
			  const struct va_event *ev)
{
	t->ev = *ev;
	t->seen = c->flushes;
	t->ev.path.ptr = put_string(t->bytes, &ev->path);
	t->ev.exe.ptr = put_string(t->bytes + ev->path.len + 1, &ev->exe);
	t->ev.path2 = (struct va_bytes){ NULL, 0 };
	t->ev.argv = (struct va_bytes){ NULL, 0 };
}

static struct agg_template *template_new(const struct va_capture *c, const struct va_event *ev)
{
	/* One malloc and one free a file written: the capture thread's hot path. */
	struct agg_template *t = malloc(sizeof(*t) + template_room(ev));

	if (!t)
		return NULL;
	t->room = template_room(ev);
	t->tmpl = 0;
	template_fill(t, c, ev);
	return t;
}

static void remember_agg(struct va_capture *c, uint64_t id, const struct va_event *ev)
{
	struct agg_template *t = template_new(c, ev);

	if (t && va_u64map_put(&c->aggs, id, t))
		free(t);
}

/*
 * The thread's open record numbered @tmpl replaces its last one: most
 * threads open one file after another, so the old one's memory is reused
 * when its room is enough. Without memory, the thread has none: a read or
 * write that names it counts as lost.
 */
static void remember_open(struct va_capture *c, uint32_t tid, uint32_t tmpl,
			  const struct va_event *ev)
{
	struct agg_template *old = va_u64map_get(&c->opens, tid), *t = old;

	if (!old || old->room < template_room(ev)) {
		t = template_new(c, ev);
		if (!t || va_u64map_put(&c->opens, tid, t)) {
			free(t);
			free(va_u64map_del(&c->opens, tid));
			return;
		}
		free(old);
	} else {
		template_fill(t, c, ev);
	}
	t->tmpl = tmpl;
}

/*
 * The first read or write of the thread's open numbered d->tmpl: the
 * event is that open's path and object, with this call's who, op, time,
 * count and bytes; later flushes refer to d->agg_id.
 */
static int deliver_start(struct va_capture *c, const struct va_decoded *d)
{
	struct agg_template *t = va_u64map_get(&c->opens, d->flush_tid);
	const struct va_event *who = &d->ev;
	const struct va_proc *p;
	struct va_event ev;

	/* Its open record was lost (or could not be kept): this call is lost with it. */
	if (!t || t->tmpl != d->tmpl || t->ev.pid != who->pid)
		return va_capture_report_lost(c, d->flush_count, d->boot_ts);
	ev = t->ev;
	ev.pid = who->pid;
	ev.tid = who->tid;
	ev.ppid = who->ppid;
	ev.uid = who->uid;
	ev.euid = who->euid;
	ev.gid = who->gid;
	ev.auid = who->auid;
	ev.ses = who->ses;
	ev.tty_dev = who->tty_dev;
	ev.mntns = who->mntns;
	memcpy(ev.comm, who->comm, sizeof(ev.comm));
	/* The program now: an exec since the open has its own record, and the table has it. */
	p = va_proctab_get(&c->procs, ev.pid);
	if (p && p->exe) {
		ev.exe.ptr = p->exe;
		ev.exe.len = p->exe_len;
	}
	ev.op = d->start_op;
	ev.ts_ns = d->boot_ts + c->boot_to_real_ns;
	ev.count = d->flush_count;
	ev.bytes = d->flush_bytes;
	ev.ret = (int64_t)d->flush_bytes;
	/* What only the open carried. */
	ev.open_flags = 0;
	ev.has_open_flags = false;
	ev.mode = 0;
	ev.size = -1;
	remember_agg(c, d->agg_id, &ev);
	return deliver_event(c, &ev);
}

static int deliver_flush(struct va_capture *c, const struct va_decoded *d)
{
	struct agg_template *t = va_u64map_get(&c->aggs, d->agg_id);
	struct va_event ev;
	int ret = 0;

	/*
	 * No template: its first record was lost. This record's calls would
	 * have been an event of their own: they are lost too, and counted as
	 * such, each call as the kernel counts a refused record's (none for a
	 * record of bytes whose calls another record counted).
	 */
	if (!t)
		return d->flush_count ? va_capture_report_lost(c, d->flush_count, d->boot_ts) : 0;
	t->seen = c->flushes;
	if (d->flush_count || d->flush_bytes) {
		ev = t->ev;
		ev.count = d->flush_count;
		ev.bytes = d->flush_bytes;
		/* Merged calls all succeeded; their result is the bytes they moved. */
		ev.ret = (int64_t)d->flush_bytes;
		ev.ts_ns = d->boot_ts + c->boot_to_real_ns;
		if (d->flush_tid)
			ev.tid = d->flush_tid;
		ret = deliver_event(c, &ev);
	}
	if (d->flush_flags & VA_FLUSH_END)
		free(va_u64map_del(&c->aggs, d->agg_id));
	return ret;
}

static int deliver_file(struct va_capture *c, struct va_decoded *d)
{
	struct va_event *ev = &d->ev;
	const struct va_proc *p;

	ev->ts_ns = d->boot_ts + c->boot_to_real_ns;
	if (ev->op == VA_OP_EXEC && ev->ret >= 0) {
		va_proctab_exec(&c->procs, ev->pid, ev->path.ptr, ev->path.len, ev->argv.ptr,
				ev->argv.len);
		if (d->wflags & VA_WF_PROC_ONLY)
			return 0;
	}
	if (!ev->has_dev && (ev->path_flags & VA_PATH_FROM_NAME) && ev->path.len &&
	    ev->path.ptr[0] == '/' &&
	    !(ev->path_flags & (VA_PATH_TRUNCATED | VA_PATH_UNREACHABLE | VA_PATH_FAULT))) {
		uint32_t dev;

		if (!va_mounts_dev(&c->mounts, ev->mntns, ev->pid, ev->ppid, ev->path.ptr,
				   ev->path.len,
				   d->boot_ts, &dev)) {
			ev->dev_major = dev >> 20;
			ev->dev_minor = dev & 0xfffff;
			ev->has_dev = true;
		}
	}
	if ((d->wflags & VA_WF_USER_FILTER) && !user_filter_kept(&c->filter, ev))
		return 0;
	p = va_proctab_get(&c->procs, ev->pid);
	if (p && p->exe) {
		ev->exe.ptr = p->exe;
		ev->exe.len = p->exe_len;
	}
	if (d->agg_id)
		remember_agg(c, d->agg_id, ev);
	if (d->tmpl)
		remember_open(c, ev->tid, d->tmpl, ev);
	/* After the templates: a later merged write of the file still finds its open. */
	if (own_store_access(c, ev))
		return 0;
	return deliver_event(c, ev);
}

int va_capture_deliver(struct va_capture *c, const void *rec, size_t size)
{
	struct va_decoded *d = &c->dec;

	if (va_decode(rec, size, d)) {
		c->stats.decode_errors++;
		return 0;
	}
	switch (d->type) {
	case VA_WIRE_FILE:
		return deliver_file(c, d);
	case VA_WIRE_RW_FLUSH:
		return deliver_flush(c, d);
	case VA_WIRE_RW_START:
		return deliver_start(c, d);
	case VA_WIRE_FORK:
		va_proctab_fork(&c->procs, d->proc_pid, d->proc_parent);
		return 0;
	case VA_WIRE_EXIT:
		va_proctab_exit(&c->procs, d->proc_pid, d->boot_ts);
		/* Its main thread's records all came before: its open template is done. */
		free(va_u64map_del(&c->opens, d->proc_pid));
		return 0;
	case VA_WIRE_LOST:
		/* Lost process records are not events: only the table may be incomplete. */
		if (d->lost_cause == VA_LOSS_PROC) {
			c->stats.proc_lost += d->lost;
			return 0;
		}
		return va_capture_report_lost(c, d->lost, d->boot_ts);
	default:
		return 0;
	}
}

int va_capture_open(struct va_capture **out, const struct va_capture_opts *opts, va_event_fn fn,
		    void *ctx, char *err, size_t errlen)
{
	struct va_capture *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->filter = *opts->filter;
	c->fn = fn;
	c->fn_ctx = ctx;
	va_proctab_init(&c->procs, "/proc");
	va_mounts_init(&c->mounts, "/proc");
	va_u64map_init(&c->aggs);
	va_u64map_init(&c->opens);
	va_capture_sync_clock(c);
	if (opts->store_file) {
		/* Unknown (a deleted binary reads "... (deleted)"): nothing left out. */
		c->own_exe = realpath("/proc/self/exe", NULL);
		c->store_file = realpath(opts->store_file, NULL);
		if (!c->own_exe || !c->store_file) {
			free(c->own_exe);
			free(c->store_file);
			c->own_exe = c->store_file = NULL;
		}
	}

	switch (opts->backend) {
	case VA_BACKEND_AUTO:
	case VA_BACKEND_TRACEPOINT:
		/*
		 * auto would prefer lsm where the kernel allows fentry/LSM
		 * programs; that backend is not built yet, so auto means
		 * tracepoint everywhere.
		 */
		ret = va_tp_open(c, opts, err, errlen);
		break;
	default:
		snprintf(err, errlen,
			 "backend '%s' (--backend, or `backend` in the configuration) is not "
			 "available in this version; use tracepoint (or auto)",
			 va_backend_name(opts->backend));
		ret = -EOPNOTSUPP;
	}
	if (ret) {
		va_proctab_free(&c->procs);
		va_mounts_free(&c->mounts);
		va_u64map_free(&c->aggs);
		va_u64map_free(&c->opens);
		free(c->own_exe);
		free(c->store_file);
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

int va_capture_poll(struct va_capture *c, int timeout_ms)
{
	int ret = c->ops->poll(c, timeout_ms);

	return c->stop ? c->stop : ret;
}

int va_capture_drain(struct va_capture *c)
{
	int ret = c->ops->drain(c);

	return c->stop ? c->stop : ret;
}

int va_capture_set_filter(struct va_capture *c, const struct va_filter *f, char *err,
			  size_t errlen)
{
	int ret = c->ops->set_filter(c, f, err, errlen);

	if (!ret)
		c->filter = *f;
	return ret;
}

enum va_backend va_capture_backend(const struct va_capture *c)
{
	return c->ops->id;
}

const char *va_capture_limits(const struct va_capture *c)
{
	return c->ops->limits;
}

const char *va_capture_lookups(const struct va_capture *c)
{
	return c->lookups ? c->lookups : "";
}

void va_capture_stats(const struct va_capture *c, struct va_capture_stats *st)
{
	*st = c->stats;
}

static void template_free_cb(uint64_t key, void *val, void *ctx)
{
	free(val);
}

struct expiry {
	uint64_t before; /* templates last seen before this flush are gone */
	uint64_t *ids;
	size_t n, cap;
};

static void note_expired(uint64_t key, void *val, void *ctx)
{
	struct agg_template *t = val;
	struct expiry *x = ctx;

	if (t->seen >= x->before)
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		uint64_t *ids = realloc(x->ids, cap * sizeof(*ids));

		if (!ids)
			return; /* the next flush tries again */
		x->ids = ids;
		x->cap = cap;
	}
	x->ids[x->n++] = key;
}

/* Drop the templates of @m last seen before flush @before. Returns: how many. */
static size_t expire_templates(struct va_u64map *m, uint64_t before)
{
	struct expiry x = { .before = before };

	/* Collected first: the map is not changed while it is walked. */
	va_u64map_each(m, note_expired, &x);
	for (size_t i = 0; i < x.n; i++)
		free(va_u64map_del(m, x.ids[i]));
	free(x.ids);
	return x.n;
}

void va_capture_flushed(struct va_capture *c, uint64_t idle_flushes)
{
	c->flushes++;
	/* Two flushes of slack: a record may be in the next read. */
	if (c->flushes > idle_flushes + 2)
		c->stats.aggs_expired += expire_templates(&c->aggs, c->flushes - idle_flushes - 2);
	/* The kernel lends an open's template for VA_TMPL_LEND_FLUSHES flushes
	 * (rw_send_borrowed()). */
	if (c->flushes > VA_TMPL_LEND_FLUSHES + 2)
		expire_templates(&c->opens, c->flushes - VA_TMPL_LEND_FLUSHES - 2);
}

void va_capture_close(struct va_capture *c)
{
	if (!c)
		return;
	if (c->ops)
		c->ops->close(c);
	va_u64map_each(&c->aggs, template_free_cb, NULL);
	va_u64map_free(&c->aggs);
	va_u64map_each(&c->opens, template_free_cb, NULL);
	va_u64map_free(&c->opens);
	va_proctab_free(&c->procs);
	va_mounts_free(&c->mounts);
	free(c->own_exe);
	free(c->store_file);
	free(c);
}
