// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "coverage.h"
#include "event.h"
#include "ops.h"
#include "util.h"

static int add_strings(json_object *o, const char *key, char *const *v, unsigned int n)
{
	json_object *a = json_object_new_array();

	if (!a)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	json_object_object_add(o, key, a);
	return 0;
}

int va_coverage_encode(const char *backend, const struct va_filter *f, char *out, size_t len)
{
	json_object *o = json_object_new_object(), *uids, *devs, *comms;
	char dev[32];
	const char *s;
	int ret = -ENOMEM;

	if (!o)
		return -ENOMEM;
	uids = json_object_new_array();
	devs = json_object_new_array();
	comms = json_object_new_array();
	json_object_object_add(o, "backend", json_object_new_string(backend ? backend : ""));
	json_object_object_add(o, "ops", json_object_new_uint64(f->ops));
	json_object_object_add(o, "every_call", json_object_new_boolean(f->every_call));
	json_object_object_add(o, "default_excludes", json_object_new_boolean(f->default_excludes));
	if (!uids || !devs || !comms || add_strings(o, "path", f->paths, f->n_paths) ||
	    add_strings(o, "exclude", f->excludes, f->n_excludes)) {
		json_object_put(uids);
		json_object_put(devs);
		json_object_put(comms);
		goto out;
	}
	for (unsigned int i = 0; i < f->n_uids; i++)
		json_object_array_add(uids, json_object_new_uint64(f->uids[i]));
	for (unsigned int i = 0; i < f->n_devs; i++) {
		snprintf(dev, sizeof(dev), "%u:%u", va_dev_major(f->devs[i]), va_dev_minor(f->devs[i]));
		json_object_array_add(devs, json_object_new_string(dev));
	}
	for (unsigned int i = 0; i < f->n_comms; i++)
		json_object_array_add(comms, json_object_new_string_len(
						     f->comms[i], (int)strnlen(f->comms[i], 16)));
	json_object_object_add(o, "uid", uids);
	json_object_object_add(o, "dev", devs);
	json_object_object_add(o, "comm", comms);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = s && strlen(s) < len ? 0 : -ENOSPC;
	if (!ret)
		memcpy(out, s, strlen(s) + 1);
out:
	json_object_put(o);
	return ret;
}

/*
 * Apply each item of array @key through va_filter_add(@opt): numbers for
 * uids (a name would be looked up on the reading machine), strings for the
 * rest.
 */
static int decode_list(json_object *o, const char *key, const char *opt, struct va_filter *f)
{
	bool numbers = !strcmp(opt, "uid");

	json_object *a, *v;
	char buf[32], err[256];
	const char *s;

	if (!json_object_object_get_ex(o, key, &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		v = json_object_array_get_idx(a, i);
		if (numbers && json_object_is_type(v, json_type_int)) {
			snprintf(buf, sizeof(buf), "%llu",
				 (unsigned long long)json_object_get_uint64(v));
			s = buf;
		} else if (!numbers && json_object_is_type(v, json_type_string)) {
			s = json_object_get_string(v);
		} else {
			return -EINVAL;
		}
		if (va_filter_add(f, opt, s, err, sizeof(err)))
			return -EINVAL;
	}
	return 0;
}

int va_coverage_decode(const char *detail, size_t len, struct va_filter *f)
{
	struct json_tokener *tok;
	json_object *o = NULL, *v;
	int ret = -EINVAL;

	va_filter_init(f);
	/* Rows before the filters were recorded hold the backend's name alone. */
	if (!detail || !len || detail[0] != '{')
		return -ENOENT;
	if (len > 1 << 20)
		return -EINVAL;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, detail, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	if (!json_object_object_get_ex(o, "ops", &v) || !json_object_is_type(v, json_type_int))
		goto out;
	f->ops = json_object_get_uint64(v) & VA_SEL_ALL;
	if (json_object_object_get_ex(o, "every_call", &v))
		f->every_call = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "default_excludes", &v))
		f->default_excludes = json_object_get_boolean(v);
	/* uid as numbers: a name would be looked up on the reading machine. */
	if (decode_list(o, "path", "path", f) || decode_list(o, "exclude", "exclude", f) ||
	    decode_list(o, "uid", "uid", f) || decode_list(o, "dev", "dev", f) ||
	    decode_list(o, "comm", "comm", f))
		goto out;
	ret = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	if (ret) {
		va_filter_free(f);
		va_filter_init(f);
	}
	return ret;
}

/* Does @f record @path itself? @why: the exclusion or the include list that leaves it out. */
static bool path_recorded(const struct va_filter *f, const char *path, char *why, size_t len)
{
	const char *decider;
	bool by_default;

	if (va_filter_path_kept(f, path, strlen(path), &decider, &by_default))
		return true;
	if (by_default)
		snprintf(why, len,
			 "%s is left out by default, as all of %s is "
			 "(--no-default-excludes records it)",
			 path, decider);
	else if (decider)
		snprintf(why, len, "%s was excluded (--exclude %s)", path, decider);
	else
		snprintf(why, len, "only names under %s%s were recorded (--path)", f->paths[0],
			 f->n_paths > 1 ? " and other paths" : "");
	return false;
}

/* Is @prefix strictly under @path? */
static bool strictly_under(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	return n > strlen(path) && va_path_under(prefix, n, path);
}

/* The first prefix of @list strictly under @path, or NULL. */
static const char *some_under(char *const *list, unsigned int n, const char *path)
{
	for (unsigned int i = 0; i < n; i++)
		if (strictly_under(list[i], path))
			return list[i];
	return NULL;
}

/*
 * Where the file systems left out by type (va_default_exclude_fstypes) are
 * mounted on a usual machine: the kernel drops their files by type,
 * whatever --path says, so a path under one of them was not watched. Their
 * mounts elsewhere (a container's /proc) cannot be known from a path.
 */
static const char *const fstype_mounts[][2] = {
	{ "/proc", "proc" },
	{ "/sys", "sysfs" },
	{ "/dev/pts", "devpts" },
	{ "/dev/mqueue", "mqueue" },
	{ NULL, NULL },
};

static enum va_cover check_fstypes(const struct va_filter *f, const char *path, char *why,
				   size_t len)
{
	size_t plen = strlen(path);

	if (!f->default_excludes)
		return VA_COVER_ALL;
	for (int i = 0; fstype_mounts[i][0]; i++) {
		const char *m = fstype_mounts[i][0];

		if (va_path_under(path, plen, m)) {
			snprintf(why, len,
				 "files on %s (%s) are left out by default, whatever --path says "
				 "(--no-default-excludes records them)",
				 fstype_mounts[i][1], m);
			return VA_COVER_NONE;
		}
	}
	return VA_COVER_ALL;
}

static enum va_cover check_paths(const struct va_filter *f, const char *path, char *why, size_t len)
{
	const char *p;

	if (check_fstypes(f, path, why, len) == VA_COVER_NONE)
		return VA_COVER_NONE;

	if (path_recorded(f, path, why, len)) {
		p = some_under(f->excludes, f->n_excludes, path);
		if (p) {
			snprintf(why, len, "names under %s were excluded (--exclude)", p);
			return VA_COVER_PART;
		}
		for (int i = 0; va_default_exclude_paths[i]; i++) {
			p = va_default_exclude_paths[i];
			if (va_filter_default_exclude_applies(f, p) && strictly_under(p, path)) {
				snprintf(why, len,
					 "names under %s were left out by default "
					 "(--no-default-excludes records them)",
					 p);
				return VA_COVER_PART;
			}
		}
		for (int i = 0; f->default_excludes && fstype_mounts[i][0]; i++) {
			if (strictly_under(fstype_mounts[i][0], path)) {
				snprintf(why, len,
					 "files on %s (%s) were left out by default "
					 "(--no-default-excludes records them)",
					 fstype_mounts[i][1], fstype_mounts[i][0]);
				return VA_COVER_PART;
			}
		}
		return VA_COVER_ALL;
	}
	p = some_under(f->paths, f->n_paths, path);
	if (!p)
		return VA_COVER_NONE;
	snprintf(why, len, "only names under %s were recorded (--path)", p);
	return VA_COVER_PART;
}

/* Append @name to the list in @why (at *@n), with a comma after the first. */
static void list_add(char *why, size_t len, size_t *n, bool *first, const char *name)
{
	if (*n < len)
		*n += (size_t)snprintf(why + *n, len - *n, "%s%s", *first ? "" : ", ", name);
	*first = false;
}

static enum va_cover check_ops(const struct va_filter *f, uint64_t ops, char *why, size_t len)
{
	uint64_t miss = ops & ~f->ops;
	bool first = true;
	size_t n;

	if (!miss)
		return VA_COVER_ALL;
	n = (size_t)snprintf(why, len, "not recorded: ");
	for (int op = VA_OP_CREATE; op <= VA_OP_EXEC; op++) {
		const char *name = va_op_name((enum va_op)op);

		if (op == VA_OP_OPEN) {
			if (miss & VA_SEL_OPEN_WRITE)
				list_add(why, len, &n, &first, "open for writing");
			if (miss & VA_SEL_OPEN_READ)
				list_add(why, len, &n, &first, "open for reading");
		} else if ((miss & VA_SEL((unsigned int)op)) && name) {
			list_add(why, len, &n, &first, name);
		}
	}
	if (n < len)
		snprintf(why + n, len - n, " (--ops)");
	return (ops & f->ops) ? VA_COVER_PART : VA_COVER_NONE;
}

static enum va_cover check_actors(const struct va_filter *f, char *why, size_t len)
{
	if (!f->n_uids && !f->n_comms && !f->n_devs)
		return VA_COVER_ALL;
	snprintf(why, len, "only %s%s%s were recorded",
		 f->n_uids ? "some users (--uid)" : "",
		 f->n_uids && (f->n_comms || f->n_devs) ? ", " : "",
		 f->n_comms && f->n_devs ? "some programs and devices (--comm, --dev)"
		 : f->n_comms		 ? "some programs (--comm)"
		 : f->n_devs		 ? "some devices (--dev)"
					 : "");
	return VA_COVER_PART;
}

enum va_cover va_coverage_describe(const struct va_filter *f, char *why, size_t len)
{
	char w[256];
	size_t n = 0;

	if (len)
		why[0] = '\0';
	if (f->n_paths && n < len)
		n += (size_t)snprintf(why + n, len - n, "only names under %s%s were recorded (--path)",
				      f->paths[0], f->n_paths > 1 ? " and other paths" : "");
	if (f->n_excludes && n < len)
		n += (size_t)snprintf(why + n, len - n, "%snames under %s%s were not (--exclude)",
				      n ? "; " : "", f->excludes[0],
				      f->n_excludes > 1 ? " and other paths" : "");
	if (check_ops(f, VA_SEL_CHANGES, w, sizeof(w)) != VA_COVER_ALL && n < len)
		n += (size_t)snprintf(why + n, len - n, "%s%s", n ? "; " : "", w);
	if (check_actors(f, w, sizeof(w)) != VA_COVER_ALL && n < len)
		n += (size_t)snprintf(why + n, len - n, "%s%s", n ? "; " : "", w);
	return n ? VA_COVER_PART : VA_COVER_ALL;
}

enum va_cover va_coverage_check(const struct va_filter *f, const char *path, uint64_t ops,
				char *why, size_t len)
{
	char w[3][256];
	enum va_cover c[3] = { check_paths(f, path, w[0], sizeof(w[0])),
			       check_ops(f, ops, w[1], sizeof(w[1])),
			       check_actors(f, w[2], sizeof(w[2])) };
	enum va_cover worst = VA_COVER_ALL;
	size_t n = 0;

	if (len)
		why[0] = '\0';
	/* Nothing of the path, or none of the ops: nothing at all, whatever else. */
	for (int i = 0; i < 3; i++)
		if (c[i] > worst)
			worst = c[i];
	for (int i = 0; i < 3 && n < len; i++)
		if (c[i] != VA_COVER_ALL && (worst != VA_COVER_NONE || c[i] == VA_COVER_NONE))
			n += (size_t)snprintf(why + n, len - n, "%s%s", n ? "; " : "", w[i]);
	return worst;
}
