/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ipsecctl: one model of SAs and policies, filled from the command line, from
 * a file of commands, or from the kernel, and printed back in the grammar it
 * is read in.
 */
#ifndef IPSECCTL_H
#define IPSECCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <jansson.h>
#include <linux/nfesp.h>

#define KEY_MAX 64

struct addr {
	int family;		/* AF_INET or AF_INET6; 0 if unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

struct lifetime {
	uint64_t bytes;
	uint64_t packets;
	uint64_t seconds;
};

struct sa_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t replay, auth_fail, errors;
};

/*
 * A selector without a direction: a policy's (from, to, port, proto), or
 * the one an SA was negotiated for (sa add ... sel from ... to ...).
 */
struct selector {
	struct addr src, dst;		/* src.family 0: none */
	int src_plen, dst_plen;
	int proto;			/* 0: any */
	uint16_t sport_min, sport_max, dport_min, dport_max;
};

struct sa {
	uint32_t spi;
	struct addr src;
	struct addr dst;
	int mode;			/* enum nfesp_mode */
	uint32_t reqid;
	uint64_t owner;			/* 0: none */
	const struct enc_alg *enc;
	const struct auth_alg *auth;
	uint8_t key[KEY_MAX];
	size_t key_len;
	bool has_key;
	uint8_t auth_key[KEY_MAX];
	size_t auth_key_len;
	bool has_auth_key;
	uint32_t flags;			/* NFESP_SA_F_* */
	uint32_t replay_window;
	uint16_t encap_sport, encap_dport;
	struct lifetime soft, hard;
	char driver[128];
	struct selector sel;		/* sel.src.family 0: none */
	/* Reported by the kernel only. */
	uint32_t index;
	uint64_t add_time;
	uint64_t use_time;		/* if has_use_time */
	bool has_use_time;
	struct sa_stats stats;
};

struct policy {
	uint32_t id;
	int dir;			/* enum nfesp_dir, -1 if unset */
	int action;			/* enum nfesp_action, -1 if unset */
	uint32_t priority;
	struct addr src, dst;
	int src_plen, dst_plen;
	int proto;			/* 0: any */
	uint16_t sport_min, sport_max, dport_min, dport_max;
	int mode;
	struct addr local, peer;
	uint32_t reqid;
	uint64_t owner;			/* 0: none */
	uint32_t flags;			/* NFESP_POL_F_* */
	bool has_priority, has_mode, has_reqid;
	uint64_t packets, bytes;	/* reported */
};

struct enc_alg {
	const char *name;
	uint16_t id;		/* enum nfesp_enc_alg */
	size_t key_len;		/* with the 4-byte salt for AEADs */
	bool aead;
};

struct auth_alg {
	const char *name;
	uint16_t id;		/* enum nfesp_auth_alg */
	size_t key_len;
};

/* Global options. */
extern bool opt_json, opt_dry_run, opt_numeric, opt_timestamp;
extern const char *prog;

/* Errors: say which word was wrong and why; return -1 for the caller. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void set_error_context(const char *ctx);

/* parse.c: one word at a time. */
struct args {
	int argc;
	char **argv;
	int i;
};
const char *next_word(struct args *a, const char *what);
const char *more_words(struct args *a);
int parse_addr(const char *s, struct addr *out);
int parse_prefix(const char *s, struct addr *out, int *plen);
int parse_u32(const char *s, const char *what, uint32_t *out);
int parse_u64(const char *s, const char *what, uint64_t *out);
int parse_spi(const char *s, uint32_t *out);
int parse_port_range(const char *s, uint16_t *min, uint16_t *max);
int parse_mode(const char *s, int *mode);
int parse_proto(const char *s, int *proto);
int parse_key(const char *s, const char *what, uint8_t *key, size_t *len);
const char *addr_str(const struct addr *a, char *buf, size_t len);
struct ifaddrs;
bool addr_is_local(const struct ifaddrs *ifs, const struct addr *a);
const char *proto_str(int proto, char *buf, size_t len);
int parse_count(const char *s, const char *what, uint64_t *out);
int parse_seconds(const char *s, const char *what, uint64_t *out);
const char *proto_nth(unsigned int i);
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cmdread.c: the commands of a file, one at a time. */
struct cmd_reader {
	FILE *f;
	const char *name;	/* for messages: NAME:LINE */
	int lineno;		/* lines read so far */
	char *line;		/* wiped when freed */
	size_t line_cap;
	char ctx[512];
};
struct command {
	int argc;
	char **argv;		/* argv[argc] is NULL */
	int line;		/* its first line */
	char *text;		/* the words; wiped when freed */
	size_t text_len, text_cap;
};
void cmd_reader_init(struct cmd_reader *r, FILE *f, const char *name);
int read_command(struct cmd_reader *r, struct command *c);
void command_free(struct command *c);
void cmd_reader_free(struct cmd_reader *r);

/* grammar.c: each command's keywords, for its parser and for completion. */
enum {
	KW_MULTI = 1,		/* may be given again: its parser checks what it takes */
	KW_SEL = 2,		/* a selector's word: in sa add only after sel */
	KW_OPENS_SEL = 4,	/* sel */
	KW_FROM = 8,
	KW_TO = 16,
	KW_PORT = 32,		/* after from or to, once for each */
};
struct keyword {
	const char *name;
	const char *args[3];	/* the words it takes: "a|b", "@enc", "@auth", "@proto", "N" */
	unsigned int flags;
};
struct grammar {
	const char *noun, *verb;
	const struct keyword *kw;
	unsigned int n;
	const char *hint;	/* said for a word that is no keyword here */
};
struct kw_scan {
	const struct grammar *g;
	uint64_t seen;		/* by index in g->kw */
	bool sel;		/* sel given */
	int last;		/* 'f' or 't': the last of from and to, 0 if none */
	bool sport, dport;	/* port given for from, for to */
	bool quiet;		/* say nothing when a word is refused */
	const char *after_key;	/* key or authkey, if it came just before */
};
const struct grammar *grammar_find(const char *noun, const char *verb);
void kw_scan_init(struct kw_scan *s, const struct grammar *g);
const struct keyword *kw_scan_word(struct kw_scan *s, const char *w);
int complete(int argc, char **argv);

/* keyfile.c */
ssize_t read_key_file(const char *path, char *buf, size_t size);

/* commands.c: the command table; lines of a file, one command each. */
int run_command(int argc, char **argv);
int run_stream(FILE *f, const char *name);
int run_file(const char *path);

/* algs.c */
const struct enc_alg *enc_alg_by_name(const char *name);
const struct enc_alg *enc_alg_by_id(uint16_t id, size_t key_len);
const struct auth_alg *auth_alg_by_name(const char *name);
const struct auth_alg *auth_alg_by_id(uint16_t id);
void list_algs(FILE *f);
const char *alg_nth(bool enc, unsigned int i);
const char *alg_names(bool enc, char *buf, size_t len);

/* nl.c */
struct nl_msg;
struct nlattr;
struct nl_cb;
typedef int (*reply_fn)(struct nl_msg *msg, void *arg);
/* What a request's replies came to; nfesp_reply_cb() fills it in. */
struct transaction {
	reply_fn fn;
	void *arg;
	int err;
	bool done;
	bool dump_intr;
};
/* Runs of a dump that the kernel may find interrupted by changes. */
#define NFESP_DUMP_TRIES 10
int nfesp_api_check(unsigned int theirs);
int nfesp_connect(void);
void nfesp_disconnect(void);
struct nl_sock *nfesp_socket(void);
struct nl_msg *nfesp_request(uint8_t cmd, int flags);
int nfesp_transact(struct nl_msg *msg, reply_fn fn, void *arg);
int nfesp_dump(uint8_t cmd, reply_fn fn, void (*reset)(void *arg), void *arg);
struct nl_cb *nfesp_reply_cb(struct transaction *t);
void nfesp_discard(struct nl_msg *msg);
int nfesp_put_addr(struct nl_msg *msg, int type, const struct addr *a);
int nfesp_get_addr(const struct nlattr *attr, struct addr *a);
int nfesp_monitor(reply_fn fn, void *arg);
const char *nfesp_extack(void);
int kernel_error(const char *what, int err);

/*
 * json.c: -j output through jansson. Every document is one line (NDJSON),
 * flushed; the schema is in ipsecctl(8), JSON OUTPUT.
 */
void json_emit(json_t *doc);
json_t *json_u64(uint64_t v);
json_t *json_spi(uint32_t spi);
json_t *json_addr(const struct addr *a);
json_t *json_time_now(void);
void time_now_str(char *buf, size_t len);

/* sa.c, policy.c, show.c, monitor.c: the verbs. */
int cmd_sa(struct args *a);
int cmd_spi(struct args *a);
int cmd_policy(struct args *a);
int cmd_show(struct args *a);
int cmd_stats(struct args *a);
int cmd_monitor(struct args *a);
int cmd_sync(struct args *a);
/* Replies and events to text or JSON: reply_fns, also for the fuzzer. */
int sa_print_reply(struct nl_msg *msg, void *arg);
int spi_print_reply(struct nl_msg *msg, void *arg);
int policy_print_reply(struct nl_msg *msg, void *arg);
int policy_id_reply(struct nl_msg *msg, void *arg);
int stats_print_reply(struct nl_msg *msg, void *arg);
int monitor_print_event(struct nl_msg *msg, void *arg);
int sa_from_nl(struct nl_msg *msg, struct sa *sa, bool *larval);
void sa_print(const struct sa *sa, bool larval);
json_t *sa_json(const struct sa *sa, bool larval);
json_t *sa_encap_json(const struct sa *sa);
uint64_t sa_age(uint64_t boottime);
int policy_from_nl(struct nl_msg *msg, struct policy *pol);
/* policy.c: selectors, for policies and SAs alike. */
struct selector_parse {
	struct selector *sel;
	const char *last;		/* from or to, for a following port */
	bool sport, dport;		/* a port was given */
};
void selector_init(struct selector *sel);
int selector_word(struct args *a, const char *w, struct selector_parse *sp);
int selector_check(const struct selector_parse *sp, const char *what);
void selector_put(struct nl_msg *msg, const struct selector *sel);
int selector_from_nest(struct nlattr *nest, struct selector *sel);
void selector_print(const struct selector *sel);
void selector_json(json_t *o, const struct selector *sel);
/* Requests built from the model, nothing printed; NULL if out of memory. */
enum sa_words { SA_ID, SA_MOVE, SA_FULL };	/* the SA alone, a move, all */
struct nl_msg *sa_msg(uint8_t cmd, const struct sa *sa, enum sa_words words);
struct nl_msg *spi_msg(const struct addr *dst, const struct addr *src,
		       uint32_t min, uint32_t max);
struct nl_msg *policy_msg(uint8_t cmd, const struct policy *p, bool for_add);
/* The words after the verb into a model, checked; nothing sent (apply.c). */
int sa_parse(struct args *a, struct sa *sa, enum sa_words words,
	     const struct grammar *g);
int policy_parse(struct args *a, struct policy *p, bool for_add,
		 const struct grammar *g);
void policy_print(const struct policy *pol, const char *verb);
json_t *policy_json(const struct policy *pol);
void policy_get_sel(const struct policy *p, struct selector *sel);
const char *policy_dir_str(int dir);
const char *policy_action_str(int action);
/*
 * The kernel's SAs and policies, read into models (malloc'd arrays the
 * caller frees), nothing printed: a dump interrupted by changes is run
 * again. 0, or -1 after an error message.
 */
int sa_dump(struct sa **list, size_t *n);
int policy_dump(struct policy **list, size_t *n);
struct stats {
	uint64_t v[NFESP_STATS_A_MAX + 1];	/* by NFESP_STATS_A_* */
};
int stats_from_nl(struct nl_msg *msg, struct stats *st);
int stats_get(struct stats *st);
json_t *stats_json(const struct stats *st);
/* Printing what they read: sa show, policy show, stats, show, tunnels. */
int sa_show(void);
int policy_show(void);
int stats_show(void);
int cmd_tunnels(struct args *a);

#endif /* IPSECCTL_H */
