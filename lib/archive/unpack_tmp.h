/* unpack_tmp.h - vouch-unpack's temporary directories carry their owner
 * (internal to the library). */
#ifndef VOUCH_UNPACK_TMP_H
#define VOUCH_UNPACK_TMP_H

#include <stddef.h>

/* ".vouch-unpack-<pid>.<start>-" for this process, <start> being its start
 * time in clock ticks since boot (/proc/PID/stat field 22), so a later run
 * can tell its owner is gone even when the pid was reused.  0 or -1. */
int unpack_tmp_prefix(char *buf, size_t n);

/* Remove, in dir, the temporaries of unpack runs whose owner process is
 * gone: directories named by unpack_tmp_prefix, owned by this user, whose
 * pid is not running or runs with another start time.  Best effort;
 * returns how many were removed. */
int unpack_remove_stale(const char *dir);

#endif
