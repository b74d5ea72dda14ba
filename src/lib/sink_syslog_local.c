// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The local syslog sink: one datagram per message to /dev/log, as syslog(3)
 * sends them. A syslog daemon that restarts makes a new socket: a send then
 * fails with ECONNREFUSED, and the message is sent again on a new connection.
 * Where the socket is a stream (some older daemons), each message ends in a
 * NUL, as syslog(3) does there.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sink_syslog_priv.h"

static int local_connect(struct va_syslog_sink *k, int *type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	memcpy(sa.sun_path, k->socket_path, sizeof(sa.sun_path));
	*type = SOCK_DGRAM;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	e = errno;
	close(fd);
	if (e != EPROTOTYPE)
		return -e;
	*type = SOCK_STREAM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	e = errno;
	close(fd);
	return -e;
}

/* Returns: bytes sent, or -errno. */
static ssize_t send_msg(int fd, int type, const struct va_spool_msg *m, size_t off)
{
	static const char nul;
	struct iovec iov[2] = { { (char *)m->data + off, m->len - (off < m->len ? off : m->len) },
				{ (char *)&nul, 1 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = type == SOCK_STREAM ? 2 : 1 };
	ssize_t n;

	if (type == SOCK_STREAM && off > m->len) {
		mh.msg_iov = &iov[1];
		mh.msg_iovlen = 1;
	}
	n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

static void *local_main(void *arg)
{
	struct va_syslog_sink *k = arg;
	struct va_spool_msg *cur = NULL;
	uint64_t retry_at = 0;
	int fd = -1, type = SOCK_DGRAM, failures = 0;
	size_t off = 0; /* stream: bytes of cur (and its NUL) already sent */

	for (;;) {
		ssize_t n;

		if (!cur)
			cur = va_spool_take(k->spool);
		if (!cur) {
			if (sink_done(k, true))
				break;
			if (va_spool_idle(k->spool))
				sink_wait_idle(k, -1, 0, 1000);
			continue;
		}
		if (sink_done(k, false))
			break;
		if (fd < 0) {
			uint64_t now = sink_now_ns();

			if (now < retry_at) {
				sink_wait(k, -1, 0, (int)((retry_at - now) / 1000000 + 1));
				continue;
			}
			fd = local_connect(k, &type);
			if (fd < 0) {
				sink_set_state(k, false, fd);
				fd = -1;
				retry_at = now + (uint64_t)sink_backoff(&failures) * 1000000ull;
				continue;
			}
			sink_set_state(k, true, 0);
			off = 0;
		}
		n = send_msg(fd, type, cur, off);
		if (n >= 0) {
			off += (size_t)n;
			if (type == SOCK_DGRAM || off == cur->len + 1) {
				va_spool_acked(k->spool, cur->file_end);
				va_spool_recycle(k->spool, cur);
				cur = NULL;
				off = 0;
				failures = 0;
				sink_count_sent(k, 1);
			}
			continue;
		}
		if (n == -EAGAIN || n == -EINTR) {
			/* The daemon's queue is full: wait for room, never drop. */
			sink_wait(k, fd, POLLOUT, 100);
			continue;
		}
		if (n == -EMSGSIZE) {
			/* Bigger than the socket takes (its buffer is tiny): cannot ever go. */
			sink_set_state(k, true, (int)n);
			free(cur);
			cur = NULL;
			sink_count_dropped(k, 1);
			continue;
		}
		/*
		 * The daemon went away or restarted (ECONNREFUSED, ENOTCONN,
		 * EPIPE): reconnect, at once the first time. A stream receiver
		 * drops the piece of a message it got with its connection.
		 */
		sink_set_state(k, false, (int)n);
		close(fd);
		fd = -1;
		off = 0;
		retry_at = sink_now_ns() + (uint64_t)sink_backoff(&failures) * 1000000ull;
	}
	if (fd >= 0)
		close(fd);
	sink_hand_back(k, cur);
	return NULL;
}

int va_syslog_local_open(struct va_syslog_sink **out, const struct va_syslog_id *id,
			 const char *socket_path, enum va_syslog_format fmt, size_t queue_bytes,
			 char *err, size_t errlen)
{
	struct va_syslog_sink *k = calloc(1, sizeof(*k));
	int ret;

	if (!k)
		return -ENOMEM;
	if (strlen(socket_path) >= sizeof(k->socket_path)) {
		snprintf(err, errlen, "syslog-socket %s: longer than a socket path may be",
			 socket_path);
		free(k);
		return -ENAMETOOLONG;
	}
	snprintf(k->socket_path, sizeof(k->socket_path), "%s", socket_path);
	ret = sink_init(k, "syslog", fmt, id, queue_bytes, NULL, 0, err, errlen);
	if (ret) {
		free(k);
		return ret;
	}
	ret = sink_start(k, local_main, err, errlen);
	if (ret)
		return ret;
	*out = k;
	return 0;
}
