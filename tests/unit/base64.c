/* Unit tests for base64.c: RFC 4648 vectors, round trips, bad input. */
#include <string.h>

#include "tap.h"
#include "base64.h"
#include "banned.h"

static void vectors(void)
{
	static const char *v[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char enc[16], dec[16];
	size_t i, n, m;
	long got;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i][0]);
		m = kc_base64_encoded_len(n);
		is_int(m, strlen(v[i][1]), "encoded length of \"%s\"", v[i][0]);
		kc_base64_encode(v[i][0], n, enc);
		enc[m] = '\0';
		is_str(enc, v[i][1], "encode \"%s\"", v[i][0]);
		got = kc_base64_decode(v[i][1], m, dec);
		ok(got == (long)n && !memcmp(dec, v[i][0], n), "decode \"%s\"",
		   v[i][1]);
	}
}

static void round_trips(void)
{
	unsigned char in[300], out[300];
	char enc[400];
	size_t n, i;
	int bad = 0;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (n = 0; n <= sizeof(in); n++) {
		kc_base64_encode(in, n, enc);
		bad += kc_base64_decode(enc, kc_base64_encoded_len(n), out) !=
			       (long)n ||
		       memcmp(in, out, n);
	}
	is_int(bad, 0, "every length 0..300 of binary data round trips");
	kc_base64_encode("\xfb\xff", 2, enc);
	ok(!memcmp(enc, "+/8=", 4), "the alphabet's last two are + and /");
}

static void rejects(void)
{
	static const char *bad[] = {
		"Zg=", "Zg", "Z", "Zg=a", "Z===", "=Zg=", "Zm9v====",
		"Zg==Zg==", "Zm9v\n", "Zm 9", "Zm9-", "Zm9_", "Zm9\x80",
		"====",
	};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_base64_decode(bad[i], strlen(bad[i]), out), -1,
		       "rejects '%s'", bad[i]);
	is_int(kc_base64_decode("Zh==", 4, out), 1,
	       "accepts non-zero bits under the padding");
}

int main(void)
{
	vectors();
	round_trips();
	rejects();
	return done_testing();
}
