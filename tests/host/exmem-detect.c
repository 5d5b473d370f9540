// SPDX-License-Identifier: GPL-2.0
/*
 * exmem-detect: what tools/include/exmem/exmem_detect.h answers, for
 * tests/host/exmem-detect.sh.
 *
 *   exmem-detect           exmem_supported() on this system
 *   exmem-detect ROOT      exmem_supported_at(ROOT)
 *   exmem-detect --probe   exmem_probe()
 *
 * Prints exmem_support_name() of the answer and the MAP_/MPOL_ values.
 */
#include "../../tools/include/exmem/exmem_detect.h"

int main(int argc, char **argv)
{
	int s;

	if (argc > 1 && !strcmp(argv[1], "--probe"))
		s = exmem_probe();
	else
		s = argc > 1 ? exmem_supported_at(argv[1]) : exmem_supported();
	printf("%s %d\n", exmem_support_name(s), s);
	printf("MAP_EXMEM=%#x MAP_NORMAL=%#x MPOL_F_ZONE_EXMEM=%#x MPOL_F_ZONE_NOEXMEM=%#x\n",
	       MAP_EXMEM, MAP_NORMAL, MPOL_F_ZONE_EXMEM, MPOL_F_ZONE_NOEXMEM);
	return 0;
}
