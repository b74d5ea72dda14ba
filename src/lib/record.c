// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "timefmt.h"

static void set_int(struct va_record *r, enum va_rec_field f, int64_t i)
{
	r->v[f] = (struct va_val){ .type = VA_VAL_INT, .i = i };
}

static void set_opt(struct va_record *r, enum va_rec_field f, bool has, int64_t i)
{
	if (has)
		set_int(r, f, i);
}

static void set_blob(struct va_record *r, enum va_rec_field f, const void *p, size_t len)
{
	r->v[f] = (struct va_val){ .type = VA_VAL_BLOB, .p = len ? p : "", .len = len };
}

void va_record_from_event(struct va_record *r, const struct va_event *ev)
{
	bool rw = ev->op == VA_OP_READ || ev->op == VA_OP_WRITE;
	bool has_mode = ev->op == VA_OP_CHMOD || ev->op == VA_OP_MKDIR || ev->op == VA_OP_MKNOD;

	memset(r, 0, sizeof(*r));
	set_int(r, VA_REC_TS, (int64_t)ev->ts_ns);
	set_int(r, VA_REC_OP, ev->op);
	if (ev->path.len)
		set_blob(r, VA_REC_PATH, ev->path.ptr, ev->path.len);
	if (ev->path2.len)
		set_blob(r, VA_REC_PATH2, ev->path2.ptr, ev->path2.len);
	/*
	 * The process identity is never partly NULL: unset login ids are the
	 * kernel's 4294967295, no tty is 0, an unknown exe is empty.
	 */
	set_int(r, VA_REC_PID, ev->pid);
	set_int(r, VA_REC_PPID, ev->ppid);
	set_int(r, VA_REC_UID, ev->uid);
	set_int(r, VA_REC_EUID, ev->euid);
	set_int(r, VA_REC_GID, ev->gid);
	set_int(r, VA_REC_AUID, ev->auid);
	set_int(r, VA_REC_SES, ev->ses);
	set_int(r, VA_REC_TTY, ev->tty_dev);
	set_int(r, VA_REC_MNTNS, (int64_t)ev->mntns);
	set_blob(r, VA_REC_COMM, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	set_blob(r, VA_REC_EXE, ev->exe.ptr, ev->exe.len);
	set_opt(r, VA_REC_TID, ev->tid != ev->pid, ev->tid);
	set_opt(r, VA_REC_DEV, ev->has_dev, ((int64_t)ev->dev_major << 20) | ev->dev_minor);
	set_opt(r, VA_REC_INO, ev->has_ino, (int64_t)ev->ino);
	set_opt(r, VA_REC_FTYPE, ev->ftype != VA_FTYPE_UNKNOWN, ev->ftype);
	set_int(r, VA_REC_RET, ev->ret);
	set_opt(r, VA_REC_COUNT, rw, (int64_t)ev->count);
	set_opt(r, VA_REC_BYTES, rw, (int64_t)ev->bytes);
	if (ev->op == VA_OP_LOST)
		set_int(r, VA_REC_COUNT, (int64_t)ev->lost);
	set_opt(r, VA_REC_FLAGS, ev->has_open_flags, ev->open_flags);
	set_opt(r, VA_REC_MODE, has_mode, ev->mode);
	set_opt(r, VA_REC_OWNER_UID, ev->op == VA_OP_CHOWN, ev->owner_uid);
	set_opt(r, VA_REC_OWNER_GID, ev->op == VA_OP_CHOWN, ev->owner_gid);
	set_opt(r, VA_REC_SIZE, ev->op == VA_OP_TRUNCATE && ev->size >= 0, ev->size);
	set_opt(r, VA_REC_RENAME_FLAGS, ev->rename_flags != 0, ev->rename_flags);
	set_opt(r, VA_REC_PATH_FLAGS, ev->path_flags != 0, ev->path_flags);
	/* exec has no second path: the column says whether argv was cut short. */
	if (ev->op == VA_OP_EXEC)
		set_opt(r, VA_REC_PATH2_FLAGS, ev->argv_truncated, VA_REC_ARGV_TRUNCATED);
	else
		set_opt(r, VA_REC_PATH2_FLAGS, ev->path2_flags != 0, ev->path2_flags);
	if (ev->op == VA_OP_EXEC && ev->argv.len)
		set_blob(r, VA_REC_ARGV, ev->argv.ptr, ev->argv.len);
}

void va_record_mark(struct va_record *r, int mark, uint64_t ts_ns, uint64_t n, const char *detail)
{
	memset(r, 0, sizeof(*r));
	set_int(r, VA_REC_TS, (int64_t)ts_ns);
	set_int(r, VA_REC_OP, mark);
	set_int(r, VA_REC_RET, 0);
	set_opt(r, VA_REC_COUNT, n != 0, (int64_t)n);
	if (detail && detail[0])
		set_blob(r, VA_REC_DETAIL, detail, strlen(detail));
}

static int64_t get(const struct va_record *r, enum va_rec_field f, int64_t dflt)
{
	return r->v[f].type == VA_VAL_INT ? r->v[f].i : dflt;
}

static bool has(const struct va_record *r, enum va_rec_field f)
{
	return r->v[f].type != VA_VAL_NULL;
}

static struct va_bytes bytes_of(const struct va_record *r, enum va_rec_field f)
{
	if (r->v[f].type != VA_VAL_BLOB)
		return (struct va_bytes){ 0 };
	return (struct va_bytes){ .ptr = r->v[f].p, .len = r->v[f].len };
}

void va_record_to_event(const struct va_record *r, struct va_event *ev)
{
	struct va_bytes comm = bytes_of(r, VA_REC_COMM);
	int64_t dev = get(r, VA_REC_DEV, -1);

	memset(ev, 0, sizeof(*ev));
	ev->seq = (uint64_t)get(r, VA_REC_SEQ, 0);
	ev->ts_ns = (uint64_t)get(r, VA_REC_TS, 0);
	ev->op = (enum va_op)get(r, VA_REC_OP, 0);
	ev->path = bytes_of(r, VA_REC_PATH);
	ev->path2 = bytes_of(r, VA_REC_PATH2);
	ev->pid = (uint32_t)get(r, VA_REC_PID, 0);
	ev->ppid = (uint32_t)get(r, VA_REC_PPID, 0);
	ev->uid = (uint32_t)get(r, VA_REC_UID, 0);
	ev->euid = (uint32_t)get(r, VA_REC_EUID, 0);
	ev->gid = (uint32_t)get(r, VA_REC_GID, 0);
	ev->auid = (uint32_t)get(r, VA_REC_AUID, VA_ID_UNSET);
	ev->ses = (uint32_t)get(r, VA_REC_SES, VA_ID_UNSET);
	ev->tty_dev = (uint32_t)get(r, VA_REC_TTY, 0);
	ev->mntns = (uint64_t)get(r, VA_REC_MNTNS, 0);
	if (comm.len)
		snprintf(ev->comm, sizeof(ev->comm), "%.*s", (int)comm.len, comm.ptr);
	ev->exe = bytes_of(r, VA_REC_EXE);
	ev->tid = (uint32_t)get(r, VA_REC_TID, ev->pid);
	if (dev >= 0) {
		ev->has_dev = true;
		ev->dev_major = (uint32_t)(dev >> 20);
		ev->dev_minor = (uint32_t)(dev & 0xfffff);
	}
	ev->has_ino = has(r, VA_REC_INO);
	ev->ino = (uint64_t)get(r, VA_REC_INO, 0);
	ev->ftype = (enum va_ftype)get(r, VA_REC_FTYPE, VA_FTYPE_UNKNOWN);
	ev->ret = get(r, VA_REC_RET, 0);
	ev->count = (uint64_t)get(r, VA_REC_COUNT, 0);
	ev->bytes = (uint64_t)get(r, VA_REC_BYTES, 0);
	ev->has_open_flags = has(r, VA_REC_FLAGS);
	ev->open_flags = (uint32_t)get(r, VA_REC_FLAGS, 0);
	ev->mode = (uint32_t)get(r, VA_REC_MODE, 0);
	ev->owner_uid = get(r, VA_REC_OWNER_UID, -1);
	ev->owner_gid = get(r, VA_REC_OWNER_GID, -1);
	ev->size = get(r, VA_REC_SIZE, -1);
	ev->rename_flags = (uint32_t)get(r, VA_REC_RENAME_FLAGS, 0);
	ev->path_flags = (uint32_t)get(r, VA_REC_PATH_FLAGS, 0);
	ev->path2_flags = (uint32_t)get(r, VA_REC_PATH2_FLAGS, 0);
	if (ev->op == VA_OP_EXEC) {
		ev->argv_truncated = ev->path2_flags & VA_REC_ARGV_TRUNCATED;
		ev->path2_flags = 0;
	}
	ev->argv = bytes_of(r, VA_REC_ARGV);
	if (ev->op == VA_OP_LOST)
		ev->lost = ev->count;
}

void va_record_describe(const struct va_record *r, char *buf, size_t len)
{
	char when[64];

	if (va_time_rfc3339((uint64_t)get(r, VA_REC_TS, 0), when, sizeof(when)))
		snprintf(when, sizeof(when), "time unknown");
	snprintf(buf, len, "seq %lld (%s)", (long long)get(r, VA_REC_SEQ, 0), when);
}
