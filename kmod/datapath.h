/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the packet path shares: the flow a packet belongs to, the per-packet
 * crypto context, and the entry points of output.c, input.c, acquire.c,
 * lifetime.c and device.c.
 */
#ifndef _NFESP_DATAPATH_H
#define _NFESP_DATAPATH_H

#include <linux/llist.h>
#include <linux/skbuff.h>
#include <crypto/aead.h>
#include "addr.h"

struct nfesp_net;
struct nfesp_sa;
struct nfesp_policy;

/* UDP encapsulation of ESP and IKE (RFC 3948, RFC 7296 section 2.23). */
enum {
	NFESP_IKE_PORT = 500,
	NFESP_NATT_PORT = 4500,
	NFESP_NATT_KEEPALIVE = 0xff,	/* the keepalive's one payload byte */
};

/* Selector fields that a packet does not let nfesp read (flow.c). */
enum {
	NFESP_FLOW_UNKNOWN_PROTO = 1 << 0,
	NFESP_FLOW_UNKNOWN_PORTS = 1 << 1,
};

/* The selector fields of one packet, in network byte order. */
struct nfesp_flow {
	union nfesp_addr src;
	union nfesp_addr dst;
	u8 family;
	u8 proto;
	u8 unknown;		/* NFESP_FLOW_UNKNOWN_* */
	bool has_ports;		/* read from a protocol that has them */
	__be16 sport;
	__be16 dport;
	unsigned int l4_off;	/* of the transport header, if proto is known */
};

/*
 * One allocation per packet in crypto: this, then the aead_request with its
 * context, then the scatterlist. The crypto completion frees it.
 */
struct nfesp_crypt {
	struct sk_buff *skb;
	struct nfesp_sa *sa;		/* holds a reference while in flight */
	struct nfesp_net *nn;
	struct aead_request *req;
	/* Called in order once crypto is over; frees this. */
	void (*finish)(struct nfesp_crypt *c, int err);
	struct list_head node;		/* in sa->order, if ordered */
	struct llist_node work_node;	/* queued to a worker */
	int err;
	bool done;			/* under sa->order.lock */
	bool encrypt;
	bool spread;			/* crypto may be on another CPU */
	bool ordered;			/* in sa->order */
	int home_cpu;			/* arrived here; ordered: finished here */
	u64 seq;
	unsigned int esp_off;		/* offset of the ESP header */
	unsigned int ip_end;		/* inbound: end of the IP header(s) */
	unsigned int nh_off;		/* inbound transport: next-header byte */
	u8 ad[12];			/* SPI, [high sequence], low sequence */
	/* NFESP_IV_MAX bytes after this struct, aligned as the tfm asks. */
	u8 *iv;
};

#define NFESP_IV_MAX	16		/* AES-CBC; 8 for the AEADs */

/* flow.c */
int nfesp_flow_parse(struct sk_buff *skb, u8 family, struct nfesp_flow *fl);
bool nfesp_flow_ambiguous(const struct nfesp_policy *pol, const struct nfesp_flow *fl);
struct nfesp_selector;
bool nfesp_flow_sel_ambiguous(const struct nfesp_selector *sel, const struct nfesp_flow *fl);
bool nfesp_flow_icmp_reverse(const struct sk_buff *skb, const struct nfesp_flow *fl,
			     struct nfesp_flow *rev);

/* hooks.c */
int nfesp_hooks_update(struct nfesp_net *nn);
void nfesp_hooks_disable(struct nfesp_net *nn);
void nfesp_inflight_drain(struct nfesp_net *nn);

/* crypt.c */
struct nfesp_order;
int nfesp_crypt_init(void);
void nfesp_crypt_uninit(void);
struct nfesp_crypt *nfesp_crypt_new(struct nfesp_net *nn, struct nfesp_sa *sa, int nsg,
				    struct scatterlist **sg);
void nfesp_crypt_free(struct nfesp_crypt *c);
void nfesp_crypt_run(struct nfesp_crypt *c);
void nfesp_crypt_done(struct nfesp_crypt *c, int err);
void nfesp_order_init(struct nfesp_order *q);
void nfesp_crypt_order(struct nfesp_crypt *c);
void nfesp_crypt_order_locked(struct nfesp_crypt *c);

struct nfesp_sa_okey;
void nfesp_policy_okey(const struct nfesp_policy *pol, const struct nfesp_flow *fl,
		       struct nfesp_sa_okey *okey);
void nfesp_output_policy(struct nfesp_net *nn, struct nfesp_policy *pol,
			 const struct nfesp_flow *fl, struct sk_buff *skb);

/*
 * output.c: takes the skb, an IP packet of @family (the hook's, not read
 * from skb->protocol); the SA reference is the caller's.
 */
void nfesp_output(struct nfesp_net *nn, struct nfesp_sa *sa, struct sk_buff *skb,
		  u8 family);
/*
 * input.c: the skb is ESP, the ESP header at @esp_off, after a UDP header
 * if @ip_end < @esp_off, in an IP packet of @family (the hook's); takes it,
 * and @sa's reference if @sa is given.
 */
void nfesp_input(struct nfesp_net *nn, struct sk_buff *skb, struct nfesp_sa *sa, u8 family,
		 unsigned int ip_end, unsigned int esp_off, unsigned int nh_off);

/* acquire.c */
void nfesp_acquire(struct nfesp_net *nn, struct nfesp_policy *pol,
		   const struct nfesp_flow *fl, struct sk_buff *skb);
void nfesp_acquire_release(struct nfesp_net *nn, u32 reqid);
void nfesp_acquire_init_policy(struct nfesp_policy *pol);
void nfesp_acquire_flush_policy(struct nfesp_net *nn, struct nfesp_policy *pol);
int nfesp_acquire_init(void);
void nfesp_acquire_uninit(void);

/* lifetime.c */
void nfesp_lifetime_init(struct nfesp_sa *sa);
void nfesp_lifetime_setup(struct nfesp_sa *sa);
void nfesp_lifetime_start(struct nfesp_sa *sa);
void nfesp_lifetime_account(struct nfesp_sa *sa, unsigned int bytes);
void nfesp_lifetime_stop(struct nfesp_sa *sa);
void nfesp_sa_hard_expire(struct nfesp_sa *sa);

/* device.c */
int nfesp_device_init(void);
void nfesp_device_uninit(void);
void nfesp_device_net_exit(struct nfesp_net *nn);
void nfesp_device_tap_in(struct nfesp_net *nn, struct sk_buff *skb);
void nfesp_device_tap_out(struct nfesp_net *nn, struct sk_buff *skb);

/* rx.c */
int nfesp_rx_init(void);
void nfesp_rx_uninit(void);
int nfesp_rx_net_init(struct nfesp_net *nn);
void nfesp_rx_net_exit(struct nfesp_net *nn);
bool nfesp_rx_decrypted(const struct nfesp_net *nn, const struct sk_buff *skb);
void nfesp_rx(struct nfesp_net *nn, struct sk_buff *skb);

#endif /* _NFESP_DATAPATH_H */
