// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the IKE configuration (conf.y): the input is a
 * configuration file. What loads must print back (ike_conn_print) into a
 * file that loads again into equal rules (ike_conn_equal); a difference
 * aborts, so libFuzzer keeps the input as a crash.
 *
 * The files are real, in a scratch directory made at start: the input is
 * in.conf there, beside the key files k (text), hex (0x...) and open
 * (mode 0644, refused), and inc.conf (one rule) for include. Inputs that
 * could name a file elsewhere ('/' before a name: "/etc", "../x") are
 * skipped, so that nothing outside the directory is read.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../conf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const char *prog = "fuzz_conf";

static char dir[] = "/tmp/fuzz_conf.XXXXXX";

static void remove_dir(void)
{
	static const char *const files[] = {
		"k", "hex", "open", "inc.conf", "in.conf", "out.conf",
	};
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	if (chdir("/") == 0)
		rmdir(dir);
}

static void put_file(const char *name, const char *text, mode_t mode)
{
	FILE *f = fopen(name, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) || chmod(name, mode)) {
		perror(name);
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char errbuf[BUFSIZ];

	if (!mkdtemp(dir) || chdir(dir)) {
		perror(dir);
		exit(1);
	}
	atexit(remove_dir);
	put_file("k", "fuzz key\n", 0600);
	put_file("hex", "0x0102030405060708\n", 0600);
	put_file("open", "readable\n", 0644);
	put_file("inc.conf",
		 "ikev2 \"inc\" from 10.9.0.0/24 to 10.8.0.0/24 peer 192.0.2.9 psk @k\n", 0644);
	/* Every refused file prints errors: fewer writes, faster runs. */
	setvbuf(stderr, errbuf, _IOFBF, sizeof(errbuf));
	return 0;
}

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_conf: %s\n", why);
	fflush(stderr);
	abort();
}

/* A '/' before a name could lead out of the scratch directory. */
static bool names_a_path(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size; i++)
		if (data[i] == '/' && (isalpha(data[i + 1]) || strchr("._-~", data[i + 1])))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_config a, b;
	struct ike_conn *x, *y;
	FILE *f;

	if (names_a_path(data, size))
		return 0;
	f = fopen("in.conf", "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		fail("cannot write in.conf");
	if (ike_conf_load("in.conf", &a))
		return 0;
	f = fopen("out.conf", "w");
	if (!f)
		fail("cannot write out.conf");
	for (x = a.conns; x; x = x->next)
		ike_conn_print(f, x);
	if (fclose(f))
		fail("cannot write out.conf");
	if (ike_conf_load("out.conf", &b))
		fail("the printed rules do not load");
	if (a.nconns != b.nconns)
		fail("a different number of rules read back");
	for (x = a.conns, y = b.conns; x && y; x = x->next, y = y->next)
		if (!ike_conn_equal(x, y))
			fail("a rule differs when read back");
	ike_conf_free(&a);
	ike_conf_free(&b);
	return 0;
}
