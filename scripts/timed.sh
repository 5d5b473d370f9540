#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run a command and print how long its phase took: scripts/timed.sh NAME CMD...
# Each phase is also appended to build/timings.log (make bench reports it).
name=$1
shift
t0=$SECONDS
"$@"
rc=$?
printf 'phase %-10s %5ds (rc=%d)\n' "$name" $((SECONDS - t0)) "$rc"
mkdir -p build
printf '%s %s %d %d\n' "$(date -u +%FT%TZ)" "$name" $((SECONDS - t0)) "$rc" >>build/timings.log
exit "$rc"
