// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * errno names. A table of our own instead of strerrorname_np(): that needs
 * glibc 2.32, is missing from musl, and the kernel-internal values must be
 * named too.
 */
#include <stddef.h>
#include <string.h>

#include "errnames.h"

/* asm-generic numbering, which x86 and arm64 share. 41 and 58 are unused. */
static const char *const names[] = {
	[1] = "EPERM",
	[2] = "ENOENT",
	[3] = "ESRCH",
	[4] = "EINTR",
	[5] = "EIO",
	[6] = "ENXIO",
	[7] = "E2BIG",
	[8] = "ENOEXEC",
	[9] = "EBADF",
	[10] = "ECHILD",
	[11] = "EAGAIN",
	[12] = "ENOMEM",
	[13] = "EACCES",
	[14] = "EFAULT",
	[15] = "ENOTBLK",
	[16] = "EBUSY",
	[17] = "EEXIST",
	[18] = "EXDEV",
	[19] = "ENODEV",
	[20] = "ENOTDIR",
	[21] = "EISDIR",
	[22] = "EINVAL",
	[23] = "ENFILE",
	[24] = "EMFILE",
	[25] = "ENOTTY",
	[26] = "ETXTBSY",
	[27] = "EFBIG",
	[28] = "ENOSPC",
	[29] = "ESPIPE",
	[30] = "EROFS",
	[31] = "EMLINK",
	[32] = "EPIPE",
	[33] = "EDOM",
	[34] = "ERANGE",
	[35] = "EDEADLK",
	[36] = "ENAMETOOLONG",
	[37] = "ENOLCK",
	[38] = "ENOSYS",
	[39] = "ENOTEMPTY",
	[40] = "ELOOP",
	[42] = "ENOMSG",
	[43] = "EIDRM",
	[44] = "ECHRNG",
	[45] = "EL2NSYNC",
	[46] = "EL3HLT",
	[47] = "EL3RST",
	[48] = "ELNRNG",
	[49] = "EUNATCH",
	[50] = "ENOCSI",
	[51] = "EL2HLT",
	[52] = "EBADE",
	[53] = "EBADR",
	[54] = "EXFULL",
	[55] = "ENOANO",
	[56] = "EBADRQC",
	[57] = "EBADSLT",
	[59] = "EBFONT",
	[60] = "ENOSTR",
	[61] = "ENODATA",
	[62] = "ETIME",
	[63] = "ENOSR",
	[64] = "ENONET",
	[65] = "ENOPKG",
	[66] = "EREMOTE",
	[67] = "ENOLINK",
	[68] = "EADV",
	[69] = "ESRMNT",
	[70] = "ECOMM",
	[71] = "EPROTO",
	[72] = "EMULTIHOP",
	[73] = "EDOTDOT",
	[74] = "EBADMSG",
	[75] = "EOVERFLOW",
	[76] = "ENOTUNIQ",
	[77] = "EBADFD",
	[78] = "EREMCHG",
	[79] = "ELIBACC",
	[80] = "ELIBBAD",
	[81] = "ELIBSCN",
	[82] = "ELIBMAX",
	[83] = "ELIBEXEC",
	[84] = "EILSEQ",
	[85] = "ERESTART",
	[86] = "ESTRPIPE",
	[87] = "EUSERS",
	[88] = "ENOTSOCK",
	[89] = "EDESTADDRREQ",
	[90] = "EMSGSIZE",
	[91] = "EPROTOTYPE",
	[92] = "ENOPROTOOPT",
	[93] = "EPROTONOSUPPORT",
	[94] = "ESOCKTNOSUPPORT",
	[95] = "EOPNOTSUPP",
	[96] = "EPFNOSUPPORT",
	[97] = "EAFNOSUPPORT",
	[98] = "EADDRINUSE",
	[99] = "EADDRNOTAVAIL",
	[100] = "ENETDOWN",
	[101] = "ENETUNREACH",
	[102] = "ENETRESET",
	[103] = "ECONNABORTED",
	[104] = "ECONNRESET",
	[105] = "ENOBUFS",
	[106] = "EISCONN",
	[107] = "ENOTCONN",
	[108] = "ESHUTDOWN",
	[109] = "ETOOMANYREFS",
	[110] = "ETIMEDOUT",
	[111] = "ECONNREFUSED",
	[112] = "EHOSTDOWN",
	[113] = "EHOSTUNREACH",
	[114] = "EALREADY",
	[115] = "EINPROGRESS",
	[116] = "ESTALE",
	[117] = "EUCLEAN",
	[118] = "ENOTNAM",
	[119] = "ENAVAIL",
	[120] = "EISNAM",
	[121] = "EREMOTEIO",
	[122] = "EDQUOT",
	[123] = "ENOMEDIUM",
	[124] = "EMEDIUMTYPE",
	[125] = "ECANCELED",
	[126] = "ENOKEY",
	[127] = "EKEYEXPIRED",
	[128] = "EKEYREVOKED",
	[129] = "EKEYREJECTED",
	[130] = "EOWNERDEAD",
	[131] = "ENOTRECOVERABLE",
	[132] = "ERFKILL",
	[133] = "EHWPOISON",
};

/*
 * include/linux/errno.h: never meant for user space, but a syscall tracepoint
 * sees the return value before signal delivery rewrites ERESTARTSYS to EINTR.
 */
#define INTERNAL_BASE 512
static const char *const internal_names[] = {
	[512 - INTERNAL_BASE] = "ERESTARTSYS",
	[513 - INTERNAL_BASE] = "ERESTARTNOINTR",
	[514 - INTERNAL_BASE] = "ERESTARTNOHAND",
	[515 - INTERNAL_BASE] = "ENOIOCTLCMD",
	[516 - INTERNAL_BASE] = "ERESTART_RESTARTBLOCK",
	[517 - INTERNAL_BASE] = "EPROBE_DEFER",
	[518 - INTERNAL_BASE] = "EOPENSTALE",
	[519 - INTERNAL_BASE] = "ENOPARAM",
	[521 - INTERNAL_BASE] = "EBADHANDLE",
	[522 - INTERNAL_BASE] = "ENOTSYNC",
	[523 - INTERNAL_BASE] = "EBADCOOKIE",
	[524 - INTERNAL_BASE] = "ENOTSUPP",
	[525 - INTERNAL_BASE] = "ETOOSMALL",
	[526 - INTERNAL_BASE] = "ESERVERFAULT",
	[527 - INTERNAL_BASE] = "EBADTYPE",
	[528 - INTERNAL_BASE] = "EJUKEBOX",
	[529 - INTERNAL_BASE] = "EIOCBQUEUED",
	[530 - INTERNAL_BASE] = "ERECALLCONFLICT",
	[531 - INTERNAL_BASE] = "ENOGRACE",
};

static const struct {
	const char *name;
	int err;
} aliases[] = {
	{ "EWOULDBLOCK", 11 },
	{ "EDEADLOCK", 35 },
	{ "ENOTSUP", 95 },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *va_errno_name(int err)
{
	if (err > 0 && (size_t)err < ARRAY_SIZE(names))
		return names[err];
	if (err >= INTERNAL_BASE && (size_t)(err - INTERNAL_BASE) < ARRAY_SIZE(internal_names))
		return internal_names[err - INTERNAL_BASE];
	return NULL;
}

int va_errno_from_name(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 1; i < ARRAY_SIZE(names); i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	for (size_t i = 0; i < ARRAY_SIZE(internal_names); i++)
		if (internal_names[i] && !strcmp(internal_names[i], name))
			return INTERNAL_BASE + (int)i;
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(aliases[i].name, name))
			return aliases[i].err;
	return 0;
}
