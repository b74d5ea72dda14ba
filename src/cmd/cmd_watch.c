// SPDX-License-Identifier: GPL-2.0-or-later
/* vfsaudit watch: a live stream of events on stdout until SIGINT/SIGTERM. */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "capture.h"
#include "config.h"
#include "format.h"
#include "util.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static void watch_usage(FILE *out)
{
	fprintf(out,
		"SYNOPSIS\n"
		"  vfsaudit watch [FILTER...] [--format text|json] [--every-call]\n"
		"                 [--backend auto|tracepoint|lsm|fanotify] [--buffer-size SIZE]\n"
		"\n"
		"Streams file events system-wide until SIGINT or SIGTERM (exit 0). Once every\n"
		"probe is attached it writes `ready backend=NAME ...` to standard error: nothing\n"
		"after that line is missed. Needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN;\n"
		"CAP_SYS_NICE for the priority boost: without it the default one is skipped quietly).\n"
		"\n"
		"OPTIONS\n"
		"  --format text|json   text (default): `op: comm(pid,uid) path`; json: one object\n"
		"                       per line with every field\n"
		"  --backend NAME       capture backend (default auto)\n"
		"  --buffer-size SIZE   kernel ring buffer (default 4M on up to 4 CPUs, else 8M;\n"
		"                       e.g. 4k, 64M)\n"
		"  --priority-boost N   lower the nice value by N at start (default %d, as run;\n"
		"                       0 to 20): under a storm of events on busy CPUs, fewer\n"
		"                       are lost (counted, never silent); what reads the output\n"
		"                       must keep up as well\n"
		"  --verbose            libbpf's messages, the verifier log on failure\n"
		"  --help               this text\n"
		"\n",
		VA_PRIORITY_BOOST_DEFAULT);
	filter_usage(out);
	fprintf(out, "\nEXAMPLES\n"
		     "  sudo vfsaudit watch --path /etc\n"
		     "  sudo vfsaudit watch --ops all --uid alice --format json\n"
		     "  sudo vfsaudit watch --path /etc | logger -t vfsaudit -p auth.info\n");
}

struct watch_ctx {
	enum va_format format;
	int write_error;
};

static int on_event(const struct va_event *ev, void *arg)
{
	struct watch_ctx *w = arg;

	if (va_event_write(stdout, w->format, ev) < 0 || ferror(stdout)) {
		w->write_error = errno ? errno : EIO;
		return 1;
	}
	return 0;
}

int do_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		FILTER_LONG_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		{ "backend", required_argument, NULL, 'b' },
		{ "buffer-size", required_argument, NULL, 's' },
		{ "priority-boost", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct va_capture_opts opts = { 0 };
	struct watch_ctx w = { .format = VA_FORMAT_TEXT };
	struct va_capture *cap = NULL;
	struct va_filter filter;
	struct sigaction sa;
	char err[PATH_MAX + 1024];
	unsigned int boost = VA_PRIORITY_BOOST_DEFAULT;
	bool boost_asked = false;
	int opt, idx, ret = EXIT_USAGE;

	va_filter_init(&filter);
	opts.filter = &filter;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hv", longopts, &idx)) != -1) {
		switch (opt) {
		case 0:
			if (filter_option(&filter, longopts[idx].name, optarg) < 0)
				goto cleanup;
			break;
		case 'f':
			if (va_format_parse(optarg, &w.format)) {
				fprintf(stderr, "vfsaudit: --format '%s': use text or json\n", optarg);
				goto cleanup;
			}
			break;
		case 'b':
			if (va_backend_parse(optarg, &opts.backend)) {
				fprintf(stderr,
					"vfsaudit: --backend '%s': use auto, tracepoint, lsm or "
					"fanotify\n",
					optarg);
				goto cleanup;
			}
			break;
		case 's':
			if (va_parse_size(optarg, &opts.ringbuf_bytes) || !opts.ringbuf_bytes ||
			    opts.ringbuf_bytes < 4096 || opts.ringbuf_bytes > (1ull << 30)) {
				fprintf(stderr,
					"vfsaudit: --buffer-size '%s': give a size from 4k to 1G "
					"(e.g. 16M)\n",
					optarg);
				goto cleanup;
			}
			break;
		case 'p': {
			uint64_t v;

			if (va_parse_u64(optarg, 20, &v)) {
				fprintf(stderr,
					"vfsaudit: --priority-boost '%s': give a number of nice steps "
					"from 0 to 20\n",
					optarg);
				goto cleanup;
			}
			boost = (unsigned int)v;
			boost_asked = true;
			break;
		}
		case 'v':
			opts.verbose = true;
			break;
		case 'h':
			watch_usage(stdout);
			ret = EXIT_OK;
			goto cleanup;
		default:
			fprintf(stderr,
				"vfsaudit watch: unknown option or missing value in '%s'; see "
				"`vfsaudit watch --help`\n",
				argv[optind - 1]);
			goto cleanup;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfsaudit watch: unexpected argument '%s'; filters are options "
				"(--path PREFIX)\n",
			argv[optind]);
		goto cleanup;
	}
	if (va_filter_check_real(&filter, err, sizeof(err))) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		goto cleanup;
	}
	filter_warn_unwatched(&filter);

	boost_priority(boost, boost_asked);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = va_capture_open(&cap, &opts, on_event, &w, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		ret = ret == -EOPNOTSUPP ? EXIT_USAGE : EXIT_RUNTIME;
		goto cleanup;
	}
	fprintf(stderr, "ready backend=%s unseen=\"%s\"\n",
		va_backend_name(va_capture_backend(cap)), va_capture_limits(cap));
	fflush(stderr);

	ret = EXIT_OK;
	while (!stopping) {
		int n = va_capture_poll(cap, 100);

		fflush(stdout);
		if (w.write_error)
			break;
		if (n < 0) {
			fprintf(stderr, "vfsaudit: capture failed: %s\n", strerror(-n));
			ret = EXIT_RUNTIME;
			break;
		}
	}
	if (!w.write_error)
		va_capture_drain(cap);
	fflush(stdout);
	/* A closed pipe (`watch | head`) is a normal way to stop. */
	if (w.write_error && w.write_error != EPIPE) {
		fprintf(stderr, "vfsaudit: writing events: %s\n", strerror(w.write_error));
		ret = EXIT_RUNTIME;
	}

cleanup:
	va_capture_close(cap);
	va_filter_free(&filter);
	return ret;
}
