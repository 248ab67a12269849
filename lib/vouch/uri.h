/* vouch/uri.h - the type URIs vouch speaks and the one base for its own.
 *
 * Every URI vouch itself defines (buildType, default builder and verifier
 * ids, the policy type) is derived from VOUCH_URI_BASE here and nowhere
 * else; schemas/README.md documents what each one means.  Extension fields
 * that vouch adds to SLSA predicates are named VOUCH_EXT_PREFIX + name
 * ("vouch_recipe"), as SLSA asks for `<vendor>_<name>`.
 *
 * These strings are part of the wire format: changing one makes old
 * attestations unrecognisable.  Add a new versioned URI instead.
 */
#ifndef VOUCH_URI_H
#define VOUCH_URI_H

/* The base of every vouch-defined type URI.  Ends in '/'. */
#define VOUCH_URI_BASE "https://vouch.dev/attestation/"

/* SLSA Provenance v1 buildType of a vouch-rebuild hermetic rebuild. */
#define VOUCH_BUILD_TYPE_REBUILD VOUCH_URI_BASE "rebuild/v1"
/* Default runDetails.builder.id when the caller names no lab. */
#define VOUCH_BUILDER_ID_DEFAULT VOUCH_URI_BASE "builder/v1"
/* Default VSA verifier.id when the caller names no lab. */
#define VOUCH_VERIFIER_ID_DEFAULT VOUCH_URI_BASE "verifier/v1"
/* VSA policy.uri of the rebuild-and-compare policy ("bit-identical"). */
#define VOUCH_POLICY_REPRODUCIBLE VOUCH_URI_BASE "policy/reproducible/v1"
/* Equivalent after declared normalisation rules (the policy digest is the
 * SHA-256 of the rule list): never to be read as bit-for-bit. */
#define VOUCH_POLICY_EQUIVALENT VOUCH_URI_BASE "policy/reproducible-normalized/v1"

/* Prefix of vouch's extension fields inside SLSA predicates. */
#define VOUCH_EXT_PREFIX "vouch_"

/* Standard URIs and media types (from the specifications). */
#define VOUCH_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define VOUCH_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define VOUCH_PREDICATE_PROVENANCE "https://slsa.dev/provenance/v1"
#define VOUCH_PREDICATE_VSA "https://slsa.dev/verification_summary/v1"

#endif
