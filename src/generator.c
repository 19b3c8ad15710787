/*
 * generator - message composition. Every random choice for a message is
 * drawn from generator->rng in a fixed order, so a seeded run repeats
 * itself byte for byte apart from the Message-ID host part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "generator.h"
#include "input_file.h"
#include "msg.h"

const char *const body_placeholder_names[] = {
	"top", "x_job", "name", "from_name", "from_addr", "first_name",
	"last_name", "to_name", "to_addr", "subject", "date", "message_id",
};

#define BOUNCE_VALUE_SIZE 400

static int
generator_read_file(const char *path, struct buf *content, struct buf *error)
{
	char chunk[65536];
	size_t count;
	FILE *file = input_file_fopen(NULL, path, error);

	if (file == NULL)
		return EX_NOINPUT;
	while ((count = fread(chunk, 1, sizeof(chunk), file)) > 0)
		buf_append(content, chunk, count);
	if (ferror(file)) {
		buf_appendf(error, "read %s: %s", path, strerror(errno));
		fclose(file);
		return EX_NOINPUT;
	}
	fclose(file);
	return 0;
}

/* Finds the first line that is not valid UTF-8; 0 when all are. */
static size_t
generator_bad_utf8_line(const char *text, size_t length)
{
	const char *line = text, *end = text + length;
	size_t number = 1;

	while (line < end) {
		const char *newline = memchr(line, '\n', (size_t) (end - line));
		size_t line_length = newline ? (size_t) (newline - line)
		    : (size_t) (end - line);

		if (!utf8_is_valid(line, line_length))
			return number;
		number++;
		line += line_length + 1;
	}
	return 0;
}

struct template *
generator_load_template(const char *path, struct buf *error, int *status)
{
	struct buf content = BUF_INIT, normal = BUF_INIT;
	struct template *template = NULL;
	size_t bad_line, i;

	if ((*status = generator_read_file(path, &content, error)) != 0)
		goto done;
	if ((bad_line = generator_bad_utf8_line(content.data ? content.data
	    : "", content.length)) != 0) {
		buf_appendf(error, "%s:%zu: invalid UTF-8; save the template "
		    "as UTF-8", path, bad_line);
		*status = EX_DATAERR;
		goto done;
	}
	if (memchr(content.data ? content.data : "", '\0', content.length)) {
		buf_appendf(error, "%s: contains a NUL byte; a template must "
		    "be text", path);
		*status = EX_DATAERR;
		goto done;
	}

	/* CRLF and lone CR become LF; GMime adds CRLF where needed. */
	for (i = 0; i < content.length; i++) {
		if (content.data[i] == '\r') {
			buf_append_byte(&normal, '\n');
			if (i + 1 < content.length && content.data[i + 1] == '\n')
				i++;
		} else {
			buf_append_byte(&normal, content.data[i]);
		}
	}
	template = template_compile(normal.data ? normal.data : "",
	    normal.length, body_placeholder_names, BODY_PLACEHOLDER_COUNT,
	    path, 1, error);
	if (template == NULL)
		*status = EX_DATAERR;
done:
	buf_free(&content);
	buf_free(&normal);
	return template;
}

static char *
generator_message_id_host(struct rng *rng)
{
	struct rng run;
	char host[256];

	/* The run token keeps Message-IDs of two seeded runs apart. */
	rng_seed_random(&run);
	(void) rng;
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	return xasprintf("r%08llx.%s",
	    (unsigned long long) (rng_next(&run) & 0xffffffffULL), host);
}

static int
generator_load_names(struct generator *generator, struct buf *error)
{
	const struct generator_config *config = generator->config;
	int status;

	status = name_list_load(&generator->first_names,
	    config->first_names_path, error);
	if (status == 0)
		status = name_list_load(&generator->last_names,
		    config->last_names_path, error);
	return status;
}

int
generator_load(struct generator *generator,
    const struct generator_config *config, struct buf *error)
{
	struct csv_row_policy policy = {config->skip_bad_rows, 0, error};
	int status;

	memset(generator, 0, sizeof(*generator));
	generator->config = config;
	if ((status = bounce_catalogue_load(&generator->catalogue,
		    config->bounces_path, &policy)) != 0
	    || (status = domain_groups_load(&generator->groups,
		    config->domain_groups_path, error)) != 0
	    || (status = domain_groups_assign(&generator->groups,
		    &generator->catalogue, error)) != 0
	    || (status = sender_list_load(&generator->senders,
		    config->senders_path, &policy)) != 0
	    || (status = generator_load_names(generator, error)) != 0)
		return status;
	if ((status = attachment_lists_load(&generator->attachments,
		    config->attach_paths, config->attach_count,
		    &generator->attachment_pool, config->attach_directory,
		    error)) != 0)
		return status;
	generator->message_attachments = xcalloc(
	    generator->attachments.count + 1,
	    sizeof(*generator->message_attachments));
	generator->html = generator_load_template(config->html_path, error,
	    &status);
	if (generator->html == NULL)
		return status;
	generator->text = generator_load_template(config->text_path, error,
	    &status);
	if (generator->text == NULL)
		return status;

	generator->skipped_rows = policy.skipped;
	generator->yahoo_group = domain_groups_find(&generator->groups,
	    "yahoo");
	if (config->seeded)
		rng_seed(&generator->rng, config->seed);
	else
		rng_seed_random(&generator->rng);
	generator->message_seed = config->seeded ? config->seed
	    : rng_next(&generator->rng);
	generator->message_id_host = generator_message_id_host(&generator->rng);
	return 0;
}

static void
generator_pick_recipient(struct generator *generator,
    struct generator_draft *draft)
{
	struct rng *rng = &generator->rng;
	const char *first, *last;
	size_t domain;

	draft->first = name_list_pick(&generator->first_names, rng);
	draft->last = name_list_pick(&generator->last_names, rng);
	domain = domain_groups_pick(&generator->groups, rng);
	draft->domain = &generator->catalogue.domains[domain];
	first = generator->first_names.address[draft->first];
	last = generator->last_names.address[draft->last];

	/* About 80% of addresses carry a number, as real ones often do. */
	if (rng_uniform(rng) < 0.8)
		snprintf(draft->to_addr, sizeof(draft->to_addr), "%s.%s%u@%s",
		    first, last, (unsigned) rng_below(rng, 999) + 1,
		    draft->domain->name);
	else
		snprintf(draft->to_addr, sizeof(draft->to_addr), "%s.%s@%s",
		    first, last, draft->domain->name);
	snprintf(draft->to_name, sizeof(draft->to_name), "%s %s",
	    generator->first_names.display[draft->first],
	    generator->last_names.display[draft->last]);
}

static void
generator_format_date(struct generator_draft *draft, long utc_offset)
{
	time_t local_time = draft->time + utc_offset;
	long offset_minutes = labs(utc_offset) / 60;
	struct tm fields;
	char stamp[48];

	gmtime_r(&local_time, &fields);
	strftime(stamp, sizeof(stamp), "%a, %d %b %Y %H:%M:%S", &fields);
	snprintf(draft->date, sizeof(draft->date), "%s %c%02ld%02ld", stamp,
	    utc_offset < 0 ? '-' : '+', offset_minutes / 60,
	    offset_minutes % 60);
}

static void
generator_make_message_id(struct generator *generator,
    struct generator_draft *draft)
{
	struct tm fields;
	char stamp[32];

	gmtime_r(&draft->time, &fields);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &fields);
	snprintf(draft->message_id, sizeof(draft->message_id),
	    "%s.%016llx@%s", stamp,
	    (unsigned long long) rng_next(&generator->rng),
	    generator->message_id_host);
}

/* Fills a bounce text's placeholders with values of realistic shapes. */
static void
generator_bounce_values(struct generator *generator,
    const struct generator_draft *draft,
    char values[BOUNCE_PLACEHOLDER_COUNT][BOUNCE_VALUE_SIZE])
{
	struct rng *rng = &generator->rng;
	static const char *const networks[] = {
		"192.0.2", "198.51.100", "203.0.113",
	};
	const char *from = draft->sender->from_addr;
	const char *at = strrchr(draft->to_addr, '@');
	struct tm fields;
	char stamp[32];

	snprintf(values[BOUNCE_TO], BOUNCE_VALUE_SIZE, "%s", draft->to_addr);
	snprintf(values[BOUNCE_VERP], BOUNCE_VALUE_SIZE, "bounces+%.*s=%s@%s",
	    (int) (at - draft->to_addr), draft->to_addr, at + 1,
	    address_domain(from));

	/* Documentation networks (RFC 5737): realistic, never routable. */
	snprintf(values[BOUNCE_IP4ADDR], BOUNCE_VALUE_SIZE, "%s.%u",
	    networks[rng_below(rng, 3)], (unsigned) rng_below(rng, 254) + 1);
	gmtime_r(&draft->time, &fields);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &fields);
	snprintf(values[BOUNCE_DATETIME], BOUNCE_VALUE_SIZE, "%s.%03dZ", stamp,
	    draft->milliseconds);
	snprintf(values[BOUNCE_DATETIME_UUID], BOUNCE_VALUE_SIZE, "%016llX",
	    (unsigned long long) rng_next(rng));
	snprintf(values[BOUNCE_GOOGLE_UUID], BOUNCE_VALUE_SIZE,
	    "%013llx-%011llxsi%07u%c%c%c.%u",
	    (unsigned long long) (rng_next(rng) >> 12),
	    (unsigned long long) (rng_next(rng) >> 20),
	    (unsigned) rng_below(rng, 10000000),
	    'a' + (int) rng_below(rng, 26), 'a' + (int) rng_below(rng, 26),
	    'a' + (int) rng_below(rng, 26), (unsigned) rng_below(rng, 999) + 1);
}

/* Draws one of the domain's bounce entries: uniformly, as the prototype
 * did, or weighted by their count column. Returns NULL when weighting by
 * count and every count of the domain is 0. */
static const struct bounce_entry *
generator_pick_bounce(struct generator *generator,
    const struct bounce_domain *domain)
{
	const struct bounce_catalogue *catalogue = &generator->catalogue;
	uint64_t total = 0, target;
	size_t i;

	if (!generator->config->bounce_weights_by_count)
		return &catalogue->entries[domain->entries[rng_below(
		    &generator->rng, domain->entry_count)]];
	for (i = 0; i < domain->entry_count; i++)
		total += catalogue->entries[domain->entries[i]].count;
	if (total == 0)
		return NULL;
	target = rng_below(&generator->rng, total);
	for (i = 0; i + 1 < domain->entry_count; i++) {
		const struct bounce_entry *entry =
		    &catalogue->entries[domain->entries[i]];

		if (target < entry->count)
			return entry;
		target -= entry->count;
	}
	return &catalogue->entries[domain->entries[i]];
}

/* Decides whether the message requests a bounce from the sink, and
 * which reply. */
static void
generator_decide_bounce(struct generator *generator,
    struct generator_draft *draft)
{
	const struct generator_config *config = generator->config;
	char values[BOUNCE_PLACEHOLDER_COUNT][BOUNCE_VALUE_SIZE];
	const char *pointers[BOUNCE_PLACEHOLDER_COUNT];
	struct buf *bounce_me = &generator->scratch;
	double rate = draft->sender->bounce_rate;
	size_t i;

	draft->bounce = NULL;
	draft->bounce_me = NULL;
	buf_reset(bounce_me);
	if (config->yahoo_backoff >= 0 && generator->yahoo_group != (size_t) -1
	    && draft->domain->group == generator->yahoo_group)
		rate = config->yahoo_backoff;
	if (rng_uniform(&generator->rng) >= rate)
		return;
	if ((draft->bounce = generator_pick_bounce(generator,
		    draft->domain)) == NULL)
		return;
	generator_bounce_values(generator, draft, values);
	for (i = 0; i < BOUNCE_PLACEHOLDER_COUNT; i++)
		pointers[i] = values[i];
	buf_appendf(bounce_me, "%d ", draft->bounce->code);
	if (draft->bounce->enhanced[0])
		buf_appendf(bounce_me, "%s ", draft->bounce->enhanced);
	template_render(draft->bounce->text, pointers, TEMPLATE_ESCAPE_NONE,
	    bounce_me);

	/* An empty text would leave a trailing blank in the header. */
	while (bounce_me->length && bounce_me->data[bounce_me->length - 1]
	    == ' ')
		bounce_me->data[--bounce_me->length] = '\0';
	draft->bounce_me = bounce_me->data;
}

static void
generator_render_bodies(struct generator *generator,
    const struct generator_draft *draft)
{
	const struct sender *sender = draft->sender;
	const char *values[BODY_PLACEHOLDER_COUNT];

	values[BODY_TOP] = sender->x_job;
	values[BODY_X_JOB] = sender->x_job;
	values[BODY_NAME] = sender->from_name;
	values[BODY_FROM_NAME] = sender->from_name;
	values[BODY_FROM_ADDR] = sender->from_addr;
	values[BODY_FIRST_NAME] = generator->first_names.display[draft->first];
	values[BODY_LAST_NAME] = generator->last_names.display[draft->last];
	values[BODY_TO_NAME] = draft->to_name;
	values[BODY_TO_ADDR] = draft->to_addr;
	values[BODY_SUBJECT] = sender->subject;
	values[BODY_DATE] = draft->date;
	values[BODY_MESSAGE_ID] = draft->message_id;
	buf_reset(&generator->html_body);
	buf_reset(&generator->text_body);
	template_render(generator->html, values, TEMPLATE_ESCAPE_HTML,
	    &generator->html_body);
	template_render(generator->text, values, TEMPLATE_ESCAPE_NONE,
	    &generator->text_body);
}

void
generator_draft(struct generator *generator, time_t slot, long utc_offset,
    struct generator_draft *draft)
{
	struct rng *rng = &generator->rng;

	memset(draft, 0, sizeof(*draft));
	draft->sender = &generator->senders.senders[rng_below(rng,
	    generator->senders.count)];
	generator_pick_recipient(generator, draft);
	draft->time = slot + (time_t) rng_below(rng, 60);
	draft->milliseconds = (int) rng_below(rng, 1000);
	generator_format_date(draft, utc_offset);
	generator_make_message_id(generator, draft);
	generator_decide_bounce(generator, draft);

	/*
	 * "=_" cannot occur in quoted-printable or base64 text, as with
	 * GMime's own random boundaries. A 7-bit part would also have to
	 * contain the 16 random hex digits.
	 */
	snprintf(draft->boundary, sizeof(draft->boundary), "=_%016llx",
	    (unsigned long long) rng_next(rng));

	/* Draws only when attachments are configured, so that runs
	 * without them repeat the messages of earlier versions. */
	if (generator->attachment_pool.count > 0
	    && rng_uniform(rng) < generator->config->attach_rate)
		draft->pool_attachment = &generator->attachment_pool.items[
		    rng_below(rng, generator->attachment_pool.count)];
	if (generator->attachments.count > 0 || draft->pool_attachment)
		snprintf(draft->mixed_boundary, sizeof(draft->mixed_boundary),
		    "=_%016llx", (unsigned long long) rng_next(rng));
}

/* Lists the message's attachments in the generator's scratch array: the
 * --attach files in order, then the one from the folder. */
static size_t
generator_list_attachments(struct generator *generator,
    const struct generator_draft *draft)
{
	struct message_attachment *list = generator->message_attachments;
	const struct attachment *item;
	size_t count = 0, i;

	for (i = 0; i <= generator->attachments.count; i++) {
		item = i < generator->attachments.count
		    ? &generator->attachments.items[i] : draft->pool_attachment;
		if (item == NULL)
			continue;
		list[count].filename = item->filename;
		list[count].content_type = item->content_type;
		list[count].data = item->data;
		list[count].length = item->length;
		count++;
	}
	return count;
}

void
generator_prepare(struct generator *generator, time_t slot, long utc_offset,
    struct generator_draft *draft, struct message_fields *fields)
{
	const struct generator_config *config = generator->config;

	generator_draft(generator, slot, utc_offset, draft);
	generator_render_bodies(generator, draft);

	memset(fields, 0, sizeof(*fields));
	fields->return_path = draft->sender->from_addr;
	fields->from_name = draft->sender->from_name;
	fields->from_addr = draft->sender->from_addr;
	fields->to_name = draft->to_name;
	fields->to_addr = draft->to_addr;
	fields->subject = draft->sender->subject;
	fields->date = draft->date;
	fields->message_id = draft->message_id;
	fields->x_job = draft->sender->x_job;
	fields->bounce_me = draft->bounce_me;
	fields->bounce_percentage = draft->sender->retry_percent;
	fields->extra_headers = config->extra_headers;
	fields->extra_header_count = config->extra_header_count;
	fields->text_body = generator->text_body.data;
	fields->text_length = generator->text_body.length;
	fields->html_body = generator->html_body.data;
	fields->html_length = generator->html_body.length;
	fields->boundary = draft->boundary;
	fields->attachments = generator->message_attachments;
	fields->attachment_count = generator_list_attachments(generator, draft);
	fields->mixed_boundary = draft->mixed_boundary[0]
	    ? draft->mixed_boundary : NULL;
}

void
generator_compose(struct generator *generator, time_t slot, long utc_offset,
    struct buf *output)
{
	struct generator_draft draft;
	struct message_fields fields;

	generator_prepare(generator, slot, utc_offset, &draft, &fields);
	message_render(&fields, output);
}

void
generator_seed_message(struct generator *generator, time_t slot,
    unsigned long long index)
{
	uint64_t slot_seed = rng_hash(generator->message_seed,
	    (uint64_t) (slot / 60));

	rng_seed(&generator->rng, rng_hash(slot_seed, index));
}

void
generator_copy(struct generator *copy, const struct generator *generator)
{
	*copy = *generator;
	copy->is_copy = 1;
	memset(&copy->html_body, 0, sizeof(copy->html_body));
	memset(&copy->text_body, 0, sizeof(copy->text_body));
	memset(&copy->scratch, 0, sizeof(copy->scratch));
}

void
generator_free(struct generator *generator)
{
	if (generator->is_copy) {
		buf_free(&generator->html_body);
		buf_free(&generator->text_body);
		buf_free(&generator->scratch);
		memset(generator, 0, sizeof(*generator));
		return;
	}
	bounce_catalogue_free(&generator->catalogue);
	domain_groups_free(&generator->groups);
	sender_list_free(&generator->senders);
	name_list_free(&generator->first_names);
	name_list_free(&generator->last_names);
	template_free(generator->html);
	template_free(generator->text);
	free(generator->message_id_host);
	attachment_list_free(&generator->attachments);
	attachment_list_free(&generator->attachment_pool);
	free(generator->message_attachments);
	buf_free(&generator->html_body);
	buf_free(&generator->text_body);
	buf_free(&generator->scratch);
	memset(generator, 0, sizeof(*generator));
}
