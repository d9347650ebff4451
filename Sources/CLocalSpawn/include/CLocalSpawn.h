#ifndef TIDE_CLOCALSPAWN_H
#define TIDE_CLOCALSPAWN_H
// posix_spawn with the attributes Tide's local backend needs, which are awkward
// to set from Swift (POSIX_SPAWN_SETSID and addclosefrom_np are GNU extensions).

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated): standard input from
/// /dev/null, standard output and error to `log_fd`, `lock_fd` as descriptor
/// 3 and nothing else open; no signal blocked and every signal at its default
/// action; in a session of its own where the system allows it. Returns 0 and
/// sets `*pid`, or an errno value (the exec's own failure included).
int tide_spawn_shim(const char *path, char *const argv[], char *const envp[], int log_fd, int lock_fd, pid_t *pid);

#endif
