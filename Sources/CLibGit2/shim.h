#ifndef POLICYOPS_CLIBGIT2_SHIM_H
#define POLICYOPS_CLIBGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic and cannot be called from Swift: wrap what we use. */
static inline int policyops_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}
static inline int policyops_git_set_cache_max_size(long long bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)bytes);
}
static inline int policyops_git_enable_strict_object_creation(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, enabled);
}
#endif
