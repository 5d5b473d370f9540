#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run a command and print how long its phase took: scripts/timed.sh NAME CMD...
name=$1
shift
t0=$SECONDS
"$@"
rc=$?
printf 'phase %-10s %5ds (rc=%d)\n' "$name" $((SECONDS - t0)) "$rc"
exit "$rc"
