#ifndef POLICYOPS_CSYSTEM_H
#define POLICYOPS_CSYSTEM_H
/* Linux calls that Swift's Glibc module does not import (they need _GNU_SOURCE). */
int policyops_syncfs(int fd);
int policyops_renameat2_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
#endif
