// SPDX-License-Identifier: GPL-2.0-or-later
/* vfsaudit status: the running daemon's backend, rates, losses and store. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmd.h"
#include "common.h"
#include "config.h"
#include "store.h"
#include <sqlite3.h>
#include "format.h"
#include "status.h"
#include "timefmt.h"

static void status_usage(FILE *out)
{
	fprintf(out,
		"SYNOPSIS\n"
		"  vfsaudit status [--status-file FILE] [--format text|json]\n"
		"\n"
		"The running daemon (vfsaudit run): backend and what it cannot see, uptime,\n"
		"events/s, events lost by cause, how full the kernel's ring buffer got (the\n"
		"headroom before events would be lost; under load about a quarter is usual,\n"
		"the daemon being woken then), store queue, store size and oldest event.\n"
		"Exit 0 when a daemon is running, 1 when none is. Reads the status file\n"
		"the daemon rewrites every second (default %s, root only).\n"
		"\n"
		"JSON: the status file's fields (pid, backend, unseen, name_lookups, left_out,\n"
		"store, started_ns, updated_ns, events, events_per_s, lost, proc_lost,\n"
		"ring_bytes, ring_peak_bytes (ring_bytes once a record did not fit),\n"
		"stall_max_ns (the longest the daemon went without reading the ring buffer:\n"
		"an event handed to the store and the sinks, a reload, the status file; to\n"
		"the clock's tick of 1 to 4 ms),\n"
		"unsaved_queue, unsaved_disk, stored, queue_depth, backlog, backlog_bytes,\n"
		"backlog_error (-errno while writing or reading the backlog file fails, else\n"
		"0), store_bytes, store_error, sealed, seals, seal_epoch, seal_error, sinks) plus\n"
		"running, oldest_event, stored_rows, store_readable (false when the store did\n"
		"not answer within 2 s: a frozen or hung filesystem). sinks holds the\n"
		"configured ones of syslog, syslog_remote and json_log: {target, sent, lost,\n"
		"queued, connected, spool_bytes, resent, error}.\n",
		VA_STATUS_DEFAULT_PATH);
}

/*
 * How full the kernel's ring buffer got: the headroom left before events
 * would be lost. Tenths of a percent rounded down, so that 100.0% means a
 * record was refused.
 */
static void print_ring(const struct va_status *st)
{
	uint64_t permille;

	if (!st->ring_bytes)
		return;
	permille = st->ring_peak_bytes * 1000 / st->ring_bytes;
	printf("buffer:   the kernel's ring buffer (%.1f MiB) held at most %llu.%llu%% of its size "
	       "since start%s\n",
	       (double)st->ring_bytes / 1048576.0, (unsigned long long)(permille / 10),
	       (unsigned long long)(permille % 10),
	       st->ring_peak_bytes >= st->ring_bytes ? ": it was full at least once (losses above)"
						     : "");
	/* A few ms is the clock's tick; more says what filled it. */
	if (st->stall_max_ns >= 10000000ull)
		printf("          reading it stopped for up to %llu ms at a time (an event handed "
		       "to the store or a sink, a reload, or the CPU busy)\n",
		       (unsigned long long)(st->stall_max_ns / 1000000ull));
}

/* How long status waits for the store's facts. */
#define STORE_FACTS_MS 2000

/* The store's oldest event and row count, when the store can be read. */
static void read_store_facts(const char *db, uint64_t *oldest, int64_t *rows)
{
	struct va_store *s;
	char err[256];
	sqlite3_stmt *st;

	*oldest = 0;
	*rows = -1;
	if (va_store_open(&s, db, 0, err, sizeof(err)))
		return;
	/*
	 * By id, not min(ts): the first and last events (op < 100: not marks)
	 * are a few rows from either end, where min(ts) read the whole table,
	 * seconds on a large store.
	 */
	if (sqlite3_prepare_v2(va_store_db(s),
			       "SELECT (SELECT ts FROM events WHERE op < 100 ORDER BY id LIMIT 1),"
			       " (SELECT id FROM events WHERE op < 100 ORDER BY id DESC LIMIT 1)",
			       -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			*oldest = (uint64_t)sqlite3_column_int64(st, 0);
			*rows = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	}
	va_store_close(s);
}

/*
 * The same, read in a child. Status is what an administrator runs when
 * something is wrong, and a store whose filesystem is frozen (a backup's
 * snapshot) or hung would hold it up for as long: reading the store writes
 * to its shared-memory file. After STORE_FACTS_MS status goes on without
 * them (false); the child ends once the filesystem answers.
 */
static bool store_facts(const char *db, uint64_t *oldest, int64_t *rows)
{
	uint64_t got[2];
	struct pollfd pfd;
	int fds[2];
	pid_t pid;
	bool ok;

	*oldest = 0;
	*rows = -1;
	/* Without a child, no reading: it could hold status up as long as the filesystem. */
	if (pipe2(fds, O_CLOEXEC))
		return false;
	pid = fork();
	if (pid == 0) {
		/* Nor may it hold a pipe status prints to open: `status | less` would wait for it.
		 */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		close(fds[0]);
		read_store_facts(db, oldest, rows);
		got[0] = *oldest;
		got[1] = (uint64_t)*rows;
		_exit(write(fds[1], got, sizeof(got)) == (ssize_t)sizeof(got) ? 0 : 1);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return false;
	}
	pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	if (poll(&pfd, 1, STORE_FACTS_MS) != 1) {
		close(fds[0]);
		/* Ends a killable wait (NFS); one in a frozen filesystem ends with the thaw. */
		kill(pid, SIGKILL);
		return false;
	}
	ok = read(fds[0], got, sizeof(got)) == sizeof(got);
	close(fds[0]);
	waitpid(pid, NULL, 0);
	if (!ok)
		return true; /* it answered, with nothing: no facts */
	*oldest = got[0];
	*rows = (int64_t)got[1];
	return true;
}

static void print_sinks(const struct va_status *st)
{
	static const char *const label[VA_STATUS_SINKS] = { "syslog", "syslog-remote",
							    "json-log" };

	for (int i = 0; i < VA_STATUS_SINKS; i++) {
		const struct va_status_sink *k = &st->sinks[i];

		if (!k->target[0])
			continue;
		printf("%s: %s: ", label[i], k->target);
		if (i != VA_STATUS_JSON_LOG)
			printf("%s, ", k->connected ? "connected" : "NOT CONNECTED");
		printf("%llu %s, %llu waiting", (unsigned long long)k->sent,
		       i == VA_STATUS_JSON_LOG ? "written" : "sent",
		       (unsigned long long)k->queued);
		if (k->spool_bytes)
			printf(" (%.1f MiB in the spool file)", (double)k->spool_bytes / 1048576.0);
		printf(", %llu lost", (unsigned long long)k->lost);
		if (k->resent)
			printf(", %llu sent again after a reset (maybe twice)",
			       (unsigned long long)k->resent);
		if (k->error)
			printf(" (last error: %s)", strerror(-k->error));
		putchar('\n');
	}
}

int do_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "status-file", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = VA_STATUS_DEFAULT_PATH;
	enum va_format fmt = VA_FORMAT_TEXT;
	struct va_status st;
	uint64_t now = now_real_ns(), oldest;
	int64_t rows;
	bool running, readable;
	char a[64];
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			file = optarg;
			break;
		case 'f':
			if (va_format_parse(optarg, &fmt)) {
				fprintf(stderr, "vfsaudit: --format '%s': use text or json\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			status_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "vfsaudit status: unknown option or missing value in '%s'\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	ret = va_status_read(file, &st);
	if (ret == -ENOENT) {
		fprintf(stderr, "vfsaudit: no daemon running (no %s); start it with `vfsaudit run`\n",
			file);
		return EXIT_RUNTIME;
	}
	if (ret) {
		fprintf(stderr, "vfsaudit: cannot read %s: %s%s\n", file,
			ret == -EINVAL ? "not a status file" : strerror(-ret),
			ret == -EACCES ? " (the daemon's status is root's to read)" : "");
		return EXIT_RUNTIME;
	}
	/* A daemon killed with -9 leaves its file behind: check it still runs and writes. */
	running = va_status_live(&st, now);
	readable = store_facts(st.store, &oldest, &rows);

	if (fmt == VA_FORMAT_JSON) {
		json_object *o = json_object_from_file(file);
		char ts[VA_RFC3339_SIZE];

		if (!o)
			return EXIT_RUNTIME;
		json_object_object_add(o, "running", json_object_new_boolean(running));
		if (oldest) {
			va_time_rfc3339(oldest, ts, sizeof(ts));
			json_object_object_add(o, "oldest_event", json_object_new_string(ts));
		} else {
			json_object_object_add(o, "oldest_event", NULL);
		}
		json_object_object_add(o, "stored_rows", rows >= 0 ? json_object_new_int64(rows) : NULL);
		json_object_object_add(o, "store_readable", json_object_new_boolean(readable));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return running ? EXIT_OK : EXIT_RUNTIME;
	}
	fmt_local(st.started_ns, a, sizeof(a), 1);
	if (running) {
		uint64_t up = (now - st.started_ns) / 1000000000ull;

		printf("vfsaudit run (pid %u): running since %s, up %lluh%02llum%02llus\n", st.pid, a,
		       (unsigned long long)(up / 3600), (unsigned long long)(up / 60 % 60),
		       (unsigned long long)(up % 60));
	} else {
		printf("vfsaudit run (pid %u): NOT RUNNING (last status %llus ago; started %s)\n",
		       st.pid, (unsigned long long)((now - st.updated_ns) / 1000000000ull), a);
	}
	printf("backend:  %s (cannot see: %s)\n", st.backend, st.unseen);
	if (st.left_out[0])
		printf("filters:  %s\n", st.left_out);
	if (st.lookups[0])
		printf("lookups:  %s\n", !strcmp(st.lookups, "dcache-hash")
						 ? "names through the dentry cache's hash table"
						 : "names by scanning directories (slower in large ones)");
	printf("events:   %llu captured, %.1f/s now, %llu stored, %llu waiting for the store\n",
	       (unsigned long long)st.events, st.events_per_s, (unsigned long long)st.stored,
	       (unsigned long long)st.queue_depth);
	if (st.backlog)
		printf("          %llu of them in the backlog file (%.1f MiB): the store is "
		       "behind\n",
		       (unsigned long long)st.backlog, (double)st.backlog_bytes / 1048576.0);
	if (st.backlog_error)
		printf("backlog:  ITS FILE FAILS: %s; what memory cannot hold is counted unsaved "
		       "(free space beside the store)\n",
		       strerror(-st.backlog_error));
	printf("lost:     %llu in the kernel (ring buffer full), %llu unsaved (store queue full),"
	       " %llu unsaved (store write failed)\n",
	       (unsigned long long)st.lost, (unsigned long long)st.unsaved_queue,
	       (unsigned long long)st.unsaved_disk);
	if (st.proc_lost)
		printf("          %llu process records lost (the program of some events may show as "
		       "unknown)\n",
		       (unsigned long long)st.proc_lost);
	print_ring(&st);
	if (st.store_error)
		printf("store:    LAST WRITE FAILED: %s\n", strerror(-st.store_error));
	printf("store:    %s, %.1f MiB", st.store, (double)st.store_bytes / 1048576.0);
	if (oldest) {
		fmt_local(oldest, a, sizeof(a), 1);
		printf(", oldest event %s", a);
	}
	if (!readable)
		printf(" (did not answer within %d s: a frozen or hung filesystem, or a very "
		       "busy disk)",
		       STORE_FACTS_MS / 1000);
	putchar('\n');
	if (st.sealed)
		printf("sealing:  %llu seals since start, key epoch %llu%s%s\n",
		       (unsigned long long)st.seals, (unsigned long long)st.seal_epoch,
		       st.seal_error ? "; CANNOT SAVE THE EVOLVED KEY: " : "",
		       st.seal_error ? strerror(-st.seal_error) : "");
	else if (strcmp(st.store, VA_STORE_DEFAULT_PATH))
		printf("sealing:  off (hash chain only): run `vfsaudit setup-keys --db %s` and "
		       "restart\n",
		       st.store);
	else
		printf("sealing:  off (hash chain only): run `vfsaudit setup-keys` and restart\n");
	print_sinks(&st);
	return running ? EXIT_OK : EXIT_RUNTIME;
}
