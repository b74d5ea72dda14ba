// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The synthetic single-process workloads:
 *   write-heavy  one file, COUNT writes of 64 bytes (the aggregation path)
 *   mixed        COUNT x (create + 4 KiB write + close, open + read + close,
 *                rename, chmod, unlink): every change is one event
 *   meta         COUNT files in directories of 100, ROUNDS passes of stat,
 *                open/close for reading and open/close for writing each
 *                (many small events on many paths), then unlink them all
 */
#include "wl.h"

#include <fcntl.h>
#include <string.h>

#define PATH_SIZE 4096

int wl_write_heavy(const struct wl_opts *o, struct wl_count *c)
{
	char path[PATH_SIZE], buf[64];
	int fd;

	memset(buf, 'w', sizeof(buf));
	wl_path(path, sizeof(path), "%s/write-heavy", o->dir);
	fd = wl_create(c, path);
	for (long i = 0; i < o->count; i++)
		wl_write(c, fd, buf, sizeof(buf));
	wl_close(c, fd);
	wl_unlink(c, path);
	return 0;
}

int wl_mixed(const struct wl_opts *o, struct wl_count *c)
{
	char a[PATH_SIZE], b[PATH_SIZE], buf[4096];

	memset(buf, 'm', sizeof(buf));
	for (long i = 0; i < o->count; i++) {
		int fd;

		/* One name per iteration: no event can be mistaken for the previous one's. */
		wl_path(a, sizeof(a), "%s/mixed-%ld", o->dir, i);
		wl_path(b, sizeof(b), "%s/mixed-%ld.renamed", o->dir, i);
		wl_put_file(c, a, buf, sizeof(buf));
		fd = wl_open(c, a, O_RDONLY);
		wl_read(c, fd, buf, sizeof(buf));
		wl_close(c, fd);
		wl_rename(c, a, b);
		wl_chmod(c, b, 0600);
		wl_unlink(c, b);
	}
	return 0;
}

#define META_PER_DIR 100

int wl_meta(const struct wl_opts *o, struct wl_count *c)
{
	char path[PATH_SIZE];
	long dirs = (o->count + META_PER_DIR - 1) / META_PER_DIR;

	for (long d = 0; d < dirs; d++) {
		wl_path(path, sizeof(path), "%s/meta-%ld", o->dir, d);
		wl_mkdir(c, path);
	}
	for (long i = 0; i < o->count; i++) {
		wl_path(path, sizeof(path), "%s/meta-%ld/f%ld", o->dir, i / META_PER_DIR, i);
		wl_close(c, wl_create(c, path));
	}
	for (long r = 0; r < o->rounds; r++) {
		for (long i = 0; i < o->count; i++) {
			wl_path(path, sizeof(path), "%s/meta-%ld/f%ld", o->dir, i / META_PER_DIR,
				i);
			wl_stat(c, path);
			wl_close(c, wl_open(c, path, O_RDONLY));
			wl_close(c, wl_open(c, path, O_WRONLY));
		}
	}
	for (long i = 0; i < o->count; i++) {
		wl_path(path, sizeof(path), "%s/meta-%ld/f%ld", o->dir, i / META_PER_DIR, i);
		wl_unlink(c, path);
	}
	for (long d = 0; d < dirs; d++) {
		wl_path(path, sizeof(path), "%s/meta-%ld", o->dir, d);
		wl_rmdir(c, path);
	}
	return 0;
}

#define BIGDIR_PASSES 3

/*
 * One large directory, as /var/lib/dpkg/info or a mail spool: COUNT files
 * made in one go, then passes over them oldest first, where most names have
 * thousands of newer siblings in the directory's list of cached children.
 */
int wl_bigdir(const struct wl_opts *o, struct wl_count *c)
{
	char path[PATH_SIZE];

	wl_path(path, sizeof(path), "%s/big", o->dir);
	wl_mkdir(c, path);
	for (long i = 0; i < o->count; i++) {
		wl_path(path, sizeof(path), "%s/big/f%ld", o->dir, i);
		wl_close(c, wl_create(c, path));
	}
	for (long r = 0; r < BIGDIR_PASSES; r++) {
		for (long i = 0; i < o->count; i++) {
			wl_path(path, sizeof(path), "%s/big/f%ld", o->dir, i);
			wl_close(c, wl_open(c, path, O_WRONLY));
			wl_chmod(c, path, r & 1 ? 0644 : 0600);
		}
	}
	for (long i = 0; i < o->count; i++) {
		wl_path(path, sizeof(path), "%s/big/f%ld", o->dir, i);
		wl_unlink(c, path);
	}
	wl_path(path, sizeof(path), "%s/big", o->dir);
	wl_rmdir(c, path);
	return 0;
}
