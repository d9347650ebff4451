#define _GNU_SOURCE
#include "CLocalSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

int tide_spawn_shim(const char *path, char *const argv[], char *const envp[], int log_fd, int lock_fd, pid_t *pid) {
    // Copies above 0-3 (close-on-exec), so that no dup2 below has the same
    // source and target, which would leave the target close-on-exec.
    int log_copy = fcntl(log_fd, F_DUPFD_CLOEXEC, 10);
    if (log_copy < 0) return errno;
    int lock_copy = fcntl(lock_fd, F_DUPFD_CLOEXEC, 10);
    if (lock_copy < 0) {
        int error = errno;
        close(log_copy);
        return error;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, log_copy, 1);
    posix_spawn_file_actions_adddup2(&actions, log_copy, 2);
    posix_spawn_file_actions_adddup2(&actions, lock_copy, 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
#endif
    // The calling thread may block signals (Swift's pool threads do) and a
    // child inherits its mask: it would never see SIGTERM. The shim resets the
    // worker's signals again; this covers the shim itself.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_SETSID
    flags |= POSIX_SPAWN_SETSID;
#endif
    posix_spawnattr_setflags(&attributes, flags);
    int result = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    close(log_copy);
    close(lock_copy);
    return result;
}
