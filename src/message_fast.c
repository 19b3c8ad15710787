/*
 * message_fast - writes the usual generated message without building a
 * GMime object tree, which took most of spoolgen's time. The output is
 * the same bytes as message_render_gmime(); the unit tests compare the
 * two on many messages. Anything out of the ordinary (a body GMime would
 * not encode as quoted-printable, a header GMime treats specially) goes
 * to message_render_gmime() instead.
 */
#include <gmime/gmime.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "message.h"
#include "msg.h"

/* GMime starts a new line when a quoted-printable line would pass 76
 * characters: before a literal byte after column 74, before an =XX
 * after column 72. */
#define QP_LITERAL_LAST		74
#define QP_ESCAPE_LAST		72

/* GMime 3.2.13 picks base64 over quoted-printable when the 8-bit bytes
 * are at least 17% of all bytes, rounded down; this path stays below
 * 15%. */
#define FAST_8BIT_PERCENT_MAX	15

/* Bytes that GMime writes as they are in quoted-printable text, learnt
 * from GMime itself by message_fast_init(). */
static unsigned char qp_literal[256];
static unsigned char qp_plain[256];	/* literal and not blank */
static int qp_ready;

#ifdef __SSE2__
/* The plain bytes as the SSE2 code tests them: the range from low to
 * low + span less two holes, each byte repeated in all 16 lanes. */
struct qp_block_class {
	__m128i low;
	__m128i span;
	__m128i hole[2];
};

static struct qp_block_class qp_block;
#endif
static int qp_blocks_ready;	/* non-zero when that test matches qp_plain */

static const char hex_digits[] = "0123456789ABCDEF";

/* Writes "=XX" for byte c. */
static char *
message_fast_escape(char *out, unsigned char c)
{
	out[0] = '=';
	out[1] = hex_digits[c >> 4];
	out[2] = hex_digits[c & 15];
	return out + 3;
}

#ifdef __SSE2__
/* Returns 0xFF in each lane whose byte is in qp_plain. */
static inline __m128i
message_fast_block_plain(const struct qp_block_class *class, __m128i bytes)
{
	__m128i offset = _mm_sub_epi8(bytes, class->low);
	__m128i in_range = _mm_cmpeq_epi8(_mm_min_epu8(offset, class->span),
	    offset);
	__m128i holes = _mm_or_si128(_mm_cmpeq_epi8(bytes, class->hole[0]),
	    _mm_cmpeq_epi8(bytes, class->hole[1]));

	return _mm_andnot_si128(holes, in_range);
}

/*
 * Encodes, as the byte-at-a-time loop would, up to 16 bytes from *p on
 * that need no soft break: plain bytes and blanks that stay literal,
 * then an LF or one escaped byte. Advances *p and *out. Returns
 * non-zero when the next byte may start another run.
 */
static inline int
message_fast_qp_block(const struct qp_block_class *class,
    char *restrict *out, const unsigned char **p, const unsigned char *end,
    size_t *column)
{
	__m128i bytes = _mm_loadu_si128((const __m128i *) *p);
	__m128i blanks = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')),
	    _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t')));
	unsigned plain = (unsigned) _mm_movemask_epi8(
	    message_fast_block_plain(class, bytes));
	unsigned blank = (unsigned) _mm_movemask_epi8(blanks);
	/* The first byte that is neither plain nor blank, or 16. */
	unsigned stop = (unsigned) __builtin_ctz(~(plain | blank) | 0x10000u);
	unsigned before = plain & ((1u << stop) - 1);
	const unsigned char *after = *p + stop;
	size_t run, room = QP_LITERAL_LAST + 1 - *column;
	unsigned char next;

	/* Blanks stay literal unless only blanks come before the next LF
	 * or the end, which the loop then encodes. */
	while (after < end && (*after == ' ' || *after == '\t'))
		after++;
	if (after < end && *after != '\n')
		run = stop;
	else
		run = before ? 32 - (size_t) __builtin_clz(before) : 0;

	/* The store may pass the run, into space reserved for the rest. */
	_mm_storeu_si128((__m128i *) *out, bytes);
	if (run > room) {
		*column += room;
		*out += room;
		*p += room;
		return 0;
	}
	*column += run;
	*out += run;
	*p += run;
	if (stop == 16)
		return run > 0;
	if (run != stop)
		return 0;
	next = **p;
	if (next == '\n') {
		*column = 0;
		(*out)++;
		(*p)++;
		return 1;
	}
	if (qp_literal[next] || *column > QP_ESCAPE_LAST)
		return 0;
	*out = message_fast_escape(*out, next);
	*column += 3;
	(*p)++;
	return 1;
}

/* Describes qp_plain as one byte range less at most two holes for the
 * SSE2 code. The code is used only if its test of all 256 byte values
 * gives qp_plain back. */
static void
message_fast_learn_blocks(void)
{
	unsigned char all_bytes[256];
	unsigned char hole[2];
	int c, low = -1, high = -1, holes = 0;
	__m128i plain;
	unsigned mask;
	int i;

	for (c = 0; c < 256; c++) {
		all_bytes[c] = (unsigned char) c;
		if (qp_plain[c]) {
			if (low < 0)
				low = c;
			high = c;
		}
	}
	if (low < 0 || !qp_literal[' '] || !qp_literal['\t'])
		return;
	/* '=' is never plain, so it pads the holes without changing the
	 * set. */
	hole[0] = hole[1] = '=';
	for (c = low; c <= high; c++) {
		if (qp_plain[c])
			continue;
		if (holes == 2)
			return;
		hole[holes++] = (unsigned char) c;
	}
	qp_block.low = _mm_set1_epi8((char) low);
	qp_block.span = _mm_set1_epi8((char) (high - low));
	qp_block.hole[0] = _mm_set1_epi8((char) hole[0]);
	qp_block.hole[1] = _mm_set1_epi8((char) hole[1]);
	for (c = 0; c < 256; c += 16) {
		plain = message_fast_block_plain(&qp_block, _mm_loadu_si128(
		    (const __m128i *) (all_bytes + c)));
		mask = (unsigned) _mm_movemask_epi8(plain);
		for (i = 0; i < 16; i++)
			if (((mask >> i) & 1) != qp_plain[c + i])
				return;
	}
	qp_blocks_ready = 1;
}
#else
static void
message_fast_learn_blocks(void)
{
}
#endif

void
message_fast_init(void)
{
	unsigned char input[2], output[16];
	int c, state;
	guint32 save;
	size_t length;

	for (c = 0; c < 256; c++) {
		if (c == '\n' || c == '\r')
			continue;
		input[0] = (unsigned char) c;
		input[1] = 'a';
		state = -1;
		save = 0;
		length = g_mime_encoding_quoted_encode_close(input, 2, output,
		    &state, &save);
		qp_literal[c] = length > 0 && output[0] == c && c != '=';
		qp_plain[c] = qp_literal[c] && c != ' ' && c != '\t';
	}
	message_fast_learn_blocks();
	qp_ready = 1;
}

int
message_fast_blocks_ready(void)
{
	return qp_blocks_ready;
}

/* Writes the literal byte c, after a soft line break when the line is
 * full. */
static char *
message_fast_literal(char *out, size_t *column, unsigned char c)
{
	if (*column > QP_LITERAL_LAST) {
		*out++ = '=';
		*out++ = '\n';
		*column = 0;
	}
	*out++ = (char) c;
	(*column)++;
	return out;
}

/*
 * Appends text encoded as GMime's quoted-printable encoder does: soft
 * breaks as "=\n", blanks before a line end or the end encoded. GMime
 * holds back each blank until it sees the next byte; the fast cases
 * below write a plain byte, or a blank and the plain byte after it, at
 * once, which gives the same output. With use_blocks non-zero, SSE2
 * code reads 16 bytes at a time while no blank is pending.
 */
void
message_fast_qp(struct buf *output, const char *text, size_t length,
    int use_blocks)
{
	const unsigned char *p = (const unsigned char *) text;
	const unsigned char *end = p + length;
	const unsigned char *plain = qp_plain;
	size_t column = 0;
	int pending = -1;		/* a blank not yet written */
	char *restrict out;
#ifdef __SSE2__
	/* A local copy, which stores through out cannot change. */
	struct qp_block_class class = qp_block;

	use_blocks = use_blocks && qp_blocks_ready;
#else
	(void) use_blocks;
#endif

	/* Each byte becomes at most "=\n=XX". */
	buf_reserve(output, length * 5 + 8);
	out = output->data + output->length;
	while (p < end) {
		unsigned char c;

#ifdef __SSE2__
		if (use_blocks && pending < 0 && column <= QP_LITERAL_LAST
		    && end - p >= 16) {
			if (message_fast_qp_block(&class, &out, &p, end,
			    &column) || p == end)
				continue;
		}
#endif
		c = *p++;
		if (pending < 0 && plain[c]) {
			out = message_fast_literal(out, &column, c);
			continue;
		}
		if (pending < 0 && (c == ' ' || c == '\t') && p < end
		    && plain[*p]) {
			out = message_fast_literal(out, &column, c);
			out = message_fast_literal(out, &column, *p++);
			continue;
		}
		if (c == '\n') {
			if (pending >= 0)
				out = message_fast_escape(out,
				    (unsigned char) pending);
			*out++ = '\n';
			column = 0;
			pending = -1;
			continue;
		}
		if (pending >= 0) {
			*out++ = (char) pending;
			column++;
			pending = -1;
		}
		if (qp_literal[c]) {
			if (column > QP_LITERAL_LAST) {
				*out++ = '=';
				*out++ = '\n';
				column = 0;
			}
			if (c == ' ' || c == '\t') {
				pending = c;
			} else {
				*out++ = (char) c;
				column++;
			}
			continue;
		}
		if (column > QP_ESCAPE_LAST) {
			*out++ = '=';
			*out++ = '\n';
			column = 3;
		} else {
			column += 3;
		}
		out = message_fast_escape(out, c);
	}
	if (pending >= 0) {
		out = message_fast_escape(out, (unsigned char) pending);
		*out++ = '=';
		*out++ = '\n';
	}
	output->length = (size_t) (out - output->data);
	output->data[output->length] = '\0';
}

#define BYTES_01	0x0101010101010101ULL
#define BYTES_80	0x8080808080808080ULL

/* Returns non-zero when an 8-byte word may hold a control character: a
 * byte below 32 (tab and LF included) or 127. */
static int
message_fast_word_has_control(uint64_t word)
{
	uint64_t below_32 = (word - BYTES_01 * 32) & ~word & BYTES_80;
	uint64_t is_127 = word ^ (BYTES_01 * 127);

	return below_32 != 0 || ((is_127 - BYTES_01) & ~is_127 & BYTES_80) != 0;
}

static int
message_fast_is_control(unsigned char c)
{
	return (c < 32 && c != '\t' && c != '\n') || c == 127;
}

#ifdef __SSE2__
/* Counts the 8-bit bytes of the whole 16-byte blocks from the start of
 * p and adds them to *eight_bit. Returns how many bytes it read, or 0
 * when a block contains a control character. */
static size_t
message_fast_scan_blocks(const unsigned char *p, size_t length,
    size_t *eight_bit)
{
	const __m128i zero = _mm_setzero_si128();
	__m128i counts = zero, sums = zero, control = zero;
	uint64_t halves[2];
	size_t i, rounds = 0;

	for (i = 0; i + 16 <= length; i += 16) {
		__m128i bytes = _mm_loadu_si128((const __m128i *) (p + i));
		__m128i below_32 = _mm_cmpeq_epi8(_mm_min_epu8(bytes,
		    _mm_set1_epi8(31)), bytes);
		__m128i allowed = _mm_or_si128(
		    _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t')),
		    _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n')));

		control = _mm_or_si128(control, _mm_or_si128(
		    _mm_andnot_si128(allowed, below_32),
		    _mm_cmpeq_epi8(bytes, _mm_set1_epi8(127))));
		/* The comparison gives -1 in each lane with an 8-bit byte.
		 * Lanes are summed every 255 blocks, before they overflow. */
		counts = _mm_sub_epi8(counts, _mm_cmplt_epi8(bytes, zero));
		if (++rounds == 255) {
			sums = _mm_add_epi64(sums, _mm_sad_epu8(counts, zero));
			counts = zero;
			rounds = 0;
		}
	}
	if (_mm_movemask_epi8(control) != 0)
		return 0;
	sums = _mm_add_epi64(sums, _mm_sad_epu8(counts, zero));
	_mm_storeu_si128((__m128i *) halves, sums);
	*eight_bit += (size_t) (halves[0] + halves[1]);
	return i;
}
#endif

/* Returns non-zero when GMime would encode the body as quoted-printable
 * with no other filter changing it: some 8-bit bytes, but fewer than
 * base64 needs. Bodies with control characters other than tab and LF go
 * to GMime, because the tests do not cover them here. With use_blocks
 * non-zero, SSE2 code reads 16 bytes at a time. */
int
message_fast_body_fits(const char *text, size_t length, int use_blocks)
{
	const unsigned char *p = (const unsigned char *) text;
	size_t eight_bit = 0, i = 0, j;
	uint64_t word;

#ifdef __SSE2__
	if (use_blocks && length >= 16) {
		i = message_fast_scan_blocks(p, length, &eight_bit);
		if (i == 0)
			return 0;
	}
#else
	(void) use_blocks;
#endif
	/* Eight bytes at a time; a word that may hold a control character
	 * is checked byte by byte. */
	for (; i + 8 <= length; i += 8) {
		memcpy(&word, p + i, 8);
		/* One bit per 8-bit byte, summed by the multiplication. */
		eight_bit += (size_t) ((((word & BYTES_80) >> 7) * BYTES_01)
		    >> 56);
		if (message_fast_word_has_control(word))
			for (j = i; j < i + 8; j++)
				if (message_fast_is_control(p[j]))
					return 0;
	}
	for (; i < length; i++) {
		if (message_fast_is_control(p[i]))
			return 0;
		eight_bit += p[i] >> 7;
	}
	return eight_bit > 0
	    && eight_bit < length * FAST_8BIT_PERCENT_MAX / 100;
}

/* Returns non-zero when the extra headers are plain X- fields whose
 * names occur once, so that GMime gives none of them special meaning. */
static int
message_fast_headers_fit(const struct message_fields *fields)
{
	static const char *const own[] = {
		"X-Job", "X-Bounce-Me", "X-Bounce-Percentage",
	};
	size_t i, j;

	for (i = 0; i < fields->extra_header_count; i++) {
		const char *name = fields->extra_headers[i].name;

		if (strncasecmp(name, "X-", 2) != 0)
			return 0;
		for (j = 0; j < sizeof(own) / sizeof(own[0]); j++)
			if (strcasecmp(name, own[j]) == 0)
				return 0;
		for (j = 0; j < i; j++)
			if (strcasecmp(name, fields->extra_headers[j].name) == 0)
				return 0;
	}
	return 1;
}

/* Returns non-zero when the Message-ID is printable ASCII without
 * blanks or brackets, which GMime writes as it is. */
static int
message_fast_id_fits(const char *message_id)
{
	const unsigned char *p;

	for (p = (const unsigned char *) message_id; *p; p++)
		if (*p <= ' ' || *p >= 127 || *p == '<' || *p == '>')
			return 0;
	return p != (const unsigned char *) message_id;
}

static void
message_fast_part(struct buf *output, const char *boundary,
    const char *subtype, const char *text, size_t length)
{
	buf_appendf(output, "\n--%s\nContent-Type: text/%s; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n", boundary,
	    subtype);
	message_fast_qp(output, text, length, 1);
}

int
message_render_fast(const struct message_fields *fields, struct buf *output)
{
	char *return_path;
	size_t i;

	if (!qp_ready || fields->boundary == NULL || fields->attachment_count > 0
	    || !message_fast_id_fits(fields->message_id)
	    || !message_fast_headers_fit(fields)
	    || !message_fast_body_fits(fields->text_body, fields->text_length,
	    1)
	    || !message_fast_body_fits(fields->html_body, fields->html_length,
	    1))
		return -1;

	return_path = xasprintf("<%s>", fields->return_path);
	message_format_header(output, "Return-Path", return_path);
	free(return_path);
	buf_append_string(output, "From:");
	message_format_mailbox(output, "From", fields->from_name,
	    fields->from_addr);
	buf_append_string(output, "To:");
	message_format_mailbox(output, "To", fields->to_name, fields->to_addr);
	message_format_header(output, "Subject", fields->subject);
	message_format_header(output, "Date", fields->date);
	buf_appendf(output, "Message-Id: <%s>\n", fields->message_id);
	message_format_header(output, "MIME-Version", "1.0");
	message_format_header(output, "X-Job", fields->x_job);
	if (fields->bounce_me) {
		message_format_header(output, "X-Bounce-Me", fields->bounce_me);
		message_format_header(output, "X-Bounce-Percentage",
		    fields->bounce_percentage);
	}
	for (i = 0; i < fields->extra_header_count; i++)
		message_format_header(output, fields->extra_headers[i].name,
		    fields->extra_headers[i].value);
	buf_appendf(output, "Content-Type: multipart/alternative; "
	    "boundary=\"%s\"\n", fields->boundary);
	message_fast_part(output, fields->boundary, "plain",
	    fields->text_body, fields->text_length);
	message_fast_part(output, fields->boundary, "html",
	    fields->html_body, fields->html_length);
	buf_appendf(output, "\n--%s--\n", fields->boundary);
	return 0;
}
