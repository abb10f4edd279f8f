/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading netlink replies in the C selftests: bounded attribute walks that
 * never read past the message, whatever the kernel (or a bug) sent.
 */
#ifndef _NFESP_SELFTEST_NLATTR_H
#define _NFESP_SELFTEST_NLATTR_H

#include <stddef.h>
#include <stdint.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* The attribute at @p if a whole one lies before @end, else NULL. */
static const struct nlattr *attr_at(const void *p, const void *end)
{
	const struct nlattr *a = p;
	ptrdiff_t rem = (const char *)end - (const char *)p;

	if (rem < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > rem)
		return NULL;
	return a;
}

#define attr_for_each(a, start, end)					\
	for (a = attr_at(start, end); a;				\
	     a = attr_at((const char *)a + NLA_ALIGN(a->nla_len), end))

static const void *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static unsigned int attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static const void *attr_end(const struct nlattr *a)
{
	return (const char *)a + a->nla_len;
}

static const struct nlattr *attr_find(const void *start, const void *end,
				      uint16_t type)
{
	const struct nlattr *a;

	attr_for_each(a, start, end)
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static const struct nlattr *nested_find(const struct nlattr *nest, uint16_t type)
{
	return nest ? attr_find(attr_data(nest), attr_end(nest), type) : NULL;
}

static const struct nlattr *genl_find(const struct nlmsghdr *nlh, uint16_t type)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NULL;
	return attr_find((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
			 (const char *)nlh + nlh->nlmsg_len, type);
}

#endif /* _NFESP_SELFTEST_NLATTR_H */
