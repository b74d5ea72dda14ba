// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "status.h"

const char *const va_status_sink_names[VA_STATUS_SINKS] = { "syslog", "syslog_remote",
							     "json_log" };

/* "sinks": {"syslog": {...}, ...}, the configured ones only. */
static json_object *sinks_json(const struct va_status *st)
{
	json_object *o = json_object_new_object();

	for (int i = 0; o && i < VA_STATUS_SINKS; i++) {
		const struct va_status_sink *k = &st->sinks[i];
		json_object *s;

		if (!k->target[0])
			continue;
		s = json_object_new_object();
		json_object_object_add(s, "target", json_object_new_string(k->target));
		json_object_object_add(s, "sent", json_object_new_int64((int64_t)k->sent));
		json_object_object_add(s, "lost", json_object_new_int64((int64_t)k->lost));
		json_object_object_add(s, "queued", json_object_new_int64((int64_t)k->queued));
		if (i != VA_STATUS_JSON_LOG)
			json_object_object_add(s, "connected", json_object_new_boolean(k->connected));
		if (i == VA_STATUS_SYSLOG_REMOTE) {
			json_object_object_add(s, "spool_bytes",
					       json_object_new_int64((int64_t)k->spool_bytes));
			json_object_object_add(s, "resent", json_object_new_int64((int64_t)k->resent));
		}
		json_object_object_add(s, "error", json_object_new_int(k->error));
		json_object_object_add(o, va_status_sink_names[i], s);
	}
	return o;
}

static int ensure_dir(const char *file)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", file);
	if (mkdir(dirname(copy), 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int va_status_write(const char *file, const struct va_status *st)
{
	char tmp[PATH_MAX + 16];
	json_object *o = json_object_new_object();
	const char *text;
	int fd, ret = 0;
	size_t len;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	json_object_object_add(o, "backend", json_object_new_string(st->backend));
	json_object_object_add(o, "unseen", json_object_new_string(st->unseen));
	json_object_object_add(o, "name_lookups", json_object_new_string(st->lookups));
	json_object_object_add(o, "left_out", json_object_new_string(st->left_out));
	json_object_object_add(o, "store", json_object_new_string(st->store));
	json_object_object_add(o, "started_ns", json_object_new_int64((int64_t)st->started_ns));
	json_object_object_add(o, "updated_ns", json_object_new_int64((int64_t)st->updated_ns));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)st->events));
	json_object_object_add(o, "events_per_s", json_object_new_double(st->events_per_s));
	json_object_object_add(o, "lost", json_object_new_int64((int64_t)st->lost));
	json_object_object_add(o, "proc_lost", json_object_new_int64((int64_t)st->proc_lost));
	json_object_object_add(o, "ring_bytes", json_object_new_int64((int64_t)st->ring_bytes));
	json_object_object_add(o, "ring_peak_bytes",
			       json_object_new_int64((int64_t)st->ring_peak_bytes));
	json_object_object_add(o, "stall_max_ns", json_object_new_int64((int64_t)st->stall_max_ns));
	json_object_object_add(o, "unsaved_queue", json_object_new_int64((int64_t)st->unsaved_queue));
	json_object_object_add(o, "unsaved_disk", json_object_new_int64((int64_t)st->unsaved_disk));
	json_object_object_add(o, "stored", json_object_new_int64((int64_t)st->stored));
	json_object_object_add(o, "queue_depth", json_object_new_int64((int64_t)st->queue_depth));
	json_object_object_add(o, "backlog", json_object_new_int64((int64_t)st->backlog));
	json_object_object_add(o, "backlog_bytes",
			       json_object_new_int64((int64_t)st->backlog_bytes));
	json_object_object_add(o, "backlog_error", json_object_new_int(st->backlog_error));
	json_object_object_add(o, "store_bytes", json_object_new_int64((int64_t)st->store_bytes));
	json_object_object_add(o, "sealed", json_object_new_boolean(st->sealed));
	json_object_object_add(o, "seals", json_object_new_int64((int64_t)st->seals));
	json_object_object_add(o, "seal_epoch", json_object_new_int64((int64_t)st->seal_epoch));
	json_object_object_add(o, "seal_error", json_object_new_int(st->seal_error));
	json_object_object_add(o, "store_error", json_object_new_int(st->store_error));
	json_object_object_add(o, "sinks", sinks_json(st));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);

	ret = ensure_dir(file);
	if (ret)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	errno = 0;
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		ret = errno ? -errno : -ENOSPC; /* a short write: the disk is full */
	close(fd);
	if (!ret && rename(tmp, file))
		ret = -errno;
	if (ret)
		unlink(tmp); /* no half-written file left beside the last whole one */
out:
	json_object_put(o);
	return ret;
}

int va_status_probe(const char *file)
{
	char tmp[PATH_MAX + 16];
	struct stat st;
	int fd, ret;

	/* The temporary file is renamed over it: a directory or a device would refuse. */
	if (!lstat(file, &st) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	ret = ensure_dir(file);
	if (ret)
		return ret;
	/* Not the writer's ".tmp": a daemon already writing the file must not lose its own. */
	snprintf(tmp, sizeof(tmp), "%s.probe.%d", file, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(tmp);
	return 0;
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static void get_str(json_object *o, const char *key, char *dst, size_t size)
{
	json_object *v;

	dst[0] = '\0';
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(dst, size, "%s", json_object_get_string(v));
}

bool va_status_live(const struct va_status *st, uint64_t now_ns)
{
	/* Written after @now_ns was read (the daemon writes every second): fresh, not 584 years
	 * old. */
	return st->pid && (!kill((pid_t)st->pid, 0) || errno == EPERM) &&
	       (st->updated_ns >= now_ns || now_ns - st->updated_ns < 10ull * 1000000000ull);
}

int va_status_read(const char *file, struct va_status *st)
{
	json_object *o = json_object_from_file(file);
	json_object *v;

	memset(st, 0, sizeof(*st));
	if (!o) {
		/* Why it could not be read: missing, not ours to read (EACCES), or not JSON. */
		int fd = open(file, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		close(fd);
		return -EINVAL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EINVAL;
	}
	st->pid = (uint32_t)get_u64(o, "pid");
	get_str(o, "backend", st->backend, sizeof(st->backend));
	get_str(o, "unseen", st->unseen, sizeof(st->unseen));
	get_str(o, "name_lookups", st->lookups, sizeof(st->lookups));
	get_str(o, "left_out", st->left_out, sizeof(st->left_out));
	get_str(o, "store", st->store, sizeof(st->store));
	st->started_ns = get_u64(o, "started_ns");
	st->updated_ns = get_u64(o, "updated_ns");
	st->events = get_u64(o, "events");
	if (json_object_object_get_ex(o, "events_per_s", &v))
		st->events_per_s = json_object_get_double(v);
	st->lost = get_u64(o, "lost");
	st->proc_lost = get_u64(o, "proc_lost");
	st->ring_bytes = get_u64(o, "ring_bytes");
	st->ring_peak_bytes = get_u64(o, "ring_peak_bytes");
	st->stall_max_ns = get_u64(o, "stall_max_ns");
	st->unsaved_queue = get_u64(o, "unsaved_queue");
	st->unsaved_disk = get_u64(o, "unsaved_disk");
	st->stored = get_u64(o, "stored");
	st->seals = get_u64(o, "seals");
	st->seal_epoch = get_u64(o, "seal_epoch");
	if (json_object_object_get_ex(o, "sealed", &v))
		st->sealed = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "seal_error", &v))
		st->seal_error = json_object_get_int(v);
	st->queue_depth = get_u64(o, "queue_depth");
	st->backlog = get_u64(o, "backlog");
	st->backlog_bytes = get_u64(o, "backlog_bytes");
	if (json_object_object_get_ex(o, "backlog_error", &v))
		st->backlog_error = json_object_get_int(v);
	st->store_bytes = get_u64(o, "store_bytes");
	st->store_error = (int)get_u64(o, "store_error");
	if (json_object_object_get_ex(o, "sinks", &v) && json_object_is_type(v, json_type_object)) {
		for (int i = 0; i < VA_STATUS_SINKS; i++) {
			struct va_status_sink *k = &st->sinks[i];
			json_object *s, *b;

			if (!json_object_object_get_ex(v, va_status_sink_names[i], &s) ||
			    !json_object_is_type(s, json_type_object))
				continue;
			get_str(s, "target", k->target, sizeof(k->target));
			k->sent = get_u64(s, "sent");
			k->lost = get_u64(s, "lost");
			k->queued = get_u64(s, "queued");
			k->spool_bytes = get_u64(s, "spool_bytes");
			k->resent = get_u64(s, "resent");
			k->connected = json_object_object_get_ex(s, "connected", &b) &&
				       json_object_get_boolean(b);
			k->error = (int)get_u64(s, "error");
		}
	}
	json_object_put(o);
	return 0;
}
