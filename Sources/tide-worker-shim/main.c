// tide-worker-shim: runs one worker of Tide's local backend and records its
// life in the worker's directory, so that a scheduler that dies and restarts
// can adopt the worker and still learn how it ended.
//
//   tide-worker-shim DIR [-C WORKDIR] -- COMMAND [ARG...]
//
// Descriptor 3, when open, is DIR/lock already locked by the backend (flock,
// exclusive); otherwise the shim locks it itself. The lock is held for the
// shim's whole life: a backend that can take it knows the shim is gone, even
// after a restart and whatever pid reuse happened meanwhile.
//
// Records, each written atomically (temporary file, fsync, rename):
//   DIR/started.json  {"shimPid":..,"workerPid":..,"session":..,"startedAt":..}
//                     once COMMAND has been exec'd
//   DIR/exit.json     {"workerPid":..,"endedAt":..,"exited":N | "signaled":N | "failedToStart":"..."}
//                     once it has ended (or could not be exec'd: exit status 127)
// Standard output and error are passed through to the worker (the backend
// points them at DIR's log file); the shim's own messages go there too.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <time.h>
#include <unistd.h>

static const int lock_descriptor = 3;

// The worker's process group, for the forwarding handler; 0 until it exists.
static volatile sig_atomic_t worker_group = 0;

static void forward(int signal) {
    if (worker_group > 0) kill(-(pid_t)worker_group, signal);
}

static void die(const char *what) {
    fprintf(stderr, "tide-worker-shim: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_REALTIME, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

// `text` as a JSON string (quotes included) into `out`, truncated to fit.
static void json_string(const char *text, char *out, size_t size) {
    size_t used = 0;
    out[used++] = '"';
    for (const unsigned char *c = (const unsigned char *)text; *c && used + 8 < size; c++) {
        if (*c == '"' || *c == '\\') {
            out[used++] = '\\';
            out[used++] = (char)*c;
        } else if (*c < 0x20) {
            used += (size_t)snprintf(out + used, size - used, "\\u%04x", *c);
        } else {
            out[used++] = (char)*c;
        }
    }
    out[used++] = '"';
    out[used] = 0;
}

// Writes DIR/NAME atomically: a reader sees the whole record or none.
static void write_record(const char *dir, const char *name, const char *text) {
    char path[4096], temporary[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(temporary, sizeof temporary, "%s/.%s.tmp", dir, name);
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die(temporary);
    size_t length = strlen(text), done = 0;
    while (done < length) {
        ssize_t written = write(fd, text + done, length - done);
        if (written < 0 && errno != EINTR) die(temporary);
        if (written > 0) done += (size_t)written;
    }
    // Durable before visible: after a power loss the record is whole or absent.
    if (fsync(fd) != 0 || close(fd) != 0) die(temporary);
    if (rename(temporary, path) != 0) die(path);
    int directory = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory >= 0) {
        fsync(directory);
        close(directory);
    }
}

// The lock on DIR/lock: the backend's descriptor 3, or taken here when run by hand.
static void hold_lock(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/lock", dir);
    struct stat given, file;
    int passed = fstat(lock_descriptor, &given) == 0 && stat(path, &file) == 0 && given.st_dev == file.st_dev &&
                 given.st_ino == file.st_ino;
    if (!passed) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) die(path);
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) die("another shim holds the lock");
        return;
    }
    // The worker must not inherit it: a daemon it leaves behind would make the shim look alive.
    fcntl(lock_descriptor, F_SETFD, FD_CLOEXEC);
}

// In the forked child: a process group of its own, default signals, then the command.
// A failure is written to `report` (close-on-exec: EOF there means the exec worked).
static void run_worker(int report, const char *workdir, char **command) {
    setpgid(0, 0);
    // The backend's thread may have blocked or ignored signals; the worker starts clean.
    struct sigaction defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    sigemptyset(&defaults.sa_mask);
    for (int signal = 1; signal < NSIG; signal++) {
#ifdef __linux__
        // glibc's sigaction refuses its internal signals (32, 33), which its
        // posix_spawn leaves ignored in the shim; the kernel's call does not.
        // All zeros is SIG_DFL with no flags and an empty mask on every architecture.
        static const unsigned long kernel_defaults[8] = {0};
        if (syscall(SYS_rt_sigaction, signal, kernel_defaults, NULL, (size_t)((NSIG - 1) / 8)) == 0) continue;
#endif
        sigaction(signal, &defaults, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char message[4096];
    if (workdir && chdir(workdir) != 0) {
        snprintf(message, sizeof message, "chdir %s: %s", workdir, strerror(errno));
    } else {
        execvp(command[0], command);
        snprintf(message, sizeof message, "exec %s: %s", command[0], strerror(errno));
    }
    ssize_t ignored = write(report, message, strlen(message));
    (void)ignored;
    _exit(127);
}

// Reads the child's failure message, if any, into `message`; returns its length (0: exec'd).
static size_t read_report(int report, char *message, size_t size) {
    size_t used = 0;
    for (;;) {
        ssize_t count = read(report, message + used, size - 1 - used);
        if (count > 0) used += (size_t)count;
        else if (count == 0 || errno != EINTR || used == size - 1) break;
    }
    message[used] = 0;
    return used;
}

// Closes every descriptor past the lock's: the backend may leak some (sockets, pipes) to its children.
static void close_others(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    closefrom(lock_descriptor + 1);
#else
    for (long fd = lock_descriptor + 1, last = sysconf(_SC_OPEN_MAX); fd < last; fd++) close((int)fd);
#endif
}

static void usage(void) {
    fprintf(stderr, "usage: tide-worker-shim DIR [-C WORKDIR] -- COMMAND [ARG...]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 4) usage();
    const char *dir = argv[1];
    const char *workdir = NULL;
    int at = 2;
    if (strcmp(argv[at], "-C") == 0) {
        if (at + 1 >= argc) usage();
        workdir = argv[at + 1];
        at += 2;
    }
    if (at >= argc || strcmp(argv[at], "--") != 0 || at + 1 >= argc) usage();
    char **command = argv + at + 1;

    // Past 0-2 and the lock nothing of the backend's is ours to keep.
    close_others();
    hold_lock(dir);
    // A session of its own (already so when spawned with POSIX_SPAWN_SETSID),
    // then fork once more: the shim is nobody's child, so a scheduler that dies
    // leaves no zombie behind and one that restarts finds the same picture.
    if (setsid() < 0 && errno != EPERM) die("setsid");
    pid_t shim = fork();
    if (shim < 0) die("fork");
    if (shim > 0) _exit(0);

    // Forwarded signals are blocked until the worker's group exists.
    struct sigaction forwarding;
    memset(&forwarding, 0, sizeof forwarding);
    forwarding.sa_handler = forward;
    sigemptyset(&forwarding.sa_mask);
    forwarding.sa_flags = SA_RESTART;
    sigset_t forwarded;
    sigemptyset(&forwarded);
    sigaddset(&forwarded, SIGTERM);
    sigaddset(&forwarded, SIGINT);
    sigprocmask(SIG_BLOCK, &forwarded, NULL);
    sigaction(SIGTERM, &forwarding, NULL);
    sigaction(SIGINT, &forwarding, NULL);

    int report[2];
    if (pipe(report) != 0) die("pipe");
    fcntl(report[0], F_SETFD, FD_CLOEXEC);
    fcntl(report[1], F_SETFD, FD_CLOEXEC);
    pid_t worker = fork();
    if (worker < 0) die("fork");
    if (worker == 0) {
        close(report[0]);
        run_worker(report[1], workdir, command);
    }
    // Both sides set the group, so it exists before either goes on.
    setpgid(worker, worker);
    close(report[1]);
    worker_group = worker;
    sigprocmask(SIG_UNBLOCK, &forwarded, NULL);

    char message[4096], quoted[8300], record[8600];
    if (read_report(report[0], message, sizeof message) > 0) {
        close(report[0]);
        waitpid(worker, NULL, 0);
        fprintf(stderr, "tide-worker-shim: %s\n", message);
        json_string(message, quoted, sizeof quoted);
        snprintf(record, sizeof record, "{\"workerPid\":%d,\"endedAt\":%.6f,\"failedToStart\":%s}\n", worker, now(),
                 quoted);
        write_record(dir, "exit.json", record);
        return 127;
    }
    close(report[0]);
    snprintf(record, sizeof record, "{\"shimPid\":%d,\"workerPid\":%d,\"session\":%d,\"startedAt\":%.6f}\n", getpid(),
             worker, getsid(0), now());
    write_record(dir, "started.json", record);

    // See the end without reaping, so the group id cannot be reused while what
    // the worker left behind in it is killed (as a pod's containers are).
    siginfo_t info;
    while (waitid(P_PID, (id_t)worker, &info, WEXITED | WNOWAIT) != 0) {
        if (errno != EINTR) die("waitid");
    }
    kill(-worker, SIGKILL);
    int status = 0;
    while (waitpid(worker, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status)) {
        snprintf(record, sizeof record, "{\"workerPid\":%d,\"endedAt\":%.6f,\"signaled\":%d}\n", worker, now(),
                 WTERMSIG(status));
    } else {
        snprintf(record, sizeof record, "{\"workerPid\":%d,\"endedAt\":%.6f,\"exited\":%d}\n", worker, now(),
                 WEXITSTATUS(status));
    }
    write_record(dir, "exit.json", record);
    return 0;
}
