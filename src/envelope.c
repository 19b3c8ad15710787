/*
 * envelope - turns a stored message into an SMTP envelope and DATA bytes in
 * one pass. Only the header section (up to the first empty line) is
 * scanned for addresses. Every line end (LF, CRLF, a run of CRs with or
 * without LF) becomes one CRLF, so a bare CR inside a line starts a new one.
 * Nothing else in the data is changed: a line too long for SMTP or a NUL
 * byte makes the message invalid instead.
 */
#include <errno.h>
#include <stdint.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "envelope.h"
#include "msg.h"

/* Converts stored lines into SMTP DATA lines. */
struct wire {
	struct buf *out;
	bool	line_start;		/* the next byte starts a line */
	bool	eight_bit;
	size_t	stuffed;		/* dots added by dot-stuffing */
	size_t	line_length;		/* bytes of the current line so far */
	size_t	line_number;		/* file line being fed, counted on
					 * at each LF; 0 for the --add-header
					 * prefix */
	size_t	bare_cr_line;		/* first line with a CR not followed
					 * by LF, or 0 */
	size_t	long_line;		/* first line over ENVELOPE_LINE_MAX
					 * bytes, or 0 */
	size_t	nul_line;		/* first line with a NUL byte, or 0 */
	bool	changed;		/* a CR was dropped or a line end
					 * added: the LF form differs from
					 * the bytes fed */
};

/* Fields collected while the header section is scanned. */
struct header_scan {
	struct buf field;		/* unfolded text of the current field */
	bool	in_field;
	bool	skip_field;		/* current field is not transmitted */
	bool	at_top;			/* only Return-Path, Delivered-To and
					 * X-Original-To fields so far */
	bool	top_delivered_to;	/* current field is a Delivered-To
					 * at the top */
	char   *return_path;		/* value of the first Return-Path */
	char   *message_id;		/* value of the first Message-ID */
	char  **delivered_to;		/* values of the top Delivered-To */
	size_t	delivered_to_count;
	char   *from;			/* value of the first From */
	char  **recipient_fields;	/* values of every To, Cc and Bcc */
	size_t	recipient_field_count;
	size_t	sent_start;		/* offset of the first line sent, or
					 * SIZE_MAX */
	bool	sent_gap;		/* a line after it is not sent */
};

/* Records the first line with a problem; line 0 (the prefix) is not
 * recorded. */
static void
wire_note(size_t *first_line, size_t line_number)
{
	if (*first_line == 0)
		*first_line = line_number;
}

#define WORD_ONES 0x0101010101010101ULL
#define WORD_HIGH_BITS 0x8080808080808080ULL

/* Returns whether one of the 8 bytes of word is zero. */
static inline bool
word_has_zero(uint64_t word)
{
	return ((word - WORD_ONES) & ~word & WORD_HIGH_BITS) != 0;
}

/*
 * Returns the offset of the first CR, LF or NUL byte of bytes from start
 * on, or length. Sets *eight_bit when it passes a byte above 127. Eight
 * bytes are tested at a time, because this loop sees every byte of every
 * message.
 */
static size_t
wire_scan(const char *bytes, size_t start, size_t length, bool *eight_bit)
{
	size_t	i = start;
	uint64_t word;

	for (; i + 8 <= length; i += 8) {
		memcpy(&word, bytes + i, sizeof(word));
		if (word & WORD_HIGH_BITS)
			*eight_bit = true;
		if (word_has_zero(word) ||
		    word_has_zero(word ^ (WORD_ONES * '\r')) ||
		    word_has_zero(word ^ (WORD_ONES * '\n')))
			break;
	}
	for (; i < length; i++) {
		unsigned char byte = (unsigned char)bytes[i];

		if (byte > 127)
			*eight_bit = true;
		else if (byte == '\r' || byte == '\n' || byte == '\0')
			return i;
	}
	return length;
}

/* Returns whether a byte of bytes is above 127. */
static bool
has_eight_bit(const char *bytes, size_t length)
{
	uint64_t word, seen = 0;
	size_t	i = 0;

	for (; i + 8 <= length; i += 8) {
		memcpy(&word, bytes + i, sizeof(word));
		seen |= word;
	}
	for (; i < length; i++)
		seen |= (unsigned char)bytes[i];
	return (seen & WORD_HIGH_BITS) != 0;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Copies bytes up to the first LF into to and returns the count copied.
 * Sixteen bytes are compared at once and copied on the way, because most
 * lines are short and calls to memchr() and memcpy() cost more than the
 * line. Bytes after the LF may be written too, up to length in all. */
static inline size_t
copy_to_newline(char *to, const char *bytes, size_t length)
{
	const __m128i newlines = _mm_set1_epi8('\n');
	size_t	i = 0;

	for (; i + 16 <= length; i += 16) {
		__m128i block = _mm_loadu_si128((const __m128i *)(bytes + i));
		int	mask;

		_mm_storeu_si128((__m128i *)(to + i), block);
		mask = _mm_movemask_epi8(_mm_cmpeq_epi8(block, newlines));
		if (mask != 0)
			return i + (size_t)__builtin_ctz((unsigned)mask);
	}
	for (; i < length && bytes[i] != '\n'; i++)
		to[i] = bytes[i];
	return i;
}
#else
static inline size_t
copy_to_newline(char *to, const char *bytes, size_t length)
{
	const char *newline = memchr(bytes, '\n', length);
	size_t	count = newline ? (size_t)(newline - bytes) : length;

	memcpy(to, bytes, count);
	return count;
}
#endif

/*
 * Converts bytes without CR and NUL, the common case, a line at a time.
 * Returns false, having done nothing, when bytes has a CR or a NUL,
 * which only wire_feed() handles.
 */
static bool
wire_feed_plain(struct wire *wire, const char *bytes, size_t length)
{
	struct buf *out = wire->out;
	size_t	i = 0;

	if (memchr(bytes, '\r', length) || memchr(bytes, '\0', length))
		return false;
	if (!wire->eight_bit && has_eight_bit(bytes, length))
		wire->eight_bit = true;
	while (i < length) {
		size_t	count;

		/* Room for a stuffed dot, the rest of the input (copying a
		 * line in blocks may write past its end), CR LF and a NUL. */
		if (out->capacity - out->length < 20 ||
		    out->capacity - out->length - 20 < length - i)
			buf_reserve(out, length - i + (length - i) / 16 + 20);
		if (wire->line_start && bytes[i] == '.') {
			out->data[out->length++] = '.';
			wire->stuffed++;
		}
		wire->line_start = false;
		count = copy_to_newline(out->data + out->length, bytes + i,
		    length - i);
		out->length += count;
		wire->line_length += count;
		if (wire->line_length > ENVELOPE_LINE_MAX)
			wire_note(&wire->long_line, wire->line_number);
		i += count;
		if (i == length)
			break;
		out->data[out->length++] = '\r';
		out->data[out->length++] = '\n';
		wire->line_start = true;
		wire->line_length = 0;
		if (wire->line_number > 0)
			wire->line_number++;
		i++;
	}
	if (out->data != NULL)
		out->data[out->length] = '\0';
	return true;
}

static void
wire_feed(struct wire *wire, const char *bytes, size_t length)
{
	size_t	i = 0;

	if (wire_feed_plain(wire, bytes, length))
		return;
	wire->changed = true;

	while (i < length) {
		size_t	end = i;

		if (wire->line_start && bytes[i] == '.') {
			buf_append_byte(wire->out, '.');
			wire->stuffed++;
		}
		wire->line_start = false;
		for (;;) {
			end = wire_scan(bytes, end, length, &wire->eight_bit);
			if (end == length || bytes[end] != '\0')
				break;
			wire_note(&wire->nul_line, wire->line_number);
			end++;
		}
		buf_append(wire->out, bytes + i, end - i);
		wire->line_length += end - i;
		if (wire->line_length > ENVELOPE_LINE_MAX)
			wire_note(&wire->long_line, wire->line_number);
		if (end == length)
			break;

		/* A run of CRs, an LF, or both, is one line end. */
		while (end < length && bytes[end] == '\r')
			end++;
		if (end < length && bytes[end] == '\n') {
			end++;
			if (wire->line_number > 0)
				wire->line_number++;
		} else
			wire_note(&wire->bare_cr_line, wire->line_number);
		buf_append(wire->out, "\r\n", 2);
		wire->line_start = true;
		wire->line_length = 0;
		i = end;
	}
}

/* Returns the length of a line without its trailing CRs. */
static size_t
line_content_length(const char *line, size_t length)
{
	if (length > 0 && line[length - 1] == '\n')
		length--;
	while (length > 0 && line[length - 1] == '\r')
		length--;
	return length;
}

/* Returns whether the field line names one of the given fields. */
static bool
field_is(const char *field, size_t length, const char *name)
{
	size_t	name_length = strlen(name);
	size_t	i = name_length;

	if (length < name_length || strncasecmp(field, name, name_length))
		return false;
	while (i < length && (field[i] == ' ' || field[i] == '\t'))
		i++;
	return i < length && field[i] == ':';
}

static void
scan_store_field(struct header_scan *scan)
{
	const char *text = scan->field.data;
	const char *value;
	char  **slot = NULL;

	if (!scan->in_field)
		return;
	scan->in_field = false;
	value = strchr(text, ':');
	if (value == NULL)
		return;
	value++;
	if (scan->top_delivered_to) {
		scan->delivered_to = xrealloc(scan->delivered_to,
		    (scan->delivered_to_count + 1) * sizeof(char *));
		scan->delivered_to[scan->delivered_to_count++] = xstrdup(value);
		return;
	}
	if (field_is(text, scan->field.length, "Return-Path"))
		slot = &scan->return_path;
	else if (field_is(text, scan->field.length, "From"))
		slot = &scan->from;
	else if (field_is(text, scan->field.length, "Message-ID"))
		slot = &scan->message_id;
	if (slot != NULL) {
		if (*slot == NULL)
			*slot = xstrdup(value);
		return;
	}
	if (field_is(text, scan->field.length, "To") ||
	    field_is(text, scan->field.length, "Cc") ||
	    field_is(text, scan->field.length, "Bcc")) {
		scan->recipient_fields = xrealloc(scan->recipient_fields,
		    (scan->recipient_field_count + 1) * sizeof(char *));
		scan->recipient_fields[scan->recipient_field_count++] =
		    xstrdup(value);
	}
}

/* Handles one header line; returns false when it ends the header. */
static bool
scan_header_line(struct header_scan *scan, const char *line, size_t length)
{
	size_t	content = line_content_length(line, length);

	if (content == 0) {
		scan_store_field(scan);
		return false;
	}
	if (line[0] == ' ' || line[0] == '\t') {
		/* Unfolding drops the line break and keeps the blank. */
		if (scan->in_field)
			buf_append(&scan->field, line, content);
		return true;
	}
	scan_store_field(scan);
	buf_reset(&scan->field);
	buf_append(&scan->field, line, content);
	scan->in_field = memchr(line, ':', content) != NULL;
	scan->skip_field = field_is(line, content, "Return-Path") ||
	    field_is(line, content, "Bcc");

	/* Final delivery puts Return-Path, X-Original-To (Postfix) and
	 * Delivered-To lines on top. The Delivered-To lines there name the
	 * recipients. Those further down are trace fields of older hops. */
	scan->top_delivered_to = scan->at_top &&
	    field_is(line, content, "Delivered-To");
	if (scan->top_delivered_to)
		scan->skip_field = true;
	else if (!field_is(line, content, "Return-Path") &&
	    !field_is(line, content, "X-Original-To"))
		scan->at_top = false;
	return true;
}

/* Converts the message and collects its header fields. Returns whether
 * a first line "From ..." was left out. */
static bool
scan_message(struct header_scan *scan, struct wire *wire, const char *bytes,
    size_t length)
{
	bool	in_header = true, mbox_from_line = false;
	size_t	line_number = 0;
	size_t	i = 0;

	/* An mbox separator is not a header field, and a server would take
	 * it as the start of the body. */
	if (length >= 5 && memcmp(bytes, "From ", 5) == 0) {
		const char *newline = memchr(bytes, '\n', length);

		i = newline ? (size_t)(newline - bytes) + 1 : length;
		line_number = 1;
		mbox_from_line = true;
	}
	scan->at_top = true;
	scan->sent_start = SIZE_MAX;
	while (i < length) {
		const char *newline = memchr(bytes + i, '\n', length - i);
		size_t	next = newline ? (size_t)(newline - bytes) + 1 : length;
		const char *line = bytes + i;
		size_t	line_length = next - i;

		i = next;
		line_number++;
		if (in_header) {
			in_header = scan_header_line(scan, line, line_length);
			if (in_header && scan->skip_field) {
				scan->sent_gap |= scan->sent_start != SIZE_MAX;
				continue;
			}
		}
		wire->line_number = line_number;
		if (scan->sent_start == SIZE_MAX)
			scan->sent_start = (size_t)(line - bytes);

		/* The body needs no field scan, so it goes in one piece. */
		if (!in_header) {
			wire_feed(wire, line, length - (size_t)(line - bytes));
			break;
		}
		wire_feed(wire, line, line_length);
	}
	if (in_header)
		scan_store_field(scan);
	return mbox_from_line;
}

/*
 * Returns whether address is an RFC 5321 Mailbox. Bytes above 127 count as
 * letters (RFC 6531 allows UTF-8 there), and the session sends such an
 * address only to a server that offers SMTPUTF8.
 */
static bool
address_valid(const char *address)
{
	char	ascii[256];
	size_t	length = strlen(address);
	size_t	i;

	if (length >= sizeof(ascii))
		return false;
	for (i = 0; i <= length; i++)
		ascii[i] = (unsigned char)address[i] > 127 ? 'u' : address[i];
	return address_is_valid(ascii);
}

static bool
address_has_utf8(const char *address)
{
	const unsigned char *p;

	for (p = (const unsigned char *)address; *p != '\0'; p++) {
		if (*p > 127)
			return true;
	}
	return false;
}

/* Compares the local parts exactly and the domains without case. */
static bool
address_equal(const char *a, const char *b)
{
	const char *at_a = strrchr(a, '@');
	const char *at_b = strrchr(b, '@');

	if (at_a == NULL || at_b == NULL)
		return strcmp(a, b) == 0;
	return at_a - a == at_b - b && strncmp(a, b, (size_t)(at_a - a)) == 0 &&
	    strcasecmp(at_a, at_b) == 0;
}

static void
envelope_add_recipient(struct envelope *envelope, const char *address)
{
	size_t	i;

	for (i = 0; i < envelope->recipient_count; i++) {
		if (address_equal(envelope->recipients[i], address))
			return;
	}
	envelope->recipients = xrealloc(envelope->recipients,
	    (envelope->recipient_count + 1) * sizeof(char *));
	envelope->recipients[envelope->recipient_count++] = xstrdup(address);
}

/* Calls add for each mailbox of list, groups flattened; stops and returns
 * the first address that add rejects, or NULL. */
static const char *
list_each_mailbox(InternetAddressList *list,
    bool (*add)(struct envelope *, const char *), struct envelope *envelope)
{
	int	count = internet_address_list_length(list);
	int	i;

	for (i = 0; i < count; i++) {
		InternetAddress *address =
		    internet_address_list_get_address(list, i);
		const char *rejected = NULL;

		if (INTERNET_ADDRESS_IS_GROUP(address)) {
			rejected = list_each_mailbox(
			    internet_address_group_get_members(
				(InternetAddressGroup *)address),
			    add, envelope);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
			const char *addr = internet_address_mailbox_get_addr(
			    (InternetAddressMailbox *)address);

			if (addr != NULL && *addr != '\0' &&
			    !add(envelope, addr))
				rejected = addr;
		}
		if (rejected)
			return rejected;
	}
	return NULL;
}

static bool
add_recipient(struct envelope *envelope, const char *address)
{
	if (!address_valid(address))
		return false;
	envelope_add_recipient(envelope, address);
	return true;
}

/* Takes the first mailbox only; later ones are ignored. */
static bool
add_sender(struct envelope *envelope, const char *address)
{
	if (envelope->sender != NULL)
		return true;
	if (!address_valid(address))
		return false;
	envelope->sender = xstrdup(address);
	return true;
}

/* Returns the number of mailboxes in list, groups flattened. */
static size_t
list_mailbox_count(InternetAddressList *list)
{
	int	count = internet_address_list_length(list);
	size_t	total = 0;
	int	i;

	for (i = 0; i < count; i++) {
		InternetAddress *address =
		    internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(address))
			total += list_mailbox_count(
			    internet_address_group_get_members(
				(InternetAddressGroup *)address));
		else
			total++;
	}
	return total;
}

/* Returns the number of ',', ';' and ':' bytes in value. Quoted names may
 * contain some too, so this is an upper bound of the list's separators. */
static size_t
separator_count(const char *value)
{
	size_t	count = 0;

	for (; *value != '\0'; value++) {
		if (*value == ',' || *value == ';' || *value == ':')
			count++;
	}
	return count;
}

/* Returns the error for the address rejected in the field value. */
static char *
invalid_mailbox(const char *kind, const char *rejected, const char *value)
{
	return xasprintf("%s address \"%s\" in \"%s\" is not a valid mailbox (RFC 5321 local-part@domain)", kind, rejected, value + strspn(value, " \t"));
}

/* Returns whether c is an RFC 5322 atext byte. */
static bool
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Returns the length of the dot-atom local@domain at text, with a
 * domain of letters, digits and hyphens, or 0 when text starts with
 * anything else. */
static size_t
plain_addr_length(const char *text)
{
	size_t	i = 0;

	for (;;) {
		size_t	atom = i;

		while (is_atext((unsigned char)text[i]))
			i++;
		if (i == atom)
			return 0;
		if (text[i] != '.')
			break;
		i++;
	}
	if (text[i++] != '@')
		return 0;
	for (;;) {
		size_t	label = i;

		while ((text[i] >= 'a' && text[i] <= 'z') ||
		    (text[i] >= 'A' && text[i] <= 'Z') ||
		    (text[i] >= '0' && text[i] <= '9') || text[i] == '-')
			i++;
		if (i == label)
			return 0;
		if (text[i] != '.')
			return i;
		i++;
	}
}

/*
 * Finds the address of a value that is one plain mailbox, "addr" or
 * "Display Name <addr>", with no quotes, comments, groups or second
 * mailbox, because GMime's parser costs more than the rest of a
 * message's header scan. Sets *start and *length and returns true, or
 * returns false for any other value, which GMime parses.
 */
static bool
plain_mailbox(const char *value, const char **start, size_t *length)
{
	const char *text = value + strspn(value, " \t");
	size_t	count;

	if ((count = plain_addr_length(text)) == 0) {
		while (is_atext((unsigned char)*text) || *text == '.' ||
		    *text == ' ' || *text == '\t')
			text++;
		if (*text++ != '<' || (count = plain_addr_length(text)) == 0 ||
		    text[count] != '>')
			return false;
		*start = text;
		*length = count++;
	} else {
		*start = text;
		*length = count;
	}
	text += count;
	return text[strspn(text, " \t")] == '\0';
}

/*
 * Parses one address field value with GMime and adds its mailboxes.
 * Returns why the value is not a valid address list, in a string the
 * caller frees, or NULL. GMime splits "a@exa mple.com" into two
 * mailboxes without complaint, so a list with more mailboxes than
 * separators is invalid even when each mailbox looks valid.
 */
static char *
parse_address_field(struct envelope *envelope, const char *kind,
    const char *value, bool (*add)(struct envelope *, const char *))
{
	InternetAddressList *list;
	const char *rejected, *plain;
	char   *error = NULL;
	size_t	mailboxes, plain_length;

	if (plain_mailbox(value, &plain, &plain_length)) {
		char   *addr = xstrndup(plain, plain_length);

		if (!add(envelope, addr))
			error = invalid_mailbox(kind, addr, value);
		free(addr);
		return error;
	}
	list = internet_address_list_parse(NULL, value);
	if (list == NULL)
		return NULL;
	mailboxes = list_mailbox_count(list);
	rejected = list_each_mailbox(list, add, envelope);
	if (rejected)
		error = invalid_mailbox(kind, rejected, value);
	else if (mailboxes > separator_count(value) + 1)
		error = xasprintf("%s field \"%s\" contains %zu addresses without a comma between each two", kind, value + strspn(value, " \t"), mailboxes);
	g_object_unref(list);
	return error;
}

/*
 * Sets the sender from "Return-Path: <addr>". Returns false when the field
 * contains no usable address, so that From is used instead.
 */
static bool
sender_from_return_path(struct envelope *envelope, const char *value)
{
	const char *start = value + strspn(value, " \t");
	const char *end;

	if (*start != '<') {
		size_t	length = strcspn(start, " \t");

		if (length == 0 || start[length + strspn(start + length,
		    " \t")] != '\0')
			return false;
		end = start + length;
	} else {
		start++;
		end = strchr(start, '>');
		if (end == NULL)
			return false;
	}
	envelope->sender = xstrndup(start, (size_t)(end - start));
	if (envelope->sender[0] == '\0' || address_valid(envelope->sender))
		return true;
	free(envelope->sender);
	envelope->sender = NULL;
	return false;
}

/* Fills the recipients from the top Delivered-To fields; returns an
 * error description, or NULL. */
static char *
envelope_take_delivered_to(struct envelope *envelope,
    struct header_scan *scan)
{
	char   *error = NULL;
	size_t	i;

	for (i = 0; i < scan->delivered_to_count && !error; i++)
		error = parse_address_field(envelope, "Delivered-To",
		    scan->delivered_to[i], add_recipient);
	if (error)
		return error;
	if (envelope->recipient_count == 0)
		return xstrdup("no recipient address in the Delivered-To fields at the top of the header");
	return NULL;
}

/* Fills sender and recipients from the options and the scanned fields;
 * returns an error description, or NULL. */
static char *
envelope_take_addresses(struct envelope *envelope, struct header_scan *scan,
    const struct envelope_options *options)
{
	char   *error = NULL;
	size_t	i;

	if (options->sender != NULL)
		envelope->sender = xstrdup(options->sender);
	else if (scan->return_path == NULL ||
	    !sender_from_return_path(envelope, scan->return_path)) {
		if (scan->from != NULL)
			error = parse_address_field(envelope, "From",
			    scan->from, add_sender);
		if (error)
			return error;
		if (envelope->sender == NULL)
			return xstrdup("no sender address in Return-Path or From");
	}
	if (options->recipient_count > 0) {
		for (i = 0; i < options->recipient_count; i++)
			envelope_add_recipient(envelope, options->recipients[i]);
		return NULL;
	}
	if (scan->delivered_to_count > 0)
		return envelope_take_delivered_to(envelope, scan);
	for (i = 0; i < scan->recipient_field_count && !error; i++)
		error = parse_address_field(envelope, "recipient",
		    scan->recipient_fields[i], add_recipient);
	if (error)
		return error;
	if (envelope->recipient_count == 0)
		return xstrdup("no recipient address in To, Cc or Bcc");
	return NULL;
}

static void
scan_free(struct header_scan *scan)
{
	size_t	i;

	buf_free(&scan->field);
	free(scan->return_path);
	free(scan->from);
	free(scan->message_id);
	for (i = 0; i < scan->delivered_to_count; i++)
		free(scan->delivered_to[i]);
	free(scan->delivered_to);
	for (i = 0; i < scan->recipient_field_count; i++)
		free(scan->recipient_fields[i]);
	free(scan->recipient_fields);
}

/* Returns the value without the blanks around it, in a new string. */
static char *
strip_blanks(const char *value)
{
	size_t	length;

	value += strspn(value, " \t");
	length = strlen(value);
	while (length > 0 && (value[length - 1] == ' ' ||
	    value[length - 1] == '\t'))
		length--;
	return xstrndup(value, length);
}

/* Returns why the data cannot be sent as it is, or NULL. */
static char *
wire_error(const struct wire *wire)
{
	if (wire->nul_line > 0)
		return xasprintf("line %zu has a NUL byte, which SMTP DATA cannot carry", wire->nul_line);
	if (wire->long_line > 0)
		return xasprintf("line %zu is longer than %d bytes, the limit of SMTP DATA (RFC 5321 4.5.3.1.6)", wire->long_line, ENVELOPE_LINE_MAX);
	return NULL;
}

/* Empties an invalid envelope but keeps its Message-ID for the log. */
static void
envelope_clear_invalid(struct envelope *envelope)
{
	char   *message_id = envelope->message_id;

	envelope->message_id = NULL;
	envelope_free(envelope);
	envelope->message_id = message_id;
}

/*
 * Released DATA buffers, kept for the next messages. In a profile at 20
 * connections, malloc() and free() took over a tenth of spoolinject's
 * user time, much of it for one such block per message. Only
 * spoolinject's one thread uses them.
 */
#define DATA_SPARES_MAX		32
#define DATA_SPARE_CAPACITY_MAX	(256 * 1024)

static struct buf data_spares[DATA_SPARES_MAX];
static size_t data_spare_count;

/* Sets data to an empty buffer of at least capacity bytes, a spare one
 * when there is one. */
static void
envelope_data_reuse(struct buf *data, size_t capacity)
{
	if (data_spare_count == 0) {
		data->data = xmalloc(capacity);
		data->capacity = capacity;
		data->length = 0;
		return;
	}
	*data = data_spares[--data_spare_count];

	/* A spare's old bytes are not needed, so a larger block replaces it
	 * without the copy that realloc() would make. */
	if (data->capacity < capacity) {
		free(data->data);
		data->data = xmalloc(capacity);
		data->capacity = capacity;
	}
	buf_reset(data);
}

void
envelope_data_release(struct buf *data)
{
	static const struct buf empty = BUF_INIT;

	if (data->data != NULL && data->capacity <= DATA_SPARE_CAPACITY_MAX &&
	    data_spare_count < DATA_SPARES_MAX) {
		data_spares[data_spare_count++] = *data;
		*data = empty;
		return;
	}
	buf_free(data);
}

enum envelope_status
envelope_parse_with(struct envelope *envelope, const char *bytes,
    size_t length, const struct envelope_options *options, char **error)
{
	struct header_scan scan;
	struct wire wire;
	size_t	i;

	memset(envelope, 0, sizeof(*envelope));
	memset(&scan, 0, sizeof(scan));
	memset(&wire, 0, sizeof(wire));
	wire.out = &envelope->data;
	wire.line_start = true;

	/* Sized for CR LF after lines of 32 bytes or more, and not rounded
	 * up to a power of two, because a run may hold thousands of these. */
	envelope_data_reuse(&envelope->data, length + length / 32 + 64 +
	    (options->prefix ? 2 * strlen(options->prefix) : 0));
	if (options->prefix != NULL)
		wire_feed(&wire, options->prefix, strlen(options->prefix));
	envelope->mbox_from_line = scan_message(&scan, &wire, bytes, length);
	if (!wire.line_start)
		buf_append(&envelope->data, "\r\n", 2);
	envelope->size = envelope->data.length - wire.stuffed;
	buf_append(&envelope->data, ".\r\n", 3);
	envelope->eight_bit = wire.eight_bit;
	envelope->bare_cr_line = wire.bare_cr_line;
	envelope->lf_in_file = options->prefix == NULL && !wire.changed &&
	    !scan.sent_gap && (scan.sent_start == SIZE_MAX ||
	    bytes[length - 1] == '\n');
	envelope->lf_start = scan.sent_start == SIZE_MAX ? length :
	    scan.sent_start;
	envelope->lf_end = length;
	if (scan.message_id != NULL)
		envelope->message_id = strip_blanks(scan.message_id);

	*error = envelope_take_addresses(envelope, &scan, options);
	if (*error == NULL)
		*error = wire_error(&wire);
	scan_free(&scan);
	if (*error != NULL) {
		envelope_clear_invalid(envelope);
		return ENVELOPE_INVALID;
	}
	envelope->utf8_address = address_has_utf8(envelope->sender);
	for (i = 0; i < envelope->recipient_count; i++)
		envelope->utf8_address |=
		    address_has_utf8(envelope->recipients[i]);
	return ENVELOPE_OK;
}

enum envelope_status
envelope_parse(struct envelope *envelope, const char *bytes, size_t length,
    const char *prefix, char **error)
{
	struct envelope_options options;

	memset(&options, 0, sizeof(options));
	options.prefix = prefix;
	return envelope_parse_with(envelope, bytes, length, &options, error);
}

/* Reads all of fd, whose fstat() gave status, into bytes. Returns an
 * errno value, or 0. */
static int
read_all(int fd, const struct stat *status, struct buf *bytes)
{
	ssize_t	count;

	buf_reserve(bytes, (size_t)status->st_size + 1);
	for (;;) {
		if (bytes->capacity - bytes->length < 4096)
			buf_reserve(bytes, 65536);
		count = read(fd, bytes->data + bytes->length,
		    bytes->capacity - bytes->length - 1);
		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0)
			return errno;
		if (count == 0)
			return 0;
		bytes->length += (size_t)count;
		bytes->data[bytes->length] = '\0';

		/* A regular file of the size fstat() gave is read whole. A
		 * file that grew meanwhile is read on to its end. */
		if (bytes->length == (size_t)status->st_size &&
		    S_ISREG(status->st_mode) && status->st_size > 0)
			return 0;
	}
}

/* Files read at most this large keep their read buffer for the next. */
#define READ_BUFFER_KEEP_MAX (1024 * 1024)

enum envelope_status
envelope_read(struct envelope *envelope, int fd,
    const struct stat *file_status, const struct envelope_options *options,
    char **error)
{
	/* Reused, so that reading a message allocates nothing. */
	static struct buf bytes = BUF_INIT;
	enum envelope_status status;
	int	read_errno;

	buf_reset(&bytes);
	read_errno = read_all(fd, file_status, &bytes);
	if (read_errno != 0) {
		memset(envelope, 0, sizeof(*envelope));
		*error = xasprintf("read failed: %s", strerror(read_errno));
		status = ENVELOPE_READ_ERROR;
	} else {
		status = envelope_parse_with(envelope,
		    bytes.data ? bytes.data : "", bytes.length, options, error);
	}
	if (bytes.capacity > READ_BUFFER_KEEP_MAX)
		buf_free(&bytes);
	return status;
}

void
envelope_data_lf(const struct envelope *envelope, struct buf *out)
{
	const char *line = envelope->data.data;
	const char *end;

	if (envelope->data.length < 3)
		return;

	/* Every line of data ends in CRLF, since wire_feed() turns each
	 * line end into one, and the last line is the final ".\r\n". */
	end = line + envelope->data.length - 3;
	buf_reserve(out, envelope->data.length);
	while (line < end) {
		const char *crlf = memchr(line, '\r', (size_t)(end - line));

		if (crlf == NULL)
			msg_panic("envelope_data_lf: a data line has no CRLF");
		if (line[0] == '.')
			line++;
		buf_append(out, line, (size_t)(crlf - line));
		buf_append_byte(out, '\n');
		line = crlf + 2;
	}
}

void
envelope_free(struct envelope *envelope)
{
	size_t	i;

	free(envelope->sender);
	for (i = 0; i < envelope->recipient_count; i++)
		free(envelope->recipients[i]);
	free(envelope->recipients);
	free(envelope->message_id);
	envelope_data_release(&envelope->data);
	memset(envelope, 0, sizeof(*envelope));
}

bool
envelope_field_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++) {
		if (*p < 33 || *p > 126 || *p == ':')
			return false;
	}
	return true;
}
