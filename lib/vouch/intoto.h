/* vouch/intoto.h - publish a campaign for Debian's apt-transport-in-toto.
 *
 * apt-transport-in-toto (Debian package apt-transport-in-toto, method
 * /usr/lib/apt/methods/intoto) downloads a .deb NAME_VERSION_ARCH.deb,
 * then GETs, from every rebuilder URL in its configuration,
 *     <rebuilder>/sources/NAME/VERSION/metadata
 * which must be one in-toto v0.9 link ({"signatures": [...], "signed":
 * {"_type": "link", ...}}), stores it as <step>.<keyid8>.link and runs
 * in-toto's verifier with the client's layout (signed by a GPG key the
 * client holds): the layout names the step, its functionaries' keys
 * (Ed25519 in securesystemslib's format is accepted) and the threshold k,
 * and its inspection matches the downloaded .deb against the step's
 * products.  So one lab is one rebuilder URL, and a package installs only
 * when k labs' links name exactly the downloaded bytes.
 *
 * vouch_apt_intoto_write() writes that static tree for one lab, into
 * outdir (which must not exist or be empty; it appears whole or not at
 * all): for every REPRODUCED item and every .deb artifact of it, named
 * NAME_VERSION_ARCH.deb as in Debian's pool, the file
 * sources/NAME/VERSION/metadata holding a link named step whose products
 * are all the item's .debs with their sha256 from the summary, signed
 * with key.  Items with any other verdict get nothing, so apt refuses
 * them: that includes EQUIVALENT items, because the link's products say
 * the rebuild made exactly these bytes, which an equivalent rebuild did
 * not.  Items without a .deb artifact are skipped (counted in *skipped).
 *
 * key must be an Ed25519 private key whose vouch keyid is the summary's
 * lab.keyid (a lab signs only its own results).  .deb names whose version
 * holds an epoch (':' or "%3a") are refused: Debian's pool names drop the
 * epoch while apt names the downloaded file with it, and the transport
 * looks the metadata up by the latter.
 */
#ifndef VOUCH_INTOTO_H
#define VOUCH_INTOTO_H

#include <stddef.h>
#include "campsummary.h"
#include "error.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_APT_STEP_DEFAULT "rebuild"

/* step: the link name (NULL: VOUCH_APT_STEP_DEFAULT).  *written: metadata
 * files written; *skipped: reproduced items without a .deb. */
int vouch_apt_intoto_write(const vouch_campsum *s, const vouch_key *key, const char *step,
                           const char *outdir, size_t *written, size_t *skipped,
                           vouch_err *err);

/* Split a Debian pool file name NAME_VERSION_ARCH.deb, checking each part
 * (NAME [a-z0-9][a-z0-9.+-]*, VERSION [A-Za-z0-9][A-Za-z0-9.+~-]*, ARCH
 * [a-z0-9-]+); name and version (each at least 256 bytes) receive them.
 * VOUCH_EINPUT when deb is not such a name. */
int vouch_apt_deb_split(const char *deb, char *name, char *version, size_t cap,
                        vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
