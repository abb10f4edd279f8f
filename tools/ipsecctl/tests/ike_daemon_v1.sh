#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE daemon's IKEv1 on the host, without the module: two daemons in
# main and aggressive mode over a veth, a quick mode rekey, a wrong key,
# malformed and hostile IKEv1 messages (ike_daemon_v1.py's cases), with
# ike_daemon.sh's build (fake kernel, ASan, UBSan) and namespaces.
#
#   ike_daemon_v1.sh   (as root; about 20 s, plus the build)
exec bash "$(dirname "$0")/ike_daemon.sh" ike_daemon_v1.py
