// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE daemon's log: one line per call, to stderr or syslog.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

static bool to_syslog;
static int max_level = IKE_LOG_INFO;

static const struct {
	const char *name;
	int priority;
} levels[] = {
	[IKE_LOG_ERR] = { "error", LOG_ERR },
	[IKE_LOG_WARN] = { "warning", LOG_WARNING },
	[IKE_LOG_INFO] = { "info", LOG_INFO },
	[IKE_LOG_DEBUG] = { "debug", LOG_DEBUG },
};

void ike_log_init(bool use_syslog, int level)
{
	if (level < IKE_LOG_ERR)
		level = IKE_LOG_ERR;
	if (level > IKE_LOG_DEBUG)
		level = IKE_LOG_DEBUG;
	max_level = level;
	if (to_syslog)
		closelog();
	to_syslog = use_syslog && !isatty(STDERR_FILENO);
	if (to_syslog)
		openlog("ipsecctl", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

bool ike_log_enabled(int level)
{
	return level <= max_level;
}

/* "2026-11-29T23:40:01.123 " into p, which has room for 32 bytes. */
static size_t timestamp(char *p, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(p, size, "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(p + n, size - n, ".%03ld ", ts.tv_nsec / 1000000);
	return n;
}

void ike_log(int level, const char *fmt, ...)
{
	char line[2048];
	size_t head = 0, len, i;
	int saved = errno;
	ssize_t written;
	va_list ap;
	int n;

	if (level < IKE_LOG_ERR || level > IKE_LOG_DEBUG)
		level = IKE_LOG_ERR;
	if (!ike_log_enabled(level))
		return;
	if (!to_syslog) {
		head = timestamp(line, 32);
		head += snprintf(line + head, sizeof(line) - head, "%s: ", levels[level].name);
	}
	va_start(ap, fmt);
	n = vsnprintf(line + head, sizeof(line) - head - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len = head + (size_t)n;
	if (len > sizeof(line) - 2) {
		len = sizeof(line) - 2;
		memcpy(line + len - 3, "...", 3);
	}
	while (len > head && line[len - 1] == '\n')
		len--;
	for (i = head; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (to_syslog) {
		line[len] = '\0';
		syslog(levels[level].priority, "%s", line);
	} else {
		/* One write, so that lines of two processes do not mix. */
		line[len++] = '\n';
		written = write(STDERR_FILENO, line, len);
		(void)written;
	}
	errno = saved;
}
