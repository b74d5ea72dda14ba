// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracepoint backend: syscall exit tracepoints (tp_btf) dispatched by
 * syscall number, sched tracepoints for the process table. Loads where
 * fentry and BPF LSM programs are refused.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture_priv.h"
#include "dhash.h"
#include "filter.h"
#include "ringbuf.h"
#include "ops.h"
#include "bpf/syscall_nr.h"
#include "vfsaudit.skel.h"

/*
 * The consumer runs boosted (--priority-boost), so the ring only has to
 * cover its scheduling delays, and the kernel maps the data area twice, so
 * each MiB here is two of the daemon's RSS. Up to 4 CPUs (a few hundred
 * thousand events a second at most) 4 MiB lost nothing under sixteen storm
 * loops in 14 runs of 10 to 20 s; more CPUs can offer more: 8 MiB, which
 * took 1.6 million events a second from 16 CPUs without a drop.
 */
#define SMALL_RINGBUF	(4u << 20)
#define DEFAULT_RINGBUF (8u << 20)
#define SMALL_MACHINE_CPUS 4
#define FLUSH_INTERVAL_NS 1000000000ull
#define AGG_IDLE_NS (5ull * 1000000000ull)

struct tp_backend {
	struct vfsaudit_bpf *skel;
	struct va_ringbuf ring; /* the events map, mapped once (ringbuf.h) */
	int flush_fd;
	uint64_t last_flush_ns;
	uint64_t prog_misses; /* runs the kernel skipped (recursion), reported as lost */
};

/* Which handler serves which syscalls, and the ops that need it. */
struct handler {
	const char *prog;
	uint64_t sel;
	int nrs[16];
};

#define SEL_RW (VA_SEL(VA_OP_READ) | VA_SEL(VA_OP_WRITE))

static const struct handler handlers[] = {
	{ "h_open",
	  VA_SEL(VA_OP_CREATE) | VA_SEL_OPEN_WRITE | VA_SEL_OPEN_READ | VA_SEL(VA_OP_TRUNCATE),
	  { VA_NR_open, VA_NR_creat, VA_NR_openat, VA_NR_openat2, VA_NR_open_by_handle_at, -1 } },
	{ "h_rw",
	  SEL_RW,
	  { VA_NR_read, VA_NR_write, VA_NR_pread64, VA_NR_pwrite64, VA_NR_readv, VA_NR_writev,
	    VA_NR_preadv, VA_NR_pwritev, VA_NR_preadv2, VA_NR_pwritev2, VA_NR_sendto,
	    VA_NR_recvfrom, VA_NR_sendmsg, VA_NR_recvmsg, -1 } },
	{ "h_xfer",
	  SEL_RW,
	  { VA_NR_sendfile, VA_NR_splice, VA_NR_tee, VA_NR_copy_file_range, -1 } },
	{ "h_truncate", VA_SEL(VA_OP_TRUNCATE), { VA_NR_truncate, VA_NR_ftruncate, -1 } },
	{ "h_name",
	  VA_SEL(VA_OP_UNLINK) | VA_SEL(VA_OP_RMDIR) | VA_SEL(VA_OP_MKDIR) | VA_SEL(VA_OP_MKNOD),
	  { VA_NR_unlink, VA_NR_unlinkat, VA_NR_rmdir, VA_NR_mkdir, VA_NR_mkdirat, VA_NR_mknod,
	    VA_NR_mknodat, -1 } },
	{ "h_two",
	  VA_SEL(VA_OP_RENAME) | VA_SEL(VA_OP_LINK) | VA_SEL(VA_OP_SYMLINK),
	  { VA_NR_rename, VA_NR_renameat, VA_NR_renameat2, VA_NR_link, VA_NR_linkat,
	    VA_NR_symlink, VA_NR_symlinkat, -1 } },
	{ "h_attr",
	  VA_SEL(VA_OP_CHMOD) | VA_SEL(VA_OP_CHOWN) | VA_SEL(VA_OP_UTIMES),
	  { VA_NR_chmod, VA_NR_fchmod, VA_NR_fchmodat, VA_NR_fchmodat2, VA_NR_chown, VA_NR_fchown,
	    VA_NR_lchown, VA_NR_fchownat, VA_NR_utime, VA_NR_utimes, VA_NR_utimensat,
	    VA_NR_futimesat, -1 } },
	{ "h_xattr",
	  VA_SEL(VA_OP_SETXATTR) | VA_SEL(VA_OP_REMOVEXATTR),
	  { VA_NR_setxattr, VA_NR_lsetxattr, VA_NR_fsetxattr, VA_NR_removexattr,
	    VA_NR_lremovexattr, VA_NR_fremovexattr, VA_NR_setxattrat, VA_NR_removexattrat, -1 } },
	{ "h_exec_fail", VA_SEL(VA_OP_EXEC), { VA_NR_execve, VA_NR_execveat, -1 } },
};

/* Superblock magics of the default-excluded filesystem types (linux/magic.h). */
static const struct {
	const char *name;
	uint32_t magic;
} fs_magics[] = {
	{ "proc", 0x9fa0 },	       { "sysfs", 0x62656572 },	     { "cgroup", 0x27e0eb },
	{ "cgroup2", 0x63677270 },     { "devpts", 0x1cd1 },	     { "debugfs", 0x64626720 },
	{ "tracefs", 0x74726163 },     { "securityfs", 0x73636673 }, { "bpf", 0xcafe4a11 },
	{ "configfs", 0x62656570 },    { "pstore", 0x6165676c },     { "mqueue", 0x19800202 },
	{ "pipefs", 0x50495045 },      { "sockfs", 0x534f434b },     { "anon_inodefs", 0x09041934 },
	{ "nsfs", 0x6e736673 },	       { "pidfs", 0x50494446 },	     { "rpc_pipefs", 0x67596969 },
};

static bool verbose_libbpf;
static char last_libbpf_error[512];

/*
 * Keep the libbpf warning that names the refused program ("prog 'h_open':
 * failed to load: -13"), else the last one, for our own message; print
 * everything only with --verbose.
 */
__attribute__((format(printf, 2, 0))) static int libbpf_print(enum libbpf_print_level level,
								  const char *fmt, va_list args)
{
	char line[sizeof(last_libbpf_error)];

	if (verbose_libbpf)
		return vfprintf(stderr, fmt, args);
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, args);
	line[strcspn(line, "\n")] = '\0';
	if (strstr(last_libbpf_error, "prog '") && strstr(last_libbpf_error, "failed to load"))
		return 0;
	memcpy(last_libbpf_error, line, sizeof(line));
	return 0;
}

/* Returns: true when the effective set holds @cap. */
static bool have_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int va_capture_permitted(char *err, size_t errlen)
{
	if (have_cap(CAP_SYS_ADMIN) || (have_cap(CAP_BPF) && have_cap(CAP_PERFMON)))
		return 0;
	snprintf(err, errlen,
		 "capturing needs root: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, are missing; "
		 "run it with sudo");
	return -EPERM;
}

static uint64_t now_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_record(void *ctx, const void *data, size_t size)
{
	va_capture_deliver(ctx, data, size);
}

/* A --path prefix, its "/" and the set's byte fill the trie's key. */
_Static_assert(VA_FILTER_PREFIX_MAX + 1 == VA_FILTER_KEY_PATH_MAX, "prefix and trie key disagree");

/* Write @prefix into filter set @set of the LPM trie, as "prefix/". */
static int put_prefix(int fd, uint32_t set, const char *prefix, uint8_t verdict)
{
	struct va_filter_path_key key;
	size_t n;

	memset(&key, 0, sizeof(key));
	n = va_filter_prefix_key(prefix, (char *)key.data, sizeof(key.data));
	if (!n)
		return -ENAMETOOLONG;
	key.set = (uint8_t)set;
	key.prefixlen = (uint32_t)(1 + n) * 8;
	return bpf_map_update_elem(fd, &key, &verdict, BPF_ANY) ? -errno : 0;
}

static int put_id(int fd, uint32_t set, uint32_t id)
{
	struct va_filter_id_key key = { .set = set, .id = id };
	uint8_t one = 1;

	return bpf_map_update_elem(fd, &key, &one, BPF_ANY) ? -errno : 0;
}

/*
 * Delete filter set @set's entries from a filter map: those whose key holds
 * @set at @set_off (one byte in a path key, 32 bits in the others). The
 * keys are gathered first: deleting while walking would lose the place.
 */
static int clear_set(struct bpf_map *map, size_t set_off, uint32_t set)
{
	int fd = bpf_map__fd(map);
	size_t size = bpf_map__key_size(map), cap = bpf_map__max_entries(map), n = 0;
	char *keys = calloc(cap + 1, size), *prev = NULL;
	int ret = 0;

	if (!keys)
		return -ENOMEM;
	while (n < cap && !bpf_map_get_next_key(fd, prev, keys + n * size)) {
		prev = keys + n * size;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		const char *k = keys + i * size;
		uint32_t kset = 0;

		if (set_off == offsetof(struct va_filter_path_key, set))
			kset = (uint8_t)k[set_off];
		else
			memcpy(&kset, k + set_off, sizeof(kset));
		if (kset == set && bpf_map_delete_elem(fd, k) && errno != ENOENT && !ret)
			ret = -errno;
	}
	free(keys);
	return ret;
}

/*
 * Fill filter set @set (not in use) from @f, after emptying it of an older
 * reload's, and @conf's quick test of the path prefixes (va_filter_add_head()).
 */
static int fill_filter_set(struct vfsaudit_bpf *skel, const struct va_filter *f, uint32_t set,
			   struct va_filter_conf *conf)
{
	struct bpf_map *ids[] = { skel->maps.uid_filter, skel->maps.dev_filter,
				  skel->maps.fs_exclude, skel->maps.comm_filter };
	int err = 0, fd;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && !err; i++)
		err = clear_set(ids[i], 0, set);
	if (!err)
		err = clear_set(skel->maps.path_filter, offsetof(struct va_filter_path_key, set),
				set);
	for (unsigned int i = 0; i < f->n_uids && !err; i++)
		err = put_id(bpf_map__fd(skel->maps.uid_filter), set, f->uids[i]);
	for (unsigned int i = 0; i < f->n_devs && !err; i++)
		err = put_id(bpf_map__fd(skel->maps.dev_filter), set, f->devs[i]);
	for (unsigned int i = 0; i < f->n_comms && !err; i++) {
		struct va_filter_comm_key key = { .set = set };
		uint8_t one = 1;

		memcpy(key.comm, f->comms[i], sizeof(key.comm));
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.comm_filter), &key, &one, BPF_ANY))
			err = -errno;
	}
	for (const char *const *t = va_default_exclude_fstypes; f->default_excludes && *t && !err;
	     t++)
		for (size_t i = 0; i < sizeof(fs_magics) / sizeof(fs_magics[0]) && !err; i++)
			if (!strcmp(*t, fs_magics[i].name))
				err = put_id(bpf_map__fd(skel->maps.fs_exclude), set,
					     fs_magics[i].magic);
	fd = bpf_map__fd(skel->maps.path_filter);
	for (unsigned int i = 0; i < f->n_paths && !err; i++) {
		err = put_prefix(fd, set, f->paths[i], 1);
		va_filter_add_head(conf, f->paths[i]);
	}
	for (const char *const *d = va_default_exclude_paths; *d && !err; d++) {
		if (va_filter_default_exclude_applies(f, *d)) {
			err = put_prefix(fd, set, *d, 2);
			va_filter_add_head(conf, *d);
		}
	}
	for (unsigned int i = 0; i < f->n_excludes && !err; i++) {
		err = put_prefix(fd, set, f->excludes[i], 2);
		va_filter_add_head(conf, f->excludes[i]);
	}
	return err;
}

/* Point each syscall at its handler when one of its ops is selected, else at nothing. */
static int install_handlers(struct vfsaudit_bpf *skel, uint64_t sel, char *err, size_t errlen)
{
	int table = bpf_map__fd(skel->maps.exit_handlers);

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		const struct handler *h = &handlers[i];
		struct bpf_program *prog;
		int fd;

		prog = bpf_object__find_program_by_name(skel->obj, h->prog);
		fd = prog ? bpf_program__fd(prog) : -1;
		if (fd < 0) {
			snprintf(err, errlen, "BPF program %s is missing", h->prog);
			return -ENOENT;
		}
		for (const int *nr = h->nrs; *nr >= 0; nr++) {
			uint32_t key = (uint32_t)*nr;

			if (!(h->sel & sel)) {
				bpf_map_delete_elem(table, &key);
				continue;
			}
			if (bpf_map_update_elem(table, &key, &fd, BPF_ANY)) {
				snprintf(err, errlen, "cannot install BPF program %s for syscall %d: %s",
					 h->prog, *nr, strerror(errno));
				return -errno;
			}
		}
	}
	return 0;
}

/*
 * Apply @f to the loaded programs. The filter set not in use is filled, and
 * then put in use by one store, so that a check sees the old filters or
 * the new ones, never a map being emptied or filled; the handlers of the
 * ops of both stay installed across the switch. A failure leaves the set
 * in use as it was.
 */
static int apply_filter(struct vfsaudit_bpf *skel, const struct va_filter *f, char *err,
			size_t errlen)
{
	uint32_t epoch = skel->bss->filter_set, cur = epoch & 1, next = cur ^ 1;
	uint64_t was = skel->bss->filter_conf[cur].ops_sel;
	struct va_filter_conf conf = {
		.ops_sel = f->ops,
		.uid = f->n_uids > 0,
		.comm = f->n_comms > 0,
		.dev = f->n_devs > 0,
		.fs = f->default_excludes,
		.path = f->n_paths || f->n_excludes || f->default_excludes,
		.path_includes = f->n_paths > 0,
	};
	int ret = fill_filter_set(skel, f, next, &conf);

	if (ret) {
		snprintf(err, errlen, "cannot load the filters into the kernel: %s",
			 strerror(-ret));
		return ret;
	}
	ret = install_handlers(skel, was | f->ops, err, errlen);
	if (ret)
		return ret;
	skel->bss->filter_conf[next] = conf;
	/*
	 * After the set's entries and switches (x86 keeps stores in order).
	 * One more, not the other bit: merged files the old filters left out
	 * are decided again (rw.bpf.h).
	 */
	__atomic_store_n(&skel->bss->filter_set, epoch + 1, __ATOMIC_RELEASE);
	return install_handlers(skel, f->ops, err, errlen);
}

/*
 * FMODE_CREATED, which tells a create from an open, moved between kernel
 * versions. Measure it: open a new file in @dir with O_CREAT|O_EXCL
 * (created) and again with O_CREAT (not created); the h_open program records
 * f_mode of both for our own process; the bit that differs is FMODE_CREATED.
 */
static int calibrate_fmode_created(struct vfsaudit_bpf *skel, const char *dir)
{
	int calib = bpf_map__fd(skel->maps.calib), fd;
	uint32_t k0 = 0, k1 = 1, created = 0, existing = 0, diff;
	char path[PATH_MAX];

	/* Both opens identical but for O_EXCL, so that only FMODE_CREATED differs. */
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	unlink(path);
	if (bpf_map_lookup_elem(calib, &k0, &created) || bpf_map_lookup_elem(calib, &k1, &existing))
		return -errno;
	diff = created & ~existing;
	if (!diff || (diff & (diff - 1)))
		return -EIO;
	skel->bss->fmode_created = diff;
	/* Name resolution needs the dcache's hash; without it paths stay lexical. */
	{
		uint32_t k2 = 2, verdict = 0;

		if (!bpf_map_lookup_elem(calib, &k2, &verdict) && verdict == 1)
			skel->bss->name_hash_ok = true;
	}
	return 0;
}

/* Create and close @dir/@name; then unlink it. Returns: 0 or -errno. */
static int create_named(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(path);
	return 0;
}

/* A lookup through the table found our new file @dir/@name (calib[3]). */
static bool table_finds(struct vfsaudit_bpf *skel, const char *dir, const char *name)
{
	int calib = bpf_map__fd(skel->maps.calib);
	uint32_t k3 = 3, verdict = 0;

	return !bpf_map_update_elem(calib, &k3, &verdict, BPF_ANY) && !create_named(dir, name) &&
	       !bpf_map_lookup_elem(calib, &k3, &verdict) && verdict == 1;
}

/*
 * Locate the dcache's hash table (dhash.h): h_open samples where each of
 * our new files in @dir was hashed; solve; then new files with a short and
 * a long name must be found through the table before the programs use it.
 * Without it (dhash_ok stays false), name resolution scans directories'
 * children, which costs more in large directories and gives up past
 * RES_MAX_KIDS of them.
 */
static void calibrate_dhash(struct vfsaudit_bpf *skel, const char *dir)
{
	uint32_t max = bpf_map__max_entries(skel->maps.dhash_samples), n;
	int smp_fd = bpf_map__fd(skel->maps.dhash_samples);
	struct va_dhash_sample samples[64];
	char name[16];
	uint64_t table;
	uint32_t shift;

	if (!skel->bss->name_hash_ok || max > 64)
		return;
	for (uint32_t i = 0; i < max; i++) {
		snprintf(name, sizeof(name), "%u", i);
		if (create_named(dir, name))
			return;
	}
	n = skel->bss->dhash_samples_n;
	if (n > max)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (bpf_map_lookup_elem(smp_fd, &i, &samples[i]))
			return;
	if (va_dhash_solve(samples, n, &table, &shift))
		return;
	skel->bss->dhash_shift = shift;
	skel->bss->dhash_table = table; /* our own opens now check it */
	if (!table_finds(skel, dir, "c") || !table_finds(skel, dir, "check-a-name-past-8-bytes")) {
		skel->bss->dhash_table = 0;
		return;
	}
	skel->bss->dhash_ok = true;
}

/*
 * What the programs must learn about this kernel, from our own opens in a
 * private directory, removed after (with the dentries its files leave).
 */
static int calibrate(struct vfsaudit_bpf *skel)
{
	char dir[] = "/tmp/.vfsaudit-calib-XXXXXX";
	int ret;

	if (!mkdtemp(dir))
		return -errno;
	skel->bss->calib_tid = (uint32_t)gettid();
	ret = calibrate_fmode_created(skel, dir);
	if (!ret)
		calibrate_dhash(skel, dir);
	skel->bss->calib_tid = 0;
	rmdir(dir);
	return ret;
}

static int run_flush(struct tp_backend *b)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	uint64_t dummy = 0;

	opts.ctx_in = &dummy;
	opts.ctx_size_in = sizeof(dummy);
	return bpf_prog_test_run_opts(b->flush_fd, &opts) ? -errno : 0;
}

/* Runs the kernel skipped (one program re-entered on a CPU) are events lost too. */
static uint64_t prog_misses(struct vfsaudit_bpf *skel)
{
	struct bpf_program *prog;
	uint64_t total = 0;

	bpf_object__for_each_program(prog, skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			total += info.recursion_misses;
	}
	return total;
}

static int periodic(struct va_capture *c, bool force)
{
	struct tp_backend *b = c->backend;
	uint64_t now = now_boot_ns(), misses;
	long n;
	int err;

	if (!force && now - b->last_flush_ns < FLUSH_INTERVAL_NS)
		return 0;
	b->last_flush_ns = now;
	va_capture_sync_clock(c);
	err = run_flush(b);
	if (err)
		return err;
	n = va_ringbuf_consume(&b->ring);
	if (n < 0)
		return (int)n;
	va_capture_flushed(c, AGG_IDLE_NS / FLUSH_INTERVAL_NS);
	misses = prog_misses(b->skel);
	if (misses > b->prog_misses) {
		va_capture_report_lost(c, misses - b->prog_misses, now);
		b->prog_misses = misses;
	}
	va_proctab_expire(&c->procs, now);
	/* Read where the programs keep them: another CPU may be raising them. */
	c->stats.ring_peak = __atomic_load_n(&b->skel->data_ring->ring_peak, __ATOMIC_RELAXED);
	if (__atomic_load_n(&b->skel->data_ring->ring_refused, __ATOMIC_RELAXED))
		c->stats.ring_peak = c->stats.ring_bytes;
	return 0;
}

static int tp_poll(struct va_capture *c, int timeout_ms)
{
	struct tp_backend *b = c->backend;
	/* Records are mostly submitted without a wakeup: the timeout drains them too. */
	long n = va_ringbuf_poll(&b->ring, timeout_ms);

	if (n < 0)
		return (int)n;
	return periodic(c, false);
}

/* struct loss of maps.bpf.h: per CPU, the losses not yet sent as records, and all of them. */
struct tp_loss {
	uint64_t pending[VA_LOSS_CAUSES];
	uint64_t total[VA_LOSS_CAUSES];
};

/*
 * After the last flush, with the programs detached: losses that no record
 * could carry (the flush's own loss records refused, the ring full again)
 * are still in the map. Report them, and take them out so that nothing
 * reports them twice.
 */
static void report_stranded_losses(struct va_capture *c, struct tp_backend *b)
{
	int fd = bpf_map__fd(b->skel->maps.losses), cpus = libbpf_num_possible_cpus();
	uint64_t events = 0, procs = 0;
	struct tp_loss *v;
	uint32_t zero = 0;

	if (cpus <= 0 || bpf_map__value_size(b->skel->maps.losses) != sizeof(*v))
		return;
	v = calloc((size_t)cpus, sizeof(*v));
	if (!v)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, v)) {
		for (int i = 0; i < cpus; i++) {
			events += v[i].pending[VA_LOSS_RINGBUF];
			procs += v[i].pending[VA_LOSS_PROC];
			v[i].pending[VA_LOSS_RINGBUF] = v[i].pending[VA_LOSS_PROC] = 0;
		}
		if ((events || procs) && !bpf_map_update_elem(fd, &zero, v, BPF_ANY)) {
			c->stats.proc_lost += procs;
			if (events)
				va_capture_report_lost(c, events, now_boot_ns());
		}
	}
	free(v);
}

/*
 * The stop. The programs are detached first: under a storm the ring would
 * otherwise refill as fast as it is read, and the flush's loss records
 * could not get in. Then the ring, the flush (merged counts, losses as
 * records), and what is left in the loss map.
 */
static int tp_drain(struct va_capture *c)
{
	struct tp_backend *b = c->backend;
	long n;
	int err;

	vfsaudit_bpf__detach(b->skel);
	/* A program running on another CPU at the detach finishes its record meanwhile. */
	usleep(20000);
	n = va_ringbuf_consume(&b->ring);
	if (n < 0)
		return (int)n;
	err = periodic(c, true);
	if (err)
		return err;
	report_stranded_losses(c, b);
	return 0;
}

static void tp_close(struct va_capture *c)
{
	struct tp_backend *b = c->backend;

	if (!b)
		return;
	va_ringbuf_close(&b->ring);
	vfsaudit_bpf__destroy(b->skel);
	free(b);
	c->backend = NULL;
}

static int tp_set_filter(struct va_capture *c, const struct va_filter *f, char *err,
			 size_t errlen)
{
	struct tp_backend *b = c->backend;

	if (f->every_call != b->skel->rodata->every_call) {
		snprintf(err, errlen, "every-call cannot change without a restart");
		return -EINVAL;
	}
	return apply_filter(b->skel, f, err, errlen);
}

static const struct va_backend_ops tp_ops = {
	.id = VA_BACKEND_TRACEPOINT,
	.set_filter = tp_set_filter,
	.limits = "no io_uring, no mmap writes, no in-kernel (nfsd) access, no socket files made by "
		  "bind(2); "
		  "names through symlinks with out-of-line targets or uncached directories fall back to the name as written",
	.poll = tp_poll,
	.drain = tp_drain,
	.close = tp_close,
};

static uint64_t round_ringbuf(uint64_t bytes)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), size = page;

	while (size < bytes)
		size <<= 1;
	return size;
}

uint64_t va_tp_default_ringbuf(void)
{
	/* The CPUs that can make events now (a VM may list many more as possible). */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return cpus > 0 && cpus <= SMALL_MACHINE_CPUS ? SMALL_RINGBUF : DEFAULT_RINGBUF;
}

int va_tp_open(struct va_capture *c, const struct va_capture_opts *opts, char *err, size_t errlen)
{
	const struct va_filter *f = opts->filter;
	struct tp_backend *b = calloc(1, sizeof(*b));
	struct vfsaudit_bpf *skel = NULL;
	struct bpf_program *prog;
	uint64_t rb_size = round_ringbuf(opts->ringbuf_bytes ? opts->ringbuf_bytes
							     : va_tp_default_ringbuf());
	int ret;

	if (!b)
		return -ENOMEM;
	ret = va_capture_permitted(err, errlen);
	if (ret)
		goto cleanup;
	verbose_libbpf = opts->verbose;
	libbpf_set_print(libbpf_print);

	skel = vfsaudit_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-ret));
		goto cleanup;
	}
	skel->rodata->self_tgid = (uint32_t)getpid();
	skel->rodata->every_call = f->every_call;
	skel->rodata->wake_bytes = rb_size / 4;
	skel->rodata->ring_size = rb_size;
	skel->rodata->agg_idle_flushes = AGG_IDLE_NS / FLUSH_INTERVAL_NS;
	skel->rodata->nr_cpus = (uint32_t)libbpf_num_possible_cpus();
	bpf_map__set_max_entries(skel->maps.events, (uint32_t)rb_size);
	bpf_map__set_max_entries(skel->maps.scratch_map, skel->rodata->nr_cpus);

	/* Handlers are reached by tail call, the flush by test run: none is attached. */
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *name = bpf_program__name(prog);

		if (!strncmp(name, "h_", 2) || !strcmp(name, "flush"))
			bpf_program__set_autoattach(prog, false);
	}

	ret = vfsaudit_bpf__load(skel);
	if (ret) {
		snprintf(err, errlen,
			 "the kernel refused the tracepoint BPF programs (%s)%s%s; run with "
			 "--verbose for the verifier log",
			 strerror(-ret), last_libbpf_error[0] ? ": " : "", last_libbpf_error);
		goto cleanup;
	}
	ret = apply_filter(skel, f, err, errlen);
	if (ret)
		goto cleanup;
	ret = vfsaudit_bpf__attach(skel);
	if (ret) {
		snprintf(err, errlen, "cannot attach the tracepoint programs (%s)%s%s",
			 strerror(-ret), last_libbpf_error[0] ? ": " : "", last_libbpf_error);
		goto cleanup;
	}
	{
		/* Needs h_open on the open syscalls, whatever --ops selects. */
		uint64_t sel = skel->bss->filter_conf[skel->bss->filter_set & 1].ops_sel;

		ret = install_handlers(skel, sel | VA_SEL(VA_OP_CREATE), err, errlen);
		if (!ret)
			ret = calibrate(skel);
		if (!ret)
			ret = install_handlers(skel, sel, err, errlen);
		if (!ret && opts->verbose)
			fprintf(stderr, "vfsaudit: name lookups: %s; ring buffer %llu KiB\n",
				skel->bss->dhash_ok ? "the dcache's hash table"
				      : "directory scans (the dcache's hash table was not found)",
				(unsigned long long)(rb_size >> 10));
		if (ret) {
			snprintf(err, errlen,
				 "cannot tell creates from opens on this kernel (calibration: %s)",
				 strerror(-ret));
			goto cleanup;
		}
	}
	ret = va_ringbuf_open(&b->ring, bpf_map__fd(skel->maps.events), on_record, c);
	if (ret) {
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(-ret));
		goto cleanup;
	}
	b->skel = skel;
	b->flush_fd = bpf_program__fd(skel->progs.flush);
	b->last_flush_ns = now_boot_ns();
	b->prog_misses = prog_misses(skel);
	c->backend = b;
	c->ops = &tp_ops;
	c->lookups = skel->bss->dhash_ok ? "dcache-hash" : "directory-scan";
	c->stats.ring_bytes = rb_size;
	va_proctab_seed(&c->procs);
	return 0;

cleanup:
	vfsaudit_bpf__destroy(skel);
	free(b);
	return ret;
}
