// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "nfesp" generic netlink family. uapi/linux/nfesp.h documents every
 * command and attribute; this file parses them strictly, and every rejection
 * says why in the extended ack.
 */

#include <linux/in.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <uapi/linux/nfesp.h>
#include "compat.h"
#include "conntrack.h"
#include "netlink.h"
#include "datapath.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

/* 4 or 16 bytes, and EINVAL otherwise, as for every other wrong length. */
static int validate_addr(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == sizeof(__be32) || nla_len(attr) == sizeof(struct in6_addr))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "address must be 4 bytes (IPv4) or 16 bytes (IPv6)");
	return -EINVAL;
}

#define ADDR_POLICY NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_addr)
/* Attributes the kernel reports and never takes. */
#define READ_ONLY { .type = NLA_REJECT }

static const struct nla_policy encap_policy[NFESP_ENCAP_A_MAX + 1] = {
	[NFESP_ENCAP_A_SPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[NFESP_ENCAP_A_DPORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy lifetime_policy[NFESP_LT_A_MAX + 1] = {
	[NFESP_LT_A_BYTES] = { .type = NLA_U64 },
	[NFESP_LT_A_PACKETS] = { .type = NLA_U64 },
	[NFESP_LT_A_SECONDS] = { .type = NLA_U64 },
	[NFESP_LT_A_PAD] = READ_ONLY,
};

/* A selector's attributes, in a policy and in NFESP_SA_A_SELECTOR. */
#define SELECTOR_POLICY							\
	[NFESP_POL_A_SRC] = ADDR_POLICY,				\
	[NFESP_POL_A_DST] = ADDR_POLICY,				\
	[NFESP_POL_A_SRC_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),	\
	[NFESP_POL_A_DST_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),	\
	[NFESP_POL_A_PROTO] = { .type = NLA_U8 },			\
	[NFESP_POL_A_SPORT_MIN] = { .type = NLA_U16 },			\
	[NFESP_POL_A_SPORT_MAX] = { .type = NLA_U16 },			\
	[NFESP_POL_A_DPORT_MIN] = { .type = NLA_U16 },			\
	[NFESP_POL_A_DPORT_MAX] = { .type = NLA_U16 }

/* NFESP_SA_A_SELECTOR: a policy's selector attributes, and only those. */
static const struct nla_policy sel_policy[NFESP_POL_A_MAX + 1] = {
	SELECTOR_POLICY,
};

static const struct nla_policy sa_policy[NFESP_SA_A_MAX + 1] = {
	[NFESP_SA_A_SPI] = { .type = NLA_BE32 },
	[NFESP_SA_A_SRC] = ADDR_POLICY,
	[NFESP_SA_A_DST] = ADDR_POLICY,
	[NFESP_SA_A_PROTO] = NLA_POLICY_RANGE(NLA_U8, IPPROTO_ESP, IPPROTO_ESP),
	[NFESP_SA_A_MODE] = NLA_POLICY_MAX(NLA_U8, NFESP_MODE_MAX),
	[NFESP_SA_A_REQID] = { .type = NLA_U32 },
	[NFESP_SA_A_ENC_ALG] = { .type = NLA_U16 },
	[NFESP_SA_A_ENC_KEY] = { .type = NLA_BINARY, .len = 64 },
	[NFESP_SA_A_AUTH_ALG] = { .type = NLA_U16 },
	[NFESP_SA_A_AUTH_KEY] = { .type = NLA_BINARY, .len = 64 },
	[NFESP_SA_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NFESP_SA_F_ALL),
	[NFESP_SA_A_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32, NFESP_REPLAY_WINDOW_MAX),
	[NFESP_SA_A_ENCAP] = NLA_POLICY_NESTED(encap_policy),
	[NFESP_SA_A_LIFETIME_SOFT] = NLA_POLICY_NESTED(lifetime_policy),
	[NFESP_SA_A_LIFETIME_HARD] = NLA_POLICY_NESTED(lifetime_policy),
	[NFESP_SA_A_CRYPTO_DRIVER] = { .type = NLA_NUL_STRING,
				       .len = NFESP_CRYPTO_DRIVER_MAX - 1 },
	[NFESP_SA_A_SPI_MIN] = { .type = NLA_U32 },
	[NFESP_SA_A_SPI_MAX] = { .type = NLA_U32 },
	[NFESP_SA_A_INDEX] = READ_ONLY,
	[NFESP_SA_A_ADD_TIME] = READ_ONLY,
	[NFESP_SA_A_STATS] = READ_ONLY,
	[NFESP_SA_A_PAD] = READ_ONLY,
	[NFESP_SA_A_ENC_KEY_LEN] = READ_ONLY,
	[NFESP_SA_A_OWNER] = { .type = NLA_U64 },
	[NFESP_SA_A_USE_TIME] = READ_ONLY,
	[NFESP_SA_A_SELECTOR] = NLA_POLICY_NESTED(sel_policy),
};

static const struct nla_policy pol_policy[NFESP_POL_A_MAX + 1] = {
	[NFESP_POL_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NFESP_POL_A_DIR] = NLA_POLICY_MAX(NLA_U8, NFESP_DIR_MAX),
	[NFESP_POL_A_ACTION] = NLA_POLICY_MAX(NLA_U8, NFESP_ACTION_MAX),
	[NFESP_POL_A_PRIORITY] = { .type = NLA_U32 },
	SELECTOR_POLICY,
	[NFESP_POL_A_MODE] = NLA_POLICY_MAX(NLA_U8, NFESP_MODE_MAX),
	[NFESP_POL_A_LOCAL] = ADDR_POLICY,
	[NFESP_POL_A_PEER] = ADDR_POLICY,
	[NFESP_POL_A_REQID] = { .type = NLA_U32 },
	[NFESP_POL_A_STATS] = READ_ONLY,
	[NFESP_POL_A_PAD] = READ_ONLY,
	[NFESP_POL_A_OWNER] = { .type = NLA_U64 },
	[NFESP_POL_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NFESP_POL_F_ALL),
};

static const struct nla_policy nfesp_policy[NFESP_A_MAX + 1] = {
	[NFESP_A_SA] = NLA_POLICY_NESTED(sa_policy),
	[NFESP_A_POLICY] = NLA_POLICY_NESTED(pol_policy),
	[NFESP_A_STATS] = READ_ONLY,
	[NFESP_A_ACQUIRE] = READ_ONLY,
	[NFESP_A_EXPIRE_HARD] = READ_ONLY,
	[NFESP_A_MAPPING] = READ_ONLY,
};

/* A required attribute: point at what is missing and say so. */
#define NEED(tb, nest, type, what) ({					\
	bool __present = !!(tb)[type];					\
									\
	if (!__present) {						\
		NL_SET_ERR_ATTR_MISS(info->extack, nest, type);		\
		NL_SET_ERR_MSG_MOD(info->extack, "missing " what);	\
	}								\
	__present;							\
})

/* Parse the one nested object a request carries: NFESP_A_SA or _POLICY. */
static int parse_object(struct genl_info *info, int type, struct nlattr **tb,
			int maxtype, const struct nla_policy *policy)
{
	if (!info->attrs[type]) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, type);
		if (type == NFESP_A_SA)
			NL_SET_ERR_MSG_MOD(info->extack, "missing NFESP_A_SA");
		else
			NL_SET_ERR_MSG_MOD(info->extack, "missing NFESP_A_POLICY");
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, info->attrs[type], policy, info->extack);
}

static u8 sa_proto(struct nlattr **tb)
{
	return tb[NFESP_SA_A_PROTO] ? nla_get_u8(tb[NFESP_SA_A_PROTO]) : IPPROTO_ESP;
}

static int parse_sa_key(struct genl_info *info, struct nlattr **tb,
			struct nfesp_sa_key *key)
{
	const struct nlattr *nest = info->attrs[NFESP_A_SA];

	memset(key, 0, sizeof(*key));
	if (!NEED(tb, nest, NFESP_SA_A_SPI, "SPI") ||
	    !NEED(tb, nest, NFESP_SA_A_DST, "destination address"))
		return -EINVAL;
	key->spi = nla_get_be32(tb[NFESP_SA_A_SPI]);
	if (!key->spi) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFESP_SA_A_SPI],
				    "SPI 0 is reserved (RFC 4303)");
		return -EINVAL;
	}
	key->proto = sa_proto(tb);
	return nfesp_addr_get(tb[NFESP_SA_A_DST], &key->dst, &key->family,
			      info->extack);
}

static int parse_lifetime(struct nlattr *attr, struct nfesp_lifetime *lt,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFESP_LT_A_MAX + 1];
	int err;

	memset(lt, 0, sizeof(*lt));
	if (!attr)
		return 0;
	err = nla_parse_nested(tb, NFESP_LT_A_MAX, attr, lifetime_policy, extack);
	if (err)
		return err;
	if (tb[NFESP_LT_A_BYTES])
		lt->bytes = nla_get_u64(tb[NFESP_LT_A_BYTES]);
	if (tb[NFESP_LT_A_PACKETS])
		lt->packets = nla_get_u64(tb[NFESP_LT_A_PACKETS]);
	if (tb[NFESP_LT_A_SECONDS])
		lt->seconds = nla_get_u64(tb[NFESP_LT_A_SECONDS]);
	return 0;
}

static int parse_selector_fields(struct genl_info *info, const struct nlattr *nest,
				 struct nlattr **tb, struct nfesp_selector *sel);

/* NFESP_SA_A_SELECTOR, if given: parsed as a policy's selector is. */
static int parse_sa_selector(struct genl_info *info, struct nlattr *attr,
			     struct nfesp_selector *sel)
{
	struct nlattr *tb[NFESP_POL_A_MAX + 1];
	int err;

	memset(sel, 0, sizeof(*sel));
	if (!attr)
		return 0;
	err = nla_parse_nested(tb, NFESP_POL_A_MAX, attr, sel_policy, info->extack);
	if (err)
		return err;
	return parse_selector_fields(info, attr, tb, sel);
}

/* A soft limit is a warning ahead of the hard one, so it must come first. */
static bool soft_below_hard(u64 soft, u64 hard)
{
	return !soft || !hard || soft < hard;
}

static int parse_sa_config(struct genl_info *info, struct nlattr **tb,
			   struct nfesp_sa_config *cfg)
{
	const struct nlattr *nest = info->attrs[NFESP_A_SA];
	struct netlink_ext_ack *extack = info->extack;
	u8 src_family;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = parse_sa_key(info, tb, &cfg->key);
	if (err)
		return err;
	if (!NEED(tb, nest, NFESP_SA_A_SRC, "source address") ||
	    !NEED(tb, nest, NFESP_SA_A_ENC_ALG, "encryption algorithm"))
		return -EINVAL;
	err = nfesp_addr_get(tb[NFESP_SA_A_SRC], &cfg->src, &src_family, extack);
	if (err)
		return err;
	if (src_family != cfg->key.family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_SA_A_SRC],
				    "source and destination are of different families");
		return -EINVAL;
	}
	if (tb[NFESP_SA_A_MODE])
		cfg->mode = nla_get_u8(tb[NFESP_SA_A_MODE]);
	if (tb[NFESP_SA_A_REQID])
		cfg->reqid = nla_get_u32(tb[NFESP_SA_A_REQID]);
	if (tb[NFESP_SA_A_FLAGS])
		cfg->flags = nla_get_u32(tb[NFESP_SA_A_FLAGS]);
	if (tb[NFESP_SA_A_OWNER])
		cfg->owner = nla_get_u64(tb[NFESP_SA_A_OWNER]);
	cfg->replay_window = NFESP_REPLAY_WINDOW_DEFAULT;
	if (tb[NFESP_SA_A_REPLAY_WINDOW])
		cfg->replay_window = nla_get_u32(tb[NFESP_SA_A_REPLAY_WINDOW]);

	if (tb[NFESP_SA_A_ENCAP]) {
		struct nlattr *etb[NFESP_ENCAP_A_MAX + 1];

		err = nla_parse_nested(etb, NFESP_ENCAP_A_MAX, tb[NFESP_SA_A_ENCAP],
				       encap_policy, extack);
		if (err)
			return err;
		if (!NEED(etb, tb[NFESP_SA_A_ENCAP], NFESP_ENCAP_A_SPORT, "encap source port") ||
		    !NEED(etb, tb[NFESP_SA_A_ENCAP], NFESP_ENCAP_A_DPORT, "encap destination port"))
			return -EINVAL;
		cfg->encap_sport = nla_get_u16(etb[NFESP_ENCAP_A_SPORT]);
		cfg->encap_dport = nla_get_u16(etb[NFESP_ENCAP_A_DPORT]);
	} else if (cfg->flags & NFESP_SA_F_FOLLOW_PEER) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_SA_A_FLAGS],
				    "NFESP_SA_F_FOLLOW_PEER needs UDP encapsulation (NFESP_SA_A_ENCAP)");
		return -EINVAL;
	}

	err = parse_sa_selector(info, tb[NFESP_SA_A_SELECTOR], &cfg->sel);
	if (err)
		return err;
	if (cfg->sel.family && cfg->mode == NFESP_MODE_TRANSPORT &&
	    cfg->sel.family != cfg->key.family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_SA_A_SELECTOR],
				    "a transport mode SA's selector must be of its own family");
		return -EINVAL;
	}

	err = parse_lifetime(tb[NFESP_SA_A_LIFETIME_SOFT], &cfg->soft, extack);
	if (err)
		return err;
	err = parse_lifetime(tb[NFESP_SA_A_LIFETIME_HARD], &cfg->hard, extack);
	if (err)
		return err;
	if (!soft_below_hard(cfg->soft.bytes, cfg->hard.bytes) ||
	    !soft_below_hard(cfg->soft.packets, cfg->hard.packets) ||
	    !soft_below_hard(cfg->soft.seconds, cfg->hard.seconds)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_SA_A_LIFETIME_SOFT],
				    "soft lifetime must be below the hard lifetime");
		return -EINVAL;
	}

	cfg->keys.enc = nla_get_u16(tb[NFESP_SA_A_ENC_ALG]);
	if (tb[NFESP_SA_A_ENC_KEY]) {
		cfg->keys.enc_key = nla_data(tb[NFESP_SA_A_ENC_KEY]);
		cfg->keys.enc_key_len = nla_len(tb[NFESP_SA_A_ENC_KEY]);
	}
	if (tb[NFESP_SA_A_AUTH_ALG])
		cfg->keys.auth = nla_get_u16(tb[NFESP_SA_A_AUTH_ALG]);
	if (tb[NFESP_SA_A_AUTH_KEY]) {
		cfg->keys.auth_key = nla_data(tb[NFESP_SA_A_AUTH_KEY]);
		cfg->keys.auth_key_len = nla_len(tb[NFESP_SA_A_AUTH_KEY]);
	}
	if (tb[NFESP_SA_A_CRYPTO_DRIVER])
		cfg->keys.driver = nla_data(tb[NFESP_SA_A_CRYPTO_DRIVER]);
	return 0;
}

/*
 * Keys must not outlive the request, and an error ack may echo the request
 * back: wipe them in the request itself once they are in the crypto API.
 */
/*
 * Wipe every key attribute of the request, in every NFESP_A_SA it carries:
 * of duplicates, nla_parse() keeps only the last in tb[], and the earlier
 * ones would stay in the request, and in an error ack's echo of it.
 */
static void wipe_keys(struct genl_info *info)
{
	struct nlattr *nest, *attr;
	int rem, rem_nest;

	nlmsg_for_each_attr(nest, info->nlhdr, GENL_HDRLEN + nfesp_genl_family.hdrsize, rem) {
		if (nla_type(nest) != NFESP_A_SA)
			continue;
		nla_for_each_nested(attr, nest, rem_nest) {
			if (nla_type(attr) == NFESP_SA_A_ENC_KEY ||
			    nla_type(attr) == NFESP_SA_A_AUTH_KEY)
				memzero_explicit(nla_data(attr), nla_len(attr));
		}
	}
}

static int put_lifetime(struct sk_buff *skb, int type, const struct nfesp_lifetime *lt)
{
	struct nlattr *nest;

	if (!lt->bytes && !lt->packets && !lt->seconds)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if ((lt->bytes && nla_put_u64_64bit(skb, NFESP_LT_A_BYTES, lt->bytes, NFESP_LT_A_PAD)) ||
	    (lt->packets && nla_put_u64_64bit(skb, NFESP_LT_A_PACKETS, lt->packets, NFESP_LT_A_PAD)) ||
	    (lt->seconds && nla_put_u64_64bit(skb, NFESP_LT_A_SECONDS, lt->seconds, NFESP_LT_A_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_sa_stats(struct sk_buff *skb, const struct nfesp_sa *sa)
{
	struct nfesp_sa_stats st;
	struct nlattr *nest;

	nfesp_sa_stats_read(sa, &st);
	nest = nla_nest_start(skb, NFESP_SA_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NFESP_SA_STATS_A_RX_PACKETS, st.rx_packets, NFESP_SA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFESP_SA_STATS_A_RX_BYTES, st.rx_bytes, NFESP_SA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFESP_SA_STATS_A_TX_PACKETS, st.tx_packets, NFESP_SA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFESP_SA_STATS_A_TX_BYTES, st.tx_bytes, NFESP_SA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFESP_SA_STATS_A_REPLAY, st.replay, NFESP_SA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFESP_SA_STATS_A_AUTH_FAIL, st.auth_fail, NFESP_SA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFESP_SA_STATS_A_ERRORS, st.errors, NFESP_SA_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Seconds since boot of the jiffy @used, which is at most now. */
static u64 use_time(unsigned long used)
{
	u64 now = ktime_get_boottime_seconds();
	u64 ago = (jiffies - used) / HZ;

	return now > ago ? now - ago : 0;
}

static int put_selector_fields(struct sk_buff *skb, const struct nfesp_selector *sel);

static int put_sa_selector(struct sk_buff *skb, const struct nfesp_selector *sel)
{
	struct nlattr *nest;

	if (!sel->family)
		return 0;
	nest = nla_nest_start(skb, NFESP_SA_A_SELECTOR);
	if (!nest || put_selector_fields(skb, sel))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* No key material is ever put here: keys live only in the transform. */
static int put_sa(struct sk_buff *skb, const struct nfesp_sa *sa)
{
	const struct nfesp_sa_key *k = &sa->key;
	struct nfesp_sa_peer peer;
	unsigned long used;

	/* The packet path may move it (a NAT mapping): read it whole. */
	nfesp_sa_peer_read(sa, &peer);
	if (nla_put_be32(skb, NFESP_SA_A_SPI, k->spi) ||
	    nfesp_addr_put(skb, NFESP_SA_A_SRC, &peer.src, k->family) ||
	    nfesp_addr_put(skb, NFESP_SA_A_DST, &k->dst, k->family) ||
	    nla_put_u8(skb, NFESP_SA_A_PROTO, k->proto) ||
	    nla_put_u32(skb, NFESP_SA_A_FLAGS, sa->flags |
			(test_bit(NFESP_SA_S_SOFT, &sa->state) ? NFESP_SA_F_EXPIRED_SOFT : 0)) ||
	    nla_put_u32(skb, NFESP_SA_A_INDEX, sa->index) ||
	    nla_put_u64_64bit(skb, NFESP_SA_A_ADD_TIME, sa->add_time, NFESP_SA_A_PAD) ||
	    (sa->owner && nla_put_u64_64bit(skb, NFESP_SA_A_OWNER, sa->owner, NFESP_SA_A_PAD)))
		return -EMSGSIZE;
	if (nfesp_sa_is_larval(sa))
		return 0;
	if (nla_put_u8(skb, NFESP_SA_A_MODE, sa->mode) ||
	    nla_put_u32(skb, NFESP_SA_A_REQID, sa->reqid) ||
	    nla_put_u16(skb, NFESP_SA_A_ENC_ALG, sa->enc_alg) ||
	    nla_put_u16(skb, NFESP_SA_A_ENC_KEY_LEN, sa->enc_key_len) ||
	    (sa->auth_alg && nla_put_u16(skb, NFESP_SA_A_AUTH_ALG, sa->auth_alg)) ||
	    nla_put_u32(skb, NFESP_SA_A_REPLAY_WINDOW, sa->replay_window) ||
	    (sa->driver && nla_put_string(skb, NFESP_SA_A_CRYPTO_DRIVER, sa->driver)) ||
	    put_sa_selector(skb, &sa->sel))
		return -EMSGSIZE;
	if (peer.sport) {
		struct nlattr *nest = nla_nest_start(skb, NFESP_SA_A_ENCAP);

		if (!nest ||
		    nla_put_u16(skb, NFESP_ENCAP_A_SPORT, peer.sport) ||
		    nla_put_u16(skb, NFESP_ENCAP_A_DPORT, peer.dport))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	used = READ_ONCE(sa->use_jiffies);
	if (used && nla_put_u64_64bit(skb, NFESP_SA_A_USE_TIME, use_time(used), NFESP_SA_A_PAD))
		return -EMSGSIZE;
	if (put_lifetime(skb, NFESP_SA_A_LIFETIME_SOFT, &sa->soft) ||
	    put_lifetime(skb, NFESP_SA_A_LIFETIME_HARD, &sa->hard))
		return -EMSGSIZE;
	return put_sa_stats(skb, sa);
}

int nfesp_nl_fill_sa(struct sk_buff *skb, const struct nfesp_sa *sa, u32 portid,
		     u32 seq, int flags, u8 cmd, struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nfesp_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, NFESP_A_SA);
	if (!nest || put_sa(skb, sa))
		goto err_cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int reply_sa(struct genl_info *info, const struct nfesp_sa *sa)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = nfesp_nl_fill_sa(msg, sa, info->snd_portid, info->snd_seq, 0,
			       NFESP_CMD_SA_GET, NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* nfesp_ops gives SA_NEW no policy: see .resv_start_op. */
static int nfesp_nl_sa_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_SA_A_MAX + 1];
	struct nlattr *attrs[NFESP_A_MAX + 1];
	struct nfesp_sa_config cfg;
	struct nfesp_sa *sa;
	int err;

	if (info->genlhdr->reserved) {
		NL_SET_ERR_MSG_MOD(info->extack, "reserved genetlink header field must be 0");
		err = -EINVAL;
	} else {
		err = genlmsg_parse(info->nlhdr, &nfesp_genl_family, attrs, NFESP_A_MAX,
				    nfesp_policy, info->extack);
	}
	if (!err) {
		info->attrs = attrs;
		err = parse_object(info, NFESP_A_SA, tb, NFESP_SA_A_MAX, sa_policy);
	}
	if (err) {
		/* Malformed: wipe everything; the extack offsets stay valid. */
		memzero_explicit(genlmsg_data(info->genlhdr),
				 genlmsg_len(info->genlhdr));
		return err;
	}
	err = parse_sa_config(info, tb, &cfg);
	if (err)
		goto out_wipe;
	/*
	 * A driver name instantiates any crypto template, with module
	 * autoload, and its transform is not memcg-accounted: the initial
	 * namespace's admin only, not a user namespace's root.
	 */
	if (cfg.keys.driver && !netlink_capable(skb, CAP_NET_ADMIN)) {
		NL_SET_BAD_ATTR(info->extack, tb[NFESP_SA_A_CRYPTO_DRIVER]);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "a crypto driver needs CAP_NET_ADMIN in the initial user namespace");
		err = -EPERM;
		goto out_wipe;
	}
	mutex_lock(&nn->lock);
	sa = nfesp_sa_create(nn, &cfg, info->extack);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
	} else {
		nfesp_event_sa(nn, sa, NFESP_CMD_SA_NEW);
		nfesp_acquire_release(nn, sa->reqid);
	}
	mutex_unlock(&nn->lock);
out_wipe:
	wipe_keys(info);
	return err;
}

static struct nfesp_sa *find_sa(struct nfesp_net *nn, struct genl_info *info,
				struct nlattr **tb)
{
	struct nfesp_sa_key key;
	struct nfesp_sa *sa;
	int err;

	lockdep_assert_held(&nn->lock);

	err = parse_sa_key(info, tb, &key);
	if (err)
		return ERR_PTR(err);
	sa = nfesp_sa_find_locked(nn, &key);
	if (!sa) {
		NL_SET_ERR_MSG_MOD(info->extack, "no SA with this SPI and destination");
		return ERR_PTR(-ENOENT);
	}
	return sa;
}

static int nfesp_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_SA_A_MAX + 1];
	struct nfesp_sa *sa;
	int err;

	err = parse_object(info, NFESP_A_SA, tb, NFESP_SA_A_MAX, sa_policy);
	if (err)
		return err;
	wipe_keys(info);	/* not used here, and never echoed */
	mutex_lock(&nn->lock);
	sa = find_sa(nn, info, tb);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
	} else {
		nfesp_event_sa(nn, sa, NFESP_CMD_SA_DEL);
		nfesp_sa_unlink(nn, sa);
	}
	mutex_unlock(&nn->lock);
	return err;
}

/* What NFESP_CMD_SA_SET may name: the SA, and what it changes. */
static bool sa_set_takes(int type)
{
	switch (type) {
	case NFESP_SA_A_SPI:
	case NFESP_SA_A_DST:
	case NFESP_SA_A_PROTO:
	case NFESP_SA_A_SRC:
	case NFESP_SA_A_ENCAP:
		return true;
	default:
		return false;
	}
}

/*
 * Move an SA to a new source address or new encap ports. Its place in the
 * SAD and among the outbound SAs depends on neither, so it stays linked,
 * and packets see the old endpoint or the new one (nfesp_sa_peer_read()).
 */
static int nfesp_nl_sa_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *etb[NFESP_ENCAP_A_MAX + 1] = { };
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[NFESP_SA_A_MAX + 1];
	union nfesp_addr src;
	u16 sport = 0, dport = 0;
	struct nfesp_sa *sa;
	u8 src_family = 0;
	int err, type;

	err = parse_object(info, NFESP_A_SA, tb, NFESP_SA_A_MAX, sa_policy);
	if (err)
		return err;
	wipe_keys(info);	/* refused below, and never echoed */
	for (type = 1; type <= NFESP_SA_A_MAX; type++) {
		if (!tb[type] || sa_set_takes(type))
			continue;
		NL_SET_ERR_MSG_ATTR(extack, tb[type],
				    "NFESP_CMD_SA_SET changes only the source address and the encap ports");
		return -EINVAL;
	}
	if (!tb[NFESP_SA_A_SRC] && !tb[NFESP_SA_A_ENCAP]) {
		NL_SET_ERR_MSG_MOD(extack, "nothing to change: no source address or encap ports");
		return -EINVAL;
	}
	if (tb[NFESP_SA_A_SRC]) {
		err = nfesp_addr_get(tb[NFESP_SA_A_SRC], &src, &src_family, extack);
		if (err)
			return err;
	}
	if (tb[NFESP_SA_A_ENCAP]) {
		err = nla_parse_nested(etb, NFESP_ENCAP_A_MAX, tb[NFESP_SA_A_ENCAP],
				       encap_policy, extack);
		if (err)
			return err;
		if (!etb[NFESP_ENCAP_A_SPORT] && !etb[NFESP_ENCAP_A_DPORT]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_SA_A_ENCAP],
					    "no encap port to change");
			return -EINVAL;
		}
		if (etb[NFESP_ENCAP_A_SPORT])
			sport = nla_get_u16(etb[NFESP_ENCAP_A_SPORT]);
		if (etb[NFESP_ENCAP_A_DPORT])
			dport = nla_get_u16(etb[NFESP_ENCAP_A_DPORT]);
	}

	mutex_lock(&nn->lock);
	sa = find_sa(nn, info, tb);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
		goto out_unlock;
	}
	err = -EINVAL;
	if (nfesp_sa_is_larval(sa)) {
		NL_SET_ERR_MSG_MOD(extack, "the SPI is only reserved; NFESP_CMD_SA_NEW fills it");
		goto out_unlock;
	}
	if (tb[NFESP_SA_A_SRC] && src_family != sa->key.family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_SA_A_SRC],
				    "source and destination are of different families");
		goto out_unlock;
	}
	/* Encap on or off decides the packet's layout: it never changes. */
	if (tb[NFESP_SA_A_ENCAP] && !sa->encap_sport) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_SA_A_ENCAP],
				    "the SA has no UDP encapsulation to change");
		goto out_unlock;
	}
	nfesp_sa_set_peer(sa, tb[NFESP_SA_A_SRC] ? &src : NULL, sport, dport);
	nn->sad_gen++;
	nfesp_event_sa(nn, sa, NFESP_CMD_SA_SET);
	err = 0;
out_unlock:
	mutex_unlock(&nn->lock);
	return err;
}

static int nfesp_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_SA_A_MAX + 1];
	struct nfesp_sa *sa;
	int err;

	err = parse_object(info, NFESP_A_SA, tb, NFESP_SA_A_MAX, sa_policy);
	if (err)
		return err;
	wipe_keys(info);	/* not used here, and never echoed */
	mutex_lock(&nn->lock);
	sa = find_sa(nn, info, tb);
	err = IS_ERR(sa) ? PTR_ERR(sa) : reply_sa(info, sa);
	mutex_unlock(&nn->lock);
	return err;
}

/*
 * Dumps go in index order and resume from the index after the last one sent
 * (cb->args[0]). An optional NFESP_SA_A_REQID in NFESP_A_SA filters.
 */
static int nfesp_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfesp_net *nn = nfesp_net(sock_net(skb->sk));
	struct nlattr **attrs = nfesp_dump_attrs(cb);
	struct nlattr *tb[NFESP_SA_A_MAX + 1];
	unsigned long index = cb->args[0];
	bool filter = false;
	struct nfesp_sa *sa;
	u32 reqid = 0;
	int err;

	if (attrs[NFESP_A_SA]) {
		err = nla_parse_nested(tb, NFESP_SA_A_MAX, attrs[NFESP_A_SA],
				       sa_policy, cb->extack);
		if (err)
			return err;
		if (tb[NFESP_SA_A_REQID]) {
			filter = true;
			reqid = nla_get_u32(tb[NFESP_SA_A_REQID]);
		}
	}

	mutex_lock(&nn->lock);
	cb->seq = nn->sad_gen;
	xa_for_each_start(&nn->sa_by_index, index, sa, cb->args[0]) {
		if (filter && (nfesp_sa_is_larval(sa) || sa->reqid != reqid))
			continue;
		if (nfesp_nl_fill_sa(skb, sa, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     NFESP_CMD_SA_GET, cb))
			break;
	}
	/* Where to resume: the SA that did not fit, or past the last one. */
	cb->args[0] = sa ? index : index + 1;
	mutex_unlock(&nn->lock);
	return skb->len;
}

static int nfesp_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));

	mutex_lock(&nn->lock);
	nfesp_sa_flush(nn);
	nfesp_event_flush(nn, NFESP_CMD_SA_FLUSH);
	mutex_unlock(&nn->lock);
	return 0;
}

static int nfesp_nl_spi_alloc(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_SA_A_MAX + 1];
	const struct nlattr *nest;
	u32 spi_min = 0x100, spi_max = U32_MAX;
	union nfesp_addr src, *srcp = NULL;
	struct nfesp_sa_key key = {};
	struct nfesp_sa *sa;
	u8 src_family;
	int err;

	err = parse_object(info, NFESP_A_SA, tb, NFESP_SA_A_MAX, sa_policy);
	if (err)
		return err;
	wipe_keys(info);	/* not used here, and never echoed */
	nest = info->attrs[NFESP_A_SA];
	if (!NEED(tb, nest, NFESP_SA_A_DST, "destination address"))
		return -EINVAL;
	err = nfesp_addr_get(tb[NFESP_SA_A_DST], &key.dst, &key.family, info->extack);
	if (err)
		return err;
	key.proto = sa_proto(tb);
	if (tb[NFESP_SA_A_SRC]) {
		err = nfesp_addr_get(tb[NFESP_SA_A_SRC], &src, &src_family, info->extack);
		if (err)
			return err;
		if (src_family != key.family) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[NFESP_SA_A_SRC],
					    "source and destination are of different families");
			return -EINVAL;
		}
		srcp = &src;
	}
	if (tb[NFESP_SA_A_SPI_MIN])
		spi_min = nla_get_u32(tb[NFESP_SA_A_SPI_MIN]);
	if (tb[NFESP_SA_A_SPI_MAX])
		spi_max = nla_get_u32(tb[NFESP_SA_A_SPI_MAX]);
	if (spi_min > spi_max) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFESP_SA_A_SPI_MIN],
				    "SPI range minimum is above its maximum");
		return -EINVAL;
	}

	mutex_lock(&nn->lock);
	sa = nfesp_sa_reserve_spi(nn, &key, srcp, spi_min, spi_max, info->extack);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
	} else {
		err = reply_sa(info, sa);
		if (err)
			nfesp_sa_unlink(nn, sa);
	}
	mutex_unlock(&nn->lock);
	return err;
}

static bool proto_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

static int parse_port_range(struct genl_info *info, struct nlattr **tb,
			    int min_type, int max_type, u16 *min, u16 *max)
{
	*min = 0;
	*max = U16_MAX;
	if (tb[min_type])
		*min = *max = nla_get_u16(tb[min_type]);
	if (tb[max_type])
		*max = nla_get_u16(tb[max_type]);
	if (*min > *max) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[max_type],
				    "port range maximum is below its minimum");
		return -EINVAL;
	}
	return 0;
}

static int parse_prefix(struct genl_info *info, struct nlattr **tb, int addr_type,
			int plen_type, union nfesp_addr *addr, u8 *family, u8 *plen)
{
	int err;

	err = nfesp_addr_get(tb[addr_type], addr, family, info->extack);
	if (err)
		return err;
	*plen = nfesp_addr_bits(*family);
	if (tb[plen_type]) {
		*plen = nla_get_u8(tb[plen_type]);
		if (*plen > nfesp_addr_bits(*family)) {
			if (*family == AF_INET)
				NL_SET_ERR_MSG_ATTR(info->extack, tb[plen_type],
						    "IPv4 prefix length must be 0 to 32");
			else
				NL_SET_ERR_MSG_ATTR(info->extack, tb[plen_type],
						    "IPv6 prefix length must be 0 to 128");
			return -EINVAL;
		}
	}
	if (!nfesp_addr_host_bits_zero(addr, *family, *plen)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[addr_type],
				    "address has bits set past the prefix length");
		return -EINVAL;
	}
	return 0;
}

/*
 * Addresses, protocol and ports, in @nest: a policy's selector, or an SA's
 * (NFESP_SA_A_SELECTOR). The caller zeroes @sel.
 */
static int parse_selector_fields(struct genl_info *info, const struct nlattr *nest,
				 struct nlattr **tb, struct nfesp_selector *sel)
{
	u8 dst_family;
	int err;

	if (!NEED(tb, nest, NFESP_POL_A_SRC, "selector source") ||
	    !NEED(tb, nest, NFESP_POL_A_DST, "selector destination"))
		return -EINVAL;
	err = parse_prefix(info, tb, NFESP_POL_A_SRC, NFESP_POL_A_SRC_PREFIXLEN,
			   &sel->src, &sel->family, &sel->src_plen);
	if (err)
		return err;
	err = parse_prefix(info, tb, NFESP_POL_A_DST, NFESP_POL_A_DST_PREFIXLEN,
			   &sel->dst, &dst_family, &sel->dst_plen);
	if (err)
		return err;
	if (dst_family != sel->family) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFESP_POL_A_DST],
				    "selector source and destination are of different families");
		return -EINVAL;
	}
	if (tb[NFESP_POL_A_PROTO])
		sel->proto = nla_get_u8(tb[NFESP_POL_A_PROTO]);
	if (!proto_has_ports(sel->proto)) {
		int t;

		for (t = NFESP_POL_A_SPORT_MIN; t <= NFESP_POL_A_DPORT_MAX; t++) {
			if (tb[t]) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[t],
						    "ports need protocol TCP, UDP, SCTP or UDP-Lite");
				return -EINVAL;
			}
		}
	}
	err = parse_port_range(info, tb, NFESP_POL_A_SPORT_MIN, NFESP_POL_A_SPORT_MAX,
			       &sel->sport_min, &sel->sport_max);
	if (err)
		return err;
	return parse_port_range(info, tb, NFESP_POL_A_DPORT_MIN, NFESP_POL_A_DPORT_MAX,
				&sel->dport_min, &sel->dport_max);
}

/* The selector and direction: what identifies a policy. */
static int parse_selector(struct genl_info *info, struct nlattr **tb,
			  struct nfesp_selector *sel)
{
	const struct nlattr *nest = info->attrs[NFESP_A_POLICY];

	memset(sel, 0, sizeof(*sel));
	if (!NEED(tb, nest, NFESP_POL_A_DIR, "direction"))
		return -EINVAL;
	sel->dir = nla_get_u8(tb[NFESP_POL_A_DIR]);
	return parse_selector_fields(info, nest, tb, sel);
}

static int parse_policy_config(struct genl_info *info, struct nlattr **tb,
			       struct nfesp_policy_config *cfg)
{
	const struct nlattr *nest = info->attrs[NFESP_A_POLICY];
	struct netlink_ext_ack *extack = info->extack;
	u8 peer_family;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (tb[NFESP_POL_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_POL_A_ID],
				    "the kernel assigns policy ids");
		return -EINVAL;
	}
	err = parse_selector(info, tb, &cfg->sel);
	if (err)
		return err;
	if (!NEED(tb, nest, NFESP_POL_A_ACTION, "action"))
		return -EINVAL;
	cfg->action = nla_get_u8(tb[NFESP_POL_A_ACTION]);
	cfg->priority = NFESP_PRIORITY_DEFAULT;
	if (tb[NFESP_POL_A_PRIORITY])
		cfg->priority = nla_get_u32(tb[NFESP_POL_A_PRIORITY]);
	if (tb[NFESP_POL_A_OWNER])
		cfg->owner = nla_get_u64(tb[NFESP_POL_A_OWNER]);

	if (cfg->action != NFESP_ACTION_PROTECT) {
		int t, only_protect[] = { NFESP_POL_A_MODE, NFESP_POL_A_LOCAL,
					  NFESP_POL_A_PEER, NFESP_POL_A_REQID,
					  NFESP_POL_A_FLAGS };

		for (t = 0; t < ARRAY_SIZE(only_protect); t++) {
			if (tb[only_protect[t]]) {
				NL_SET_ERR_MSG_ATTR(extack, tb[only_protect[t]],
						    "only protect policies take mode, local, peer, reqid and flags");
				return -EINVAL;
			}
		}
		return 0;
	}

	if (tb[NFESP_POL_A_MODE])
		cfg->mode = nla_get_u8(tb[NFESP_POL_A_MODE]);
	if (tb[NFESP_POL_A_REQID])
		cfg->reqid = nla_get_u32(tb[NFESP_POL_A_REQID]);
	if (tb[NFESP_POL_A_FLAGS])
		cfg->flags = nla_get_u32(tb[NFESP_POL_A_FLAGS]);
	if (cfg->mode == NFESP_MODE_TRANSPORT) {
		if (tb[NFESP_POL_A_LOCAL] || tb[NFESP_POL_A_PEER]) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[NFESP_POL_A_LOCAL] ?: tb[NFESP_POL_A_PEER],
					    "local and peer are tunnel endpoints; transport mode has none");
			return -EINVAL;
		}
		return 0;
	}
	if (!NEED(tb, nest, NFESP_POL_A_LOCAL, "local tunnel endpoint") ||
	    !NEED(tb, nest, NFESP_POL_A_PEER, "peer tunnel endpoint"))
		return -EINVAL;
	err = nfesp_addr_get(tb[NFESP_POL_A_LOCAL], &cfg->local, &cfg->tunnel_family,
			     extack);
	if (err)
		return err;
	err = nfesp_addr_get(tb[NFESP_POL_A_PEER], &cfg->peer, &peer_family, extack);
	if (err)
		return err;
	if (peer_family != cfg->tunnel_family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFESP_POL_A_PEER],
				    "local and peer are of different families");
		return -EINVAL;
	}
	return 0;
}

static int put_port_range(struct sk_buff *skb, int min_type, int max_type,
			  u16 min, u16 max)
{
	if (min == 0 && max == U16_MAX)
		return 0;
	return nla_put_u16(skb, min_type, min) || nla_put_u16(skb, max_type, max);
}

/* A policy's selector without its direction, or an SA's. */
static int put_selector_fields(struct sk_buff *skb, const struct nfesp_selector *sel)
{
	if (nfesp_addr_put(skb, NFESP_POL_A_SRC, &sel->src, sel->family) ||
	    nfesp_addr_put(skb, NFESP_POL_A_DST, &sel->dst, sel->family) ||
	    nla_put_u8(skb, NFESP_POL_A_SRC_PREFIXLEN, sel->src_plen) ||
	    nla_put_u8(skb, NFESP_POL_A_DST_PREFIXLEN, sel->dst_plen) ||
	    nla_put_u8(skb, NFESP_POL_A_PROTO, sel->proto) ||
	    put_port_range(skb, NFESP_POL_A_SPORT_MIN, NFESP_POL_A_SPORT_MAX,
			   sel->sport_min, sel->sport_max) ||
	    put_port_range(skb, NFESP_POL_A_DPORT_MIN, NFESP_POL_A_DPORT_MAX,
			   sel->dport_min, sel->dport_max))
		return -EMSGSIZE;
	return 0;
}

static int put_policy(struct sk_buff *skb, const struct nfesp_policy *pol)
{
	const struct nfesp_selector *sel = &pol->sel;
	struct nfesp_policy_stats st;
	struct nlattr *nest;

	if (nla_put_u32(skb, NFESP_POL_A_ID, pol->id) ||
	    nla_put_u8(skb, NFESP_POL_A_DIR, sel->dir) ||
	    nla_put_u8(skb, NFESP_POL_A_ACTION, pol->action) ||
	    nla_put_u32(skb, NFESP_POL_A_PRIORITY, pol->priority) ||
	    put_selector_fields(skb, sel) ||
	    (pol->owner && nla_put_u64_64bit(skb, NFESP_POL_A_OWNER, pol->owner, NFESP_POL_A_PAD)))
		return -EMSGSIZE;
	if (pol->action == NFESP_ACTION_PROTECT) {
		if (nla_put_u8(skb, NFESP_POL_A_MODE, pol->mode) ||
		    nla_put_u32(skb, NFESP_POL_A_REQID, pol->reqid) ||
		    (pol->flags && nla_put_u32(skb, NFESP_POL_A_FLAGS, pol->flags)))
			return -EMSGSIZE;
		if (pol->tunnel_family &&
		    (nfesp_addr_put(skb, NFESP_POL_A_LOCAL, &pol->local, pol->tunnel_family) ||
		     nfesp_addr_put(skb, NFESP_POL_A_PEER, &pol->peer, pol->tunnel_family)))
			return -EMSGSIZE;
	}
	nfesp_policy_stats_read(pol, &st);
	nest = nla_nest_start(skb, NFESP_POL_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(skb, NFESP_POL_STATS_A_PACKETS, st.packets, NFESP_POL_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFESP_POL_STATS_A_BYTES, st.bytes, NFESP_POL_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int nfesp_nl_fill_policy(struct sk_buff *skb, const struct nfesp_policy *pol,
			 u32 portid, u32 seq, int flags, u8 cmd,
			 struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nfesp_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, NFESP_A_POLICY);
	if (!nest || put_policy(skb, pol))
		goto err_cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int reply_policy(struct genl_info *info, const struct nfesp_policy *pol)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = nfesp_nl_fill_policy(msg, pol, info->snd_portid, info->snd_seq, 0,
				   NFESP_CMD_POLICY_GET, NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int nfesp_nl_policy_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_POL_A_MAX + 1];
	struct nfesp_policy_config cfg;
	struct nfesp_policy *pol;
	int err;

	err = parse_object(info, NFESP_A_POLICY, tb, NFESP_POL_A_MAX, pol_policy);
	if (err)
		return err;
	err = parse_policy_config(info, tb, &cfg);
	if (err)
		return err;
	mutex_lock(&nn->lock);
	pol = nfesp_policy_create(nn, &cfg, info->extack);
	if (IS_ERR(pol)) {
		err = PTR_ERR(pol);
	} else if ((err = nfesp_hooks_update(nn))) {
		NL_SET_ERR_MSG_MOD(info->extack, "cannot register the netfilter hooks");
		nfesp_policy_unlink(nn, pol);
	} else {
		nfesp_event_policy(nn, pol, NFESP_CMD_POLICY_NEW);
		/* The id is the handle for deleting it; failing to tell it is harmless. */
		reply_policy(info, pol);
	}
	mutex_unlock(&nn->lock);
	/* Flows that flowtables carry in clear must meet the new policy. */
	if (!err && cfg.action != NFESP_ACTION_BYPASS)
		nfesp_ct_spd_changed(nn->net);
	return err;
}

static struct nfesp_policy *find_policy(struct nfesp_net *nn, struct genl_info *info,
					struct nlattr **tb)
{
	struct nfesp_selector sel;
	struct nfesp_policy *pol;
	int err, t;

	lockdep_assert_held(&nn->lock);

	if (tb[NFESP_POL_A_ID]) {
		for (t = NFESP_POL_A_DIR; t <= NFESP_POL_A_MAX; t++) {
			if (tb[t]) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[t],
						    "give either a policy id or a selector, not both");
				return ERR_PTR(-EINVAL);
			}
		}
		pol = xa_load(&nn->policy_by_id, nla_get_u32(tb[NFESP_POL_A_ID]));
	} else {
		err = parse_selector(info, tb, &sel);
		if (err)
			return ERR_PTR(err);
		pol = nfesp_policy_find_locked(nn, &sel);
	}
	if (!pol) {
		NL_SET_ERR_MSG_MOD(info->extack, "no such policy");
		return ERR_PTR(-ENOENT);
	}
	return pol;
}

static int nfesp_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_POL_A_MAX + 1];
	struct nfesp_policy *pol;
	bool bypass = false;
	int err;

	err = parse_object(info, NFESP_A_POLICY, tb, NFESP_POL_A_MAX, pol_policy);
	if (err)
		return err;
	mutex_lock(&nn->lock);
	pol = find_policy(nn, info, tb);
	if (IS_ERR(pol)) {
		err = PTR_ERR(pol);
	} else {
		bypass = pol->action == NFESP_ACTION_BYPASS;
		nfesp_event_policy(nn, pol, NFESP_CMD_POLICY_DEL);
		nfesp_policy_unlink(nn, pol);
		nfesp_hooks_update(nn);
	}
	mutex_unlock(&nn->lock);
	/* What the bypass let through may now meet a protect policy. */
	if (bypass)
		nfesp_ct_spd_changed(nn->net);
	return err;
}

/*
 * Replace one policy in place (nfesp_policy_replace()): identified by
 * NFESP_POL_A_ID if given, else by the direction and selector of the new
 * one; the other attributes are those of NFESP_CMD_POLICY_NEW.
 */
static int nfesp_nl_policy_replace(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_POL_A_MAX + 1];
	struct nfesp_policy_config cfg;
	struct nfesp_policy *old, *pol;
	const struct nlattr *id;
	bool bypass;
	int err;

	err = parse_object(info, NFESP_A_POLICY, tb, NFESP_POL_A_MAX, pol_policy);
	if (err)
		return err;
	/* The id names the policy to replace; the config refuses one. */
	id = tb[NFESP_POL_A_ID];
	tb[NFESP_POL_A_ID] = NULL;
	err = parse_policy_config(info, tb, &cfg);
	if (err)
		return err;
	mutex_lock(&nn->lock);
	if (id)
		old = xa_load(&nn->policy_by_id, nla_get_u32(id));
	else
		old = nfesp_policy_find_locked(nn, &cfg.sel);
	if (!old) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such policy");
		err = -ENOENT;
		goto out_unlock;
	}
	if (old->sel.dir != cfg.sel.dir) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFESP_POL_A_DIR],
				    "a policy keeps its direction; delete it and add another");
		err = -EINVAL;
		goto out_unlock;
	}
	bypass = old->action == NFESP_ACTION_BYPASS;
	pol = nfesp_policy_replace(nn, old, &cfg, info->extack);
	if (IS_ERR(pol)) {
		err = PTR_ERR(pol);
		goto out_unlock;
	}
	nfesp_event_policy(nn, pol, NFESP_CMD_POLICY_REPLACE);
	/* As for NFESP_CMD_POLICY_NEW, failing to reply is harmless. */
	reply_policy(info, pol);
	mutex_unlock(&nn->lock);
	/* Flows carried in clear must meet the new policy, or what a bypass let pass. */
	if (bypass || cfg.action != NFESP_ACTION_BYPASS)
		nfesp_ct_spd_changed(nn->net);
	return 0;

out_unlock:
	mutex_unlock(&nn->lock);
	return err;
}

static int nfesp_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct nlattr *tb[NFESP_POL_A_MAX + 1];
	struct nfesp_policy *pol;
	int err;

	err = parse_object(info, NFESP_A_POLICY, tb, NFESP_POL_A_MAX, pol_policy);
	if (err)
		return err;
	mutex_lock(&nn->lock);
	pol = find_policy(nn, info, tb);
	err = IS_ERR(pol) ? PTR_ERR(pol) : reply_policy(info, pol);
	mutex_unlock(&nn->lock);
	return err;
}

/*
 * Dumps go in match order. cb->args[0] counts the policies already sent; the
 * generation check flags the dump if the SPD changed in between.
 */
static int nfesp_nl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfesp_net *nn = nfesp_net(sock_net(skb->sk));
	struct nfesp_policy *pol;
	long skip = cb->args[0], done = 0;

	mutex_lock(&nn->lock);
	cb->seq = nn->spd_gen;
	list_for_each_entry(pol, &nn->spd, node) {
		if (done++ < skip)
			continue;
		if (nfesp_nl_fill_policy(skb, pol, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI,
					 NFESP_CMD_POLICY_GET, cb)) {
			done--;
			break;
		}
	}
	cb->args[0] = done;
	mutex_unlock(&nn->lock);
	return skb->len;
}

static int nfesp_nl_policy_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));

	mutex_lock(&nn->lock);
	nfesp_policy_flush(nn);
	nfesp_hooks_update(nn);
	nfesp_event_flush(nn, NFESP_CMD_POLICY_FLUSH);
	mutex_unlock(&nn->lock);
	return 0;
}

/* A counter, or for the gauges their value now. */
static u64 stat_value(struct nfesp_net *nn, enum nfesp_stats_attr t)
{
	switch (t) {
	case NFESP_STATS_A_HELD:
		return atomic_read(&nn->held);
	case NFESP_STATS_A_INFLIGHT:
		return atomic_read(&nn->inflight);
	default:
		return nfesp_net_stat(nn, t);
	}
}

static int nfesp_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfesp_net *nn = nfesp_net(genl_info_net(info));
	struct sk_buff *msg;
	struct nlattr *nest;
	unsigned int sas, policies;
	void *hdr;
	int t;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nfesp_genl_family, 0, NFESP_CMD_STATS_GET);
	if (!hdr)
		goto err_free_msg;
	nest = nla_nest_start(msg, NFESP_A_STATS);
	if (!nest)
		goto err_free_msg;
	mutex_lock(&nn->lock);
	sas = nn->sa_count;
	policies = nn->policy_count;
	mutex_unlock(&nn->lock);
	if (nla_put_u64_64bit(msg, NFESP_STATS_A_SA_COUNT, sas, NFESP_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, NFESP_STATS_A_POLICY_COUNT, policies, NFESP_STATS_A_PAD))
		goto err_free_msg;
	for (t = NFESP_STATS_A_POLICY_COUNT + 1; t <= NFESP_STATS_A_MAX; t++)
		if (t != NFESP_STATS_A_PAD &&
		    nla_put_u64_64bit(msg, t, stat_value(nn, t), NFESP_STATS_A_PAD))
			goto err_free_msg;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Every command, reads included, needs CAP_NET_ADMIN over the namespace:
 * SAs and policies describe who talks to whom.
 */
static const struct genl_ops nfesp_ops[] = {
	/* No policy: nfesp_nl_sa_new() parses the request itself. */
	{ .cmd = NFESP_CMD_SA_NEW, .doit = nfesp_nl_sa_new,
	  .flags = GENL_UNS_ADMIN_PERM },
	{ .cmd = NFESP_CMD_SA_DEL, .doit = nfesp_nl_sa_del,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_SA_GET, .doit = nfesp_nl_sa_get,
	  .dumpit = nfesp_nl_sa_dump, .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_SA_FLUSH, .doit = nfesp_nl_sa_flush,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_SPI_ALLOC, .doit = nfesp_nl_spi_alloc,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_POLICY_NEW, .doit = nfesp_nl_policy_new,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_POLICY_DEL, .doit = nfesp_nl_policy_del,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_POLICY_GET, .doit = nfesp_nl_policy_get,
	  .dumpit = nfesp_nl_policy_dump, .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_POLICY_FLUSH, .doit = nfesp_nl_policy_flush,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_STATS_GET, .doit = nfesp_nl_stats_get,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_SA_SET, .doit = nfesp_nl_sa_set,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
	{ .cmd = NFESP_CMD_POLICY_REPLACE, .doit = nfesp_nl_policy_replace,
	  .flags = GENL_UNS_ADMIN_PERM,
	  .policy = nfesp_policy, .maxattr = NFESP_A_MAX },
};

static const struct genl_multicast_group nfesp_mcgrps[] = {
	{ .name = NFESP_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family nfesp_genl_family __ro_after_init = {
	.name = NFESP_GENL_NAME,
	.version = NFESP_GENL_VERSION,
	.netnsok = true,
	/*
	 * Commands before this one get no reject-all policy from the core when
	 * they have none: SA_NEW validates its request itself, so that it can
	 * wipe the keys of one it rejects before the error ack echoes it.
	 */
	.resv_start_op = NFESP_CMD_SA_NEW + 1,
	/* Each namespace serialises on its own lock, not on genl_mutex. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = nfesp_ops,
	.n_ops = ARRAY_SIZE(nfesp_ops),
	.mcgrps = nfesp_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nfesp_mcgrps),
};

int __init nfesp_genl_init(void)
{
	return genl_register_family(&nfesp_genl_family);
}

void nfesp_genl_uninit(void)
{
	genl_unregister_family(&nfesp_genl_family);
}
