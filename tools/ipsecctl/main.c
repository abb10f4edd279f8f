// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl: configure nfesp, the IPsec module. One verb per file; this file
 * reads the options and hands the command, or with -f the file, to
 * commands.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ipsecctl.h"
#include "ike/daemon.h"

/* The Makefile passes the file VERSION's. */
#ifndef IPSECCTL_VERSION
#define IPSECCTL_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [-j] [-n] [-t] [-N NETNS] COMMAND\n"
"       %s [-j] [-n] [-N NETNS] -f FILE     (one command per line, - for stdin:\n"
"                                 all or nothing; what is already so is skipped)\n"
"\n"
"  sa add spi SPI src ADDR dst ADDR [mode tunnel|transport] [reqid N]\n"
"         [owner N] enc ALG key HEX|@FILE [auth ALG authkey HEX|@FILE]\n"
"         [esn] [replay-window N] [encap udp SPORT DPORT [follow-peer]]\n"
"         [lifetime soft|hard bytes N|packets N|seconds N]... [driver NAME]\n"
"         [sel from PREFIX [port P[-Q]] to PREFIX [port P[-Q]] [proto P]]\n"
"  sa update spi SPI dst ADDR [src ADDR] [encap udp SPORT DPORT]\n"
"  sa del spi SPI dst ADDR\n"
"  sa get spi SPI dst ADDR\n"
"  sa show | sa flush\n"
"  spi alloc dst ADDR [src ADDR] [range MIN-MAX]\n"
"  policy add|replace dir out|in from PREFIX [port P[-Q]] to PREFIX [port P[-Q]]\n"
"         [proto tcp|udp|icmp|icmp6|N] action protect|bypass|discard\n"
"         [mode tunnel|transport] [local ADDR peer ADDR] [reqid N] [priority N]\n"
"         [match-ike] [owner N]\n"
"  policy del dir out|in from PREFIX [port P[-Q]] to PREFIX [port P[-Q]] [proto P]\n"
"  policy del id N | policy get id N | policy show | policy flush\n"
"  show                everything, as commands that can be read back with -f\n"
"  sync FILE           make the kernel's manual SAs and policies those of FILE\n"
"                      (sa add and policy add lines); -n prints what it would do\n"
"  tunnels             per reqid: its policies, its SAs, traffic and lifetime\n"
"  stats               the namespace's counters\n"
"  monitor             print events as they happen: adds, deletes, flushes,\n"
"                      acquire, expire, sa update and NAT mapping\n"
"\n"
"The IKE daemon, IKEv2 and IKEv1 (see ipsecctl.conf(5)):\n"
"  daemon [-n] [-d] [--export-keys DIR] -f FILE   run it (daemon --help)\n"
"  status              its connections, IKE and child SAs (-j: JSON)\n"
"  up NAME | down NAME | rekey NAME [ike] | reload\n"
"\n"
"Options:\n"
"  -j, --json          JSON output, one document a line (see ipsecctl(8))\n"
"  -n, --dry-run       parse and check, do not touch the kernel; with -f, also\n"
"                      that each protect policy has its SA in the file\n"
"  -t, --timestamp     monitor: each event starts with the time (ISO 8601)\n"
"  -N, --netns NETNS   in the network namespace /run/netns/NETNS (ip -n)\n"
"  -f, --file FILE     read commands from FILE\n"
"  -h, --help          this help\n"
"  -V, --version       the version, and the nfesp API it speaks\n"
"\n"
"Numbers are decimal or 0x; lifetimes take units (seconds 30m, 1h, 1d; bytes\n"
"10G; packets 2M). In a file, \\ continues a line and quotes group words.\n"
"Keys are hex, with an optional 0x; @FILE reads the hex from FILE. AEAD keys\n"
"include the 4-byte salt, as with ip xfrm. Algorithms:\n", prog, prog);
	list_algs(f);
	fprintf(f, "See ipsecctl(8).\n");
}

/* Into /run/netns/@name (or @name if it is a path), before any socket. */
static int enter_netns(const char *name)
{
	char path[512];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error("network namespace \"%s\": cannot open %s: %s", name, path,
			     strerror(errno));
	if (setns(fd, CLONE_NEWNET)) {
		int e = errno;

		close(fd);
		return error("network namespace \"%s\": cannot enter it: %s%s", name,
			     strerror(e), e == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "timestamp", no_argument, NULL, 't' },
		{ "netns", required_argument, NULL, 'N' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *netns = NULL;
	int c, err;

	/* Hidden: the next words for bash completion (tools/completion/ipsecctl). */
	if (argc > 1 && !strcmp(argv[1], "--complete"))
		return complete(argc - 2, argv + 2) ? 1 : 0;
	while ((c = getopt_long(argc, argv, "+jntN:f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = true;
			break;
		case 'n':
			opt_dry_run = true;
			break;
		case 't':
			opt_timestamp = true;
			break;
		case 'N':
			netns = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ipsecctl %s, nfesp API %u\n", IPSECCTL_VERSION, NFESP_GENL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (!file && argc == 0) {
		usage(stderr);
		return 1;
	}
	if (file && argc) {
		error("-f takes no command as well, got \"%s\"", argv[0]);
		return 1;
	}
	if (netns && enter_netns(netns))
		return 1;
	/* The IKE daemon and its control commands open what they need. */
	if (!file && ike_is_command(argv[0]))
		return ike_command(argc, argv) ? 1 : 0;
	/* A file, and sync's, is read whole before the kernel is (apply.c). */
	if (!opt_dry_run && !file && strcmp(argv[0], "sync") && nfesp_connect())
		return 1;
	err = file ? run_file(file) : run_command(argc, argv);
	nfesp_disconnect();
	return err ? 1 : 0;
}
