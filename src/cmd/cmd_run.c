// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfsaudit run: the daemon. Captures, stores every event, feeds the sinks
 * (syslog, remote syslog, JSON log), stays in the foreground (systemd
 * Type=notify, daemontools). SIGTERM/SIGINT flush and exit 0; SIGHUP reloads
 * the configuration's filters while capture goes on, and reopens the JSON log.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "capture.h"
#include "config.h"
#include "coverage.h"
#include "sinks.h"
#include "status.h"
#include "store.h"
#include "store_writer.h"

static volatile sig_atomic_t stopping, reloading;

static void on_stop(int sig)
{
	stopping = 1;
}

static void on_hup(int sig)
{
	reloading = 1;
}

static void run_usage(FILE *out)
{
	fprintf(out,
		"SYNOPSIS\n"
		"  vfsaudit run [--config FILE] [FILTER...] [--db FILE] [--retain DUR] [SINK...]\n"
		"\n"
		"The daemon: records every event in the store (SQLite) for `history`, `report`\n"
		"and `status`, and passes it to the sinks given. Stays in the foreground; writes\n"
		"`ready backend=NAME` to standard error and READY=1 to $NOTIFY_SOCKET once\n"
		"attached. SIGTERM or SIGINT: write what is queued and exit 0. SIGHUP: reload\n"
		"the configuration file's filters, retain and status-file (other settings wait\n"
		"for a restart, and it says which) and reopen the JSON log. Needs root.\n"
		"\n"
		"OPTIONS\n"
		"  --config FILE        settings file (default %s; missing is fine\n"
		"                       unless given): `key = value` lines, one key per long\n"
		"                       option (path = /etc), `#` comments\n"
		"  --db FILE            the store (default %s)\n"
		"  --retain DUR         keep events this long (default 7d; 0 or forever: all)\n"
		"  --status-file FILE   where `vfsaudit status` looks (default %s)\n"
		"  --seal-key FILE      the sealing key `vfsaudit setup-keys` made (default "
		"DB.key);\n"
		"                       without one the record is hash-chained but not sealed\n"
		"  --queue-size N       events held in memory for the store (default %d, and\n"
		"                       128 bytes an event on average); past them events wait,\n"
		"                       in order, in a file beside the store (never named)\n"
		"  --backlog-size SIZE  at most this much in that file (default 1G; 0: none);\n"
		"                       beyond it events are counted as unsaved\n"
		"  --priority-boost N   lower the daemon's nice value by N at start (default %d,\n"
		"                       0 to 20): when the CPUs are busy it keeps up with the\n"
		"                       events, and the programs making them wait, as with auditd\n"
		"  --backend NAME, --buffer-size SIZE, --verbose: as for watch\n"
		"\n"
		"SINKS\n"
		"  --syslog[=FACILITY.LEVEL]\n"
		"                       each event to the local syslog, its text form as the\n"
		"                       message (default user.info; kern is the kernel's own)\n"
		"  --syslog-tag TAG     the program name in those messages (default %s)\n"
		"  --syslog-format 3164|5424\n"
		"                       3164 (default): what syslog(3) sends, which every local\n"
		"                       daemon parses; 5424: with the fields as STRUCTURED-DATA\n"
		"                       [%s ...], for a daemon that parses it there\n"
		"  --syslog-socket PATH the local daemon's socket (default /dev/log)\n"
		"  --syslog-remote tcp://HOST:PORT | udp://HOST:PORT\n"
		"                       RFC 5424 with the fields as STRUCTURED-DATA; TCP with\n"
		"                       octet counting (RFC 6587), reconnecting; messages the\n"
		"                       peer did not acknowledge are sent again, none twice\n"
		"  --syslog-spool FILE  where messages for an absent peer wait once memory is\n"
		"                       full, and across a restart (default: the store's path\n"
		"                       with .spool)\n"
		"  --syslog-spool-size SIZE\n"
		"                       at most this much in the spool file (default 256M; 0:\n"
		"                       memory only); beyond it messages are counted as lost\n"
		"  --syslog-queue-size SIZE\n"
		"                       memory for messages waiting, per syslog sink (default 8M)\n"
		"  --json-log FILE      append each event as one JSON line (0600); reopened on\n"
		"                       SIGHUP for logrotate\n"
		"Losses of a sink show in `vfsaudit status` and as a row in the store.\n"
		"\n",
		VA_CONFIG_DEFAULT_PATH, VA_STORE_DEFAULT_PATH, VA_STATUS_DEFAULT_PATH,
		VA_WRITER_QUEUE_DEFAULT, VA_PRIORITY_BOOST_DEFAULT, VA_SYSLOG_DEFAULT_TAG,
		VA_SYSLOG_SD_ID);
	filter_usage(out);
	fprintf(out, "\nEXAMPLES\n"
		     "  sudo vfsaudit run\n"
		     "  sudo vfsaudit run --path /etc --path /home --retain 30d\n"
		     "  sudo vfsaudit run --syslog=authpriv.notice --syslog-remote tcp://siem:514\n"
		     "  sudo vfsaudit run --json-log /var/log/vfsaudit/events.json\n"
		     "  vfsaudit history /etc/foobar --since 7d\n");
}

/* systemd's readiness protocol, without libsystemd: one datagram. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct daemon {
	struct va_capture *cap;
	struct va_store *store;
	struct va_writer *writer;
	struct va_sinks *sinks;
	pthread_mutex_t sinks_lock; /* the writer thread publishes seals to d->sinks */
	bool sealing;
	uint64_t events;
	/* The longest on_event() or housekeeping step of the capture thread (note_stall()). */
	uint64_t stall_max_ns;
	uint64_t sink_lost_recorded[VA_STATUS_SINKS];
	int store_error;	/* the state last said: an error, 0: writing */
	int status_error;	/* the status file's last write: -errno, 0: written */
	unsigned int ok_ticks;	/* status ticks without an error or a new unsaved event */
	uint64_t last_unsaved;	/* the unsaved count at the last tick */
	uint64_t error_said_ns, ok_said_ns; /* CLOCK_MONOTONIC when each kind was last said */
};

/*
 * Say at once when the store stops taking events, and when it takes them
 * again: the unsaved count in `status` is the record of what it cost, but an
 * administrator reading the journal should not learn of a full disk or a
 * damaged store at the daemon's stop.
 */
static void say_store_error(struct daemon *d, const char *db, int err, uint64_t unsaved)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);

	bool losing = unsaved > d->last_unsaved;

	/*
	 * Called once a second with the last transaction's result. A disk at
	 * the edge of full flaps between errors and success: recovery counts
	 * after 3 seconds with no error and no new unsaved event, and a line
	 * of either kind within a minute of the last of its kind is put off,
	 * not dropped (store_error changes only when a line is said). Damage
	 * is always said.
	 */
	d->last_unsaved = unsaved;
	if (!err) {
		d->ok_ticks = losing ? 0 : d->ok_ticks + 1;
		if (!d->store_error || d->ok_ticks < 3)
			return;
		if (d->ok_said_ns && now - d->ok_said_ns < 60 * 1000000000ull)
			return;
		d->store_error = 0;
		d->ok_said_ns = now;
		fprintf(stderr, "vfsaudit: writing to the store %s again (%llu events unsaved so far)\n",
			db, (unsigned long long)unsaved);
		fflush(stderr);
		return;
	}
	d->ok_ticks = 0;
	if (err == d->store_error)
		return;
	if (err != -EUCLEAN && d->error_said_ns && now - d->error_said_ns < 60 * 1000000000ull)
		return;
	d->store_error = err;
	d->error_said_ns = now;
	if (err == -EUCLEAN)
		fprintf(stderr,
			"vfsaudit: the store %s is damaged (SQLite found a malformed page): events "
			"are counted as unsaved. Stop the daemon, move the store aside (`vfsaudit "
			"verify --db` checks it) and start again with a new one\n",
			db);
	else if (err == -ENOSPC)
		fprintf(stderr,
			"vfsaudit: the store %s: no space left on its file system; events are "
			"counted as unsaved until there is, then the count is recorded\n",
			db);
	else
		fprintf(stderr,
			"vfsaudit: cannot write to the store %s: %s; events are counted as unsaved "
			"while it lasts\n",
			db, strerror(-err));
	fflush(stderr);
}

/* From the writer thread, once a seal is committed: a copy off the machine proves it. */
static void on_seal(const struct va_seal_info *info, void *arg)
{
	struct daemon *d = arg;
	struct va_seal seal = { .seq = info->seq,
				.ts_ns = info->ts_ns,
				.epoch = info->epoch,
				.event_seq = info->event_seq,
				.head_hex = info->head,
				.mac_hex = info->mac };

	pthread_mutex_lock(&d->sinks_lock);
	if (d->sinks)
		va_sinks_seal(d->sinks, &seal);
	pthread_mutex_unlock(&d->sinks_lock);
}

/*
 * Seal with the key `vfsaudit setup-keys` made, when there is one. A key
 * file named in the settings must exist; the default one may be missing.
 * Returns: 0 or an exit code, after saying why.
 */
static int start_sealing(const struct va_config *cfg, struct daemon *d)
{
	char file[PATH_MAX + 8];
	int ret;

	if (cfg->seal_key[0])
		snprintf(file, sizeof(file), "%s", cfg->seal_key);
	else
		snprintf(file, sizeof(file), "%s.key", cfg->db);
	ret = va_writer_seal(d->writer, file, on_seal, d);
	if (!ret) {
		d->sealing = true;
		return 0;
	}
	if (ret == -ENOENT && !cfg->seal_key[0]) {
		bool other = strcmp(cfg->db, VA_STORE_DEFAULT_PATH) != 0;

		fprintf(stderr,
			"vfsaudit: no sealing key (%s): the record is hash-chained but not "
			"sealed; to seal it, stop this daemon, run `vfsaudit setup-keys%s%s`, and "
			"start it again\n",
			file, other ? " --db " : "", other ? cfg->db : "");
		return 0;
	}
	if (ret == -EPERM) {
		fprintf(stderr,
			"vfsaudit: sealing key %s: owned by another user, or its group or others "
			"may read or write it, so anyone could forge seals: make it yours alone "
			"(chown %u %s; chmod 600 %s), or make a new one with `vfsaudit setup-keys "
			"--force`\n",
			file, (unsigned int)geteuid(), file, file);
		return EXIT_USAGE;
	}
	fprintf(stderr, "vfsaudit: sealing key %s: %s\n", file,
		ret == -EINVAL ? "not a vfsaudit sealing key (make one with `vfsaudit setup-keys`)"
		: ret == -ENOENT ? "no such file (make it with `vfsaudit setup-keys --seal-key "
				   "FILE`, or leave --seal-key out for the store's own, DB.key)"
				 : strerror(-ret));
	return ret == -ENOENT || ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
}

/* The capture thread read no ring buffer since @start (CLOCK_MONOTONIC_COARSE). */
static void note_stall(struct daemon *d, uint64_t start)
{
	uint64_t took = now_ns(CLOCK_MONOTONIC_COARSE) - start;

	if (took > d->stall_max_ns)
		d->stall_max_ns = took;
}

static int on_event(const struct va_event *ev, void *arg)
{
	struct daemon *d = arg;
	/*
	 * Nothing here may wait for a disk or a peer: the ring buffer fills
	 * meanwhile. How long it takes at most is in status (stall_max_ns), for
	 * when events are lost. The coarse clock (a tick, 1 to 4 ms) costs a few ns a read,
	 * and a stall that matters lasts many ticks.
	 */
	uint64_t start = now_ns(CLOCK_MONOTONIC_COARSE);

	d->events++;
	/* A full queue is counted by the writer and recorded as unsaved. */
	va_writer_push(d->writer, ev);
	/* Sinks copy or format it now; their own losses are counted by them. */
	va_sinks_event(d->sinks, ev);
	note_stall(d, start);
	return 0;
}

static const struct va_sink_stats *sink_of(const struct va_sinks_stats *st, int i)
{
	return i == VA_STATUS_SYSLOG ? &st->syslog
	       : i == VA_STATUS_SYSLOG_REMOTE ? &st->remote
					       : &st->json_log;
}

/* The store records what a sink lost since the last look: never silent. */
static void record_sink_losses(struct daemon *d, const struct va_sinks_stats *st)
{
	static const char *const names[VA_STATUS_SINKS] = { "syslog", "syslog-remote",
							    "json-log" };
	char detail[64];

	for (int i = 0; i < VA_STATUS_SINKS; i++) {
		uint64_t lost = sink_of(st, i)->lost;

		if (lost <= d->sink_lost_recorded[i])
			continue;
		snprintf(detail, sizeof(detail), "%s: %llu messages not delivered", names[i],
			 (unsigned long long)(lost - d->sink_lost_recorded[i]));
		if (!va_writer_push_mark(d->writer, VA_MARK_SINK_LOST, now_ns(CLOCK_REALTIME),
					 detail))
			d->sink_lost_recorded[i] = lost;
	}
}

/* What each configured sink writes to, for `status`. */
static void sink_targets(const struct va_config *cfg, struct va_status *st)
{
	const struct va_syslog_url *u = &cfg->syslog_remote;

	if (cfg->syslog)
		snprintf(st->sinks[VA_STATUS_SYSLOG].target,
			 sizeof(st->sinks[VA_STATUS_SYSLOG].target), "%s.%s %s (RFC %s)",
			 va_syslog_facility_name(cfg->syslog_facility),
			 va_syslog_severity_name(cfg->syslog_severity), cfg->syslog_socket,
			 cfg->syslog_format == VA_SYSLOG_3164 ? "3164" : "5424");
	if (u->proto != VA_SYSLOG_NONE)
		snprintf(st->sinks[VA_STATUS_SYSLOG_REMOTE].target,
			 sizeof(st->sinks[VA_STATUS_SYSLOG_REMOTE].target), "%s://%s%s%s:%s",
			 u->proto == VA_SYSLOG_TCP ? "tcp" : "udp", strchr(u->host, ':') ? "[" : "",
			 u->host, strchr(u->host, ':') ? "]" : "", u->port);
	if (cfg->json_log[0])
		snprintf(st->sinks[VA_STATUS_JSON_LOG].target,
			 sizeof(st->sinks[VA_STATUS_JSON_LOG].target), "%s", cfg->json_log);
}

/*
 * Settings: the configuration file first, then the command line on top
 * (repeatable options add, others replace). Returns: 0 or an exit code.
 */
static int load_settings(struct va_config *cfg, int argc, char **argv, bool *verbose,
			 bool quiet_help)
{
	static const struct option longopts[] = {
		FILTER_LONG_OPTIONS,
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 0 },
		{ "retain", required_argument, NULL, 0 },
		{ "status-file", required_argument, NULL, 0 },
		{ "seal-key", required_argument, NULL, 0 },
		{ "queue-size", required_argument, NULL, 0 },
		{ "backlog-size", required_argument, NULL, 0 },
		{ "priority-boost", required_argument, NULL, 0 },
		{ "backend", required_argument, NULL, 0 },
		{ "buffer-size", required_argument, NULL, 0 },
		{ "syslog", optional_argument, NULL, 0 },
		{ "syslog-tag", required_argument, NULL, 0 },
		{ "syslog-format", required_argument, NULL, 0 },
		{ "syslog-socket", required_argument, NULL, 0 },
		{ "syslog-remote", required_argument, NULL, 0 },
		{ "syslog-spool", required_argument, NULL, 0 },
		{ "syslog-spool-size", required_argument, NULL, 0 },
		{ "syslog-queue-size", required_argument, NULL, 0 },
		{ "json-log", required_argument, NULL, 0 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	char err[PATH_MAX + 1024];
	int opt, idx, ret;

	/* First pass: only --config and --help, so the file is read before the options. */
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hv", longopts, &idx)) != -1) {
		if (opt == 'c')
			config = optarg;
		else if (opt == 'h') {
			if (!quiet_help)
				run_usage(stdout);
			return -1;
		} else if (opt == '?') {
			fprintf(stderr,
				"vfsaudit run: unknown option or missing value in '%s'; see "
				"`vfsaudit run --help`\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfsaudit run: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	ret = va_config_load(cfg, config ? config : VA_CONFIG_DEFAULT_PATH, err, sizeof(err));
	if (ret && !(ret == -ENOENT && !config)) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		return EXIT_USAGE;
	}

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hv", longopts, &idx)) != -1) {
		const char *name = longopts[idx].name;

		if (opt == 'v') {
			*verbose = true;
			continue;
		}
		if (opt != 0)
			continue;
		if (!strcmp(name, "every-call") || !strcmp(name, "no-default-excludes")) {
			ret = va_config_set(cfg, name[0] == 'e' ? "every-call" : "default-excludes",
					    name[0] == 'e' ? "yes" : "no", err, sizeof(err));
		} else {
			ret = va_config_set(cfg, name, optarg ? optarg : "", err, sizeof(err));
		}
		if (ret) {
			/* Settings name their key; the filters' messages, their option. */
			fprintf(stderr, "vfsaudit: %s%s\n", strncmp(err, "--", 2) ? "--" : "", err);
			return EXIT_USAGE;
		}
	}
	if (va_filter_check_real(&cfg->filter, err, sizeof(err))) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		return EXIT_USAGE;
	}
	filter_warn_unwatched(&cfg->filter);
	return 0;
}

/*
 * The writer's backlog goes beside the store, on its disk. Without it the
 * daemon runs as before, events past the queue counted as unsaved: worth a
 * warning, not a refusal to record.
 */
static void start_backlog(const struct va_config *cfg, struct daemon *d)
{
	char dir[PATH_MAX];
	int ret;

	if (!cfg->backlog_bytes)
		return;
	snprintf(dir, sizeof(dir), "%s", cfg->db);
	ret = va_writer_backlog(d->writer, dirname(dir), cfg->backlog_bytes);
	if (ret)
		fprintf(stderr,
			"vfsaudit: cannot make the store's backlog file in %s: %s; events past"
			" --queue-size will be counted as unsaved (--backlog-size 0 says so"
			" quietly)\n",
			dir, strerror(-ret));
}

static void write_status(const struct va_config *cfg, struct daemon *d, uint64_t started,
			 uint64_t *last_events, uint64_t *last_ns)
{
	struct va_capture_stats cs;
	struct va_writer_stats ws;
	struct va_sinks_stats ks;
	struct va_status st;
	uint64_t now = now_ns(CLOCK_REALTIME);
	int ret;

	memset(&st, 0, sizeof(st));
	va_capture_stats(d->cap, &cs);
	va_writer_stats(d->writer, &ws);
	va_sinks_stats(d->sinks, &ks);
	record_sink_losses(d, &ks);
	sink_targets(cfg, &st);
	for (int i = 0; i < VA_STATUS_SINKS; i++) {
		const struct va_sink_stats *k = sink_of(&ks, i);

		st.sinks[i].sent = k->sent;
		st.sinks[i].resent = k->resent;
		st.sinks[i].lost = k->lost;
		st.sinks[i].queued = k->queued;
		st.sinks[i].spool_bytes = k->spool_bytes;
		st.sinks[i].connected = k->connected;
		st.sinks[i].error = k->error;
	}
	st.pid = (uint32_t)getpid();
	snprintf(st.backend, sizeof(st.backend), "%s", va_backend_name(va_capture_backend(d->cap)));
	snprintf(st.unseen, sizeof(st.unseen), "%s", va_capture_limits(d->cap));
	snprintf(st.lookups, sizeof(st.lookups), "%s", va_capture_lookups(d->cap));
	va_coverage_describe(&cfg->filter, st.left_out, sizeof(st.left_out));
	snprintf(st.store, sizeof(st.store), "%s", cfg->db);
	st.started_ns = started;
	st.updated_ns = now;
	st.events = d->events;
	if (now > *last_ns)
		st.events_per_s = (double)(d->events - *last_events) * 1e9 / (double)(now - *last_ns);
	st.lost = cs.lost;
	st.proc_lost = cs.proc_lost;
	st.ring_bytes = cs.ring_bytes;
	st.ring_peak_bytes = cs.ring_peak;
	st.stall_max_ns = d->stall_max_ns;
	st.unsaved_queue = ws.unsaved_queue;
	st.unsaved_disk = ws.unsaved_disk;
	st.stored = ws.stored;
	st.queue_depth = ws.depth;
	st.backlog = ws.backlog;
	st.backlog_bytes = ws.backlog_bytes;
	st.backlog_error = ws.backlog_error;
	st.store_bytes = va_store_size(d->store);
	st.store_error = ws.last_error;
	say_store_error(d, cfg->db, va_writer_take_error(d->writer), ws.unsaved);
	st.sealed = d->sealing;
	st.seals = ws.seals;
	st.seal_epoch = ws.seal_epoch;
	st.seal_error = ws.seal_error;
	/* Said when it starts failing and when it works again, not every second. */
	ret = va_status_write(cfg->status_file, &st);
	if (ret && ret != d->status_error)
		fprintf(stderr,
			"vfsaudit: cannot write the status file %s: %s; `vfsaudit status` does "
			"not see this daemon until it can (recording goes on)\n",
			cfg->status_file, strerror(-ret));
	else if (!ret && d->status_error)
		fprintf(stderr, "vfsaudit: the status file %s is written again\n",
			cfg->status_file);
	d->status_error = ret;
	*last_events = d->events;
	*last_ns = now;
}

/*
 * A start or filters row: the backend and @filter (coverage.h). Filters too
 * large for the row leave the backend alone, which history reads as "not
 * known", so the row still ends the span of the filters before it.
 */
static void push_filters(struct daemon *d, enum va_mark mark, uint64_t ts,
			 const struct va_filter *filter)
{
	static char detail[32768]; /* the main thread's only: marks are pushed from it */
	const char *backend = va_backend_name(va_capture_backend(d->cap));

	if (va_coverage_encode(backend, filter, detail, sizeof(detail)))
		snprintf(detail, sizeof(detail), "%s", backend);
	va_writer_push_mark(d->writer, mark, ts, detail);
}

/* Add @name to @list ("a, b") when @changed. */
static void note_change(char *list, size_t len, bool changed, const char *name)
{
	size_t n = strlen(list);

	if (changed)
		snprintf(list + n, len - n, "%s%s", n ? ", " : "", name);
}

/*
 * The settings of @next a running daemon cannot take (the store, the
 * capture's buffers and mode, the sinks, the sealing key), listed in
 * @list by option name where they differ from @cfg's.
 */
static void restart_only(const struct va_config *cfg, const struct va_config *next, char *list,
			 size_t len)
{
	list[0] = '\0';
	note_change(list, len, strcmp(next->db, cfg->db), "db");
	note_change(list, len, next->backend != cfg->backend, "backend");
	note_change(list, len, next->priority_boost != cfg->priority_boost, "priority-boost");
	note_change(list, len, next->filter.every_call != cfg->filter.every_call, "every-call");
	note_change(list, len, next->queue_events != cfg->queue_events, "queue-size");
	note_change(list, len, next->backlog_bytes != cfg->backlog_bytes, "backlog-size");
	note_change(list, len, next->ringbuf_bytes != cfg->ringbuf_bytes, "buffer-size");
	note_change(list, len, strcmp(next->seal_key, cfg->seal_key), "seal-key");
	note_change(list, len,
		    next->syslog != cfg->syslog || next->syslog_facility != cfg->syslog_facility ||
			    next->syslog_severity != cfg->syslog_severity ||
			    strcmp(next->syslog_tag, cfg->syslog_tag) ||
			    next->syslog_format != cfg->syslog_format ||
			    strcmp(next->syslog_socket, cfg->syslog_socket) ||
			    memcmp(&next->syslog_remote, &cfg->syslog_remote,
				   sizeof(next->syslog_remote)) ||
			    strcmp(next->syslog_spool, cfg->syslog_spool) ||
			    next->syslog_spool_bytes != cfg->syslog_spool_bytes ||
			    next->syslog_queue_bytes != cfg->syslog_queue_bytes,
		    "the syslog sinks");
	note_change(list, len, strcmp(next->json_log, cfg->json_log), "json-log");
}

/*
 * SIGHUP: read the settings again; apply the filters, retain and
 * status-file, and say which other changes wait for a restart.
 */
static void reload(struct va_config *cfg, int argc, char **argv, struct daemon *d)
{
	struct va_config next;
	bool verbose = false;
	char err[PATH_MAX + 1024], later[256];

	va_config_init(&next);
	if (load_settings(&next, argc, argv, &verbose, true)) {
		fprintf(stderr, "vfsaudit: reload refused, the previous settings stay in force\n");
		va_config_free(&next);
		return;
	}
	restart_only(cfg, &next, later, sizeof(later));
	/* The capture's mode stays what it started with; the rest of the filters apply. */
	next.filter.every_call = cfg->filter.every_call;
	if (va_capture_set_filter(d->cap, &next.filter, err, sizeof(err))) {
		fprintf(stderr, "vfsaudit: reload refused: %s\n", err);
		va_config_free(&next);
		return;
	}
	/* The capture now uses next's filter strings: keep them, free the old ones. */
	va_filter_free(&cfg->filter);
	cfg->filter = next.filter;
	push_filters(d, VA_MARK_FILTERS, now_ns(CLOCK_REALTIME), &cfg->filter);
	if (next.retain_ns != cfg->retain_ns) {
		va_writer_set_retain(d->writer, next.retain_ns);
		cfg->retain_ns = next.retain_ns;
		fprintf(stderr, "vfsaudit: reload: retain now %llu s%s\n",
			(unsigned long long)(next.retain_ns / 1000000000ull),
			next.retain_ns ? "" : " (keep everything)");
	}
	if (strcmp(next.status_file, cfg->status_file)) {
		unlink(cfg->status_file);
		snprintf(cfg->status_file, sizeof(cfg->status_file), "%s", next.status_file);
		d->status_error =
			0; /* the new file's first failure is said, its success is not news */
	}
	if (later[0])
		fprintf(stderr, "vfsaudit: reload: %s: changes take effect at restart\n", later);
	fprintf(stderr, "vfsaudit: configuration reloaded\n");
}

/*
 * Whether another running daemon, recording into another store, writes
 * @file (both left at the default): `status` would show whichever wrote
 * last, and the first to stop would remove it. Running as `status` says,
 * and its pid a vfsaudit process (not a pid reused since). Into the same
 * store, the store's lock says so. Sets *@pid.
 */
static bool status_file_taken(const char *file, const char *db, uint32_t *pid)
{
	struct va_status st;
	char comm[32] = "", path[64];
	FILE *f;

	if (va_status_read(file, &st) || st.pid == (uint32_t)getpid() || !strcmp(st.store, db) ||
	    !va_status_live(&st, now_ns(CLOCK_REALTIME)))
		return false;
	snprintf(path, sizeof(path), "/proc/%u/comm", st.pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	*pid = st.pid;
	return !strncmp(comm, "vfsaudit", 8);
}

/*
 * Whether a file given in the settings could not be opened because of the
 * name itself (a directory, a missing directory, a symlink, not a store):
 * a configuration error (exit 2), where a full disk or a refused
 * permission is a failure at run time (exit 1).
 */
static bool names_bad_path(int err)
{
	return err == -EISDIR || err == -ENOTDIR || err == -ENOENT || err == -ELOOP ||
	       err == -EINVAL || err == -ENAMETOOLONG;
}

/*
 * Lock @path (made 0600 if missing, never through a symlink) for this
 * daemon alone. Returns: 0, @fd -1 when the file cannot be made (its
 * directory is not there yet); -EBUSY when another daemon holds it.
 */
static int take_lock(const char *path, int *fd, bool *made)
{
	struct stat held, named;

	*fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	*made = *fd >= 0;
	if (*fd < 0 && errno == EEXIST)
		*fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return 0;
	/*
	 * history and report hold a shared lock for a moment to ask whether a
	 * daemon runs (va_store_daemon()): wait that out; a daemon holds it.
	 */
	for (int i = 0; flock(*fd, LOCK_EX | LOCK_NB); i++) {
		if (errno != EWOULDBLOCK || i == 20)
			return -EBUSY;
		usleep(10000);
	}
	/*
	 * A daemon that made the file and was refused its store unlinks it:
	 * the lock won meanwhile would be on a file nobody else can find.
	 */
	if (fstat(*fd, &held) || stat(path, &named) || held.st_dev != named.st_dev ||
	    held.st_ino != named.st_ino)
		return -EBUSY;
	return 0;
}

/* Deliver what the sinks hold (a remote peer's share may wait in its spool), record losses. */
static void stop_sinks(struct daemon *d)
{
	struct va_sinks_stats st;

	if (!d->sinks)
		return;
	pthread_mutex_lock(&d->sinks_lock);
	va_sinks_close(d->sinks, &st);
	d->sinks = NULL;
	pthread_mutex_unlock(&d->sinks_lock);
	if (d->writer)
		record_sink_losses(d, &st);
	if (st.remote.enabled && st.remote.queued)
		fprintf(stderr,
			"vfsaudit: syslog-remote: %llu messages kept in the spool for the next "
			"start\n",
			(unsigned long long)st.remote.queued);
	if (st.syslog.lost || st.remote.lost || st.json_log.lost)
		fprintf(stderr,
			"vfsaudit: messages not delivered: syslog %llu, syslog-remote %llu, "
			"json-log %llu\n",
			(unsigned long long)st.syslog.lost, (unsigned long long)st.remote.lost,
			(unsigned long long)st.json_log.lost);
}

int do_run(int argc, char **argv)
{
	struct va_capture_opts opts = { 0 };
	struct daemon d = { .sinks_lock = PTHREAD_MUTEX_INITIALIZER };
	struct va_config cfg;
	struct sigaction sa;
	char err[PATH_MAX + 256];
	uint64_t started, last_ts, last_events = 0, last_status = 0, last_rate_ns;
	char lock_path[PATH_MAX + 8];
	bool verbose = false;
	int ret, last_op, lock_fd = -1;
	bool made_lock = false;

	va_config_init(&cfg);
	ret = load_settings(&cfg, argc, argv, &verbose, false);
	if (ret) {
		va_config_free(&cfg);
		return ret < 0 ? EXIT_OK : ret;
	}

	/* Before the store is made or the boost tried: a refusal leaves nothing behind. */
	if (va_capture_permitted(err, sizeof(err))) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		va_config_free(&cfg);
		return EXIT_RUNTIME;
	}
	{
		uint32_t other = 0;

		if (status_file_taken(cfg.status_file, cfg.db, &other)) {
			fprintf(stderr,
				"vfsaudit: %s is written by another daemon (pid %u, another "
				"store): give this one its own --status-file\n",
				cfg.status_file, other);
			va_config_free(&cfg);
			return EXIT_RUNTIME;
		}
	}
	/* A status file that cannot be written hides the daemon from `vfsaudit status`. */
	ret = va_status_probe(cfg.status_file);
	if (ret) {
		fprintf(stderr,
			"vfsaudit: status file %s cannot be written: %s; `vfsaudit status` would "
			"not find this daemon: give --status-file (or status-file in the "
			"configuration) a place root can write\n",
			cfg.status_file, strerror(-ret));
		va_config_free(&cfg);
		return EXIT_USAGE;
	}
	/* The daemon says so whenever the boost is refused: its log is read. */
	boost_priority(cfg.priority_boost, true);

	/*
	 * One daemon per store: a second would record every event twice. The
	 * lock comes before the open, which upgrades an older store: a daemon
	 * of the older format still running would go on writing it the old
	 * way. Where the store's directory is not made yet, there is no store
	 * to upgrade, and the lock comes after.
	 */
	snprintf(lock_path, sizeof(lock_path), "%s.lock", cfg.db);
	ret = take_lock(lock_path, &lock_fd, &made_lock);
	if (!ret) {
		ret = va_store_open(&d.store, cfg.db, VA_STORE_WRITE, err, sizeof(err));
		/* A store refused leaves nothing behind. */
		if (ret && made_lock)
			unlink(lock_path);
	}
	if (!ret && lock_fd < 0) {
		ret = take_lock(lock_path, &lock_fd, &made_lock);
		if (!ret && lock_fd < 0)
			ret = -EBUSY; /* as before the lock came first: no lock, no daemon */
	}
	if (ret == -EBUSY)
		snprintf(err, sizeof(err), "another vfsaudit run is recording into %s; stop it first",
			 cfg.db);
	if (ret) {
		if (names_bad_path(ret)) {
			fprintf(stderr, "vfsaudit: %s (check --db, or `db` in the configuration)\n",
				err);
			ret = EXIT_USAGE;
		} else {
			fprintf(stderr, "vfsaudit: %s\n", err);
			ret = EXIT_RUNTIME;
		}
		goto cleanup;
	}
	/* Which file this lock is for: a copy of both says nothing about this daemon. */
	if (lock_fd >= 0) {
		int stamped = va_store_stamp_lock(lock_fd, cfg.db);

		if (stamped)
			fprintf(stderr,
				"vfsaudit: %s: cannot write the store's identity into it (%s): "
				"history will not tell from it whether this daemon runs\n",
				lock_path, strerror(-stamped));
	}
	started = now_ns(CLOCK_REALTIME);
	/* The last stop was not clean: say from when nothing was recorded. */
	if (!va_store_last(d.store, &last_op, &last_ts) && last_op != VA_MARK_STOP) {
		if (!va_store_begin(d.store)) {
			/* A failed add leaves the transaction half done: none of it, then. */
			if (va_store_mark(d.store, VA_MARK_CRASH, last_ts, 0, "not stopped cleanly"))
				va_store_rollback(d.store);
			else
				va_store_commit(d.store);
		}
	}
	ret = va_writer_start(&d.writer, d.store, cfg.queue_events, cfg.retain_ns);
	if (ret) {
		fprintf(stderr, "vfsaudit: cannot start the store writer: %s\n", strerror(-ret));
		ret = EXIT_RUNTIME;
		goto cleanup;
	}
	start_backlog(&cfg, &d);
	if (va_writer_checkpointer_error(d.writer))
		fprintf(stderr,
			"vfsaudit: %s: background checkpoints not started (%s): the store"
			" checkpoints inside its commits instead, which a slow disk can hold up\n",
			cfg.db, strerror(-va_writer_checkpointer_error(d.writer)));
	ret = start_sealing(&cfg, &d);
	if (ret)
		goto cleanup;
	/* Before capture: the first event goes to every sink. */
	ret = va_sinks_open(&d.sinks, &cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vfsaudit: %s%s\n", err,
			ret == -ENOENT ? " (check the option's path: its directory must exist)"
			: names_bad_path(ret) ? " (check the option's path)"
					      : "");
		ret = names_bad_path(ret) ? EXIT_USAGE : EXIT_RUNTIME;
		goto cleanup;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	opts.filter = &cfg.filter;
	opts.backend = cfg.backend;
	opts.ringbuf_bytes = cfg.ringbuf_bytes;
	opts.verbose = verbose;
	opts.store_file = cfg.db;
	ret = va_capture_open(&d.cap, &opts, on_event, &d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		ret = ret == -EOPNOTSUPP ? EXIT_USAGE : EXIT_RUNTIME;
		goto cleanup;
	}
	/* What this run records, so that history can tell "not changed" from "not watched". */
	push_filters(&d, VA_MARK_START, started, &cfg.filter);
	fprintf(stderr, "ready backend=%s unseen=\"%s\" store=%s sealed=%s\n",
		va_backend_name(va_capture_backend(d.cap)), va_capture_limits(d.cap), cfg.db,
		d.sealing ? "yes" : "no");
	fflush(stderr);
	notify("READY=1");

	last_rate_ns = now_ns(CLOCK_REALTIME);
	ret = EXIT_OK;
	while (!stopping) {
		int n = va_capture_poll(d.cap, 100);

		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "vfsaudit: capture failed: %s\n", strerror(-n));
			ret = EXIT_RUNTIME;
			break;
		}
		if (reloading) {
			uint64_t start = now_ns(CLOCK_MONOTONIC_COARSE);

			reloading = 0;
			notify("RELOADING=1");
			reload(&cfg, argc, argv, &d);
			/*
			 * logrotate moved the JSON log away: write to a new file.
			 * The log's own thread writes what it holds to the old one
			 * and opens the new one: this thread never waits for a disk.
			 */
			va_sinks_reopen(d.sinks);
			notify("READY=1");
			note_stall(&d, start);
		}
		if (now_ns(CLOCK_MONOTONIC) - last_status >= 1000000000ull) {
			uint64_t start = now_ns(CLOCK_MONOTONIC_COARSE);

			last_status = now_ns(CLOCK_MONOTONIC);
			write_status(&cfg, &d, started, &last_events, &last_rate_ns);
			note_stall(&d, start);
		}
	}
	notify("STOPPING=1");
	va_capture_drain(d.cap);
	va_writer_push_mark(d.writer, VA_MARK_STOP, now_ns(CLOCK_REALTIME),
			    ret == EXIT_OK ? "clean stop" : "capture failed");
	/*
	 * Store and seal everything up to the stop row while the sinks are
	 * open, so that they carry the last seal too: a copy off the machine
	 * then proves the stop, and a stop row removed later cannot pass for a
	 * crash. Losses the sinks count at their close come after it, under a
	 * seal of their own that only the store holds.
	 */
	if (d.sealing)
		va_writer_flush(d.writer, 10000);
	stop_sinks(&d);

cleanup:
	va_capture_close(d.cap);
	stop_sinks(&d);
	if (d.writer) {
		struct va_writer_stats ws;

		/* The counters after the last write: a stop may count some unsaved. */
		if (va_writer_stop_stats(d.writer, &ws) || ws.unsaved)
			fprintf(stderr,
				"vfsaudit: %llu events could not be stored (queue full: %llu, "
				"write failed: %llu)\n",
				(unsigned long long)ws.unsaved, (unsigned long long)ws.unsaved_queue,
				(unsigned long long)ws.unsaved_disk);
	}
	va_store_close(d.store);
	if (last_status)
		unlink(cfg.status_file);
	if (lock_fd >= 0)
		close(lock_fd);
	va_config_free(&cfg);
	return ret;
}
