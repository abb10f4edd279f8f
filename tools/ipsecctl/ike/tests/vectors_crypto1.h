/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv1 vectors for test_crypto.c (RFC 2409 key derivation), as hex
 * strings. Published ones name their source; the known answers built for
 * these tests say how they were computed, with tools independent of
 * kdf1.c and protect1.c (Python's hmac and hashlib, the openssl command).
 */
#ifndef IKE_TESTS_VECTORS_CRYPTO1_H
#define IKE_TESTS_VECTORS_CRYPTO1_H

#include <stdint.h>

/*
 * SKEYID = prf(pre-shared-key, Ni | Nr) and SKEYID_d/_a/_e from it (RFC
 * 2409 5), NIST CAVP SP 800-135 IKEv1 PSK:
 *   SHA-1: libreswan/libreswan programs/cavp/test.acvp.ikev1_psk.run
 *   (tcId 100, COUNT = 0), SKEYID and SKEYID_d/_a/_e.
 * NSS's gtests/common/testvectors/ike-sha1-vectors.h and
 * ike-sha256-vectors.h ("from this NIST samples") give SKEYID from a PSK
 * (ikeV1Psk, test 5) and, for another SKEYID, SKEYID_d/_a/_e (ikeV1,
 * tests 2-4); the two halves are separate rows here (psk NULL: SKEYID is
 * given).
 *
 * ka: the AES-CBC key (keybits) from SKEYID_e. For SHA-1 and AES-256 it is
 * Appendix B's expansion K1 | K2 (20 < 32 bytes), computed with Python's
 * hmac (K1 = HMAC-SHA1(SKEYID_e, 00), K2 = HMAC-SHA1(SKEYID_e, K1)); that
 * same Python code reproduces NSS's published Appendix B vectors
 * (ikeV1AppB test 11 of both files, 132 bytes), which is why it is trusted
 * here. Otherwise SKEYID_e's first bytes.
 */
struct v1_kdf_vector {
	uint16_t prf;		/* IKE_PRF_* */
	uint16_t keybits;	/* AES-CBC */
	const char *psk;	/* NULL: skeyid given */
	const char *ni, *nr;
	const char *gxy, *cky_i, *cky_r;	/* NULL: no SKEYID_* in the vector */
	const char *skeyid, *skeyid_d, *skeyid_a, *skeyid_e, *ka;
};

static const struct v1_kdf_vector v1_kdf_vectors[] = {
	{ IKE_PRF_HMAC_SHA1, 256, "75", "b9a2d0e922dc66dd", "2130166863b5ddef",
	  "739003ba2c11c982946c65e26acf661fbf8ebb78011a9fead79efa12fe3e71cc",
	  "83d374c30b3b5082", "5afc0da06c728029",
	  "62b04d112877e442fc3282fc37c076997718a0b9",
	  "369e5aad1bdb5faf6a3d929d500cdc236710a9ab",
	  "588e957d8d790d093b3a39f121473473af78e9bb",
	  "cd74b0c048219db81384d3fda8f6cda51e398a2b",
	  "9ce3201d5c6cf897a6cba863e68c634d8d63805d1f20e30bf6884e2a4ee9fc8a" },
	{ IKE_PRF_HMAC_SHA1, 0, "c0", "03a6f25a83c8c2a3", "9d958a6618f77e7f",
	  NULL, NULL, NULL, "ab3be41bc62f2ef0c41a3076d58768be77fadd2e",
	  NULL, NULL, NULL, NULL },
	{ IKE_PRF_HMAC_SHA1, 128, NULL, NULL, NULL,
	  "8ba4cbc73c0187301dc19a975823854dbd641c597f637f8d053a83b9514673eb",
	  "8c3bcd3a69831d7f", "d2d9a7ff4fbe95a7",
	  "707197817fb2d90cf54d1842606bdea59b9f4823",
	  "384be709a8a5e63c3ed160cfe3921c4b37d5b32d",
	  "48b327575abe3adba0f279849e289022a13e2b47",
	  "a4a415c8e0c38c0da847c356cc61c24df8025560",
	  "a4a415c8e0c38c0da847c356cc61c24d" },
	{ IKE_PRF_HMAC_SHA2_256, 0, "a0", "ead9ced494868f41", "f1aff4f425a94f18",
	  NULL, NULL, NULL, "558a99b299773d267cf7c8ef073bf3b7af362c206c75a538403c5ef884d4cace",
	  NULL, NULL, NULL, NULL },
	{ IKE_PRF_HMAC_SHA2_256, 128, NULL, NULL, NULL,
	  "a1ff3dc6cf9b4c04709943cb4ca1f1789bcf360b03f1d027de3ae8ee039e9155",
	  "6c6beb72631ddc3d", "b84e24b22cffbd14",
	  "750c5c94b9c2ec20b68033e024dadf0fa87e8b48c6561b21c72478451a06583d",
	  "a4f7ca7de913814813e3312099e7c943bd293483f387532330237f1b20957310",
	  "1d4b705746c43b0a6fcbb8db33983c0f24ff6f8b6543e3779fed227c6067f004",
	  "03e6f16cd9ce9f64b5cdc5b34cca7163483ba5389a30afebef3d14640b0a815e",
	  "03e6f16cd9ce9f64b5cdc5b34cca7163" },
	/*
	 * /work/shared/vectors/ike/KEYS.md: strongSwan 5.9.8's own keys for
	 * its captures v1main and v1aggr (PRF-HMAC-SHA2-256, AES-CBC-128):
	 * SKEYID given, g^xy and the cookies as it logged them.
	 */
	{ IKE_PRF_HMAC_SHA2_256, 128, NULL, NULL, NULL,
	  "ac2e278e060c161edb5041b30fe8a0ca1e3db16e1719c7591335828dda7be99b"
	  "1849a7ba73b7c333da679ccbc3763873aa6c30c8770f159e6ee8eb26a1e3d2a8"
	  "e0149be4cdbe67da824fcb82cff01cf4e0310bf3ecfb98c6e9b63d01ade75edd"
	  "fa07da4dec8d5f6e93e8c7db7fd4905044142ac6fc6630c2d70d8f19a74cd5a0"
	  "e0238a80129ac0132e2f06df8a953db873c35f37d5234cf7c5ef38e8715e1319"
	  "aeb73b0621dae957d6e17fff3a58fe634ecac132cd9516112951bcec0ac6098e"
	  "44b01662e0a7b74a3272e5b1536b7ac831ff363d031c1c10ff512db2df2375b1"
	  "1cf5f15b683d141b9251af9db900363ad6196866429a63ade51f83d608aeb8ef",
	  "40c2992e41f7298b", "280d1dbbf3f4c123",
	  "a0857d4a31e1ae55a3f1162cc2477ac451fdac78b756f553871cd803db5f8cca",
	  "58778d0205450121d8319161ce8316e7a47dab0d779070144556477f4f0d410e",
	  "694d73ce5c93bafce45ce3ab497fba59518eb76993f294ba1bdd6259dadbd78f",
	  "8d3d6ff65790ba2522e973210c9ef4e60ba49e33df5c244c16dc06620c90c66b",
	  "8d3d6ff65790ba2522e973210c9ef4e6" },
	{ IKE_PRF_HMAC_SHA2_256, 128, NULL, NULL, NULL,
	  "a4706084259f372ad4b5553a9d739c70790af0ed0b4f4f6bfaad7487fdcf6129"
	  "56a42b11d94b00b915551ee14ba6df3eb60a4daa36269676e5aa428bbf87a84c"
	  "eb5f00bb5f5e06164a8c4c4d1f4060fea0b1fcf97558a0ee9e860cbd5d2a082f"
	  "4e34823686ff56802af59085dc79c94312cdd63a10a107bf1412fe54cebe7faf"
	  "f4eee297336d97f437a376b5640e2b9aa61e14024795bdf8fa713c06d2235af1"
	  "b9d99d901a8daca0419e687c41c0dbc0eddb6bd4880aa7ad8bc1c2e341346ab1"
	  "c75294172dfc6326b8876759a1163d47630b5c7a8be853873641beed67903199"
	  "aa1898cb16110a9becf40a41e6d56c997ff1b2dff63441e8d217bb0e54f780b2",
	  "2f7cdbb9738c16c9", "ba2ee2a086894e56",
	  "9193e9b891f251c38f5f9f1501a6dd0e1519d27b8f4c565264dd5754b90fd4cb",
	  "a2f993eb22deec104ec9d4a6bcbf64f6dc75acafd99d852e04f09d0de3e9c9f4",
	  "f2a6d8cff298775790365fa64c8b7d19edd33c01ee1f233c4adac0088284f355",
	  "61818c702d755714378bbdc0a153ce745f8e54d9764e3f1c38307e4e49a122d3",
	  "61818c702d755714378bbdc0a153ce74" },
};

/*
 * Known answers built for these tests from v1main's keys above (HMAC-
 * SHA2-256), computed with Python 3's hmac and hashlib at the time they
 * were written, e.g. HASH_I as
 *   hmac.new(SKEYID, gxi + gxr + CKY_I + CKY_R + SAi_b + IDii_b, sha256)
 * and KEYMAT as K1 = hmac(SKEYID_d, [g2 +] b'\x03' + SPI + Ni + Nr),
 * Kn = hmac(SKEYID_d, Kn-1 + [g2 +] ...), 80 bytes. The inputs are
 * patterns: g^xi 64 bytes of 0x11, g^xr 64 of 0x22, Ni 0x30..0x3f, Nr
 * 0x60..0x73, the quick mode g^xy 128 bytes of 0x5a, SPI c0ffee01, M-ID
 * 1a2b3c4d.
 */
#define V1_SAI_B	"00000001000000010000002c01010001"	/* DOI, situation, ... */
#define V1_IDII_B	"01000000c0000201"	/* ID_IPV4_ADDR 192.0.2.1 */
#define V1_IDIR_B	"01000000c0000202"
#define V1_REST		"0a000014000102030405060708090a0b0c0d0e0f"	/* a nonce payload */
#define V1_HASH_I	"3185335226ad695125fdafbd561b857ae32a7140cdd33611c9c56d8e0cf964b6"
#define V1_HASH_R	"5525032d9a0886bc421029229d89e3ec8c52aafe24eb565fb8ec44fdc05a69ab"
#define V1_HASH1	"5d4fc732415d07bf4a58dbb60317efc5b478f968dcd0b1cae08e09063cb73fef"
#define V1_HASH2	"36927bbba1954a760ad1b1ae1e1090dbcd30daa0aad83a1fe85a2f2d0d4ca06f"
#define V1_HASH3	"06fabf8a10d7a9d6f06fc592e50ee1382b1d31e5801cae39edfd42cb052910e8"
#define V1_KEYMAT	"4087d7b59e9d4a08cc8d6c9661245f0928ddd2335c37e2e5a40f620a2dd12e7f" \
			"623ae7fd24662e1fee5fb59a4e435712398f9775f1088a50ead6b27a4c048a37" \
			"319f6aa098d2cb7dc07c621a7f7938a5"
#define V1_KEYMAT_PFS	"02fb6c3b0dc2b291552e894683ce77d282dd16947cb5c663349634293e86e816" \
			"3d86f44d2c5e7823b315ae421ee8774ae04cb22c224bfb9aff7fffbd5805c549" \
			"073e0bddaeb9b2b9fc90834899cebf79"

/*
 * Encryption, with v1main's Ka and the same g^xi and g^xr:
 *   IV1 = SHA-256(g^xi | g^xr)[0:16]       (openssl dgst -sha256)
 *   C1 = AES-128-CBC(Ka, IV1, 0x40..0x64 (37 bytes) | 11 zero bytes)
 *   C2 = AES-128-CBC(Ka, C1's last block, 0x80..0x8f)  (no padding)
 *        (openssl enc -aes-128-cbc -nopad -K Ka -iv IV)
 *   IV_QM = SHA-256(C2 | 1a2b3c4d)[0:16]   (openssl dgst -sha256)
 */
#define V1_IV1		"4ee7fc72fe18c4a92f3a43772facd978"
#define V1_C1		"f58d4569ccee25cba2a9150ad923f90c1b6ba23c6cc3105a4feb7d9a9446da6f" \
			"66185a147ebfa825a33e2517dbea0713"
#define V1_C2		"48e023768f482550ba3d003da63717b6"
#define V1_IV_QM	"cdd1ac8fc615dcb754cc5748cc46afc3"

/*
 * MODP 1024 (RFC 2409 6.2) from the private values 01..20 and 21..40 (32
 * bytes each): 2^x mod p and (2^y)^x mod p by Python's pow().
 */
#define V1_MODP1024_PUB	"457120764f3a1e6fd58103e41a4093a6c8bc1d97cb8759de41c21afdd2d3048a" \
			"5ef3d88ce24aa6ba4fe30bcfb0b0f75abf1a8aeaff3723f1bf53740c902005e1" \
			"199fabad7c538e94a7034fd585339a02f3634893f748929d2a7257643e398130" \
			"541ae64124c17d4507a97f1cbebeb7b933642b8df479eb59e36cfeffbf1671dd"
#define V1_MODP1024_SHARED \
			"a8aea6c2abe04a3722dfe9f38a0a53472e3ce7ed32bbef7b88aff82fea5a18e8" \
			"6d21a80161f59f7802fe1046a19595fe285de7c8908822f5d0a604b765b38b2d" \
			"06bc045f74b0c74886a0c24a4ee0e8a3f961bc0be44280796786789c5e0972ae" \
			"5155c402f345f2846db80dfaba2abba8aaab28f89f7865197e66980d75518335"

#endif /* IKE_TESTS_VECTORS_CRYPTO1_H */
