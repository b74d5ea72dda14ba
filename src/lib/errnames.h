/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Symbolic errno names for the `error` field and the text form's "[EACCES]". */
#ifndef VA_ERRNAMES_H
#define VA_ERRNAMES_H

/*
 * va_errno_name() - the canonical Linux name of a positive errno value.
 * Aliases resolve to the kernel's primary name (EWOULDBLOCK is "EAGAIN",
 * EDEADLOCK "EDEADLK", ENOTSUP "EOPNOTSUPP"). Kernel-internal values that can
 * leak into a traced syscall's return (ERESTARTSYS and friends, 512..531) are
 * named too.
 *
 * Returns: a static string, or NULL for a value with no name.
 */
const char *va_errno_name(int err);

/* Returns: the positive errno for a name or alias ("EACCES"), or 0. */
int va_errno_from_name(const char *name);

#endif
