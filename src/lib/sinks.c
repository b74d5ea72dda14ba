// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink_jsonlog.h"
#include "sink_syslog.h"
#include "sinks.h"

/* How long a stop waits for the syslog sinks to deliver what is queued. */
#define DRAIN_MS 2000

struct va_sinks {
	struct va_syslog_sink *local, *remote;
	struct va_jsonlog *json;
};

int va_sinks_open(struct va_sinks **out, const struct va_config *cfg, char *err, size_t errlen)
{
	struct va_sinks *s = calloc(1, sizeof(*s));
	char host[256] = "", spool[PATH_MAX + 8];
	struct va_syslog_id id = {
		.facility = cfg->syslog_facility,
		.severity = cfg->syslog_severity,
		.hostname = host,
		.tag = cfg->syslog_tag,
		.pid = (uint32_t)getpid(),
	};
	int ret = 0;

	if (!s)
		return -ENOMEM;
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	if (cfg->json_log[0])
		ret = va_jsonlog_open(&s->json, cfg->json_log, err, errlen);
	if (!ret && cfg->syslog)
		ret = va_syslog_local_open(&s->local, &id, cfg->syslog_socket, cfg->syslog_format,
					   cfg->syslog_queue_bytes, err, errlen);
	if (!ret && cfg->syslog_remote.proto != VA_SYSLOG_NONE) {
		if (cfg->syslog_spool[0])
			snprintf(spool, sizeof(spool), "%s", cfg->syslog_spool);
		else
			snprintf(spool, sizeof(spool), "%s.spool", cfg->db);
		ret = va_syslog_remote_open(&s->remote, &id, &cfg->syslog_remote,
					    cfg->syslog_queue_bytes, spool, cfg->syslog_spool_bytes,
					    err, errlen);
	}
	if (ret) {
		va_sinks_close(s, NULL);
		return ret;
	}
	*out = s;
	return 0;
}

void va_sinks_event(struct va_sinks *s, const struct va_event *ev)
{
	if (!s)
		return;
	va_jsonlog_event(s->json, ev);
	va_syslog_sink_event(s->local, ev);
	va_syslog_sink_event(s->remote, ev);
}

void va_sinks_seal(struct va_sinks *s, const struct va_seal *seal)
{
	if (!s)
		return;
	va_jsonlog_seal(s->json, seal);
	va_syslog_sink_seal(s->local, seal);
	va_syslog_sink_seal(s->remote, seal);
}

void va_sinks_reopen(struct va_sinks *s)
{
	if (s)
		va_jsonlog_reopen(s->json);
}

static void from_syslog(struct va_sink_stats *d, const struct va_syslog_sink_stats *st,
			bool enabled)
{
	memset(d, 0, sizeof(*d));
	d->enabled = enabled;
	d->sent = st->sent;
	d->resent = st->resent;
	d->lost = st->lost;
	d->queued = st->queued;
	d->spool_bytes = st->spool_bytes;
	d->connected = st->connected;
	d->error = st->last_error;
}

static void from_json(struct va_sink_stats *d, const struct va_jsonlog_stats *st, bool enabled)
{
	memset(d, 0, sizeof(*d));
	d->enabled = enabled;
	d->sent = st->written;
	d->lost = st->lost;
	d->queued = st->queued;
	d->error = st->last_error;
}

void va_sinks_stats(struct va_sinks *s, struct va_sinks_stats *st)
{
	struct va_syslog_sink_stats ss;
	struct va_jsonlog_stats js;

	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	va_syslog_sink_stats(s->local, &ss);
	from_syslog(&st->syslog, &ss, s->local);
	va_syslog_sink_stats(s->remote, &ss);
	from_syslog(&st->remote, &ss, s->remote);
	va_jsonlog_stats(s->json, &js);
	from_json(&st->json_log, &js, s->json);
}

void va_sinks_close(struct va_sinks *s, struct va_sinks_stats *final)
{
	struct va_syslog_sink_stats local, remote;
	struct va_jsonlog_stats js;

	bool has_local, has_remote, has_json;

	if (final)
		memset(final, 0, sizeof(*final));
	if (!s)
		return;
	has_local = s->local;
	has_remote = s->remote;
	has_json = s->json;
	/* The JSON log first: it never waits for anyone. */
	va_jsonlog_close(s->json, &js);
	va_syslog_sink_close(s->local, DRAIN_MS, &local);
	va_syslog_sink_close(s->remote, DRAIN_MS, &remote);
	if (final) {
		from_syslog(&final->syslog, &local, has_local);
		from_syslog(&final->remote, &remote, has_remote);
		from_json(&final->json_log, &js, has_json);
	}
	free(s);
}
