/* fuzz_pem.c - libFuzzer harness for the PEM key reader (vouch_key_load_pem).
 *
 * The first byte chooses whether a passphrase is offered (so the encrypted
 * PKCS#8 path is reached too); the rest is the PEM text.  Whatever loads
 * must behave: its public PEM loads back as the same key, and a private key
 * signs something its own public half verifies.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const vouch_key *k)
{
	char id[VOUCH_KEYID_HEX_LEN + 1];
	vouch_key *back = NULL;
	vouch_buf pem, sig;

	vouch_buf_init(&pem, 0);
	vouch_buf_init(&sig, 0);
	if (vouch_key_id(k, id, NULL) != VOUCH_OK || !vouch_is_lower_hex(id, 64, 32))
		abort();
	if (vouch_key_public_pem(k, &pem, NULL) != VOUCH_OK ||
	    vouch_key_load_pem((const char *)pem.data, pem.len, NULL, 0, &back, NULL) != VOUCH_OK ||
	    !vouch_key_same_public(k, back))
		abort();
	if (vouch_key_has_private(k)) {
		if (vouch_key_sign(k, "fuzz", 4, &sig, NULL) != VOUCH_OK ||
		    vouch_key_verify(back, "fuzz", 4, sig.data, sig.len, NULL) != VOUCH_OK)
			abort();
	}
	vouch_key_free(back);
	vouch_buf_free(&pem);
	vouch_buf_free(&sig);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_key *k = NULL;
	const char *pass;

	if (size < 1)
		return 0;
	pass = (data[0] & 1) ? "fuzz" : NULL;
	if (vouch_key_load_pem((const char *)data + 1, size - 1, pass, pass ? 4 : 0, &k,
	                       NULL) == VOUCH_OK)
		exercise(k);
	vouch_key_free(k);
	return 0;
}
