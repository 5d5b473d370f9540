#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests of exmemstat on fixture trees, built with ASan and UBSan
# (tools/exmemstat/tests/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C tools/exmemstat check
