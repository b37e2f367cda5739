#ifndef POLICYOPS_CSYSTEM_H
#define POLICYOPS_CSYSTEM_H
/* Linux calls that Swift's Glibc module does not import (they need _GNU_SOURCE). */
int policyops_syncfs(int fd);
int policyops_renameat2_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
#include <sys/types.h>
/* pipe2(fds, O_CLOEXEC). */
int policyops_pipe_cloexec(int fds[2]);
/* Starts `path` with `argv` and `envp` in its own process group, every signal unblocked and
   at its default action, in `directory` (when not NULL), with fds 0, 1 and 2 taken from the
   three given. Returns the pid, or -1 with errno-like `error` set. */
pid_t policyops_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int stdin_fd, int stdout_fd, int stderr_fd, int *error);
#endif
