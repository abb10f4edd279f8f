// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl sa add|del|get|show|flush and ipsecctl spi alloc.
 *
 *   sa add spi SPI src ADDR dst ADDR [mode tunnel|transport] [reqid N]
 *          [owner N] enc ALG [key HEX|@FILE] [auth ALG authkey HEX|@FILE]
 *          [esn] [replay-window N] [encap udp SPORT DPORT [follow-peer]]
 *          [lifetime soft|hard bytes N|packets N|seconds N]... [driver NAME]
 *          [sel from PREFIX [port P[-Q]] to PREFIX [port P[-Q]] [proto P]]
 *   sa update spi SPI dst ADDR [src ADDR] [encap udp SPORT DPORT]
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/nfesp.h>
#include <netlink/genl/genl.h>
#include <openssl/crypto.h>
#include "ipsecctl.h"

/*
 * lifetime soft|hard bytes|packets|seconds N: bytes and packets with K, M,
 * G or T, seconds with s, m, h or d; each of the six once (@seen).
 */
static int parse_lifetime(struct args *a, struct sa *sa, unsigned int *seen)
{
	static const char *const whats[] = { "bytes", "packets", "seconds" };
	const char *which, *what, *val;
	struct lifetime *lt;
	uint64_t *fields[3];
	char name[64];
	unsigned int i, bit;

	which = next_word(a, "soft or hard after lifetime");
	if (!which)
		return -1;
	if (!strcmp(which, "soft"))
		lt = &sa->soft;
	else if (!strcmp(which, "hard"))
		lt = &sa->hard;
	else
		return error("lifetime \"%s\": expected soft or hard", which);
	fields[0] = &lt->bytes;
	fields[1] = &lt->packets;
	fields[2] = &lt->seconds;
	what = next_word(a, "bytes, packets or seconds after lifetime");
	if (!what)
		return -1;
	for (i = 0; i < 3; i++)
		if (!strcmp(what, whats[i]))
			break;
	if (i == 3)
		return error("lifetime %s \"%s\": expected bytes, packets or seconds",
			     which, what);
	snprintf(name, sizeof(name), "lifetime %s %s", which, what);
	bit = 1U << (i + (lt == &sa->hard ? 3 : 0));
	if (*seen & bit)
		return error("%s given twice", name);
	*seen |= bit;
	val = next_word(a, "lifetime value");
	if (!val)
		return -1;
	if (i == 2)
		return parse_seconds(val, name, fields[i]);
	return parse_count(val, name, fields[i]);
}

static int parse_port_word(struct args *a, const char *what, uint16_t *port)
{
	const char *w = next_word(a, what);
	uint32_t v;

	if (!w || parse_u32(w, what, &v))
		return -1;
	if (v == 0 || v > 65535)
		return error("%s %s must be 1 to 65535", what, w);
	*port = v;
	return 0;
}

/* The kernel's rule: a soft limit, where both are given, below the hard one. */
static int lifetime_check(const char *what, uint64_t soft, uint64_t hard)
{
	if (!soft || !hard || soft < hard)
		return 0;
	return error("lifetime soft %s %" PRIu64 " must be below lifetime hard %s %" PRIu64,
		     what, soft, what, hard);
}

/* Check what the kernel would refuse, to say it in the user's own words. */
static int sa_check(struct sa *sa, enum sa_words words)
{
	char names[256];

	if (!sa->spi)
		return error("missing spi");
	if (!sa->dst.family)
		return error("missing dst");
	if (words == SA_MOVE) {
		if (!sa->src.family && !sa->encap_sport)
			return error("nothing to update: give src ADDR or encap udp SPORT DPORT");
		if (sa->src.family && sa->src.family != sa->dst.family)
			return error("src and dst must both be IPv4 or both IPv6");
		return 0;
	}
	if (words == SA_ID)
		return 0;
	if ((sa->flags & NFESP_SA_F_FOLLOW_PEER) && !sa->encap_sport)
		return error("follow-peer needs encap udp SPORT DPORT");
	if (!sa->src.family)
		return error("missing src");
	if (sa->src.family != sa->dst.family)
		return error("src and dst must both be IPv4 or both IPv6");
	if (!sa->enc)
		return error("missing enc; one of: %s", alg_names(true, names, sizeof(names)));
	if (sa->enc->key_len && !sa->has_key)
		return error("missing key for %s", sa->enc->name);
	if (!sa->enc->key_len && sa->has_key)
		return error("%s takes no key", sa->enc->name);
	if (sa->has_key && sa->key_len != sa->enc->key_len)
		return error("key for %s must be %zu bytes%s, got %zu", sa->enc->name,
			     sa->enc->key_len, sa->enc->aead ? " (key and 4-byte salt)" : "",
			     sa->key_len);
	if (sa->enc->aead && sa->auth)
		return error("%s is an AEAD and takes no auth", sa->enc->name);
	if (!sa->enc->aead && !sa->auth)
		return error("%s needs auth, one of: %s", sa->enc->name,
			     alg_names(false, names, sizeof(names)));
	if (sa->auth && !sa->has_auth_key)
		return error("missing authkey for %s", sa->auth->name);
	if (!sa->auth && sa->has_auth_key)
		return error("authkey given without auth");
	if (sa->auth && sa->auth_key_len != sa->auth->key_len)
		return error("authkey for %s must be %zu bytes, got %zu", sa->auth->name,
			     sa->auth->key_len, sa->auth_key_len);
	if (sa->sel.src.family && sa->mode == NFESP_MODE_TRANSPORT &&
	    sa->sel.src.family != sa->src.family)
		return error("sel: a transport mode SA's selector must be of its own family, as src and dst");
	if (lifetime_check("bytes", sa->soft.bytes, sa->hard.bytes) ||
	    lifetime_check("packets", sa->soft.packets, sa->hard.packets) ||
	    lifetime_check("seconds", sa->soft.seconds, sa->hard.seconds))
		return -1;
	return 0;
}

/*
 * The word just taken, an inline key, wiped where it is: in a file's
 * command, or in /proc/PID/cmdline for the rest of the run.
 */
static void wipe_word(struct args *a)
{
	char *w = a->argv[a->i - 1];

	if (w[0] != '@')
		OPENSSL_cleanse(w, strlen(w));
}

/* The words of sa add, update, del or get (@g) after the verb into @sa. */
int sa_parse(struct args *a, struct sa *sa, enum sa_words words,
	     const struct grammar *g)
{
	struct selector_parse sp = { .sel = &sa->sel };
	const struct keyword *k;
	unsigned int lt_seen = 0;
	char names[256];
	struct kw_scan s;
	const char *w, *v;

	memset(sa, 0, sizeof(*sa));
	sa->replay_window = NFESP_REPLAY_WINDOW_DEFAULT;
	kw_scan_init(&s, g);
	while ((w = more_words(a)) != NULL) {
		k = kw_scan_word(&s, w);
		if (!k)
			return -1;
		if (k->flags & KW_SEL) {
			if (selector_word(a, w, &sp) < 0)
				return -1;
		} else if (!strcmp(w, "spi")) {
			if (!(v = next_word(a, "SPI")) || parse_spi(v, &sa->spi))
				return -1;
		} else if (!strcmp(w, "dst")) {
			if (!(v = next_word(a, "dst address")) || parse_addr(v, &sa->dst))
				return -1;
		} else if (!strcmp(w, "src")) {
			if (!(v = next_word(a, "src address")) || parse_addr(v, &sa->src))
				return -1;
		} else if (!strcmp(w, "encap")) {
			if (!(v = next_word(a, "udp after encap")))
				return -1;
			if (strcmp(v, "udp"))
				return error("encap \"%s\": only udp is supported", v);
			if (parse_port_word(a, "encap source port", &sa->encap_sport) ||
			    parse_port_word(a, "encap destination port", &sa->encap_dport))
				return -1;
		} else if (!strcmp(w, "mode")) {
			if (!(v = next_word(a, "mode")) || parse_mode(v, &sa->mode))
				return -1;
		} else if (!strcmp(w, "reqid")) {
			if (!(v = next_word(a, "reqid")) || parse_u32(v, "reqid", &sa->reqid))
				return -1;
		} else if (!strcmp(w, "owner")) {
			if (!(v = next_word(a, "owner")) || parse_u64(v, "owner", &sa->owner))
				return -1;
		} else if (!strcmp(w, "enc")) {
			if (!(v = next_word(a, "encryption algorithm")))
				return -1;
			sa->enc = enc_alg_by_name(v);
			if (!sa->enc)
				return error("unknown enc \"%s\"; one of: %s", v,
					     alg_names(true, names, sizeof(names)));
		} else if (!strcmp(w, "key")) {
			if (!(v = next_word(a, "key")) ||
			    parse_key(v, "key", sa->key, &sa->key_len))
				return -1;
			wipe_word(a);
			sa->has_key = true;
		} else if (!strcmp(w, "auth")) {
			if (!(v = next_word(a, "auth algorithm")))
				return -1;
			sa->auth = auth_alg_by_name(v);
			if (!sa->auth)
				return error("unknown auth \"%s\"; one of: %s", v,
					     alg_names(false, names, sizeof(names)));
		} else if (!strcmp(w, "authkey")) {
			if (!(v = next_word(a, "authkey")) ||
			    parse_key(v, "authkey", sa->auth_key, &sa->auth_key_len))
				return -1;
			wipe_word(a);
			sa->has_auth_key = true;
		} else if (!strcmp(w, "esn")) {
			sa->flags |= NFESP_SA_F_ESN;
		} else if (!strcmp(w, "replay-window")) {
			if (!(v = next_word(a, "replay window")) ||
			    parse_u32(v, "replay-window", &sa->replay_window))
				return -1;
			if (sa->replay_window > NFESP_REPLAY_WINDOW_MAX)
				return error("replay-window %s is above %d", v,
					     NFESP_REPLAY_WINDOW_MAX);
		} else if (!strcmp(w, "follow-peer")) {
			sa->flags |= NFESP_SA_F_FOLLOW_PEER;
		} else if (!strcmp(w, "lifetime")) {
			if (parse_lifetime(a, sa, &lt_seen))
				return -1;
		} else if (!strcmp(w, "driver")) {
			if (!(v = next_word(a, "crypto driver name")))
				return -1;
			if (strlen(v) >= sizeof(sa->driver))
				return error("driver name \"%s\" is too long", v);
			strcpy(sa->driver, v);
		} else if (!strcmp(w, "sel")) {
			/* An SA has one selector: kw_scan_word() refuses a second sel. */
			selector_init(&sa->sel);
		} else {
			return error("\"%s\" is in the table but not parsed", w);
		}
	}
	if (s.sel && selector_check(&sp, "sel: "))
		return -1;
	return sa_check(sa, words);
}

static void put_lifetime(struct nl_msg *msg, int type, const struct lifetime *lt)
{
	struct nlattr *nest;

	if (!lt->bytes && !lt->packets && !lt->seconds)
		return;
	nest = nla_nest_start(msg, type);
	if (lt->bytes)
		nla_put_u64(msg, NFESP_LT_A_BYTES, lt->bytes);
	if (lt->packets)
		nla_put_u64(msg, NFESP_LT_A_PACKETS, lt->packets);
	if (lt->seconds)
		nla_put_u64(msg, NFESP_LT_A_SECONDS, lt->seconds);
	nla_nest_end(msg, nest);
}

/*
 * The request for @cmd about @sa, nothing printed: SA_ID puts the SPI and
 * destination, SA_MOVE adds the new source and each encap port that is not
 * 0, SA_FULL everything of sa add, keys included (nfesp_discard() wipes).
 */
struct nl_msg *sa_msg(uint8_t cmd, const struct sa *sa, enum sa_words words)
{
	struct nl_msg *msg = nfesp_request(cmd, 0);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, NFESP_A_SA);
	nla_put_u32(msg, NFESP_SA_A_SPI, htonl(sa->spi));
	nfesp_put_addr(msg, NFESP_SA_A_DST, &sa->dst);
	if (words == SA_MOVE) {
		if (sa->src.family)
			nfesp_put_addr(msg, NFESP_SA_A_SRC, &sa->src);
		if (sa->encap_sport || sa->encap_dport) {
			struct nlattr *e = nla_nest_start(msg, NFESP_SA_A_ENCAP);

			if (sa->encap_sport)
				nla_put_u16(msg, NFESP_ENCAP_A_SPORT, sa->encap_sport);
			if (sa->encap_dport)
				nla_put_u16(msg, NFESP_ENCAP_A_DPORT, sa->encap_dport);
			nla_nest_end(msg, e);
		}
	} else if (words == SA_FULL) {
		nfesp_put_addr(msg, NFESP_SA_A_SRC, &sa->src);
		nla_put_u8(msg, NFESP_SA_A_MODE, sa->mode);
		nla_put_u32(msg, NFESP_SA_A_REQID, sa->reqid);
		if (sa->owner)
			nla_put_u64(msg, NFESP_SA_A_OWNER, sa->owner);
		nla_put_u16(msg, NFESP_SA_A_ENC_ALG, sa->enc->id);
		if (sa->has_key)
			nla_put(msg, NFESP_SA_A_ENC_KEY, sa->key_len, sa->key);
		if (sa->auth) {
			nla_put_u16(msg, NFESP_SA_A_AUTH_ALG, sa->auth->id);
			nla_put(msg, NFESP_SA_A_AUTH_KEY, sa->auth_key_len, sa->auth_key);
		}
		if (sa->flags)
			nla_put_u32(msg, NFESP_SA_A_FLAGS, sa->flags);
		nla_put_u32(msg, NFESP_SA_A_REPLAY_WINDOW, sa->replay_window);
		if (sa->encap_sport) {
			struct nlattr *e = nla_nest_start(msg, NFESP_SA_A_ENCAP);

			nla_put_u16(msg, NFESP_ENCAP_A_SPORT, sa->encap_sport);
			nla_put_u16(msg, NFESP_ENCAP_A_DPORT, sa->encap_dport);
			nla_nest_end(msg, e);
		}
		put_lifetime(msg, NFESP_SA_A_LIFETIME_SOFT, &sa->soft);
		put_lifetime(msg, NFESP_SA_A_LIFETIME_HARD, &sa->hard);
		if (sa->driver[0])
			nla_put_string(msg, NFESP_SA_A_CRYPTO_DRIVER, sa->driver);
		if (sa->sel.src.family) {
			struct nlattr *sel = nla_nest_start(msg, NFESP_SA_A_SELECTOR);

			selector_put(msg, &sa->sel);
			nla_nest_end(msg, sel);
		}
	}
	nla_nest_end(msg, nest);
	return msg;
}

/*
 * What the kernel sends is checked as it checks what we send: each
 * attribute long enough for its type, strings ending in a NUL.
 */
static const struct nla_policy sa_policy[NFESP_SA_A_MAX + 1] = {
	[NFESP_SA_A_SPI] = { .type = NLA_U32 },
	[NFESP_SA_A_SRC] = { .minlen = 4, .maxlen = 16 },
	[NFESP_SA_A_DST] = { .minlen = 4, .maxlen = 16 },
	[NFESP_SA_A_PROTO] = { .type = NLA_U8 },
	[NFESP_SA_A_MODE] = { .type = NLA_U8 },
	[NFESP_SA_A_REQID] = { .type = NLA_U32 },
	[NFESP_SA_A_ENC_ALG] = { .type = NLA_U16 },
	[NFESP_SA_A_AUTH_ALG] = { .type = NLA_U16 },
	[NFESP_SA_A_FLAGS] = { .type = NLA_U32 },
	[NFESP_SA_A_REPLAY_WINDOW] = { .type = NLA_U32 },
	[NFESP_SA_A_ENCAP] = { .type = NLA_NESTED },
	[NFESP_SA_A_LIFETIME_SOFT] = { .type = NLA_NESTED },
	[NFESP_SA_A_LIFETIME_HARD] = { .type = NLA_NESTED },
	[NFESP_SA_A_CRYPTO_DRIVER] = { .type = NLA_STRING },
	[NFESP_SA_A_INDEX] = { .type = NLA_U32 },
	[NFESP_SA_A_ADD_TIME] = { .type = NLA_U64 },
	[NFESP_SA_A_STATS] = { .type = NLA_NESTED },
	[NFESP_SA_A_ENC_KEY_LEN] = { .type = NLA_U16 },
	[NFESP_SA_A_OWNER] = { .type = NLA_U64 },
	[NFESP_SA_A_USE_TIME] = { .type = NLA_U64 },
	[NFESP_SA_A_SELECTOR] = { .type = NLA_NESTED },
};

static const struct nla_policy encap_policy[NFESP_ENCAP_A_MAX + 1] = {
	[NFESP_ENCAP_A_SPORT] = { .type = NLA_U16 },
	[NFESP_ENCAP_A_DPORT] = { .type = NLA_U16 },
};

static void get_lifetime(struct nlattr *attr, struct lifetime *lt)
{
	struct nlattr *tb[NFESP_LT_A_MAX + 1];

	/* nla_get_u64() reads 0 from a short attribute: no policy needed. */
	if (!attr || nla_parse_nested(tb, NFESP_LT_A_MAX, attr, NULL))
		return;
	if (tb[NFESP_LT_A_BYTES])
		lt->bytes = nla_get_u64(tb[NFESP_LT_A_BYTES]);
	if (tb[NFESP_LT_A_PACKETS])
		lt->packets = nla_get_u64(tb[NFESP_LT_A_PACKETS]);
	if (tb[NFESP_LT_A_SECONDS])
		lt->seconds = nla_get_u64(tb[NFESP_LT_A_SECONDS]);
}

static void get_stats(struct nlattr *attr, struct sa_stats *st)
{
	struct nlattr *tb[NFESP_SA_STATS_A_MAX + 1];
	uint64_t *f[] = {
		[NFESP_SA_STATS_A_RX_PACKETS] = &st->rx_packets,
		[NFESP_SA_STATS_A_RX_BYTES] = &st->rx_bytes,
		[NFESP_SA_STATS_A_TX_PACKETS] = &st->tx_packets,
		[NFESP_SA_STATS_A_TX_BYTES] = &st->tx_bytes,
		[NFESP_SA_STATS_A_REPLAY] = &st->replay,
		[NFESP_SA_STATS_A_AUTH_FAIL] = &st->auth_fail,
		[NFESP_SA_STATS_A_ERRORS] = &st->errors,
	};
	int i;

	if (!attr || nla_parse_nested(tb, NFESP_SA_STATS_A_MAX, attr, NULL))
		return;
	for (i = 0; i <= NFESP_SA_STATS_A_ERRORS; i++)
		if (f[i] && tb[i])
			*f[i] = nla_get_u64(tb[i]);
}

int sa_from_nl(struct nl_msg *msg, struct sa *sa, bool *larval)
{
	struct nlattr *top[NFESP_A_MAX + 1], *tb[NFESP_SA_A_MAX + 1];
	uint16_t key_len = 0;

	memset(sa, 0, sizeof(*sa));
	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, NFESP_A_MAX, NULL) || !top[NFESP_A_SA] ||
	    nla_parse_nested(tb, NFESP_SA_A_MAX, top[NFESP_A_SA], sa_policy))
		return error("malformed SA from the kernel");
	if (!tb[NFESP_SA_A_SPI] || !tb[NFESP_SA_A_DST] || !tb[NFESP_SA_A_SRC])
		return error("SA from the kernel lacks its SPI or addresses");
	sa->spi = ntohl(nla_get_u32(tb[NFESP_SA_A_SPI]));
	if (nfesp_get_addr(tb[NFESP_SA_A_SRC], &sa->src) ||
	    nfesp_get_addr(tb[NFESP_SA_A_DST], &sa->dst))
		return error("SA from the kernel has an address of neither 4 nor 16 bytes");
	if (tb[NFESP_SA_A_FLAGS])
		sa->flags = nla_get_u32(tb[NFESP_SA_A_FLAGS]);
	*larval = sa->flags & NFESP_SA_F_LARVAL;
	if (tb[NFESP_SA_A_INDEX])
		sa->index = nla_get_u32(tb[NFESP_SA_A_INDEX]);
	if (tb[NFESP_SA_A_ADD_TIME])
		sa->add_time = nla_get_u64(tb[NFESP_SA_A_ADD_TIME]);
	if (tb[NFESP_SA_A_OWNER])
		sa->owner = nla_get_u64(tb[NFESP_SA_A_OWNER]);
	if (tb[NFESP_SA_A_USE_TIME]) {
		sa->use_time = nla_get_u64(tb[NFESP_SA_A_USE_TIME]);
		sa->has_use_time = true;
	}
	if (tb[NFESP_SA_A_MODE])
		sa->mode = nla_get_u8(tb[NFESP_SA_A_MODE]);
	if (tb[NFESP_SA_A_REQID])
		sa->reqid = nla_get_u32(tb[NFESP_SA_A_REQID]);
	if (tb[NFESP_SA_A_ENC_KEY_LEN])
		key_len = nla_get_u16(tb[NFESP_SA_A_ENC_KEY_LEN]);
	if (tb[NFESP_SA_A_ENC_ALG])
		sa->enc = enc_alg_by_id(nla_get_u16(tb[NFESP_SA_A_ENC_ALG]), key_len);
	if (tb[NFESP_SA_A_AUTH_ALG])
		sa->auth = auth_alg_by_id(nla_get_u16(tb[NFESP_SA_A_AUTH_ALG]));
	if (tb[NFESP_SA_A_REPLAY_WINDOW])
		sa->replay_window = nla_get_u32(tb[NFESP_SA_A_REPLAY_WINDOW]);
	if (tb[NFESP_SA_A_ENCAP]) {
		struct nlattr *e[NFESP_ENCAP_A_MAX + 1];

		if (!nla_parse_nested(e, NFESP_ENCAP_A_MAX, tb[NFESP_SA_A_ENCAP],
				      encap_policy) &&
		    e[NFESP_ENCAP_A_SPORT] && e[NFESP_ENCAP_A_DPORT]) {
			sa->encap_sport = nla_get_u16(e[NFESP_ENCAP_A_SPORT]);
			sa->encap_dport = nla_get_u16(e[NFESP_ENCAP_A_DPORT]);
		}
	}
	get_lifetime(tb[NFESP_SA_A_LIFETIME_SOFT], &sa->soft);
	get_lifetime(tb[NFESP_SA_A_LIFETIME_HARD], &sa->hard);
	if (tb[NFESP_SA_A_CRYPTO_DRIVER])
		snprintf(sa->driver, sizeof(sa->driver), "%s",
			 (char *)nla_data(tb[NFESP_SA_A_CRYPTO_DRIVER]));
	get_stats(tb[NFESP_SA_A_STATS], &sa->stats);
	if (tb[NFESP_SA_A_SELECTOR] && selector_from_nest(tb[NFESP_SA_A_SELECTOR], &sa->sel))
		return -1;
	return 0;
}

static void print_lifetime_text(const char *which, const struct lifetime *lt)
{
	if (lt->bytes)
		printf(" lifetime %s bytes %" PRIu64, which, lt->bytes);
	if (lt->packets)
		printf(" lifetime %s packets %" PRIu64, which, lt->packets);
	if (lt->seconds)
		printf(" lifetime %s seconds %" PRIu64, which, lt->seconds);
}

static json_t *lifetime_json(const struct lifetime *lt)
{
	json_t *o;

	if (!lt->bytes && !lt->packets && !lt->seconds)
		return NULL;
	o = json_object();
	if (lt->bytes)
		json_object_set_new(o, "bytes", json_u64(lt->bytes));
	if (lt->packets)
		json_object_set_new(o, "packets", json_u64(lt->packets));
	if (lt->seconds)
		json_object_set_new(o, "seconds", json_u64(lt->seconds));
	return o;
}

/* Seconds since @boottime, a CLOCK_BOOTTIME second as the kernel reports. */
uint64_t sa_age(uint64_t boottime)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec > boottime ? ts.tv_sec - boottime : 0;
}

/* An SA's UDP encapsulation, if it has one, as the JSON object "encap". */
json_t *sa_encap_json(const struct sa *sa)
{
	if (!sa->encap_sport)
		return NULL;
	return json_pack("{s:s, s:i, s:i}", "type", "udp", "sport", sa->encap_sport,
			 "dport", sa->encap_dport);
}

/* Sets @k only if @v is there: optional members. */
static void set_opt(json_t *o, const char *k, json_t *v)
{
	if (v)
		json_object_set_new(o, k, v);
}

json_t *sa_json(const struct sa *sa, bool larval)
{
	json_t *o = json_object(), *st;

	json_object_set_new(o, "spi", json_spi(sa->spi));
	json_object_set_new(o, "src", json_addr(&sa->src));
	json_object_set_new(o, "dst", json_addr(&sa->dst));
	json_object_set_new(o, "index", json_u64(sa->index));
	json_object_set_new(o, "age", json_u64(sa_age(sa->add_time)));
	if (sa->owner)
		json_object_set_new(o, "owner", json_u64(sa->owner));
	if (larval) {
		json_object_set_new(o, "reserved", json_true());
		return o;
	}
	json_object_set_new(o, "mode", json_string(sa->mode == NFESP_MODE_TRANSPORT ?
						   "transport" : "tunnel"));
	json_object_set_new(o, "reqid", json_u64(sa->reqid));
	json_object_set_new(o, "enc", json_string(sa->enc ? sa->enc->name : "unknown"));
	if (sa->auth)
		json_object_set_new(o, "auth", json_string(sa->auth->name));
	json_object_set_new(o, "esn", json_boolean(sa->flags & NFESP_SA_F_ESN));
	json_object_set_new(o, "follow_peer", json_boolean(sa->flags & NFESP_SA_F_FOLLOW_PEER));
	json_object_set_new(o, "replay_window", json_u64(sa->replay_window));
	set_opt(o, "encap", sa_encap_json(sa));
	set_opt(o, "lifetime_soft", lifetime_json(&sa->soft));
	set_opt(o, "lifetime_hard", lifetime_json(&sa->hard));
	if (sa->driver[0])
		set_opt(o, "driver", json_string(sa->driver));
	if (sa->sel.src.family) {
		json_t *sel = json_object();

		selector_json(sel, &sa->sel);
		json_object_set_new(o, "sel", sel);
	}
	if (sa->has_use_time)
		json_object_set_new(o, "used_ago", json_u64(sa_age(sa->use_time)));
	st = json_object();
	json_object_set_new(st, "rx_packets", json_u64(sa->stats.rx_packets));
	json_object_set_new(st, "rx_bytes", json_u64(sa->stats.rx_bytes));
	json_object_set_new(st, "tx_packets", json_u64(sa->stats.tx_packets));
	json_object_set_new(st, "tx_bytes", json_u64(sa->stats.tx_bytes));
	json_object_set_new(st, "replay", json_u64(sa->stats.replay));
	json_object_set_new(st, "auth_fail", json_u64(sa->stats.auth_fail));
	json_object_set_new(st, "errors", json_u64(sa->stats.errors));
	json_object_set_new(o, "stats", st);
	return o;
}

/* In the grammar of sa add, keys left out, counters as a comment. */
void sa_print(const struct sa *sa, bool larval)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (opt_json)
		return json_emit(sa_json(sa, larval));
	addr_str(&sa->src, s, sizeof(s));
	addr_str(&sa->dst, d, sizeof(d));
	if (larval) {
		printf("# spi 0x%08x dst %s reserved for IKE, %" PRIu64 "s ago\n",
		       sa->spi, d, sa_age(sa->add_time));
		return;
	}
	printf("sa add spi 0x%08x src %s dst %s mode %s reqid %u",
	       sa->spi, s, d, sa->mode == NFESP_MODE_TRANSPORT ? "transport" : "tunnel",
	       sa->reqid);
	if (sa->owner)
		printf(" owner %" PRIu64, sa->owner);
	printf(" enc %s", sa->enc ? sa->enc->name : "unknown");
	if (sa->enc && sa->enc->key_len)
		printf(" key (hidden)");
	if (sa->auth)
		printf(" auth %s authkey (hidden)", sa->auth->name);
	if (sa->flags & NFESP_SA_F_ESN)
		printf(" esn");
	printf(" replay-window %u", sa->replay_window);
	if (sa->encap_sport)
		printf(" encap udp %u %u", sa->encap_sport, sa->encap_dport);
	if (sa->flags & NFESP_SA_F_FOLLOW_PEER)
		printf(" follow-peer");
	print_lifetime_text("soft", &sa->soft);
	print_lifetime_text("hard", &sa->hard);
	if (sa->driver[0])
		printf(" driver %s", sa->driver);
	if (sa->sel.src.family) {
		printf(" sel");
		selector_print(&sa->sel);
	}
	printf("\n\t# index %u age %" PRIu64 "s", sa->index, sa_age(sa->add_time));
	if (sa->has_use_time)
		printf(" used %" PRIu64 "s ago", sa_age(sa->use_time));
	else
		printf(" never used");
	printf(" rx %" PRIu64 " packets %" PRIu64
	       " bytes tx %" PRIu64 " packets %" PRIu64 " bytes replay %" PRIu64
	       " auth-fail %" PRIu64 " errors %" PRIu64 "\n",
	       sa->stats.rx_packets, sa->stats.rx_bytes,
	       sa->stats.tx_packets, sa->stats.tx_bytes, sa->stats.replay,
	       sa->stats.auth_fail, sa->stats.errors);
}

int sa_print_reply(struct nl_msg *msg, void *arg)
{
	bool larval;
	struct sa sa;

	if (sa_from_nl(msg, &sa, &larval))
		return -1;
	sa_print(&sa, larval);
	return 0;
}

struct sa_list {
	struct sa *v;
	size_t n, cap;
};

static int sa_collect(struct nl_msg *msg, void *arg)
{
	struct sa_list *l = arg;
	bool larval;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct sa *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return error("out of memory");
		l->v = v;
		l->cap = cap;
	}
	if (sa_from_nl(msg, &l->v[l->n], &larval))
		return -1;
	l->n++;
	return 0;
}

static void sa_collect_reset(void *arg)
{
	((struct sa_list *)arg)->n = 0;
}

/* The kernel's SAs, reserved SPIs (flag NFESP_SA_F_LARVAL) among them. */
int sa_dump(struct sa **list, size_t *n)
{
	struct sa_list l = { 0 };
	int err;

	err = nfesp_dump(NFESP_CMD_SA_GET, sa_collect, sa_collect_reset, &l);
	if (err) {
		free(l.v);
		return kernel_error("sa show", err);
	}
	*list = l.v;
	*n = l.n;
	return 0;
}

/* sa show: text, or with -j one document {"sas": [...]}. */
int sa_show(void)
{
	struct sa *v;
	size_t i, n;

	if (opt_dry_run)
		return 0;
	if (sa_dump(&v, &n))
		return -1;
	if (opt_json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, sa_json(&v[i], v[i].flags & NFESP_SA_F_LARVAL));
		json_emit(json_pack("{s:o}", "sas", a));
	} else {
		for (i = 0; i < n; i++)
			sa_print(&v[i], v[i].flags & NFESP_SA_F_LARVAL);
	}
	free(v);
	return 0;
}

static void wipe(struct sa *sa)
{
	OPENSSL_cleanse(sa->key, sizeof(sa->key));
	OPENSSL_cleanse(sa->auth_key, sizeof(sa->auth_key));
}

static int sa_change(struct args *a, uint8_t cmd, enum sa_words words, const char *what)
{
	struct nl_msg *msg;
	struct sa sa;
	int err;

	/* what is "sa VERB", VERB one of the table's. */
	err = sa_parse(a, &sa, words, grammar_find("sa", what + 3));
	if (err) {
		wipe(&sa);
		return err;
	}
	msg = sa_msg(cmd, &sa, words);
	wipe(&sa);
	if (!msg)
		return error("out of memory");
	/* A dry run goes as far as the request, and does not send it. */
	if (opt_dry_run) {
		nfesp_discard(msg);
		return 0;
	}
	err = nfesp_transact(msg, cmd == NFESP_CMD_SA_GET ? sa_print_reply : NULL, NULL);
	/* libnl copied the keys into the message; nfesp_transact wiped it. */
	return err ? kernel_error(what, err) : 0;
}

int cmd_sa(struct args *a)
{
	const char *verb = next_word(a, "sa command: add, update, del, get, show or flush");

	if (!verb)
		return -1;
	if (!strcmp(verb, "add"))
		return sa_change(a, NFESP_CMD_SA_NEW, SA_FULL, "sa add");
	if (!strcmp(verb, "update"))
		return sa_change(a, NFESP_CMD_SA_SET, SA_MOVE, "sa update");
	if (!strcmp(verb, "del") || !strcmp(verb, "delete"))
		return sa_change(a, NFESP_CMD_SA_DEL, SA_ID, "sa del");
	if (!strcmp(verb, "get"))
		return sa_change(a, NFESP_CMD_SA_GET, SA_ID, "sa get");
	if (a->i < a->argc)
		return error("sa %s takes no arguments, got \"%s\"", verb, a->argv[a->i]);
	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		return sa_show();
	if (!strcmp(verb, "flush")) {
		int err;

		if (opt_dry_run)
			return 0;
		err = nfesp_transact(nfesp_request(NFESP_CMD_SA_FLUSH, 0), NULL, NULL);
		return err ? kernel_error("sa flush", err) : 0;
	}
	return error("unknown sa command \"%s\"; use add, update, del, get, show or flush", verb);
}

/* spi alloc dst ADDR [src ADDR] [range MIN-MAX]: prints the reserved SPI. */
int spi_print_reply(struct nl_msg *msg, void *arg)
{
	bool larval;
	struct sa sa;

	if (sa_from_nl(msg, &sa, &larval))
		return -1;
	if (opt_json) {
		json_emit(json_pack("{s:o}", "spi", json_spi(sa.spi)));
	} else {
		printf("0x%08x\n", sa.spi);
	}
	return 0;
}

/* SPI_ALLOC for @dst, from @src if its family is set, in [min, max] if max. */
struct nl_msg *spi_msg(const struct addr *dst, const struct addr *src,
		       uint32_t min, uint32_t max)
{
	struct nl_msg *msg = nfesp_request(NFESP_CMD_SPI_ALLOC, 0);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, NFESP_A_SA);
	nfesp_put_addr(msg, NFESP_SA_A_DST, dst);
	if (src->family)
		nfesp_put_addr(msg, NFESP_SA_A_SRC, src);
	if (max) {
		nla_put_u32(msg, NFESP_SA_A_SPI_MIN, min);
		nla_put_u32(msg, NFESP_SA_A_SPI_MAX, max);
	}
	nla_nest_end(msg, nest);
	return msg;
}

int cmd_spi(struct args *a)
{
	struct addr dst = { 0 }, src = { 0 };
	uint32_t min = 0, max = 0;
	struct nl_msg *msg;
	struct kw_scan s;
	const char *w, *v;
	int err;

	w = next_word(a, "spi command: alloc");
	if (!w)
		return -1;
	if (strcmp(w, "alloc"))
		return error("unknown spi command \"%s\"; use alloc", w);
	kw_scan_init(&s, grammar_find("spi", "alloc"));
	while ((w = more_words(a)) != NULL) {
		if (!kw_scan_word(&s, w))
			return -1;
		if (!strcmp(w, "dst")) {
			if (!(v = next_word(a, "dst address")) || parse_addr(v, &dst))
				return -1;
		} else if (!strcmp(w, "src")) {
			if (!(v = next_word(a, "src address")) || parse_addr(v, &src))
				return -1;
		} else if (!strcmp(w, "range")) {
			char buf[32], *dash;

			if (!(v = next_word(a, "SPI range MIN-MAX")))
				return -1;
			snprintf(buf, sizeof(buf), "%s", v);
			dash = strchr(buf, '-');
			if (!dash)
				return error("SPI range \"%s\" must be MIN-MAX", v);
			*dash = '\0';
			if (parse_spi(buf, &min) || parse_spi(dash + 1, &max))
				return -1;
			if (min > max)
				return error("SPI range \"%s\" runs backwards", v);
		}
	}
	if (!dst.family)
		return error("missing dst");
	if (src.family && src.family != dst.family)
		return error("src and dst must both be IPv4 or both IPv6");
	msg = spi_msg(&dst, &src, min, max);
	if (!msg)
		return error("out of memory");
	if (opt_dry_run) {
		nfesp_discard(msg);
		return 0;
	}
	err = nfesp_transact(msg, spi_print_reply, NULL);
	return err ? kernel_error("spi alloc", err) : 0;
}
