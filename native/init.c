/*
 * perftop-init: the first process under perftop's PTY (or pipe, for --json).
 *
 *   perftop-init --status FILE [--preload LIST] -- CMD [ARG...]
 *
 * Why it exists: perftop is a Node process, and Node cannot reap orphans. libuv only waits for the children it
 * spawned itself, and a grandchild whose parent exits is reparented to PID 1 (or the nearest subreaper), so its
 * exit status is lost and it leaves perftop's view. This tiny program is a child subreaper: every orphan of the
 * app's tree is reparented to it, it reaps each one and appends the raw wait status to FILE, where perftop reads
 * it (docs/INTERNALS.md):
 *
 *   start <apppid>\n            once, right after fork (before any exit line)
 *   exit <pid> <wstatus>\n      for every descendant reaped; one write(2) per line, O_APPEND, so lines stay whole
 *
 * It also gives the app a clean start: its own process group (the PTY's foreground group, so Ctrl-C and SIGWINCH
 * reach it), every signal disposition back to SIG_DFL and an empty mask (Node ignores SIGPIPE, and SIG_IGN
 * survives exec), and no inherited fds above 2. Signals sent to init (HUP when the PTY closes, INT/TERM/QUIT from
 * perftop, USR1/USR2) are forwarded to the app's process group. init exits when no children remain, with the
 * app's status: its exit code, or 128+N when signal N killed it (as shells report it).
 *
 * --preload LIST: LD_PRELOAD for the app only. perftop passes the shim this way so that init itself is not
 * counted (the shim would otherwise load into init, start its control thread and create a segment for it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Signals init forwards to the app's process group. SIGWINCH is not among them: the kernel already delivers it to
 * the PTY's foreground group (the app's), and forwarding would deliver it twice. */
static const int FORWARDED[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2 };
#define NFORWARDED (sizeof FORWARDED / sizeof FORWARDED[0])

static void usage(void) {
    static const char msg[] = "usage: perftop-init --status FILE [--preload LIST] -- CMD [ARG...]\n";
    if (write(2, msg, sizeof msg - 1) < 0) { /* nothing to do */ }
    exit(2);
}

/* One whole line per write(2) with O_APPEND: a reader never sees two lines interleaved, only a partial tail. */
static void status_line(int fd, const char *fmt, long a, long b, int two) {
    char buf[64];
    int n = two ? snprintf(buf, sizeof buf, fmt, a, b) : snprintf(buf, sizeof buf, fmt, a);
    if (fd >= 0 && n > 0) {
        while (write(fd, buf, (size_t)n) < 0 && errno == EINTR) { }
    }
}

static void close_fds_above_2(void) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (long fd = 3; fd < max; fd++) close((int)fd);
}

/* In the forked child, signals still blocked (so no handler of ours can run and SIGTTOU cannot stop tcsetpgrp). */
static void exec_app(char **argv, const char *preload) {
    setpgid(0, 0);
    /* Take the terminal's foreground only when it is our controlling terminal: init is a session leader under the
     * PTY (node-pty calls setsid), never in --json pipe mode, where perftop spawns init detached. */
    if (isatty(0) && getsid(0) == getppid()) tcsetpgrp(0, getpgrp());

    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL); /* KILL/STOP and glibc's 32/33 fail: fine */

    close_fds_above_2();
    if (preload) {
        if (*preload) setenv("LD_PRELOAD", preload, 1);
        else unsetenv("LD_PRELOAD");
    }

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    execvp(argv[0], argv);

    int err = errno;
    /* The shell's words: a bare name is looked up in PATH, a name with '/' is a file. */
    const char *why = err == ENOENT ? (strchr(argv[0], '/') ? "no such file or directory" : "command not found")
                    : err == EACCES ? "permission denied" : strerror(err);
    dprintf(2, "perftop: %s: %s\n", argv[0], why);
    _exit(err == ENOENT ? 127 : 126);
}

static int status_of(int wstatus) {
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return 1;
}

int main(int argc, char **argv) {
    const char *status_path = NULL, *preload = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) status_path = argv[++i];
        else if (strcmp(argv[i], "--preload") == 0 && i + 1 < argc) preload = argv[++i];
        else usage();
    }
    if (!status_path || i >= argc) usage();
    char **app_argv = &argv[i];

    int status_fd = open(status_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (status_fd < 0) {
        dprintf(2, "perftop-init: %s: %s\n", status_path, strerror(errno));
        return 1;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) dprintf(2, "perftop-init: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
    /* If perftop dies without ending the tree (a crash, SIGKILL), the app hears SIGHUP, as when a terminal closes:
     * init gets it here and forwards it like any other. (In --json mode init is detached: no PTY hangup.) */
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGHUP);

    /* Everything init waits for arrives through one signalfd: no handlers, so nothing async-signal-unsafe. */
    sigset_t watched;
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD);
    for (size_t k = 0; k < NFORWARDED; k++) sigaddset(&watched, FORWARDED[k]);
    /* Block everything around fork so the child starts with no handler able to run before it resets them. */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (getppid() != parent) raise(SIGHUP); /* perftop died before PDEATHSIG was armed: still pending, read below */
    int sfd = signalfd(-1, &watched, SFD_CLOEXEC);
    if (sfd < 0) {
        dprintf(2, "perftop-init: signalfd: %s\n", strerror(errno));
        return 1;
    }

    pid_t app = fork();
    if (app < 0) {
        dprintf(2, "perftop-init: fork: %s\n", strerror(errno));
        return 1;
    }
    if (app == 0) exec_app(app_argv, preload);

    setpgid(app, app); /* also from the parent: forwarding must not race the child's own setpgid */
    status_line(status_fd, "start %ld\n", (long)app, 0, 0);

    /* Unblock what we do not watch (so e.g. SIGSEGV behaves normally); the watched set stays blocked for signalfd. */
    sigprocmask(SIG_SETMASK, &watched, NULL);

    int app_status = -1; /* -1 while the app runs */
    for (;;) {
        /* Reap everything that has exited; orphans of the tree are our children too (subreaper). */
        for (;;) {
            int ws;
            pid_t pid = waitpid(-1, &ws, WNOHANG);
            if (pid > 0) {
                status_line(status_fd, "exit %ld %ld\n", (long)pid, (long)ws, 1);
                if (pid == app) app_status = status_of(ws);
                continue;
            }
            if (pid < 0 && errno == EINTR) continue;
            if (pid < 0 && errno == ECHILD) return app_status < 0 ? 1 : app_status;
            break; /* 0: children remain, none exited yet */
        }

        struct signalfd_siginfo si;
        ssize_t n = read(sfd, &si, sizeof si);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof si) {
            dprintf(2, "perftop-init: signalfd read: %s\n", strerror(errno));
            return 1;
        }
        if ((int)si.ssi_signo == SIGCHLD) continue;
        /* Forward to the app's group while it exists; after the app exited, to the group's survivors if any. */
        if (kill(-app, (int)si.ssi_signo) != 0 && app_status < 0) kill(app, (int)si.ssi_signo);
    }
}
