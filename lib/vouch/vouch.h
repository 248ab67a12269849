/* vouch/vouch.h - the whole public interface of libvouch.
 *
 * Conventions for every module:
 * - Functions that can fail return an int status (enum vouch_status, 0 is
 *   success) and take a vouch_err * last; it may be NULL.
 * - Objects are opaque with vouch_<object>_new / vouch_<object>_free pairs;
 *   *_free(NULL) is a no-op.  Output parameters are owned by the caller
 *   unless a header says otherwise.
 * - The library never prints and never exits.
 */
#ifndef VOUCH_VOUCH_H
#define VOUCH_VOUCH_H

#include "error.h"
#include "buf.h"
#include "codec.h"
#include "file.h"
#include "json.h"
#include "digest.h"
#include "rfc3339.h"
#include "merkle.h"
#include "tile.h"
#include "note.h"
#include "checkpoint.h"
#include "tlogproof.h"
#include "cosig.h"
#include "witness.h"
#include "mirror.h"
#include "logstore.h"
#include "logentry.h"
#include "logclient.h"
#include "logmonitor.h"
#include "logd.h"
#include "reader.h"
#include "walk.h"
#include "subject.h"
#include "key.h"
#include "uri.h"
#include "statement.h"
#include "provenance.h"
#include "vsa.h"
#include "envelope.h"
#include "canonjson.h"
#include "link.h"
#include "tree.h"
#include "unpack.h"
#include "zipcheck.h"
#include "compare.h"
#include "elf.h"
#include "recipe.h"
#include "sandbox.h"
#include "rebuild.h"
#include "vary.h"
#include "varyrun.h"
#include "clock.h"
#include "srcfiles.h"
#include "buildinfo.h"
#include "evbundle.h"
#include "policy.h"
#include "verify.h"
#include "policyrun.h"
#include "hashrun.h"
#include "campaign.h"
#include "campsummary.h"
#include "statuspage.h"
#include "intoto.h"

#endif
