/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wire format between the BPF programs and the user-space decoder: the only
 * header both sides include. Fixed-width types, natural alignment, largest
 * fields first, no packed structs. Type numbers are never reused.
 *
 * Every record starts with struct va_wire_hdr; hdr.size is the whole record
 * including any string data that follows the fixed part. The decoder checks
 * sizes before it trusts a single field.
 */
#ifndef VA_WIRE_H
#define VA_WIRE_H

#ifdef __VMLINUX_H__
typedef __u64 va_u64;
typedef __s64 va_s64;
typedef __u32 va_u32;
typedef __u16 va_u16;
typedef __u8 va_u8;
#else
#include <stdint.h>
typedef uint64_t va_u64;
typedef int64_t va_s64;
typedef uint32_t va_u32;
typedef uint16_t va_u16;
typedef uint8_t va_u8;
#endif

/* Operations (SPEC.md's table). Numbers are part of the wire format: never reuse one. */
enum va_op {
	VA_OP_NONE = 0,
	VA_OP_CREATE = 1,
	VA_OP_OPEN = 2,
	VA_OP_READ = 3,
	VA_OP_WRITE = 4,
	VA_OP_TRUNCATE = 5,
	VA_OP_UNLINK = 6,
	VA_OP_RMDIR = 7,
	VA_OP_MKDIR = 8,
	VA_OP_MKNOD = 9,
	VA_OP_RENAME = 10,
	VA_OP_LINK = 11,
	VA_OP_SYMLINK = 12,
	VA_OP_CHMOD = 13,
	VA_OP_CHOWN = 14,
	VA_OP_SETXATTR = 15,
	VA_OP_REMOVEXATTR = 16,
	VA_OP_UTIMES = 17,
	VA_OP_EXEC = 18,
	VA_OP_LOST = 19,
	VA_OP_MAX
};

/* How a path was obtained and how complete it is (va_event.path_flags, va_wire_file.str_flags). */
#define VA_PATH_TRUNCATED   0x1 /* walk hit the depth/length limit: leading part missing */
#define VA_PATH_DELETED	    0x2 /* the object was unlinked while open */
#define VA_PATH_UNREACHABLE 0x4 /* object lies outside the process's root */
#define VA_PATH_FROM_NAME   0x8 /* directory from the kernel, last part from the call's name */
#define VA_PATH_FAULT	    0x10 /* the name could not be read from the process */
#define VA_PATH_PSEUDO	    0x20 /* no path (pipe, socket, anon inode): formatted as d_path does */
/*
 * With VA_PATH_UNREACHABLE: the walk ended at the root of init (pid 1), so
 * the path reads as the machine's administrator sees it (a file opened
 * before the process entered another mount namespace or a chroot). Without
 * it, an unreachable path is relative to another namespace's root or to a
 * detached mount's. Not vfsaudit's own root: systemd runs the daemon in a
 * mount namespace of its own, whose mounts no other process walks through.
 */
#define VA_PATH_INIT_ROOT 0x40
/* The head of the path is not known as vfsaudit sees paths: path filters keep it. */
#define VA_PATH_HEAD_UNKNOWN(flags)                                                                \
	(((flags) & (VA_PATH_TRUNCATED | VA_PATH_FAULT)) ||                                        \
	 ((flags) & (VA_PATH_UNREACHABLE | VA_PATH_INIT_ROOT)) == VA_PATH_UNREACHABLE)

enum va_wire_type {
	VA_WIRE_FILE = 1,     /* struct va_wire_file: a file event, full context */
	VA_WIRE_RW_FLUSH = 2, /* struct va_wire_flush: more calls on an aggregated read/write */
	VA_WIRE_FORK = 3,     /* struct va_wire_proc: a new process (not a thread) */
	VA_WIRE_EXIT = 4,     /* struct va_wire_proc: a process ended */
	VA_WIRE_LOST = 5,     /* struct va_wire_lost: records the kernel could not deliver */
	VA_WIRE_RW_START =
		6, /* struct va_wire_start: an aggregated read/write begun from a template */
};

/* Sizes of the string areas. Paths longer than VA_WIRE_PATH_MAX are cut at the front. */
#define VA_WIRE_PATH_MAX 8192 /* a walked path, with its NUL */
#define VA_WIRE_NAME_MAX 4096 /* a name read from a syscall argument (PATH_MAX) */
#define VA_WIRE_ARGV_MAX 4096 /* exec arguments */
#define VA_WIRE_SLOT	 16384 /* room reserved per string; a power of two >= PATH + NAME */
#define VA_WIRE_DATA_MAX (2 * VA_WIRE_SLOT)

struct va_wire_hdr {
	va_u64 ts;   /* CLOCK_BOOTTIME ns */
	va_u32 type; /* enum va_wire_type */
	va_u32 size; /* bytes in the whole record */
};
_Static_assert(sizeof(struct va_wire_hdr) == 16, "va_wire_hdr layout");

/* Who did it, read from the current task at the time of the call. */
struct va_wire_task {
	va_u64 mntns; /* mount namespace inode number */
	va_u32 pid;   /* tgid */
	va_u32 tid;
	va_u32 ppid;
	va_u32 uid;
	va_u32 euid;
	va_u32 gid;
	va_u32 auid; /* 0xffffffff unset */
	va_u32 ses;  /* 0xffffffff unset */
	va_u32 tty;  /* kernel dev_t (MAJ << 20 | MIN), 0 none */
	va_u32 pad;
	char comm[16];
};
_Static_assert(sizeof(struct va_wire_task) == 64, "va_wire_task layout");

/* va_wire_file.wflags */
#define VA_WF_DEV_KNOWN	    0x1	 /* dev/fs_magic describe the object */
#define VA_WF_INO_KNOWN	    0x2	 /* ino/ftype describe the object */
#define VA_WF_DEV_OF_DIR    0x4	 /* dev is the directory's; valid for the object if the name has no '/' */
#define VA_WF_AGG_START	    0x8	 /* first call of an aggregated read/write; agg_id names it */
#define VA_WF_OPEN_FLAGS    0x10 /* oflags holds open(2) flags */
#define VA_WF_ARGV_TRUNC    0x20 /* argv was longer than VA_WIRE_ARGV_MAX */
#define VA_WF_PROC_ONLY	    0x40 /* exec that failed the filters: update the process table only */
#define VA_WF_USER_FILTER   0x80 /* path from a name: path/dev filters left to user space */
#define VA_WF_FTYPE_KNOWN   0x100 /* imode's S_IFMT bits name the object's type (no ino) */
#define VA_WF_TEMPLATE	    0x200 /* an open: agg_id holds the thread's template number */

/*
 * A file event. String data follows: str1 (path), then str2 (new name,
 * symlink target, xattr name or exec argv), each str_len[i] bytes, no NUL.
 */
struct va_wire_file {
	struct va_wire_hdr hdr;
	struct va_wire_task task;
	va_u64 ino;
	va_u64 agg_id; /* VA_WF_AGG_START: later VA_WIRE_RW_FLUSH records refer to it;
			* VA_WF_TEMPLATE: the template number */
	va_u64 count;
	va_u64 bytes;
	va_s64 ret;
	va_s64 size;	     /* truncate length, -1 unknown */
	va_s64 owner_uid;    /* chown */
	va_s64 owner_gid;    /* chown */
	va_u32 op;	     /* enum va_op */
	va_u32 dev;	     /* kernel dev_t of the filesystem */
	va_u32 fs_magic;     /* superblock magic, to name pipes and sockets as d_path does */
	va_u32 mode;	     /* inode mode (ftype) or the mode argument */
	va_u32 oflags;	     /* open flags */
	va_u32 rename_flags; /* renameat2 flags */
	va_u32 wflags;	     /* VA_WF_* */
	va_u32 imode;	     /* the object's inode mode, with VA_WF_INO_KNOWN or VA_WF_FTYPE_KNOWN */
	va_u32 name_off;     /* VA_PATH_FROM_NAME str1: where the name starts (after dir + '/') */
	va_u16 str_flags[2]; /* VA_PATH_* for str1, str2 */
	va_u32 str_len[2];
};
_Static_assert(sizeof(struct va_wire_file) == 192, "va_wire_file layout");

/*
 * More calls merged into an aggregated read/write since the last record for
 * agg_id. VA_FLUSH_END: the aggregation ended (close, idle, exit).
 */
#define VA_FLUSH_END 0x1
struct va_wire_flush {
	struct va_wire_hdr hdr;
	va_u64 agg_id;
	va_u64 count;
	va_u64 bytes;
	va_u32 flags;
	va_u32 tid;
};
_Static_assert(sizeof(struct va_wire_flush) == 48, "va_wire_flush layout");

/*
 * The first call of an aggregated read/write whose file is the one of the
 * thread's last open record (VA_WF_TEMPLATE, numbered tmpl), sent instead
 * of a full record: who made the call is read now, as in any record; the
 * path and the object are the open's. Later VA_WIRE_RW_FLUSH records refer
 * to agg_id, as after VA_WF_AGG_START. The kernel names a template for
 * VA_TMPL_LEND_FLUSHES periodic flushes after its open, no longer.
 */
#define VA_TMPL_LEND_FLUSHES 2
struct va_wire_start {
	struct va_wire_hdr hdr;
	struct va_wire_task task; /* the thread that opened the file and made this call */
	va_u64 agg_id;
	va_u64 count;
	va_u64 bytes;
	va_u32 tmpl; /* the template's number */
	va_u32 op;   /* VA_OP_READ or VA_OP_WRITE */
};
_Static_assert(sizeof(struct va_wire_start) == 112, "va_wire_start layout");

struct va_wire_proc {
	struct va_wire_hdr hdr;
	va_u32 pid;	   /* the new or ended process (tgid) */
	va_u32 parent_pid; /* fork: the process it was forked from */
};
_Static_assert(sizeof(struct va_wire_proc) == 24, "va_wire_proc layout");

/* Loss causes, index into the kernel's per-CPU loss counters. */
enum va_loss_cause {
	VA_LOSS_RINGBUF = 0, /* ring buffer full: events lost */
	VA_LOSS_PROC = 1,    /* ring buffer full: process-table records lost (not events) */
	VA_LOSS_CAUSES = 2,
};

struct va_wire_lost {
	struct va_wire_hdr hdr;
	va_u64 lost;
	va_u32 cause;
	va_u32 cpu;
};
_Static_assert(sizeof(struct va_wire_lost) == 32, "va_wire_lost layout");

/*
 * Not records: the filters the programs apply, which user space sets in the
 * programs' global data and maps (maps.bpf.h). They come in two sets, 0
 * and 1, and every key of a filter map begins with its set: a reload fills
 * the set not in use, then switches to it with one store.
 */
#define VA_FILTER_HEADS 8

struct va_filter_conf {
	va_u64 ops_sel;	     /* VA_SEL_* bits (lib/ops.h) */
	va_u8 uid;	     /* --uid */
	va_u8 comm;	     /* --comm */
	va_u8 dev;	     /* --dev */
	va_u8 fs;	     /* default exclusion of pseudo filesystems */
	va_u8 path;	     /* any --path/--exclude/default path prefix */
	va_u8 path_includes; /* some --path given: unmatched paths are dropped */
	/*
	 * The first bytes of each path prefix (with its '/'), up to
	 * VA_FILTER_HEADS of them: a path that starts like none of them cannot
	 * match, and skips the trie. heads > VA_FILTER_HEADS: always look.
	 */
	va_u8 heads;
	va_u8 pad;
	va_u64 head[VA_FILTER_HEADS];	   /* up to 8 bytes, zero padded */
	va_u64 head_mask[VA_FILTER_HEADS]; /* which bytes of head count */
};

_Static_assert(sizeof(struct va_filter_conf) == 144, "va_filter_conf layout");

/*
 * The path filters' quick test, run by the BPF programs and filled (and
 * tested) by user space: each path prefix's first 8 bytes, as the trie's key
 * has them (the prefix and a '/', except for "/" itself). A path whose key
 * starts like none of them cannot match a prefix, and skips the trie lookup
 * and the copy of its key. Little-endian words, as both sides load them.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "filter heads are little-endian words");

/* Bytes 0..n-1 of a word (n <= 8). */
static inline va_u64 va_filter_head_mask(va_u32 n)
{
	return n >= 8 ? ~0ull : ~(~0ull << (n * 8));
}

/*
 * The first 8 bytes of the key of a path of @len bytes whose first 8 bytes
 * (as loaded; bytes past @len are ignored) are @w.
 */
static inline va_u64 va_filter_head_key(va_u64 w, va_u32 len)
{
	if (len == 1 && (w & 0xff) == '/')
		return '/';
	if (len < 8)
		return (w & va_filter_head_mask(len)) | ((va_u64)'/' << (len * 8));
	return w;
}

/* Returns: 1 when a path whose key starts with @key may match a prefix of @conf. */
static inline int va_filter_head_may_match(const struct va_filter_conf *conf, va_u64 key)
{
	va_u32 heads = conf->heads;

	if (heads > VA_FILTER_HEADS)
		return 1;
	for (int i = 0; i < VA_FILTER_HEADS; i++) {
		if (i >= (int)heads)
			break;
		if ((key & conf->head_mask[i]) == conf->head[i])
			return 1;
	}
	return 0;
}

/* A uid (--uid), device (--dev) or filesystem magic (default exclusions). */
struct va_filter_id_key {
	va_u32 set;
	va_u32 id;
};

struct va_filter_comm_key {
	va_u32 set;
	char comm[16];
};

/*
 * A path prefix in the LPM trie, as "prefix/", so that a path looked up as
 * "path/" matches on component boundaries. The trie takes 256 bytes of
 * key after the length: the set's byte and 255 of path.
 */
#define VA_FILTER_KEY_PATH_MAX 255
struct va_filter_path_key {
	va_u32 prefixlen; /* bits, the set's byte included */
	va_u8 set;
	char data[VA_FILTER_KEY_PATH_MAX];
};

#endif
