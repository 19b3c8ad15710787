/*
 * address - syntax checks for envelope addresses.
 */
#include <string.h>

#include "address.h"

/* RFC 5322 atext: letters, digits and these specials. */
static int
address_is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static const char *
address_skip_local_part(const char *p)
{
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if ((unsigned char) *p < 32 || (unsigned char) *p > 126)
				return NULL;
		}
		return *p == '"' ? p + 1 : NULL;
	}
	for (;;) {
		const char *start = p;

		while (address_is_atext((unsigned char) *p))
			p++;
		if (p == start)
			return NULL;
		if (*p != '.')
			return p;
		p++;
	}
}

int
address_is_domain(const char *p)
{
	if (*p == '[') {
		size_t length = strlen(p);

		return length > 2 && p[length - 1] == ']'
		    && strspn(p + 1, "0123456789abcdefABCDEF.:IPv") == length - 2;
	}
	for (;;) {
		size_t label = strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

		if (label == 0 || label > 63 || p[0] == '-' || p[label - 1] == '-')
			return 0;
		p += label;
		if (*p == '\0')
			return 1;
		if (*p != '.')
			return 0;
		p++;
	}
}

int
address_is_valid(const char *text)
{
	const char *at = address_skip_local_part(text);

	if (at == NULL || *at != '@' || strlen(text) > 254)
		return 0;
	return address_is_domain(at + 1);
}

const char *
address_domain(const char *text)
{
	const char *at = strrchr(text, '@');

	return at ? at + 1 : text;
}
