/* forktree: a small "service" to look at with perftop.
 *
 *   forktree [--seconds N] [--workers N]
 *
 * The root forks worker processes (default 2), each with 3 named threads (ingest, encode, flush) that allocate,
 * touch and free memory at different rates and sleep in between, and fork+execs one helper, a shell loop
 * (`while sleep 5; do :; done`). It prints a coloured status line every second. SIGTERM, SIGINT or SIGHUP (or the
 * end of --seconds) shut it down cleanly: the root tells its children to stop, waits for them, and exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESET "\033[0m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
static const char *COLOURS[] = { "\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m" };

static volatile sig_atomic_t stop;
static void on_stop(int sig) { (void)sig; stop = 1; }

static void catch_stop_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void nap_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL); /* a stop signal cuts the nap short: that is what we want */
}

static void clock_text(char *buf, size_t n) {
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, n, "%H:%M:%S", &tm);
}

/* ---- worker processes ---- */

struct job {
    const char *name;
    size_t min_size, max_size; /* bytes per allocation */
    int burst;                 /* allocations per round */
    long sleep_ms;             /* between rounds */
    int keep;                  /* how many buffers stay live (the rest is freed right away) */
};

static const struct job JOBS[3] = {
    { "ingest", 64, 4096, 200, 20, 64 },
    { "encode", 4096, 262144, 8, 50, 16 },
    { "flush", 16, 256, 1000, 100, 0 },
};

struct thread_stats { unsigned long rounds, allocs; };
static struct thread_stats stats[3];

static void *run_job(void *arg) {
    int idx = (int)(long)arg;
    const struct job *j = &JOBS[idx];
    unsigned seed = (unsigned)(getpid() * 31 + idx);
    void **live = j->keep ? calloc((size_t)j->keep, sizeof *live) : NULL;
    int slot = 0;
    while (!stop) {
        for (int i = 0; i < j->burst; i++) {
            size_t size = j->min_size + (size_t)rand_r(&seed) % (j->max_size - j->min_size + 1);
            char *p = malloc(size);
            if (!p) continue;
            memset(p, i & 0xff, size < 512 ? size : 512);
            stats[idx].allocs++;
            if (live) {
                free(live[slot]);
                live[slot] = p;
                slot = (slot + 1) % j->keep;
            } else {
                free(p);
            }
        }
        stats[idx].rounds++;
        nap_ms(j->sleep_ms);
    }
    if (live) {
        for (int i = 0; i < j->keep; i++) free(live[i]);
        free(live);
    }
    return NULL;
}

static int worker_main(int n) {
    char name[16];
    snprintf(name, sizeof name, "forktree-w%d", n);
    prctl(PR_SET_NAME, name);
    const char *c = COLOURS[n % 5];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        pthread_create(&t[i], NULL, run_job, (void *)(long)i);
        pthread_setname_np(t[i], JOBS[i].name);
    }
    int tick = 0;
    while (!stop) {
        nap_ms(1000);
        if (stop || ++tick % 3 != 0) continue;
        char now[16];
        clock_text(now, sizeof now);
        printf("%s%s%s %sworker %d%s pid %d  ingest %lu  encode %lu  flush %lu allocs\n", DIM, now, RESET, c, n,
               RESET, (int)getpid(), stats[0].allocs, stats[1].allocs, stats[2].allocs);
        fflush(stdout);
    }
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("%sworker %d%s stopped\n", c, n, RESET);
    fflush(stdout);
    return 0;
}

/* ---- root ---- */

int main(int argc, char **argv) {
    double seconds = 0;
    int workers = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) workers = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: forktree [--seconds N] [--workers N]\n");
            return 2;
        }
    }
    if (workers < 1 || workers > 16) workers = 2;
    catch_stop_signals();

    pid_t kids[17];
    int nkids = 0;
    for (int n = 1; n <= workers; n++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); break; }
        if (pid == 0) _exit(worker_main(n));
        kids[nkids++] = pid;
    }
    pid_t helper = fork();
    if (helper == 0) {
        signal(SIGTERM, SIG_DFL); /* the shell dies on TERM like any plain helper would */
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execl("/bin/sh", "sh", "-c", "while sleep 5; do :; done", (char *)NULL);
        _exit(127);
    }
    if (helper > 0) kids[nkids++] = helper;

    printf("%sforktree%s pid %d: %d workers, helper sh pid %d%s\n", BOLD, RESET, (int)getpid(), workers, (int)helper,
           seconds > 0 ? "" : "  (Ctrl-C or SIGTERM stops it)");
    fflush(stdout);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned long tick = 0;
    while (!stop) {
        nap_ms(1000);
        if (stop) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double up = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        pid_t gone;
        int ws;
        while ((gone = waitpid(-1, &ws, WNOHANG)) > 0) /* a child that died early is reaped and counted as gone */
            for (int i = 0; i < nkids; i++) if (kids[i] == gone) kids[i] = -gone;
        int alive = 0;
        for (int i = 0; i < nkids; i++) if (kids[i] > 0) alive++;
        char clock[16];
        clock_text(clock, sizeof clock);
        printf("%s%s%s %sroot%s tick %lu  up %.0fs  children %s%d/%d%s\n", DIM, clock, RESET, BOLD, RESET, ++tick, up,
               alive == nkids ? "\033[32m" : "\033[31m", alive, nkids, RESET);
        fflush(stdout);
        if (seconds > 0 && up >= seconds) break;
    }

    printf("%sforktree%s shutting down\n", BOLD, RESET);
    fflush(stdout);
    for (int i = 0; i < nkids; i++) if (kids[i] > 0) kill(kids[i], SIGTERM);
    int ws;
    while (wait(&ws) > 0 || errno == EINTR) { }
    printf("%sforktree%s stopped cleanly\n", BOLD, RESET);
    fflush(stdout);
    return 0;
}
