/* sandbox_int.h - what the parts of the sandbox share: the cgroups
 * (sandbox_cgroup.c), the messages between init and the caller
 * (sandbox_msg.c), init's set-up (sandbox_init.c), init running the steps
 * (sandbox_steps.c) and the caller (sandbox.c).  Internal to lib/sandbox/.
 */
#ifndef VOUCH_SANDBOX_INT_H
#define VOUCH_SANDBOX_INT_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/audit.h>

#include "vouch/error.h"
#include "vouch/sandbox.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define SB_DEFAULT_LOG_MAX ((uint64_t)256 << 20)
#define SB_NEEDLE_MAX 48           /* longest message looked for in the log */
#define SB_TICK_MS 100

/* The architectures the seccomp filter knows (see install_seccomp()). */
#if defined(__x86_64__)
#define SB_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SB_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* ---- cgroups ------------------------------------------------------------ */

typedef struct sb_cgroup {
	int version;                 /* 0 none, 1, 2 */
	int dirfd;                   /* v2: for CLONE_INTO_CGROUP */
	int tasks[2];                /* v1: the memory and pids "tasks" files */
	char v2[PATH_MAX];
	char mem[PATH_MAX];
	char pids[PATH_MAX];
	unsigned long long oom_base;
	unsigned long long pids_base;
} sb_cgroup;

/* ---- messages between init and the caller -------------------------------- */

enum {
	MSG_GO = 1,       /* caller -> init: maps written, start */
	MSG_ERROR,        /* init -> caller: setup failed (text, status = code) */
	MSG_PREPARED,     /* init -> caller: prepare done (digest, status = has) */
	MSG_STEP_BEGIN,   /* init -> caller: step starts */
	MSG_STEP_END,     /* init -> caller: step ended (status, limit) */
	MSG_DONE          /* init -> caller: all steps ok; carries the /out fd */
};

struct sb_msg {
	int32_t type;
	int32_t step;
	int32_t status;
	int32_t limit;
	uint8_t digest[32];
	char text[VOUCH_ERR_MSG_MAX];
};

/* ---- state shared by the caller and init (init gets a copy) -------------- */

struct sb {
	const vouch_sandbox_opts *o;
	int sock;            /* our end of the socket pair */
	int log_w;           /* write end of the log pipe (init only) */
	char stage[PATH_MAX];/* mount point of the new root */
	char rootfs[64];     /* init: "/proc/self/fd/N" of the rootfs, or "" */
	int mem_cgroup;      /* a memory cgroup bounds the whole sandbox */
	int pids_cgroup;     /* and a pids cgroup its processes */
	int cg_tasks[2];     /* v1: "tasks" of the memory and pids cgroups, or -1 */
	int host_root;       /* the caller is root */
	char **envp;         /* the steps' environment */
	char *path;          /* PATH for the steps' argv[0] lookup */
};

/* sandbox_cgroup.c */
uint64_t sb_hard_processes(const vouch_recipe_limits *l);
void sb_cgroup_setup(sb_cgroup *cg, const vouch_recipe_limits *l);
unsigned long long sb_cgroup_oom_count(const sb_cgroup *cg);
unsigned long long sb_cgroup_pids_count(const sb_cgroup *cg);
const char *sb_cgroup_name(const sb_cgroup *cg);
void sb_cgroup_cleanup(sb_cgroup *cg);

/* sandbox_msg.c */
int msg_send(int sock, const struct sb_msg *m, int fd);
int msg_recv(int sock, struct sb_msg *m, int *fd);

/* sandbox_init.c */
int check_digest(const vouch_sandbox_opts *o, const uint8_t got[32], int has, vouch_err *err);
int child_setup(struct sb *sb, vouch_err *err);
void close_others(const int *keep, size_t n);
int drop_caps(vouch_err *err);
int install_seccomp(unsigned uid, vouch_err *err);
int lock_build(const char *workdir, vouch_err *err);
int run_prepare(const struct sb *sb, uint8_t digest[32], int *has, vouch_err *err);

/* sandbox_steps.c */
_Noreturn void child_main(struct sb *sb);
int join_cgroups(struct sb *sb, vouch_err *err);

#endif /* VOUCH_SANDBOX_INT_H */
