/* Compiled by tests/test_portable_c.py with each compiler it finds (and
 * run where it can): csrc/cf_portable.h must build warning-free as C11 and
 * behave. Exits 0 when every check holds. */
#include "cf_portable.h"   /* first: it asks for POSIX declarations */

#include <stdio.h>

int main(void)
{
    cf_atomic_int flag = 0;
    double start = cf_monotonic(), now = start;
    int i, failures = 0;

    cf_atomic_store_release(&flag, 1);
    if (cf_atomic_load_acquire(&flag) != 1) {
        puts("atomic store/load lost the value");
        failures++;
    }
    cf_atomic_store_relaxed(&flag, 0);
    if (cf_atomic_load_acquire(&flag) != 0) {
        puts("relaxed store lost the value");
        failures++;
    }
    for (i = 0; i < 1000000 && now == start; i++) {
        cf_cpu_relax();
        if (i % 64 == 0)
            cf_yield_thread();
        now = cf_monotonic();
    }
    if (!(now > start)) {
        puts("the monotonic clock did not advance");
        failures++;
    }
    if (failures == 0)
        puts("ok");
    return failures;
}
