/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE daemon's log: to stderr when stderr is a terminal or when the
 * caller asks for it, else to syslog (which journald picks up).
 *
 * A line on stderr reads
 *	2026-11-29T23:40:01.123 info: site-b: IKE_SA_INIT ...
 * with the local time to the millisecond; syslog gets the same text after
 * the level with the matching priority (LOG_ERR, LOG_WARNING, LOG_INFO,
 * LOG_DEBUG), as "ipsecctl[PID]", facility LOG_DAEMON. Control characters
 * in a message (a peer's identity can hold any byte) are written as '?',
 * so that one call is always one line. Until ike_log_init() is called,
 * messages go to stderr at IKE_LOG_INFO. ike_log() keeps errno.
 */
#ifndef IKE_LOG_H
#define IKE_LOG_H

#include <stdbool.h>

enum { IKE_LOG_ERR, IKE_LOG_WARN, IKE_LOG_INFO, IKE_LOG_DEBUG };

/*
 * use_syslog: false writes to stderr whatever it is ("when asked"); true
 * writes to syslog unless stderr is a terminal. level: the most verbose
 * level written (IKE_LOG_INFO writes errors, warnings and info).
 */
void ike_log_init(bool use_syslog, int level);
void ike_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether ike_log(level, ...) writes anything: guard costly formatting. */
bool ike_log_enabled(int level);

#endif /* IKE_LOG_H */
