/* policy_int.h - the inside of a vouch_policy, shared by policy.c (parse),
 * policy_eval.c and policy_out.c (not installed). */
#ifndef VOUCH_POLICY_INT_H
#define VOUCH_POLICY_INT_H

#include <stdint.h>
#include "vouch/key.h"
#include "vouch/note.h"
#include "vouch/policy.h"

struct pol_rebuilder {
	char *name;
	vouch_key *keys[VOUCH_POLICY_MAX_KEYS];
	char keyids[VOUCH_POLICY_MAX_KEYS][VOUCH_KEYID_HEX_LEN + 1];
	size_t nkeys;
};

struct pol_log {
	char *origin;
	char *url;                   /* NULL: none */
	vouch_note_verifier *ver;
	int required;
	/* witnesses (issue 17): checkpoints count only with cosignatures by
	 * quorum of them */
	vouch_note_verifier *ws[VOUCH_POLICY_MAX_WITNESSES];
	size_t nws, quorum;
};

struct vouch_policy {
	char *name;
	char *basedir;
	struct pol_rebuilder *rb;
	size_t nrb;
	size_t threshold;
	char *ptypes[VOUCH_POLICY_MAX_URIS];
	size_t nptypes;
	char *vpol[VOUCH_POLICY_MAX_URIS];
	size_t nvpol;
	unsigned modes;              /* VOUCH_POLICY_MODE_* bits */
	int on_failed;
	int64_t max_age;             /* seconds; 0 = no limit */
	struct pol_log logs[VOUCH_POLICY_MAX_LOGS];
	size_t nlogs;
	/* every trusted key, flat, for DSSE verification; keyowner[i] is
	 * rebuilder * VOUCH_POLICY_MAX_KEYS + key */
	const vouch_key **allkeys;
	size_t *keyowner;
	size_t nallkeys;
};

struct vouch_evbundle;
struct vouch_statement;
/* policy_prov.c: NULL when the verdict st links no provenance that the
 * bundle carries, or each linked one names every rebuilt digest of the
 * verdict (vouch_comparison.rebuilt) and was signed by a key that signed
 * the verdict (key_ok, per p->allkeys); otherwise the reason, in buf. */
const char *policy_check_provenance(const vouch_policy *p, const unsigned char *key_ok,
                                    const struct vouch_evbundle *b,
                                    const struct vouch_statement *st, char *buf,
                                    size_t bufsz);

#endif
