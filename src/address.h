/*
 * address - checks on plain addr-spec mailbox addresses (RFC 5321
 * Mailbox: a dot-atom or quoted local part, then a domain name or an
 * address literal), as spoolgen writes them into envelopes.
 */
#ifndef ADDRESS_H
#define ADDRESS_H

/* Returns non-zero when text is a valid ASCII addr-spec. */
int	address_is_valid(const char *text);

/* Returns non-zero when text is a domain name of letters, digits and
 * hyphens in labels of 1 to 63 characters, or an address literal. */
int	address_is_domain(const char *text);

/* Returns the part after the last '@', or the whole text without one. */
const char *address_domain(const char *text);

#endif
