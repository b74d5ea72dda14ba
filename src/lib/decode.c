// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "filter.h"

#define PIPEFS_MAGIC 0x50495045u
#define SOCKFS_MAGIC 0x534F434Bu

#define MINORBITS 20
#define MINORMASK ((1u << MINORBITS) - 1)

/*
 * A path that came from a syscall's name is "dir/name" as the process wrote
 * it: make it canonical ("//", ".", "..") as the kernel's lookup would, symlinks
 * aside. Anything that does not start at '/' is left as it is.
 */
static struct va_bytes normalise_name_path(const char *p, size_t len, char *buf, size_t bufsize)
{
	struct va_bytes out = { p, len };
	int n;

	if (!len || p[0] != '/')
		return out;
	n = va_path_normalize(p, len, buf, bufsize);
	if (n < 0)
		return out;
	out.ptr = buf;
	out.len = (size_t)n;
	return out;
}

/* d_path's names for objects that have no path. */
static struct va_bytes pseudo_path(const struct va_wire_file *w, const char *name, size_t len,
				   char *buf, size_t bufsize)
{
	struct va_bytes out;
	int n;

	if (w->fs_magic == PIPEFS_MAGIC)
		n = snprintf(buf, bufsize, "pipe:[%llu]", (unsigned long long)w->ino);
	else if (w->fs_magic == SOCKFS_MAGIC)
		n = snprintf(buf, bufsize, "socket:[%llu]", (unsigned long long)w->ino);
	else
		n = snprintf(buf, bufsize, "anon_inode:%.*s", (int)len, name);
	if (n < 0)
		n = 0;
	if ((size_t)n >= bufsize)
		n = (int)bufsize - 1;
	out.ptr = buf;
	out.len = (size_t)n;
	return out;
}

/* Who: the task fields every record of a call carries. */
static void decode_task(const struct va_wire_task *t, struct va_event *ev)
{
	ev->pid = t->pid;
	ev->tid = t->tid;
	ev->ppid = t->ppid;
	ev->uid = t->uid;
	ev->euid = t->euid;
	ev->gid = t->gid;
	ev->auid = t->auid;
	ev->ses = t->ses;
	ev->tty_dev = t->tty;
	ev->mntns = t->mntns;
	memcpy(ev->comm, t->comm, sizeof(t->comm));
	ev->comm[sizeof(t->comm)] = '\0';
}

static int decode_file(const void *rec, size_t size, struct va_decoded *d)
{
	const char *data = (const char *)rec + sizeof(struct va_wire_file);
	struct va_event *ev = &d->ev;
	struct va_wire_file wf;
	const struct va_wire_file *w = &wf;
	size_t len1, len2;
	bool name_dir_only;

	if (size < sizeof(wf))
		return -EINVAL;
	/* Copied out: fuzzers and other callers may hand unaligned records. */
	memcpy(&wf, rec, sizeof(wf));
	len1 = w->str_len[0];
	len2 = w->str_len[1];
	if (w->hdr.size < sizeof(*w) || w->hdr.size > size)
		return -EINVAL;
	if (len1 > VA_WIRE_DATA_MAX || len2 > VA_WIRE_DATA_MAX ||
	    len1 + len2 > w->hdr.size - sizeof(*w))
		return -EINVAL;
	if (w->op == VA_OP_NONE || w->op >= VA_OP_MAX || w->op == VA_OP_LOST)
		return -EINVAL;

	memset(ev, 0, sizeof(*ev));
	ev->op = w->op;
	ev->ret = w->ret;
	decode_task(&w->task, ev);
	ev->count = w->count;
	ev->bytes = w->bytes;
	ev->size = w->size;
	ev->owner_uid = w->owner_uid;
	ev->owner_gid = w->owner_gid;
	ev->mode = w->mode;
	ev->rename_flags = w->rename_flags;
	ev->path_flags = w->str_flags[0];
	ev->path2_flags = w->str_flags[1];
	if (w->wflags & VA_WF_OPEN_FLAGS) {
		ev->open_flags = w->oflags;
		ev->has_open_flags = true;
	}
	if (w->wflags & VA_WF_INO_KNOWN) {
		ev->ino = w->ino;
		ev->has_ino = true;
	}
	if (w->wflags & (VA_WF_INO_KNOWN | VA_WF_FTYPE_KNOWN))
		ev->ftype = va_ftype_from_mode(w->imode);

	/* A name without '/' lies in the directory whose dev the kernel recorded. */
	name_dir_only = (w->wflags & VA_WF_DEV_OF_DIR) && w->name_off > 0 && w->name_off <= len1 &&
			!memchr(data + w->name_off, '/', len1 - w->name_off);
	if ((w->wflags & VA_WF_DEV_KNOWN) || name_dir_only) {
		ev->dev_major = w->dev >> MINORBITS;
		ev->dev_minor = w->dev & MINORMASK;
		ev->has_dev = true;
	}

	ev->path.ptr = data;
	ev->path.len = len1;
	if (w->str_flags[0] & VA_PATH_PSEUDO)
		ev->path = pseudo_path(w, data, len1, d->path_buf, sizeof(d->path_buf));
	else if (w->str_flags[0] & VA_PATH_FROM_NAME)
		ev->path = normalise_name_path(data, len1, d->path_buf, sizeof(d->path_buf));

	if (w->op == VA_OP_EXEC) {
		/* str2 is argv: NUL-separated; make sure the last one ends. */
		ev->argv.ptr = data + len1;
		ev->argv.len = len2;
		while (ev->argv.len && ev->argv.ptr[ev->argv.len - 1] == '\0' && ev->argv.len > 1 &&
		       ev->argv.ptr[ev->argv.len - 2] == '\0')
			ev->argv.len--;
		ev->argv_truncated = w->wflags & VA_WF_ARGV_TRUNC;
	} else {
		ev->path2.ptr = data + len1;
		ev->path2.len = len2;
		if (w->str_flags[1] & VA_PATH_FROM_NAME)
			ev->path2 = normalise_name_path(data + len1, len2, d->path2_buf,
							sizeof(d->path2_buf));
	}
	d->wflags = w->wflags;
	d->agg_id = (w->wflags & VA_WF_AGG_START) ? w->agg_id : 0;
	d->tmpl = (w->wflags & VA_WF_TEMPLATE) ? (uint32_t)w->agg_id : 0;
	return 0;
}

int va_decode(const void *rec, size_t size, struct va_decoded *d)
{
	struct va_wire_hdr hdr;

	if (!rec || size < sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, rec, sizeof(hdr));
	if (hdr.size > size || hdr.size < sizeof(hdr))
		return -EINVAL;
	d->type = hdr.type;
	d->boot_ts = hdr.ts;
	switch (hdr.type) {
	case VA_WIRE_FILE:
		return decode_file(rec, size, d);
	case VA_WIRE_RW_FLUSH: {
		struct va_wire_flush f;

		if (hdr.size < sizeof(f))
			return -EINVAL;
		memcpy(&f, rec, sizeof(f));
		d->agg_id = f.agg_id;
		d->flush_count = f.count;
		d->flush_bytes = f.bytes;
		d->flush_flags = f.flags;
		d->flush_tid = f.tid;
		return 0;
	}
	case VA_WIRE_RW_START: {
		struct va_wire_start st;

		if (hdr.size < sizeof(st))
			return -EINVAL;
		memcpy(&st, rec, sizeof(st));
		if ((st.op != VA_OP_READ && st.op != VA_OP_WRITE) || !st.tmpl || !st.agg_id)
			return -EINVAL;
		memset(&d->ev, 0, sizeof(d->ev));
		decode_task(&st.task, &d->ev);
		d->agg_id = st.agg_id;
		d->flush_count = st.count;
		d->flush_bytes = st.bytes;
		d->flush_flags = 0;
		d->flush_tid = st.task.tid;
		d->tmpl = st.tmpl;
		d->start_op = st.op;
		return 0;
	}
	case VA_WIRE_FORK:
	case VA_WIRE_EXIT: {
		struct va_wire_proc p;

		if (hdr.size < sizeof(p))
			return -EINVAL;
		memcpy(&p, rec, sizeof(p));
		d->proc_pid = p.pid;
		d->proc_parent = p.parent_pid;
		return 0;
	}
	case VA_WIRE_LOST: {
		struct va_wire_lost l;

		if (hdr.size < sizeof(l))
			return -EINVAL;
		memcpy(&l, rec, sizeof(l));
		d->lost = l.lost;
		d->lost_cause = l.cause;
		return 0;
	}
	default:
		return -EINVAL;
	}
}
