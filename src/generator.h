/*
 * generator - composes spoolgen's messages: a sender row, a recipient
 * drawn from the name lists and the provider groups, the bounce decision,
 * the rendered bodies, all from one seeded random sequence.
 */
#ifndef GENERATOR_H
#define GENERATOR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attachment.h"
#include "bounces.h"
#include "buf.h"
#include "domain_groups.h"
#include "message.h"
#include "names.h"
#include "rng.h"
#include "senders.h"
#include "template.h"

/* Input files and choices, as spoolgen's options give them. */
struct generator_config {
	const char *bounces_path;
	const char *senders_path;
	const char *html_path;
	const char *text_path;
	const char *first_names_path;
	const char *last_names_path;
	const char *domain_groups_path;
	int	skip_bad_rows;
	int	bounce_weights_by_count; /* 0: uniform per domain */
	double	yahoo_backoff;		/* below 0: use each sender's rate */
	const struct header_field *extra_headers;
	size_t	extra_header_count;
	uint64_t seed;
	int	seeded;			/* 0: seed comes from the kernel */
	const char *zone;		/* for the Date header's offset */
	const char *const *attach_paths;	/* attached to every message */
	size_t	attach_count;
	const char *attach_directory;	/* NULL: no random attachment */
	double	attach_rate;		/* probability of one from the folder */
};

struct generator {
	const struct generator_config *config;
	struct bounce_catalogue catalogue;
	struct domain_groups groups;
	struct sender_list senders;
	struct name_list first_names;
	struct name_list last_names;
	struct template *html;
	struct template *text;
	size_t	yahoo_group;		/* (size_t) -1 when absent */
	struct rng rng;
	uint64_t message_seed;		/* base of every message's sequence */
	int	is_copy;		/* from generator_copy() */
	char   *message_id_host;	/* run token and host name */
	size_t	skipped_rows;
	struct attachment_list attachments;	/* --attach files */
	struct attachment_list attachment_pool;	/* --attach-dir files */
	/* Scratch space reused for every message. */
	struct message_attachment *message_attachments;
	struct buf html_body;
	struct buf text_body;
	struct buf scratch;
};

/*
 * Loads every input file named in config, which must outlive the
 * generator. Returns 0, or a sysexits.h status with a message naming the
 * file, line and value in error. Free with generator_free() either way.
 */
int	generator_load(struct generator *generator,
		const struct generator_config *config, struct buf *error);

/* The random choices and derived values for one message. */
struct generator_draft {
	const struct sender *sender;
	size_t	first;			/* index into generator->first_names */
	size_t	last;			/* index into generator->last_names */
	const struct bounce_domain *domain;
	const struct bounce_entry *bounce;	/* NULL: no X-Bounce-Me */
	const char *bounce_me;		/* X-Bounce-Me value, or NULL */
	char	to_addr[320];
	char	to_name[256];
	char	date[128];
	char	message_id[320];
	char	boundary[24];		/* multipart boundary */
	char	mixed_boundary[24];	/* "" when nothing is attached */
	const struct attachment *pool_attachment;	/* or NULL */
	time_t	time;
	int	milliseconds;
};

/*
 * Makes the random choices for one message of the slot that starts at
 * slot, whose local time is utc_offset seconds ahead of UTC. It draws the
 * sender, recipient, time, Message-ID, bounce and MIME boundary, then
 * the attachment from the folder, if there is one, so a
 * seeded run repeats its files byte for byte apart from the Message-ID
 * host part. draft->bounce_me points into the generator and is valid
 * until the next call.
 */
void	generator_draft(struct generator *generator, time_t slot,
		long utc_offset, struct generator_draft *draft);

/*
 * Draws one message like generator_draft() and renders its bodies into
 * the generator's scratch space. fields then points into draft and the
 * generator, and is valid until the next call.
 */
void	generator_prepare(struct generator *generator, time_t slot,
		long utc_offset, struct generator_draft *draft,
		struct message_fields *fields);

/*
 * Appends one complete message for the slot that starts at slot, whose
 * local time is utc_offset seconds ahead of UTC, to output. It draws
 * exactly what generator_draft() draws, then renders the message.
 */
void	generator_compose(struct generator *generator, time_t slot,
		long utc_offset, struct buf *output);

/*
 * Seeds the random sequence for message number index (from 0) of the
 * slot that starts at slot. The message then depends only on the seed,
 * the slot and index, so any thread may render it.
 */
void	generator_seed_message(struct generator *generator, time_t slot,
		unsigned long long index);

/*
 * Makes copy share the loaded input of generator, which must outlive it,
 * with scratch space of its own, so that each thread can compose with
 * its own copy. Free the copy with generator_free() before generator.
 */
void	generator_copy(struct generator *copy,
		const struct generator *generator);

/* Frees what generator_load() loaded, or only the scratch space of a
 * copy. */
void	generator_free(struct generator *generator);

/* Placeholders that the body templates may use, in enum order. */
enum body_placeholder {
	BODY_TOP,
	BODY_X_JOB,
	BODY_NAME,
	BODY_FROM_NAME,
	BODY_FROM_ADDR,
	BODY_FIRST_NAME,
	BODY_LAST_NAME,
	BODY_TO_NAME,
	BODY_TO_ADDR,
	BODY_SUBJECT,
	BODY_DATE,
	BODY_MESSAGE_ID,
	BODY_PLACEHOLDER_COUNT
};

extern const char *const body_placeholder_names[];

/*
 * Loads a body template: checks that it is UTF-8, turns CRLF into LF and
 * compiles it. Returns the template, or NULL with a message in error and
 * *status set to a sysexits.h code.
 */
struct template *generator_load_template(const char *path, struct buf *error,
		int *status);

#endif
