// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The remote syslog sink: RFC 5424 messages to a peer over TCP (RFC 6587
 * octet counting: "LEN SP MSG") or UDP (one datagram each).
 *
 * TCP across a peer restart. A write() that returns says nothing about the
 * peer: bytes written just before it died vanish with the connection. So
 * messages stay in an in-flight list until the peer's kernel has
 * acknowledged their last byte, which SIOCOUTQ tells (the bytes written and
 * not yet acknowledged; it still answers once the connection has been
 * reset). After a broken connection, exactly the messages not acknowledged
 * are sent again, in order, on the next one: none lost, none twice.
 *
 * One case is beyond any plain-TCP sender: a peer that acknowledged bytes
 * and then closed without reading them (a receiver stopping between its
 * last read and its close, or killed). Its kernel then answers with a reset
 * instead of a FIN, which is how we know. Syslog has no application
 * acknowledgement to say how much it read, so after a reset (or a peer that
 * stopped answering) the messages acknowledged in the last second are sent
 * again too: a message may then arrive twice, with the same seq, rather
 * than not at all. After a FIN, the peer read everything it acknowledged.
 *
 * UDP has no acknowledgement: a datagram sent while the peer is away is
 * lost unseen. A refused one (ICMP port unreachable) is sent again after
 * the backoff.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "sink_syslog_priv.h"

#define CONNECT_TIMEOUT_MS 5000
/* A peer that acknowledges nothing for this long is dropped and reconnected. */
#define USER_TIMEOUT_MS 30000
/* How often acknowledgements are looked at while some are outstanding. */
#define ACK_POLL_MS 20
/* Acknowledged messages kept to send again after a reset: this long, this much at most. */
#define RESET_RESEND_NS	   1000000000ull
#define RESET_RESEND_BYTES (4u << 20)

struct conn {
	int fd;
	bool tcp;
	bool connecting;
	uint64_t connect_by; /* CLOCK_MONOTONIC */
	uint64_t written;    /* bytes written on this connection */
	/* In flight: taken from the spool, not yet acknowledged, oldest first. */
	struct va_spool_msg *head, *tail;
	/* Acknowledged in the last second, oldest first: for a reset. */
	struct va_spool_msg *done, *done_tail;
	size_t done_bytes;
	struct va_spool_msg *spent; /* delivered, to hand back to the spool in one go */
	struct va_spool_msg *next; /* first one not wholly written on this connection; NULL: none */
	size_t partial;		   /* bytes of next's frame ("LEN " and message) written */
	int failures;
	bool up; /* UDP: the last send went out (status says connected) */
	uint64_t retry_at;
	unsigned int addr_idx; /* rotates through the addresses a name resolves to */
};

static int open_conn(struct va_syslog_sink *k, struct conn *c)
{
	/* No AI_ADDRCONFIG: a host with loopback alone must still reach a relay on 127.0.0.1. */
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = c->tcp ? SOCK_STREAM : SOCK_DGRAM };
	struct addrinfo *res, *ai;
	unsigned int n = 0;
	int fd, ret, one = 1;

	/* Resolved at every attempt: the peer may move, and DNS may be up only later. */
	ret = getaddrinfo(k->url.host, k->url.port, &hints, &res);
	if (ret)
		return ret == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next)
		n++;
	ai = res;
	for (unsigned int i = c->addr_idx++ % n; i; i--)
		ai = ai->ai_next;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		freeaddrinfo(res);
		return ret;
	}
	if (c->tcp) {
		unsigned int ut = USER_TIMEOUT_MS;

		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
	}
	ret = connect(fd, ai->ai_addr, ai->ai_addrlen) ? -errno : 0;
	freeaddrinfo(res);
	if (ret && ret != -EINPROGRESS) {
		close(fd);
		return ret;
	}
	c->fd = fd;
	c->connecting = ret == -EINPROGRESS;
	c->connect_by = sink_now_ns() + CONNECT_TIMEOUT_MS * 1000000ull;
	c->written = 0;
	c->next = c->head;
	c->partial = 0;
	return 0;
}

static void free_list(struct va_spool_msg *m)
{
	while (m) {
		struct va_spool_msg *next = m->next;

		free(m);
		m = next;
	}
}

/* What was delivered goes back to the spool for reuse. */
static void recycle_spent(struct va_syslog_sink *k, struct conn *c)
{
	va_spool_recycle(k->spool, c->spent);
	c->spent = NULL;
}

/* Forget acknowledged messages older than a second, or beyond the byte bound. */
static void trim_done(struct conn *c, uint64_t now)
{
	while (c->done &&
	       (c->done_bytes > RESET_RESEND_BYTES || now - c->done->acked_ns > RESET_RESEND_NS)) {
		struct va_spool_msg *m = c->done;

		c->done = m->next;
		if (!c->done)
			c->done_tail = NULL;
		c->done_bytes -= m->len;
		m->next = c->spent;
		c->spent = m;
	}
}

/* The peer acknowledged the oldest message in flight. Returns: it was new (not a resend). */
static bool pop_head(struct va_syslog_sink *k, struct conn *c, uint64_t now)
{
	struct va_spool_msg *m = c->head;
	bool first = !m->acked_ns;

	c->head = m->next;
	if (!c->head)
		c->tail = NULL;
	va_spool_acked(k->spool, m->file_end);
	if (!c->tcp) {
		m->next = c->spent;
		c->spent = m;
		return first;
	}
	m->next = NULL;
	m->acked_ns = now;
	if (c->done_tail)
		c->done_tail->next = m;
	else
		c->done = m;
	c->done_tail = m;
	c->done_bytes += m->len;
	return first;
}

/* Move what the peer's kernel has acknowledged to the done list. */
static void take_acks(struct va_syslog_sink *k, struct conn *c)
{
	uint64_t acked, n = 0, now = sink_now_ns();
	int outq;

	trim_done(c, now);
	recycle_spent(k, c);
	if (!c->tcp || c->fd < 0 || c->connecting || ioctl(c->fd, SIOCOUTQ, &outq) || outq < 0)
		return;
	acked = c->written - (uint64_t)outq;
	while (c->head && c->head != c->next && c->head->sent_end <= acked) {
		n += pop_head(k, c, now);
		c->failures = 0;
	}
	if (n)
		sink_count_sent(k, n);
}

/*
 * The connection broke: what was not acknowledged goes again on the next
 * one. @clean: the peer closed with a FIN (or refused our late writes after
 * one), so it read all it acknowledged; otherwise the last second's
 * acknowledged messages go again too.
 */
static void drop_conn(struct va_syslog_sink *k, struct conn *c, int err, bool clean)
{
	uint64_t again = 0;

	take_acks(k, c);
	close(c->fd);
	c->fd = -1;
	c->connecting = false;
	c->up = false;
	if (!clean && c->done) {
		for (struct va_spool_msg *m = c->done; m; m = m->next)
			again++;
		c->done_tail->next = c->head;
		if (!c->head)
			c->tail = c->done_tail;
		c->head = c->done;
		sink_count_resent(k, again);
	} else {
		free_list(c->done);
	}
	c->done = c->done_tail = NULL;
	c->done_bytes = 0;
	c->next = c->head;
	c->partial = 0;
	sink_set_state(k, false, err);
	c->retry_at = sink_now_ns() + (uint64_t)sink_backoff(&c->failures) * 1000000ull;
}

/* A FIN, or EPIPE (a reset after the peer's FIN), says the peer read what it acknowledged. */
static bool clean_close(int err)
{
	return err == 0 || err == -EPIPE;
}

/* The next message to write: one to send again, else a new one from the spool. */
/* Up to @max more from the spool, appended to the in-flight list. Returns: the first, or NULL. */
static struct va_spool_msg *take_more(struct va_syslog_sink *k, struct conn *c, size_t max)
{
	struct va_spool_msg *m = va_spool_take_many(k->spool, max), *t;

	if (!m)
		return NULL;
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	for (t = m; t->next; t = t->next)
		;
	c->tail = t;
	return m;
}

static struct va_spool_msg *next_msg(struct va_syslog_sink *k, struct conn *c)
{
	struct va_spool_msg *m;

	if (c->next)
		return c->next;
	m = take_more(k, c, 1);
	if (m) {
		c->next = m;
		c->partial = 0;
	}
	return m;
}

/* Messages per writev(2) on a stream: one system call for a batch, not one per event. */
#define TCP_BATCH 64

/*
 * The next messages to write from c->next on, framed (RFC 6587 octet
 * counting), as iovecs; c->next's first c->partial bytes are already out.
 * Takes new ones from the spool. Returns: how many messages.
 */
static int gather_tcp(struct va_syslog_sink *k, struct conn *c, struct iovec *iov, int *niov,
		      char (*pfx)[24], size_t *frame)
{
	struct va_spool_msg *m = next_msg(k, c);
	int n = 0;

	*niov = 0;
	while (m && n < TCP_BATCH) {
		size_t plen = (size_t)va_syslog_frame(m->len, pfx[n], sizeof(pfx[n]));
		size_t skip = n ? 0 : c->partial;

		if (skip < plen)
			iov[(*niov)++] = (struct iovec){ pfx[n] + skip, plen - skip };
		skip = skip > plen ? skip - plen : 0;
		iov[(*niov)++] = (struct iovec){ m->data + skip, m->len - skip };
		frame[n++] = plen + m->len;
		if (!m->next && n < TCP_BATCH && !take_more(k, c, (size_t)(TCP_BATCH - n)))
			break;
		m = m->next;
	}
	return n;
}

/*
 * Write what there is until the socket is full.
 * Returns: 0 when all is written, 1 when the socket is full, -errno when
 * the connection broke.
 */
static int fill_tcp(struct va_syslog_sink *k, struct conn *c)
{
	struct iovec iov[2 * TCP_BATCH];
	char pfx[TCP_BATCH][24];
	size_t frame[TCP_BATCH];
	int n, niov;

	while ((n = gather_tcp(k, c, iov, &niov, pfx, frame))) {
		ssize_t w = writev(c->fd, iov, niov);
		size_t left;

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 1 : -errno;
		}
		/* Walk the messages the bytes covered: each whole one is out. */
		left = (size_t)w;
		for (int i = 0; i < n && left; i++) {
			size_t rest = frame[i] - c->partial;

			if (left < rest) {
				c->partial += left;
				c->written += left;
				break;
			}
			left -= rest;
			c->written += rest;
			c->next->sent_end = c->written;
			c->next = c->next->next;
			c->partial = 0;
		}
	}
	return 0;
}

/* Datagrams per sendmmsg(2): one system call for a batch, not one per event. */
#define UDP_BATCH 64

/* Up to UDP_BATCH messages from c->next on, taking new ones from the spool. */
static int gather_udp(struct va_syslog_sink *k, struct conn *c, struct mmsghdr *mm,
		      struct iovec *iov)
{
	struct va_spool_msg *m = next_msg(k, c);
	int n = 0;

	while (m && n < UDP_BATCH) {
		iov[n] = (struct iovec){ m->data, m->len };
		mm[n] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[n], .msg_iovlen = 1 } };
		n++;
		if (!m->next && n < UDP_BATCH && !take_more(k, c, (size_t)(UDP_BATCH - n)))
			break;
		m = m->next;
	}
	return n;
}

static int fill_udp(struct va_syslog_sink *k, struct conn *c)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	int n;

	while ((n = gather_udp(k, c, mm, iov))) {
		int sent = sendmmsg(c->fd, mm, (unsigned int)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		bool too_big = false;

		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && errno == EAGAIN)
			return 1;
		if (sent < 0 && errno != EMSGSIZE)
			return -errno; /* ECONNREFUSED: the peer is away; these go again */
		if (sent < 0) {
			/* Bigger than a datagram can be: the first one can never go. */
			too_big = true;
			sent = 1;
		}
		/* For UDP c->head is c->next: what was sent leaves at once. */
		for (int i = 0; i < sent; i++) {
			c->next = c->head->next;
			pop_head(k, c, 0);
		}
		recycle_spent(k, c);
		if (too_big) {
			sink_count_dropped(k, 1);
			continue;
		}
		sink_count_sent(k, (uint64_t)sent);
		c->failures = 0;
		if (!c->up) {
			c->up = true;
			sink_set_state(k, true, 0);
		}
	}
	return 0;
}

/* A connection attempt in progress: done, failed or still waiting. */
static void finish_connect(struct va_syslog_sink *k, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	short rev = sink_wait(k, c->fd, POLLOUT, 100);

	/* Nothing was sent on it: clean or not makes no difference. */
	if (!rev) {
		if (sink_now_ns() > c->connect_by)
			drop_conn(k, c, -ETIMEDOUT, true);
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		drop_conn(k, c, err ? -err : -errno, true);
		return;
	}
	c->connecting = false;
	sink_set_state(k, true, 0);
}

/* Wait for room, acknowledgements, a new message, or the peer closing. */
static void wait_conn(struct va_syslog_sink *k, struct conn *c, int fill)
{
	short ev = fill == 1 ? POLLOUT : 0, rev;
	int timeout = 1000;

	if (c->tcp) {
		ev |= POLLIN | POLLRDHUP;
		if (c->head)
			timeout = ACK_POLL_MS;
	}
	/* Nothing to write: sleep until a producer pushes, unless one just did. */
	if (fill == 0 && !va_spool_idle(k->spool))
		return;
	rev = fill == 0 ? sink_wait_idle(k, c->fd, ev, timeout) : sink_wait(k, c->fd, ev, timeout);
	if (!c->tcp) {
		int err = 0;
		socklen_t len = sizeof(err);

		/* An ICMP error for an earlier datagram: say so, the next send tells more. */
		if ((rev & POLLERR) && !getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) &&
		    err) {
			c->up = false;
			sink_set_state(k, false, -err);
		}
		return;
	}
	if (rev & (POLLIN | POLLRDHUP | POLLERR | POLLHUP)) {
		char buf[512];
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		/* A syslog peer says nothing; EOF or an error means it is gone. */
		if (n == 0)
			drop_conn(k, c, -ECONNRESET, true);
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			drop_conn(k, c, -errno, clean_close(-errno));
	}
}

static void *remote_main(void *arg)
{
	struct va_syslog_sink *k = arg;
	struct conn c = { .fd = -1, .tcp = k->url.proto == VA_SYSLOG_TCP };

	for (;;) {
		int fill, ret;

		take_acks(k, &c);
		va_spool_sync(k->spool);
		if (sink_done(k, !c.head && va_spool_idle(k->spool)))
			break;
		va_spool_spill(k->spool);
		if (c.fd < 0) {
			uint64_t now = sink_now_ns();

			if (now < c.retry_at) {
				sink_wait(k, -1, 0, (int)((c.retry_at - now) / 1000000 + 1));
				continue;
			}
			if (sink_stopping(k) && !c.head && va_spool_idle(k->spool))
				continue;
			ret = open_conn(k, &c);
			if (ret) {
				sink_set_state(k, false, ret);
				c.retry_at = now + (uint64_t)sink_backoff(&c.failures) * 1000000ull;
			} else if (!c.connecting) {
				sink_set_state(k, true, 0);
			}
			continue;
		}
		if (c.connecting) {
			finish_connect(k, &c);
			continue;
		}
		fill = c.tcp ? fill_tcp(k, &c) : fill_udp(k, &c);
		if (fill < 0) {
			drop_conn(k, &c, fill, clean_close(fill));
			continue;
		}
		wait_conn(k, &c, fill);
	}
	take_acks(k, &c);
	va_spool_sync(k->spool);
	if (c.fd >= 0)
		close(c.fd);
	free_list(c.done);
	free_list(c.spent);
	sink_hand_back(k, c.head);
	return NULL;
}

int va_syslog_remote_open(struct va_syslog_sink **out, const struct va_syslog_id *id,
			  const struct va_syslog_url *url, size_t queue_bytes,
			  const char *spool_file, uint64_t spool_bytes, char *err, size_t errlen)
{
	struct va_syslog_sink *k = calloc(1, sizeof(*k));
	int ret;

	if (!k)
		return -ENOMEM;
	k->url = *url;
	ret = sink_init(k, "syslog-remote", VA_SYSLOG_5424, id, queue_bytes, spool_file,
			spool_bytes, err, errlen);
	if (ret) {
		free(k);
		return ret;
	}
	ret = sink_start(k, remote_main, err, errlen);
	if (ret)
		return ret;
	*out = k;
	return 0;
}
