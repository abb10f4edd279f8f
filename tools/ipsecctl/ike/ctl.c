// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE daemon's control socket: an abstract unix stream socket, one
 * JSON request and one JSON answer per connection, non-blocking on the
 * daemon's side; and the blocking client of `ipsecctl status|up|down|
 * reload`.
 *
 * Who may talk to the daemon. Abstract sockets have no file mode, so any
 * process in the network namespace can connect, and the daemon checks the
 * client at accept time: SO_PEERCRED gives the PID of the process that
 * connected; its /proc/PID/status must show CAP_NET_ADMIN (bit 12) in
 * CapEff, and its /proc/PID/ns/user must be the user namespace that owns
 * our network namespace, or an ancestor of it (a capability in an ancestor
 * holds in every descendant). That is what configuring the namespace's
 * IPsec itself takes.
 *
 * The race: a PID is a name, and the process that connected may exit and
 * its PID go to another process before /proc/PID is read, if the client
 * handed its connection to another process (fork, SCM_RIGHTS) first.
 * Where the kernel has SO_PEERPIDFD (6.5 and later), the daemon takes a
 * pidfd of the client first and, after reading /proc/PID, checks that the
 * process it names still lives (pidfd_send_signal with signal 0): if it
 * does, its PID was not reused meanwhile and what was read was its own.
 * Without SO_PEERPIDFD the race stays: a client would have to exit and
 * make its PID go, within the microseconds of the check, to a process of
 * its choice that has CAP_NET_ADMIN, which means cycling the whole PID
 * space while winning against every other process, for a request that
 * such a process could make itself. We accept that. As with any
 * SO_PEERCRED check, it is the connecting process that is checked, not
 * whoever holds the connection later.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include "ctl.h"
#include "log.h"
#include "loop.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#define CAP_NET_ADMIN_BIT 12

struct client {
	struct client *next;
	int fd;
	bool answering;
	struct ike_timer timer;
	char *answer;			/* from json_dumps(), with the newline */
	size_t answer_len, sent;
	size_t len;
	char req[IKE_CTL_MAX_REQUEST + 1];
};

static int listen_fd = -1;
static ike_ctl_fn ctl_fn;
static void *ctl_arg;
static struct client *clients;
static unsigned int nclients;
static unsigned int timeout_ms = IKE_CTL_TIMEOUT_MS;

static socklen_t ctl_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] stays 0: the abstract namespace, no NUL at the end. */
	memcpy(sun->sun_path + 1, IKE_CTL_NAME, strlen(IKE_CTL_NAME));
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(IKE_CTL_NAME);
}

void ike_ctl_set_timeout(unsigned int ms)
{
	timeout_ms = ms;
}

static void client_free(struct client *c)
{
	struct client **pp;

	for (pp = &clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	nclients--;
	ike_timer_cancel(&c->timer);
	ike_loop_del_fd(c->fd);
	close(c->fd);
	free(c->answer);
	free(c);
}

/* Writes what the socket takes; frees c when all is sent or it failed. */
static void client_write(struct client *c)
{
	ssize_t n;

	while (c->sent < c->answer_len) {
		n = send(c->fd, c->answer + c->sent, c->answer_len - c->sent,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && !ike_loop_mod_fd(c->fd, EPOLLOUT))
				return;
			ike_log(IKE_LOG_DEBUG, "control: client gone before its answer: %s",
				strerror(errno));
			break;
		}
		c->sent += (size_t)n;
	}
	client_free(c);
}

/* Takes the answer's reference. */
static void client_answer(struct client *c, json_t *answer)
{
	char *s = answer ? json_dumps(answer, JSON_COMPACT) : NULL, *p;
	size_t len;

	json_decref(answer);
	if (!s) {
		s = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
		if (!s) {
			client_free(c);
			return;
		}
	}
	len = strlen(s);
	p = realloc(s, len + 2);
	if (!p) {
		free(s);
		client_free(c);
		return;
	}
	c->answer = p;
	c->answer[len++] = '\n';
	c->answer[len] = '\0';
	c->answer_len = len;
	c->answering = true;
	client_write(c);
}

static void client_error(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void client_error(struct client *c, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	client_answer(c, json_pack("{s:b,s:s}", "ok", 0, "error", text));
}

static void client_request(struct client *c)
{
	json_error_t jerr;
	json_t *req, *cmd, *answer;

	req = json_loadb(c->req, c->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		client_error(c, "the request is not JSON: %s", jerr.text);
		return;
	}
	cmd = json_object_get(req, "cmd");
	if (!json_is_object(req) || !json_is_string(cmd)) {
		json_decref(req);
		client_error(c, "the request is not a JSON object with a \"cmd\" string");
		return;
	}
	ike_log(IKE_LOG_DEBUG, "control: request \"%s\"", json_string_value(cmd));
	answer = ctl_fn(req, ctl_arg);
	json_decref(req);
	if (!json_is_object(answer)) {
		json_decref(answer);
		client_error(c, "internal error");
		return;
	}
	client_answer(c, answer);
}

static void on_client(int fd, void *arg)
{
	struct client *c = arg;
	ssize_t n;

	if (c->answering) {
		client_write(c);
		return;
	}
	for (;;) {
		n = recv(fd, c->req + c->len, sizeof(c->req) - c->len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				ike_log(IKE_LOG_DEBUG, "control: %s", strerror(errno));
				client_free(c);
			}
			return;
		}
		if (n == 0)
			break;
		c->len += (size_t)n;
		if (c->len > IKE_CTL_MAX_REQUEST) {
			ike_log(IKE_LOG_WARN, "control: refused a request of more than %u bytes",
				IKE_CTL_MAX_REQUEST);
			client_error(c, "the request is too large (more than %u bytes)",
				     IKE_CTL_MAX_REQUEST);
			return;
		}
	}
	client_request(c);
}

static void on_client_timeout(struct ike_timer *t)
{
	struct client *c = (struct client *)((char *)t - offsetof(struct client, timer));

	ike_log(IKE_LOG_WARN, "control: a client took more than %u ms; closed", timeout_ms);
	client_free(c);
}

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Whether the user namespace *peer is the one owning our network namespace
 * or one of its ancestors.
 */
static bool userns_above_netns(const struct stat *peer)
{
	struct stat st;
	bool found = false;
	int fd, up, netfd;

	netfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netfd < 0)
		return false;
	fd = ioctl(netfd, NS_GET_USERNS);
	close(netfd);
	if (fd < 0) {
		/* Owned above our own user namespace: start from ours. */
		fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
	}
	while (!found && fstat(fd, &st) == 0) {
		if (same_ns(&st, peer)) {
			found = true;
			break;
		}
		/* EPERM past our own user namespace's root. */
		up = ioctl(fd, NS_GET_PARENT);
		if (up < 0)
			break;
		close(fd);
		fd = up;
	}
	close(fd);
	return found;
}

static bool has_net_admin(pid_t pid)
{
	char path[64], line[256];
	unsigned long long caps;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			ok = caps & (1ULL << CAP_NET_ADMIN_BIT);
			break;
		}
	}
	fclose(f);
	return ok;
}

/* 0 if the peer of fd may send requests, else why not in why. */
static int check_peer(int fd, char *why, size_t len)
{
	struct ucred cred;
	socklen_t sl = sizeof(cred);
	struct stat peer_ns;
	char path[64];
	int pidfd = -1, err = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) < 0 || cred.pid <= 0) {
		snprintf(why, len, "the client's process is not visible from the daemon");
		return -1;
	}
	sl = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &sl) < 0)
		pidfd = -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)cred.pid);
	if (!has_net_admin(cred.pid)) {
		snprintf(why, len, "permission denied: the client (PID %d) does not have CAP_NET_ADMIN",
			 (int)cred.pid);
	} else if (stat(path, &peer_ns) < 0 || !userns_above_netns(&peer_ns)) {
		snprintf(why, len,
			 "permission denied: the client (PID %d) does not have CAP_NET_ADMIN in the user namespace of this network namespace",
			 (int)cred.pid);
	} else if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		snprintf(why, len, "the client (PID %d) exited", (int)cred.pid);
	} else {
		err = 0;
	}
	if (pidfd >= 0)
		close(pidfd);
	return err;
}

static void on_listen(int fd, void *arg)
{
	struct client *c;
	char why[256];
	int cfd, err;

	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				ike_log(IKE_LOG_WARN, "control: accept: %s", strerror(errno));
			return;
		}
		if (nclients >= IKE_CTL_MAX_CLIENTS) {
			ike_log(IKE_LOG_WARN, "control: more than %u clients at once; refused one",
				IKE_CTL_MAX_CLIENTS);
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->fd = cfd;
		err = ike_loop_add_fd(cfd, on_client, c);
		if (err) {
			ike_log(IKE_LOG_WARN, "control: %s", strerror(-err));
			close(cfd);
			free(c);
			continue;
		}
		c->next = clients;
		clients = c;
		nclients++;
		ike_timer_init(&c->timer, on_client_timeout);
		ike_timer_arm(&c->timer, timeout_ms);
		if (check_peer(cfd, why, sizeof(why))) {
			ike_log(IKE_LOG_WARN, "control: %s", why);
			client_error(c, "%s", why);
		}
	}
}

int ike_ctl_open(ike_ctl_fn fn, void *arg)
{
	struct sockaddr_un sun;
	socklen_t sl = ctl_addr(&sun);
	int fd, err;

	if (listen_fd >= 0)
		return -EALREADY;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sl) < 0) {
		err = -errno;
		if (err == -EADDRINUSE)
			ike_log(IKE_LOG_ERR,
				"the control socket @%s is in use: another IKE daemon is running in this network namespace",
				IKE_CTL_NAME);
		else
			ike_log(IKE_LOG_ERR, "control socket @%s: %s", IKE_CTL_NAME,
				strerror(-err));
		goto err_close;
	}
	if (listen(fd, 16) < 0) {
		err = -errno;
		ike_log(IKE_LOG_ERR, "control socket @%s: listen: %s", IKE_CTL_NAME,
			strerror(-err));
		goto err_close;
	}
	err = ike_loop_add_fd(fd, on_listen, NULL);
	if (err) {
		ike_log(IKE_LOG_ERR, "control socket: cannot add to the loop: %s", strerror(-err));
		goto err_close;
	}
	listen_fd = fd;
	ctl_fn = fn;
	ctl_arg = arg;
	return 0;

err_close:
	close(fd);
	return err;
}

void ike_ctl_close(void)
{
	while (clients)
		client_free(clients);
	if (listen_fd >= 0) {
		ike_loop_del_fd(listen_fd);
		close(listen_fd);
	}
	listen_fd = -1;
	ctl_fn = NULL;
	ctl_arg = NULL;
}

/* The client. */

#define MAX_ANSWER (16u << 20)

static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int say(const char *fmt, ...)
{
	va_list ap;

	fputs("ipsecctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Milliseconds left until deadline for poll(): -1 without one. */
static int left(uint64_t deadline)
{
	uint64_t now;

	if (!deadline)
		return -1;
	now = ike_now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* 0 when fd is ready for events, 1 on time-out, -1 on error. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&p, 1, left(deadline));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	return n == 0;
}

static int send_request(int fd, const char *s, size_t len, uint64_t deadline)
{
	size_t off = 0;
	ssize_t n;
	int w;

	while (off < len) {
		n = send(fd, s + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Refused before it read all: its answer says why. */
			if (errno == EPIPE || errno == ECONNRESET)
				return 0;
			if (errno != EAGAIN)
				return say("sending to the IKE daemon: %s", strerror(errno));
			w = wait_fd(fd, POLLOUT, deadline);
			if (w)
				return w > 0 ? say("the IKE daemon did not take the request in time")
					     : say("poll: %s", strerror(errno));
			continue;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	return 0;
}

static int read_answer(int fd, char **out, size_t *out_len, uint64_t deadline)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size), *p;
	ssize_t n;
	int w;

	if (!buf)
		return say("out of memory");
	for (;;) {
		if (len == size) {
			if (size >= MAX_ANSWER) {
				free(buf);
				return say("the IKE daemon's answer is larger than %u bytes",
					   MAX_ANSWER);
			}
			p = realloc(buf, size * 2);
			if (!p) {
				free(buf);
				return say("out of memory");
			}
			buf = p;
			size *= 2;
		}
		n = recv(fd, buf + len, size - len, MSG_DONTWAIT);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		/* It closed with our request unread (a refusal): the answer is whole. */
		if (errno == ECONNRESET && len)
			break;
		if (errno != EAGAIN) {
			free(buf);
			return say("reading the IKE daemon's answer: %s", strerror(errno));
		}
		w = wait_fd(fd, POLLIN, deadline);
		if (w) {
			free(buf);
			return w > 0 ? say("the IKE daemon did not answer in time")
				     : say("poll: %s", strerror(errno));
		}
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int ike_ctl_call(const json_t *req, json_t **resp, int timeout_ms)
{
	uint64_t deadline = timeout_ms > 0 ? ike_now_ms() + (uint64_t)timeout_ms : 0;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct sockaddr_un sun;
	socklen_t sl = ctl_addr(&sun);
	json_error_t jerr;
	char *s, *answer = NULL;
	size_t answer_len = 0;
	int fd, err;

	*resp = NULL;
	s = json_dumps(req, JSON_COMPACT);
	if (!s)
		return say("cannot encode the request");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(s);
		return say("socket: %s", strerror(errno));
	}
	/* connect() of a unix stream socket waits while the backlog is full. */
	if (timeout_ms > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sl) < 0) {
		if (errno == ECONNREFUSED || errno == ENOENT)
			err = say("no IKE daemon is running in this network namespace (start one with: ipsecctl daemon -f FILE)");
		else if (errno == EAGAIN || errno == EINPROGRESS)
			err = say("the IKE daemon did not accept the connection in time");
		else
			err = say("cannot reach the IKE daemon (@%s): %s", IKE_CTL_NAME,
				  strerror(errno));
		goto out;
	}
	err = send_request(fd, s, strlen(s), deadline);
	if (err)
		goto out;
	err = read_answer(fd, &answer, &answer_len, deadline);
	if (err)
		goto out;
	if (!answer_len) {
		err = say("the IKE daemon closed the connection without an answer");
	} else {
		*resp = json_loadb(answer, answer_len, 0, &jerr);
		if (!*resp) {
			err = say("the IKE daemon's answer is not JSON: %s", jerr.text);
		} else if (!json_is_object(*resp)) {
			json_decref(*resp);
			*resp = NULL;
			err = say("the IKE daemon's answer is not a JSON object");
		}
	}
	free(answer);
out:
	close(fd);
	free(s);
	return err;
}
