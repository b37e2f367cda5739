#ifndef POLICYOPS_CSYSTEM_H
#define POLICYOPS_CSYSTEM_H
/* Linux calls that Swift's Glibc module does not import (they need _GNU_SOURCE). */
int policyops_syncfs(int fd);
int policyops_renameat2_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
#include <sys/types.h>
/* pipe2(fds, O_CLOEXEC). */
int policyops_pipe_cloexec(int fds[2]);
/* Who a spawned program runs as: with `switch_user`, the child takes `groups`, `gid` and
   `uid` (the reconciler must be root); without, it stays the reconciler's user. */
struct policyops_identity {
    int switch_user;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t group_count;
};

/* The step of policyops_spawn that failed. */
enum policyops_spawn_step {
    POLICYOPS_STEP_FORK = 1,
    POLICYOPS_STEP_DESCRIPTORS,
    POLICYOPS_STEP_PROCESS_GROUP,
    POLICYOPS_STEP_GROUPS,
    POLICYOPS_STEP_GID,
    POLICYOPS_STEP_UID,
    POLICYOPS_STEP_REGAINED,
    POLICYOPS_STEP_ROOT,
    POLICYOPS_STEP_NO_NEW_PRIVILEGES,
    POLICYOPS_STEP_DIRECTORY,
    POLICYOPS_STEP_SIGNALS,
    POLICYOPS_STEP_EXEC,
};

/* Starts `path` with `argv` and `envp` (fork, then exec) in its own process group, every
   signal unblocked and at its default action, fds 0, 1 and 2 taken from the three given and
   every other descriptor closed, as `identity` says (never as root: a child that would be
   root, or could become root again after the switch, does not start), with no way to gain
   privileges at exec (PR_SET_NO_NEW_PRIVS), in `directory` (when not NULL, entered as the
   user). Returns the pid once the program runs; -1 with the failed `step` and its errno
   in `error`. */
pid_t policyops_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int stdin_fd, int stdout_fd, int stderr_fd, const struct policyops_identity *identity,
                      int *step, int *error);
#endif
