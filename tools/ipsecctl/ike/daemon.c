// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl daemon: the IKE daemon's entry, and the control commands that
 * talk to it.
 */

#include <string.h>
#include "../ipsecctl.h"
#include "daemon.h"

static const char *const verbs[] = { "daemon", "status", "up", "down", "reload" };

bool ike_is_command(const char *verb)
{
	unsigned int i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verb, verbs[i]))
			return true;
	return false;
}

int ike_command(int argc, char **argv)
{
	return error("\"%s\": the IKE daemon is not built yet", argv[0]);
}
