/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Maps and load-time settings shared by every vfsaudit BPF program. */
#ifndef VA_MAPS_BPF_H
#define VA_MAPS_BPF_H

#include "../vfsaudit_wire.h"
#include "syscall_nr.h"

/* One real load of a field another CPU may change (not a value the compiler kept). */
#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))

/*
 * Settings written by user space between __open() and __load(): the
 * verifier sees them as constants and prunes what is switched off.
 */
const volatile __u32 self_tgid;		/* never report vfsaudit's own I/O */
const volatile bool every_call;		/* --every-call: no read/write merging */
const volatile __u64 wake_bytes;	/* wake the consumer once this much is queued */
const volatile __u64 ring_size;		/* the ring buffer's data area, in bytes */
const volatile __u32 agg_idle_flushes; /* end a read/write aggregation after this many
					  * periodic flushes without a call */

/*
 * The filters' two sets (vfsaudit_wire.h): a reload fills one, then adds 1
 * to filter_set, whose low bit names the set in force; the whole value
 * tells filters apart across reloads (agg_val.epoch).
 */
struct va_filter_conf filter_conf[2];
__u32 filter_set;

/* The filters in force: read once by each check, with its maps' keys. */
static __always_inline __u32 current_set(void)
{
	return READ_ONCE(filter_set) & 1;
}

/*
 * How full the ring buffer got, for status: the most it held as records
 * were submitted, and whether one was ever refused (kept apart, so that a
 * racing store of a lower peak cannot hide it). Their own section, map and
 * cache line: they are written while every program reads the filters'.
 */
__u64 ring_peak SEC(".data.ring");
__u32 ring_refused SEC(".data.ring");

/* FMODE_CREATED moved between kernel versions: user space measures it at start. */
__u32 fmode_created;
/* Our name hash matches the dcache's (checked at start): names can be resolved. */
bool name_hash_ok;
/*
 * The dcache's own hash table (fs/dcache.c's dentry_hashtable and
 * d_hash_shift), located at start from where freshly hashed dentries sit
 * (dhash.c): a name's child is then one bucket away, in any directory.
 * Without it, lookups scan the directory's children (resolve.bpf.h).
 */
__u64 dhash_table;
__u32 dhash_shift;
bool dhash_ok; /* set once lookups through the table found our own files */
/* The thread of ours that calibrates (backend_tp.c); 0 once it is done. */
__u32 calib_tid;
/* The root of init, pid 1 (struct mount *, dentry), noted at calibration: VA_PATH_INIT_ROOT. */
__u64 init_root_mnt, init_root_dentry;
__u64 agg_next_id;
/*
 * Periodic flushes so far: a call stamps its aggregation with it, which is
 * one load, where reading a clock costs a paravirtual clock read in a VM.
 */
__u64 flush_gen;

/* Mirror of the selection bits in lib/ops.h. */
#define SEL(op)		(1ull << (op))
#define SEL_OPEN_WRITE	(1ull << 40)
#define SEL_OPEN_READ	(1ull << 41)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* user space sets the real size */
} events SEC(".maps");

/* Dispatch: syscall number -> handler program (filled by user space per --ops). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, VA_NR_MAX);
	__type(key, __u32);
	__type(value, __u32);
} exit_handlers SEC(".maps");

/* 64 entries a set (VA_FILTER_MAX_IDS), two sets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, struct va_filter_id_key);
	__type(value, __u8);
} uid_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, struct va_filter_comm_key);
	__type(value, __u8);
} comm_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, struct va_filter_id_key);
	__type(value, __u8);
} dev_filter SEC(".maps");

/* Superblock magics whose objects are noise by default (pipefs, sockfs, proc…). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, struct va_filter_id_key);
	__type(value, __u8);
} fs_exclude SEC(".maps");

#define PATH_KEY_MAX VA_FILTER_KEY_PATH_MAX
#define PATH_INCLUDE 1
#define PATH_EXCLUDE 2

/* Up to 64 + 64 prefixes and the default exclusions a set, two sets. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 512);
	__type(key, struct va_filter_path_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} path_filter SEC(".maps");

/* Read/write aggregation: one entry per (process, open file, direction). */
struct agg_key {
	__u64 file; /* struct file * */
	__u32 tgid;
	__u32 dir; /* 0 read, 1 write */
};

/*
 * An aggregation's state. Whoever moves it to AGG_ENDED (a compare-and-swap)
 * sends its end and deletes it; nobody else deletes it, so a new one made
 * under the same key cannot be deleted in its place.
 */
#define AGG_ACTIVE   0
#define AGG_FILTERED 1 /* left out by a path filter: decided again at the next flush */
#define AGG_ENDED    2 /* drained for the last time; its ender deletes it */
#define AGG_EXCLUDED 3 /* left out by --dev or the filesystem exclusion: until idle */
#define AGG_REFUSED  4 /* its first record refused: calls counted lost until the next flush */

struct agg_val {
	__u64 id;
	__u64 count;
	__u64 bytes;
	__u64 last_gen; /* flush_gen at the last call */
	__u64 inode; /* guards against a struct file reused for another object */
	__u64 state; /* 64 bits: compare-and-swap on 32 bits needs a newer BPF ISA */
	__u32 tid;
	__u32 epoch; /* filter_set when it was made: left out, it holds under those filters */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct agg_key);
	__type(value, struct agg_val);
} agg SEC(".maps");

/*
 * Each thread's last recorded open (VA_WF_TEMPLATE): user space keeps that
 * record as the thread's template, and the first read or write of the same
 * open by the same thread names it (VA_WIRE_RW_START, with who made the
 * call read then) instead of walking the path again. Most files written
 * are written right after their open: create, write, close. Only the
 * thread itself reads or writes its slot, so plain loads and stores
 * suffice.
 */
struct open_tmpl {
	__u64 file; /* struct file *; 0: none */
	/*
	 * A struct file freed by a close (or a dup2, or an exec's) comes back
	 * for a later open: the same object by the same name through the same
	 * mount, or the template is not this open's.
	 */
	__u64 dentry;
	__u64 mnt;
	__u64 inode;
	/* The thread's root: a chroot or a new mount namespace changes its paths. */
	__u64 root_dentry;
	__u64 root_mnt;
	__u64 gen;   /* flush_gen at the open: lent for VA_TMPL_LEND_FLUSHES flushes */
	__u32 seq;   /* the template's number, counted per thread from 1 */
	__u32 epoch; /* filter_set when the open was judged: its decision holds under them */
	__u32 dseq;  /* the file's dentry's d_seq as its path was walked: renamed since if not */
	__u32 tid; /* the opener's: a thread that execs takes its leader's tid, not its template */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct open_tmpl);
} open_tmpls SEC(".maps");

/* Records that could not be delivered, per CPU and cause, not yet reported. */
struct loss {
	__u64 pending[VA_LOSS_CAUSES];
	__u64 total[VA_LOSS_CAUSES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct loss);
} losses SEC(".maps");

/*
 * Per-CPU scratch: the event under construction and the path-walk buffer.
 * Too big for the 512-byte BPF stack, and for a PERCPU_ARRAY value (32 KiB
 * at most): a plain array with one slot per CPU, indexed by CPU number
 * (user space sizes it). The programs run with preemption off, so one slot
 * is never shared by two runs: tracepoints call their probes so (__DO_TRACE,
 * 6.1 and 6.12), and since the syscall tracepoints became faultable (6.13)
 * their BPF probe turns preemption off itself. Being kept on one CPU is all
 * that BPF promises; a kernel that let these programs be preempted would
 * need a check of the slot's owner.
 */
#define WALK_BUF   VA_WIRE_PATH_MAX
#define WALK_MASK  (VA_WIRE_PATH_MAX - 1)
#define SLOT_MASK  (VA_WIRE_SLOT - 1)
#define NAME_MASK  (VA_WIRE_NAME_MAX - 1)

/*
 * What walks and lookups need of a dentry, from one read of its first
 * DSNAP_SIZE bytes where the running kernel's layout allows (checked against
 * its BTF; field by field elsewhere, path.bpf.h): each helper call costs
 * more than the whole of what it reads. Kept in the per-CPU scratch, not on
 * the stack: the resolver's call chain must stay under the 512 bytes of
 * stack that kernels before 6.13 allow it in all.
 */
#define DSNAP_SIZE 128
struct dentry_head {
	struct dentry *self; /* the dentry these fields are of */
	__u64 hash_next;
	__u64 hash_pprev; /* 0: unhashed */
	struct dentry *parent;
	__u64 hash_len;
	const unsigned char *name;
	struct inode *inode;
	const void *op;	   /* d_op */
	__u32 flags;	   /* d_flags */
	__u32 name_inline; /* the name's bytes are in raw, at the inline name's offset */
	__u8 raw[DSNAP_SIZE] __attribute__((aligned(8)));
};

/* A name being resolved, component by component (resolve.bpf.h). */
struct res_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 cur; /* name buffer in use: symlink expansion alternates */
	__u32 pos;
	__u32 len;
	__u32 start;
	__u32 links;
	__u32 flags;
	__u32 last_start, last_len;
	/*
	 * The name is absolute, and has no ".", ".." or empty component: with
	 * no symlink followed (links == 0), it is the object's path as a walk
	 * up from the object would write it (mounts crossed downwards do not
	 * change a path), so put_resolved() copies it instead of walking.
	 */
	__u32 canonical;
	__u32 dflags; /* d_flags of dentry, when dflags_known */
	__u32 dflags_known;
	int status; /* 0 running, 1 done, -1 failed */
};

/*
 * The directory a name's first len bytes (up to and with its last
 * '/') resolved to, through no symlink: a second name that starts with the
 * same bytes (a rename within one directory) resumes from it. Set and
 * cleared within one handler run.
 */
struct res_hint {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	long dfd;
	__u32 len; /* 0: no hint */
	__u32 canonical;
};

/* A place in the mount tree, for the mount crossings of name resolution. */
struct mnt_pos {
	__u64 dentry;
	__u64 vfsmnt;
	__u64 root_dentry;
	__u64 root_mnt;
	__u32 dflags; /* va_cross_down(): d_flags of the dentry it ends on */
	__u32 pad;
};

/* A mount's place: its parent, the dentry it is mounted on, its root (read_mount_head()). */
struct mount_head {
	__u64 parent;
	__u64 mountpoint;
	__u64 root;
};

/* Mount crossing's cache key: (mount, its dentry that is a mountpoint). */
struct mnt_key {
	__u64 mnt;
	__u64 dentry;
};

/*
 * What mount_on() found for a key: the mount on it, or none (child 0) while
 * the namespace's mount event counter stays at @event. The key is repeated,
 * to tell a slot that the LRU reused meanwhile.
 */
struct mnt_hit {
	__u64 mnt;
	__u64 dentry;
	__u64 child;
	__u64 event;
};

/* Name resolution's cache key: (directory, the name's hash and length). */
struct kid_key {
	__u64 parent;
	__u64 hash_len;
};

/* unlink/rmdir: the object, seen at syscall entry before its name goes. */
struct victim {
	__u64 ino;
	__u32 dev;
	__u32 imode;
	__u32 fs_magic;
	/*
	 * The name's length when it is the path itself (absolute, canonical,
	 * through no symlink): the exit copies it instead of resolving the
	 * name's directory again. 0: resolve at exit.
	 */
	__u32 path_len;
	/* The call it is of: the exit uses it only for the same syscall, name and dirfd. */
	__u64 uname;
	__s64 dfd;
	__u32 nr;
	__u32 pad;
};

/* A walk up from a dentry to the root (path.bpf.h). */
struct walk_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *mnt_root; /* of vfsmnt */
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 pos;
	__u32 flags;
};

struct scratch {
	struct va_wire_file ev;
	char data[VA_WIRE_DATA_MAX + VA_WIRE_NAME_MAX]; /* slack for masked offsets */
	char walk[WALK_BUF + 256]; /* slack: masked offset + masked length stays inside */
	struct va_filter_path_key key;
	/* A syscall's name and its symlink expansion; twice the size for masked offsets. */
	char names[2][2 * VA_WIRE_NAME_MAX];
	char comp[264] __attribute__((aligned(8))); /* one component, zero padded, for hashing */
	char kname[264] __attribute__((aligned(8))); /* a dentry's name, to compare with comp */
	struct dentry_head head; /* the dentry being looked at (walks and lookups; never both) */
	struct {
		__u64 pprev, parent, op; /* of the dentry walk_path() started from */
		__u32 read;		 /* 0: the walk began at the root, reading nothing */
		__u32 seq;		 /* its d_seq, which moving or unlinking it changes */
		__u64 dentry, mnt;	 /* where va_walk() started */
		__u64 root_dentry, root_mnt; /* the root it walked up to */
	} wstart;
	__u64 file_inode; /* set_object_file()'s file's f_inode */
	/* flush_gen and filter_set as h_open() found them, before the object and path filters. */
	__u64 begin_gen;
	__u32 begin_epoch;
	/* An inode's or superblock's head (set_object()). */
	__u8 osnap[128] __attribute__((aligned(8)));
	struct kid_key kid_key;
	struct mnt_key mnt_key;
	struct mnt_pos mpos;
	struct mount_head mhead;
	struct victim note; /* unlink/rmdir: what the entry saw, being built or taken */
	struct mnt_hit mnt_hit;
	__u32 mnt_budget; /* child mounts a name's resolution may still scan */
	struct res_ctx rctx; /* a name's resolution (resolve.bpf.h) */
	struct walk_ctx wctx; /* a path's walk up (path.bpf.h) */
	struct res_hint hint; /* a directory just resolved, for the next name (a rename's) */
	char hint_prefix[256] __attribute__((aligned(8)));
	__u64 bucket_head; /* a dcache hash bucket's first entry, as read */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* user space sets the number of possible CPUs */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/*
 * Start-up calibration from vfsaudit's own opens (backend_tp.c): [0] and
 * [1] f_mode of a create and of an open (fmode_created); [2] our name hash
 * against the dcache's; [3] a lookup through dhash_table found the file.
 * Verdicts: 1 agrees, 2 does not.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} calib SEC(".maps");

/*
 * Where vfsaudit's own newly created files were hashed: d_hash.pprev (the
 * bucket's head, for a dentry just added) and d_name.hash, for user space
 * to find the table from (dhash.c). Slot = dhash_samples_n, then it counts.
 */
struct dhash_sample {
	__u64 pprev;
	__u64 hash;
};

#define DHASH_SAMPLES 32

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DHASH_SAMPLES);
	__type(key, __u32);
	__type(value, struct dhash_sample);
} dhash_samples SEC(".maps");
__u32 dhash_samples_n;

/*
 * Name resolution's cache of the dentry cache: (directory, name hash and
 * length) -> the child last found there. A hit is checked against the child
 * itself before use (resolve.bpf.h), so a stale entry costs a scan, never a
 * wrong answer. Used only where the dcache's hash table was not found
 * (dhash_ok) or could not tell: without it every component of every name
 * would scan its directory's children, newest first (30 on average per
 * component in the mixed benchmark).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct kid_key);
	__type(value, __u64);
} kid_cache SEC(".maps");

/*
 * Mount crossing's cache: (mount, mountpoint) -> the mount on it, or none
 * in this namespace (the dentry is a mountpoint in another one, as with
 * PrivateTmp=), checked before use (resolve.bpf.h mount_on()). Without it
 * every crossing scanned all the parent mount's child mounts: with 250
 * mounts under /, the mixed workload on a tmpfs mounted there took half as
 * long again. 8,192 entries: 32 bytes each, and a container host has
 * thousands of mountpoints.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct mnt_key);
	__type(value, struct mnt_hit);
} mnt_cache SEC(".maps");

/* Per thread id: the note of its unlink or rmdir in flight (note_victim()). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct victim);
} victims SEC(".maps");

#endif
