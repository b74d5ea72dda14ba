/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The comparison workloads (bench/workloads.c): every file operation goes
 * through a counting wrapper, so each workload can print exactly how many
 * of each it performed. A failed operation ends the workload: a count that
 * includes a failure would not be exact. Standalone on purpose (no
 * libvfsaudit): the benchmark must build while the library is being changed.
 */
#ifndef WL_H
#define WL_H

#include <stdbool.h>
#include <stddef.h>

/* Kept in the order the `ops` line prints them; names in wl_ops.c. */
enum wl_op {
	WL_CREATE, /* open(O_CREAT) that made a new file */
	WL_OPEN_R, /* open of an existing file for reading */
	WL_OPEN_W, /* open of an existing file for writing */
	WL_READ,   /* read(2) calls */
	WL_WRITE,  /* write(2) calls */
	WL_CLOSE,
	WL_STAT,
	WL_RENAME,
	WL_CHMOD,
	WL_UNLINK,
	WL_MKDIR,
	WL_RMDIR,
	WL_SYMLINK, /* only counted by the real workload (from tar's result) */
	WL_NOPS
};

struct wl_count {
	unsigned long long n[WL_NOPS];
};

struct wl_opts {
	const char *dir;   /* scratch directory, must exist */
	const char *cache; /* real: where the /usr/include tarball is kept */
	long count;	   /* the workload's main size (see usage) */
	long rounds;	   /* meta: passes over the files */
	long procs;	   /* storm: processes */
	long jobs;	   /* real: make -j */
};

/* Workloads: return 0, or exit(1) with a message naming the failed call. */
int wl_write_heavy(const struct wl_opts *o, struct wl_count *c);
int wl_mixed(const struct wl_opts *o, struct wl_count *c);
int wl_meta(const struct wl_opts *o, struct wl_count *c);
int wl_storm(const struct wl_opts *o, struct wl_count *c);
int wl_bigdir(const struct wl_opts *o, struct wl_count *c);
/* Makes the tarball in o->cache once; not timed, not counted. */
int wl_real_prepare(const struct wl_opts *o);
int wl_real(const struct wl_opts *o, struct wl_count *c);
/* After the timed part: counts what tar and make created, by a walk. Exact
 * for the namespace (files, directories, links), not for tar's and the
 * compiler's own reads, writes, chmods and utimes. */
int wl_real_tally(const struct wl_opts *o, struct wl_count *c);

/* The counting wrappers. */
void wl_die(const char *call, const char *path) __attribute__((noreturn));
int wl_create(struct wl_count *c, const char *path);
int wl_open(struct wl_count *c, const char *path, int flags);
void wl_read(struct wl_count *c, int fd, void *buf, size_t len);
void wl_write(struct wl_count *c, int fd, const void *buf, size_t len);
void wl_close(struct wl_count *c, int fd);
void wl_stat(struct wl_count *c, const char *path);
void wl_rename(struct wl_count *c, const char *from, const char *to);
void wl_chmod(struct wl_count *c, const char *path, unsigned int mode);
void wl_unlink(struct wl_count *c, const char *path);
void wl_mkdir(struct wl_count *c, const char *path);
void wl_rmdir(struct wl_count *c, const char *path);
/* create + write all of @len + close: a small file in one go. */
void wl_put_file(struct wl_count *c, const char *path, const void *buf, size_t len);
void wl_path(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void wl_count_add(struct wl_count *sum, const struct wl_count *c);
/* `ops workload=NAME create=N ... total=N exact=1|0` */
void wl_count_print(const char *workload, const struct wl_count *c, bool exact);

#endif
