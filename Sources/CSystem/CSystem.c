#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "CSystem.h"

int policyops_syncfs(int fd) { return syncfs(fd); }

int policyops_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int policyops_renameat2_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* The child's side: only async-signal-safe calls between fork and exec (the parent has
   many threads). A failed step is written to `report` as two ints and the child exits. */
static void policyops_child_fail(int report, int step) {
    int message[2] = {step, errno};
    ssize_t n;
    do { n = write(report, message, sizeof message); } while (n < 0 && errno == EINTR);
    _exit(127);
}

static void policyops_child(const char *path, char *const argv[], char *const envp[], const char *directory,
                            int stdin_fd, int stdout_fd, int stderr_fd, const struct policyops_identity *identity,
                            int report) {
    /* Every descriptor the child needs moves above 2 first, so none is overwritten by
       another's dup2 (a reconciler started with fd 0, 1 or 2 closed gets pipes there). */
    report = fcntl(report, F_DUPFD_CLOEXEC, 3);
    if (report < 0) _exit(127);
    int in = fcntl(stdin_fd, F_DUPFD_CLOEXEC, 3), out = fcntl(stdout_fd, F_DUPFD_CLOEXEC, 3),
        err = fcntl(stderr_fd, F_DUPFD_CLOEXEC, 3);
    if (in < 0 || out < 0 || err < 0) policyops_child_fail(report, POLICYOPS_STEP_DESCRIPTORS);
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    sigemptyset(&standard.sa_mask);
    for (int s = 1; s < NSIG; s++) (void)sigaction(s, &standard, NULL); /* SIGKILL, SIGSTOP and glibc's own refuse: fine */
    if (setpgid(0, 0) != 0) policyops_child_fail(report, POLICYOPS_STEP_PROCESS_GROUP);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) policyops_child_fail(report, POLICYOPS_STEP_DESCRIPTORS);
    /* Nothing else the reconciler holds open (a ledger segment, a socket) reaches the program. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        struct rlimit limit;
        int top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < 65536 ? (int)limit.rlim_cur : 65536;
        for (int fd = 3; fd < top; fd++) (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    if (identity->switch_user) {
        if (setgroups(identity->group_count, identity->groups) != 0) policyops_child_fail(report, POLICYOPS_STEP_GROUPS);
        if (setgid(identity->gid) != 0) policyops_child_fail(report, POLICYOPS_STEP_GID);
        if (setuid(identity->uid) != 0) policyops_child_fail(report, POLICYOPS_STEP_UID);
        /* The switch is for good: real, effective and saved ids are the user's. */
        errno = EPERM;
        if (setuid(0) == 0 || seteuid(0) == 0 || (identity->gid != 0 && setgid(0) == 0)) policyops_child_fail(report, POLICYOPS_STEP_REGAINED);
        uid_t ruid, euid, suid;
        gid_t rgid, egid, sgid;
        errno = EPERM;
        if (getresuid(&ruid, &euid, &suid) != 0 || ruid != identity->uid || euid != identity->uid || suid != identity->uid ||
            getresgid(&rgid, &egid, &sgid) != 0 || rgid != identity->gid || egid != identity->gid || sgid != identity->gid)
            policyops_child_fail(report, POLICYOPS_STEP_REGAINED);
    }
    errno = EPERM;
    if (getuid() == 0 || geteuid() == 0) policyops_child_fail(report, POLICYOPS_STEP_ROOT);
    /* Set-user-id programs (sudo, su) and file capabilities grant the command nothing more. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) policyops_child_fail(report, POLICYOPS_STEP_NO_NEW_PRIVILEGES);
    if (directory && chdir(directory) != 0) policyops_child_fail(report, POLICYOPS_STEP_DIRECTORY);
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) policyops_child_fail(report, POLICYOPS_STEP_SIGNALS);
    execve(path, argv, envp);
    policyops_child_fail(report, POLICYOPS_STEP_EXEC);
}

pid_t policyops_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int stdin_fd, int stdout_fd, int stderr_fd, const struct policyops_identity *identity,
                      int *step, int *error) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *step = POLICYOPS_STEP_FORK;
        *error = errno;
        return -1;
    }
    /* No handler of the reconciler's may run in the child before they are reset. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        policyops_child(path, argv, envp, directory, stdin_fd, stdout_fd, stderr_fd, identity, report[1]);
    }
    int forkError = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        *step = POLICYOPS_STEP_FORK;
        *error = forkError;
        return -1;
    }
    /* The report pipe closes at exec: nothing read means the program runs, set up. */
    int message[2] = {0, 0};
    size_t got = 0;
    while (got < sizeof message) {
        ssize_t n = read(report[0], (char *)message + got, sizeof message - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(report[0]);
    if (got == 0) return pid;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    *step = got == sizeof message ? message[0] : POLICYOPS_STEP_EXEC;
    *error = got == sizeof message ? message[1] : EIO;
    return -1;
}
