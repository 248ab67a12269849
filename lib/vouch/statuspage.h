/* vouch/statuspage.h - a campaign's status page: a static HTML site.
 *
 * vouch_statuspage_write() writes, into outdir (which must not exist or
 * be empty; the site appears whole or not at all):
 *   index.html              counts, the runs, and one row per item in a
 *                           table sortable and filterable in the browser
 *                           (?filter=TEXT, ?verdict=V or GROUP, ?sort=COL,
 *                           ?order=desc are honoured on load)
 *   items/ID.html           one page per item: verdict, lab, reason,
 *                           normalization rules, artifacts, log index,
 *                           history across runs
 *   items/ID.report.html    vouch-compare's HTML report, copied
 *   items/ID.proof.txt      the inclusion proof / evidence, copied
 *   items/ID.envelope.json  the signed verdict envelope, copied
 *   statement.json          the signed campaign statement, copied
 * Pages load nothing from anywhere: CSS and the one script are inline,
 * and a Content-Security-Policy meta tag allows only that script (by its
 * SHA-256) and inline styles.  Every string from the summary is
 * HTML-escaped.  Copied reports get the same kind of policy, without
 * scripts, injected after their <head> tag (a report without one is
 * refused), so a hostile report cannot run code under the site's origin.
 *
 * Groups shown on top: reproduced; equivalent (under normalization);
 * failed (failed, bad-signature); could not build (build-error, timeout,
 * missing-source).
 *
 * srcdir: a descriptor of the summary's directory; relative paths in the
 * summary are opened beneath it (vouch_campsum_open).
 */
#ifndef VOUCH_STATUSPAGE_H
#define VOUCH_STATUSPAGE_H

#include "campsummary.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_STATUSPAGE_MAX_COPY ((size_t)64 << 20) /* per copied file */

int vouch_statuspage_write(const vouch_campsum *s, int srcdir, const char *outdir,
                           vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
