/*
 * spoolgen - renders realistic mail traffic into a Maildir spool, one
 * Maildir per one-minute schedule slot, with as many messages per slot as
 * the daily traffic curve gives.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "generator.h"
#include "maildir.h"
#include "msg.h"
#include "profile.h"
#include "slot.h"
#include "slot_writer.h"
#include "traffic.h"

struct spoolgen_settings {
	const char *spool;
	const char *slot_text;
	unsigned long slot_count;
	int	slots_given;
	const char *until_text;		/* NULL when not given */
	const char *profile_path;	/* NULL: the built-in curve */
	const char **attach_paths;
	int	attach_rate_given;
	long long daily_volume;		/* -1 when not given */
	long long volume;		/* -1 when not given */
	int	plan;
	int	quiet;
	enum maildir_sync_mode sync_mode;
	unsigned jobs;
	struct generator_config generator;
	struct header_field *headers;
	size_t	header_count;
	char   *owned_paths[7];
};

struct spoolgen_totals {
	unsigned long long messages;
	unsigned long long bytes;
	unsigned long slots;
	unsigned long long next_sequence; /* file name sequence, from 1 */
	struct timeval started;
	struct timeval last_progress;
	int	progress_shown;
};

enum spoolgen_option {
	OPTION_SPOOL = 256, OPTION_SLOT, OPTION_SLOTS, OPTION_DAILY_VOLUME,
	OPTION_VOLUME, OPTION_YAHOO_BACKOFF, OPTION_BOUNCES,
	OPTION_SENDER_SUBJECTS, OPTION_HTML_CONTENT, OPTION_TXT_CONTENT,
	OPTION_FIRST_NAMES, OPTION_LAST_NAMES, OPTION_DOMAIN_GROUPS,
	OPTION_ADD_HEADER, OPTION_SEED, OPTION_PLAN, OPTION_SKIP_BAD_ROWS,
	OPTION_TIMEZONE, OPTION_QUIET, OPTION_HELP, OPTION_BOUNCE_WEIGHTS,
	OPTION_UNTIL, OPTION_PROFILE, OPTION_ATTACH, OPTION_ATTACH_DIR,
	OPTION_ATTACH_RATE, OPTION_FSYNC, OPTION_JOBS, OPTION_VERSION,
};

static const struct option spoolgen_options[] = {
	{"spool", required_argument, NULL, OPTION_SPOOL},
	{"slot", required_argument, NULL, OPTION_SLOT},
	{"slots", required_argument, NULL, OPTION_SLOTS},
	{"until", required_argument, NULL, OPTION_UNTIL},
	{"profile", required_argument, NULL, OPTION_PROFILE},
	{"attach", required_argument, NULL, OPTION_ATTACH},
	{"attach-dir", required_argument, NULL, OPTION_ATTACH_DIR},
	{"attach-rate", required_argument, NULL, OPTION_ATTACH_RATE},
	{"daily-volume", required_argument, NULL, OPTION_DAILY_VOLUME},
	{"volume", required_argument, NULL, OPTION_VOLUME},
	{"yahoo-backoff", required_argument, NULL, OPTION_YAHOO_BACKOFF},
	{"bounces", required_argument, NULL, OPTION_BOUNCES},
	{"sender-subjects", required_argument, NULL, OPTION_SENDER_SUBJECTS},
	{"html-content", required_argument, NULL, OPTION_HTML_CONTENT},
	{"txt-content", required_argument, NULL, OPTION_TXT_CONTENT},
	{"first-names", required_argument, NULL, OPTION_FIRST_NAMES},
	{"last-names", required_argument, NULL, OPTION_LAST_NAMES},
	{"domain-groups", required_argument, NULL, OPTION_DOMAIN_GROUPS},
	{"add-header", required_argument, NULL, OPTION_ADD_HEADER},
	{"seed", required_argument, NULL, OPTION_SEED},
	{"plan", no_argument, NULL, OPTION_PLAN},
	{"skip-bad-rows", no_argument, NULL, OPTION_SKIP_BAD_ROWS},
	{"timezone", required_argument, NULL, OPTION_TIMEZONE},
	{"bounce-weights", required_argument, NULL, OPTION_BOUNCE_WEIGHTS},
	{"quiet", no_argument, NULL, OPTION_QUIET},
	{"help", no_argument, NULL, OPTION_HELP},
	{"fsync", required_argument, NULL, OPTION_FSYNC},
	{"jobs", required_argument, NULL, OPTION_JOBS},
	{"version", no_argument, NULL, OPTION_VERSION},
	{NULL, 0, NULL, 0},
};

static const char spoolgen_usage[] =
    "usage: spoolgen [--spool DIR] [--slot TIME|now]\n"
    "                [--slots N | --until TIME]\n"
    "                (--daily-volume N | --volume N) [--yahoo-backoff P]\n"
    "                [--profile FILE] [--timezone ZONE]\n"
    "                [--attach FILE]... [--attach-dir DIR [--attach-rate P]]\n"
    "                [--bounces CSV] [--sender-subjects CSV]\n"
    "                [--html-content FILE] [--txt-content FILE]\n"
    "                [--first-names FILE] [--last-names FILE]\n"
    "                [--domain-groups CSV] [--bounce-weights MODE]\n"
    "                [--add-header NAME=VALUE]... [--seed N] [--plan]\n"
    "                [--skip-bad-rows] [--quiet]\n"
    "                [--fsync none|batch|each] [--jobs N]\n";

static void
spoolgen_help(void)
{
	printf("%s\n", spoolgen_usage);
	printf(
	    "Renders realistic mail into SPOOL/SLOT/{tmp,new,cur}, one Maildir per\n"
	    "one-minute slot named YYYYMMDDTHHMMZ (UTC).\n\n"
	    "  --spool DIR            spool folder (default: spool)\n"
	    "  --slot TIME|now        first slot: ISO 8601 time such as\n"
	    "                         2026-12-04T15:21Z, local time without an\n"
	    "                         offset, rounded down to its minute\n"
	    "                         (default: now)\n"
	    "  --slots N              consecutive slots to generate (default: 1)\n"
	    "  --until TIME           generate every slot from --slot up to, but\n"
	    "                         not including, TIME's minute; same forms\n"
	    "                         as --slot; in place of --slots\n"
	    "  --daily-volume N       messages per day, spread over the day by\n"
	    "                         the traffic curve\n"
	    "  --volume N             exactly N messages per slot\n"
	    "  --yahoo-backoff P      bounce probability (0..1) for recipients of\n"
	    "                         the yahoo group, in place of the sender's\n"
	    "  --bounces CSV          bounce catalogue: domain,code,enhanced,text\n"
	    "                         [,count]; count defaults to 1\n"
	    "                         (default: DATA/bounces.csv)\n"
	    "  --sender-subjects CSV  x_job,from_name,from_addr,bounce_rate,\n"
	    "                         retry_percent,subject\n"
	    "                         (default: DATA/senders.csv)\n"
	    "  --html-content FILE    HTML body template\n"
	    "                         (default: TEMPLATES/email.html)\n"
	    "  --txt-content FILE     plain-text body template\n"
	    "                         (default: TEMPLATES/email.txt)\n"
	    "  --first-names FILE     weighted first names, NAME FREQ per line\n"
	    "                         (default: DATA/first_names.txt)\n"
	    "  --last-names FILE      weighted last names\n"
	    "                         (default: DATA/last_names.txt)\n"
	    "  --domain-groups CSV    provider groups: group,weight,domains\n"
	    "                         (default: DATA/domain_groups.csv)\n"
	    "  --add-header NAME=VALUE  add this header to every message;\n"
	    "                         repeatable\n"
	    "  --attach FILE          attach FILE to every message; repeatable\n"
	    "  --attach-dir DIR       attach a random regular file from DIR to\n"
	    "                         a message with probability --attach-rate\n"
	    "  --attach-rate P        probability (0..1) of an attachment from\n"
	    "                         --attach-dir (default: 1)\n"
	    "  --seed N               reproducible run (the traffic curve uses\n"
	    "                         N too; without it, a fixed curve seed)\n"
	    "  --plan                 print each slot's name and volume; write\n"
	    "                         nothing\n"
	    "  --bounce-weights MODE  uniform: each of a domain's bounce rows\n"
	    "                         equally often (default); count: weighted\n"
	    "                         by the count column (0..1000000000)\n"
	    "  --skip-bad-rows        skip invalid CSV rows with a warning\n"
	    "  --timezone ZONE        time zone of the traffic curve\n"
	    "                         (default: America/New_York)\n"
	    "  --profile FILE         traffic curve: 24 hourly or 1440 per-minute\n"
	    "                         weights from local 00:00 on, separated by\n"
	    "                         blanks or lines; '#' starts a comment\n"
	    "                         (default: the built-in hourly curve)\n"
	    "  --fsync MODE           when message data is synced to disk before\n"
	    "                         its rename into new/: none, batch (per\n"
	    "                         batch of up to 2048 files; default) or\n"
	    "                         each (per file)\n"
	    "  --jobs N               render in N threads (default: 1)\n"
	    "  --quiet                no progress line and no summary\n"
	    "  --help                 show this help\n"
	    "  --version              print the version\n\n"
	    "Placeholders in templates: {{top}} {{x_job}} {{name}} {{from_name}}\n"
	    "{{from_addr}} {{first_name}} {{last_name}} {{to_name}} {{to_addr}}\n"
	    "{{subject}} {{date}} {{message_id}}.\n"
	    "Attachments are base64 with a Content-Type from libmagic, at most\n"
	    "25 MB each and 250 MB in all, read once at start-up.\n");
}

/* Maximum number of slots one run may write or plan: 19 years of
 * minutes. */
#define SPOOLGEN_MAX_SLOTS	10000000UL

static void
spoolgen_usage_error(const char *format, const char *value)
{
	fprintf(stderr, "%s: ", msg_program());
	fprintf(stderr, format, value);
	fprintf(stderr, "\n%s", spoolgen_usage);
	exit(EX_USAGE);
}

/* Parses a decimal whole number from minimum to maximum, or exits. */
static unsigned long long
spoolgen_parse_count(const char *option, const char *text,
    unsigned long long minimum, unsigned long long maximum)
{
	unsigned long long value;
	char *end;

	errno = 0;
	value = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end || errno || value < minimum
	    || value > maximum) {
		fprintf(stderr, "%s: invalid %s \"%s\": expected a whole "
		    "number from %llu to %llu\n%s", msg_program(), option, text,
		    minimum, maximum, spoolgen_usage);
		exit(EX_USAGE);
	}
	return value;
}

static double
spoolgen_parse_probability(const char *option, const char *text)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (text[0] == '\0' || *end || errno || !(value >= 0 && value <= 1)) {
		fprintf(stderr, "%s: invalid %s \"%s\": expected a probability "
		    "from 0 to 1, such as 0.8\n%s", msg_program(), option, text,
		    spoolgen_usage);
		exit(EX_USAGE);
	}
	return value;
}

/* Returns non-zero for a header that spoolgen writes itself, which an
 * --add-header must not repeat: a second From or To misleads readers and
 * a second Content-Type mislabels the body. */
static int
spoolgen_header_is_reserved(const char *name)
{
	static const char *const reserved[] = {
		"Return-Path", "From", "To", "Cc", "Bcc", "Subject", "Date",
		"Message-ID", "MIME-Version", "X-Job", "X-Bounce-Me",
		"X-Bounce-Percentage", "Sender", "Reply-To",
	};
	size_t i;

	if (strncasecmp(name, "Content-", 8) == 0)
		return 1;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return 1;
	return 0;
}

static void
spoolgen_add_header(struct spoolgen_settings *settings, const char *argument)
{
	struct buf error = BUF_INIT;
	struct header_field field;

	if (header_field_parse(argument, &field, &error) < 0)
		spoolgen_usage_error("%s", error.data);
	if (spoolgen_header_is_reserved(field.name))
		spoolgen_usage_error("invalid --add-header \"%s\": spoolgen "
		    "writes that header itself; add headers of other names",
		    argument);
	settings->headers = xrealloc(settings->headers,
	    (settings->header_count + 1) * sizeof(field));
	settings->headers[settings->header_count++] = field;
}

/* Returns non-zero when root contains the default input files. */
static int
spoolgen_has_data(const char *root)
{
	char *probe = xasprintf("%s/data/senders.csv", root);
	int found = access(probe, R_OK) == 0;

	free(probe);
	return found;
}

/*
 * Finds the folder that contains data/ and templates/. The first of these
 * wins: $SPOOLGEN_DATADIR, the binary's own folder (a build in the source
 * tree), ../share/spoolgen beside the binary (an installed copy, even one
 * moved with DESTDIR) and the share folder chosen at build time.
 */
static char *
spoolgen_data_root(void)
{
	const char *variable = getenv("SPOOLGEN_DATADIR");
	char executable[PATH_MAX];
	char *installed;
	ssize_t length;

	if (variable && variable[0])
		return xstrdup(variable);
	length = readlink("/proc/self/exe", executable, sizeof(executable) - 1);
	if (length > 0) {
		char *slash;

		executable[length] = '\0';
		if ((slash = strrchr(executable, '/')) != NULL)
			*slash = '\0';
		if (spoolgen_has_data(executable))
			return xstrdup(executable);
		installed = xasprintf("%s/../share/spoolgen", executable);
		if (spoolgen_has_data(installed))
			return installed;
		free(installed);
	}
	return xstrdup(SPOOLGEN_DATADIR);
}

static void
spoolgen_default_paths(struct spoolgen_settings *settings)
{
	struct generator_config *config = &settings->generator;
	const char **slots[] = {
		&config->bounces_path, &config->senders_path,
		&config->html_path, &config->text_path,
		&config->first_names_path, &config->last_names_path,
		&config->domain_groups_path,
	};
	static const char *const files[] = {
		"data/bounces.csv", "data/senders.csv", "templates/email.html",
		"templates/email.txt", "data/first_names.txt",
		"data/last_names.txt", "data/domain_groups.csv",
	};
	char *root = spoolgen_data_root();
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (*slots[i])
			continue;
		settings->owned_paths[i] = xasprintf("%s/%s", root, files[i]);
		*slots[i] = settings->owned_paths[i];
	}
	free(root);
}

static void
spoolgen_parse_sync_mode(struct spoolgen_settings *settings,
    const char *value)
{
	if (strcmp(value, "none") == 0)
		settings->sync_mode = MAILDIR_SYNC_NONE;
	else if (strcmp(value, "batch") == 0)
		settings->sync_mode = MAILDIR_SYNC_BATCH;
	else if (strcmp(value, "each") == 0)
		settings->sync_mode = MAILDIR_SYNC_EACH;
	else
		spoolgen_usage_error("invalid --fsync \"%s\": expected none, "
		    "batch or each", value);
}

static void
spoolgen_parse_option(struct spoolgen_settings *settings, int option,
    const char *value)
{
	struct generator_config *config = &settings->generator;

	switch (option) {
	case OPTION_SPOOL: settings->spool = value; break;
	case OPTION_SLOT: settings->slot_text = value; break;
	case OPTION_SLOTS:
		settings->slot_count = spoolgen_parse_count("--slots", value,
		    1, SPOOLGEN_MAX_SLOTS);
		settings->slots_given = 1;
		break;
	case OPTION_UNTIL: settings->until_text = value; break;
	case OPTION_PROFILE: settings->profile_path = value; break;
	case OPTION_ATTACH:
		settings->attach_paths = xrealloc(settings->attach_paths,
		    (config->attach_count + 1) * sizeof(char *));
		settings->attach_paths[config->attach_count++] = value;
		config->attach_paths = settings->attach_paths;
		break;
	case OPTION_ATTACH_DIR: config->attach_directory = value; break;
	case OPTION_ATTACH_RATE:
		config->attach_rate = spoolgen_parse_probability(
		    "--attach-rate", value);
		settings->attach_rate_given = 1;
		break;
	case OPTION_DAILY_VOLUME:
		settings->daily_volume = (long long) spoolgen_parse_count(
		    "--daily-volume", value, 0, 1000000000000ULL);
		break;
	case OPTION_VOLUME:
		settings->volume = (long long) spoolgen_parse_count("--volume",
		    value, 0, 1000000000ULL);
		break;
	case OPTION_YAHOO_BACKOFF:
		config->yahoo_backoff = spoolgen_parse_probability(
		    "--yahoo-backoff", value);
		break;
	case OPTION_BOUNCES: config->bounces_path = value; break;
	case OPTION_SENDER_SUBJECTS: config->senders_path = value; break;
	case OPTION_HTML_CONTENT: config->html_path = value; break;
	case OPTION_TXT_CONTENT: config->text_path = value; break;
	case OPTION_FIRST_NAMES: config->first_names_path = value; break;
	case OPTION_LAST_NAMES: config->last_names_path = value; break;
	case OPTION_DOMAIN_GROUPS: config->domain_groups_path = value; break;
	case OPTION_ADD_HEADER: spoolgen_add_header(settings, value); break;
	case OPTION_SEED:
		config->seed = spoolgen_parse_count("--seed", value, 0,
		    ULLONG_MAX);
		config->seeded = 1;
		break;
	case OPTION_PLAN: settings->plan = 1; break;
	case OPTION_SKIP_BAD_ROWS: config->skip_bad_rows = 1; break;
	case OPTION_TIMEZONE: config->zone = value; break;
	case OPTION_BOUNCE_WEIGHTS:
		if (strcmp(value, "uniform") != 0 && strcmp(value, "count") != 0)
			spoolgen_usage_error("invalid --bounce-weights \"%s\": "
			    "expected uniform or count", value);
		config->bounce_weights_by_count = strcmp(value, "count") == 0;
		break;
	case OPTION_QUIET: settings->quiet = 1; break;
	case OPTION_FSYNC: spoolgen_parse_sync_mode(settings, value); break;
	case OPTION_JOBS:
		settings->jobs = (unsigned) spoolgen_parse_count("--jobs",
		    value, 1, SLOT_WRITER_JOBS_MAX);
		break;
	case OPTION_HELP:
	case OPTION_VERSION:
		if (option == OPTION_HELP)
			spoolgen_help();
		else
			printf("spoolgen %s\n", VERSION);
		if (fflush(stdout) != 0 || ferror(stdout))
			msg_fatal(EX_IOERR, "write standard output: %s",
			    strerror(errno));
		exit(0);
	default:
		msg_panic("option value %d has no case", option);
	}
}

static void
spoolgen_parse_arguments(struct spoolgen_settings *settings, int argc,
    char **argv)
{
	int option;

	settings->spool = "spool";
	settings->slot_text = "now";
	settings->slot_count = 1;
	settings->daily_volume = settings->volume = -1;
	settings->sync_mode = MAILDIR_SYNC_BATCH;
	settings->jobs = 1;
	settings->generator.yahoo_backoff = -1;
	settings->generator.zone = TRAFFIC_DEFAULT_ZONE;
	opterr = 0;
	while ((option = getopt_long(argc, argv, ":", spoolgen_options,
		    NULL)) != -1) {
		if (option == '?' || option == ':')
			spoolgen_usage_error("%s",
			    msg_option_problem(option, argv,
			    spoolgen_options));
		spoolgen_parse_option(settings, option, optarg);
	}
	if (optind < argc)
		spoolgen_usage_error("unexpected argument \"%s\"", argv[optind]);
	if ((settings->daily_volume < 0) == (settings->volume < 0))
		spoolgen_usage_error("%s", "give exactly one of --daily-volume "
		    "N and --volume N");
	if (settings->slots_given && settings->until_text)
		spoolgen_usage_error("%s", "give at most one of --slots N and "
		    "--until TIME");
	if (settings->attach_rate_given
	    && settings->generator.attach_directory == NULL)
		spoolgen_usage_error("%s", "--attach-rate needs --attach-dir "
		    "DIR");
	if (!settings->attach_rate_given)
		settings->generator.attach_rate = 1;
	settings->generator.extra_headers = settings->headers;
	settings->generator.extra_header_count = settings->header_count;
	spoolgen_default_paths(settings);
}

/* Sets the slot count from --until: the slots from first up to, but not
 * including, the minute of the --until time. */
static void
spoolgen_apply_until(struct spoolgen_settings *settings, time_t first)
{
	struct buf error = BUF_INIT;
	time_t until;

	if (settings->until_text == NULL)
		return;
	if (slot_parse(settings->until_text, time(NULL), &until, &error) < 0)
		spoolgen_usage_error("--until: %s", error.data);
	if (until <= first)
		spoolgen_usage_error("invalid --until \"%s\": it must be a "
		    "later minute than --slot", settings->until_text);
	if ((unsigned long long) (until - first) / 60 > SPOOLGEN_MAX_SLOTS)
		spoolgen_usage_error("invalid --until \"%s\": more than "
		    "10000000 slots after --slot", settings->until_text);
	settings->slot_count = (unsigned long) ((until - first) / 60);
}

/* Replaces the model's built-in curve with the --profile weights. */
static void
spoolgen_load_profile(const struct spoolgen_settings *settings,
    struct traffic_model *model)
{
	struct buf error = BUF_INIT;
	double *weights;
	size_t count;
	int status;

	if (settings->profile_path == NULL)
		return;
	status = profile_load(settings->profile_path, &weights, &count,
	    &error);
	if (status != 0)
		msg_fatal(status, "%s", error.data);
	if (traffic_model_set_weights(model, weights, count) < 0)
		msg_panic("profile_load() passed invalid weights from %s",
		    settings->profile_path);
	free(weights);
}

/* The traffic curve's seed when --seed is not given: fixed, so that
 * separate runs (one per minute from cron) follow one plan per day. */
#define SPOOLGEN_CURVE_SEED	0x73706f6f6cULL

/* 9999-12-31T23:59Z, the last slot whose name has a four-digit year. */
#define SPOOLGEN_LAST_SLOT	((time_t) 253402300740LL)

static double
spoolgen_seconds_since(const struct timeval *start)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (double) (now.tv_sec - start->tv_sec)
	    + (double) (now.tv_usec - start->tv_usec) / 1e6;
}

/* Progress line state while one slot is written. */
struct spoolgen_progress {
	struct spoolgen_totals *totals;
	const char *slot;
	unsigned long volume;
};

static void
spoolgen_show_progress(void *context, unsigned long written)
{
	struct spoolgen_progress *progress = context;
	struct spoolgen_totals *totals = progress->totals;

	if (spoolgen_seconds_since(&totals->last_progress) < 0.25)
		return;
	gettimeofday(&totals->last_progress, NULL);
	fprintf(stderr, "\r%s: slot %s: %lu/%lu messages, %llu in all   ",
	    msg_program(), progress->slot, written, progress->volume,
	    totals->messages + written);
	totals->progress_shown = 1;
}

static unsigned long
spoolgen_slot_volume(const struct spoolgen_settings *settings,
    struct traffic_model *model, time_t slot)
{
	if (settings->volume >= 0)
		return (unsigned long) settings->volume;
	return traffic_model_volume(model, slot);
}

static int
spoolgen_print_plan(const struct spoolgen_settings *settings,
    struct traffic_model *model, time_t first)
{
	char name[SLOT_NAME_SIZE];
	unsigned long i;

	for (i = 0; i < settings->slot_count; i++) {
		time_t slot = first + (time_t) i * 60;

		slot_name(slot, name);
		printf("%s %lu\n", name, spoolgen_slot_volume(settings, model,
		    slot));
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal(EX_IOERR, "write standard output: %s",
		    strerror(errno));
	return 0;
}

/* The first SIGINT or SIGTERM received, or 0. */
static volatile sig_atomic_t spoolgen_stop_signal;

static void
spoolgen_on_stop_signal(int signal_number)
{
	spoolgen_stop_signal = signal_number;
}

/* Makes the first SIGINT or SIGTERM stop the run after the messages in
 * progress. A second one ends the process at once, as by default. */
static void
spoolgen_catch_stop_signals(void)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_handler = spoolgen_on_stop_signal;
	action.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&action.sa_mask);
	if (sigaction(SIGINT, &action, NULL) < 0 ||
	    sigaction(SIGTERM, &action, NULL) < 0)
		msg_fatal(EX_OSERR, "sigaction failed: %s", strerror(errno));
}

static int
spoolgen_write_slot(const struct spoolgen_settings *settings,
    struct generator *generator, struct traffic_model *model, time_t slot,
    struct spoolgen_totals *totals, struct buf *error)
{
	struct slot_job job = {0};
	struct spoolgen_progress progress;
	char name[SLOT_NAME_SIZE];
	char *path;
	int status;

	slot_name(slot, name);
	path = xasprintf("%s/%s", settings->spool, name);
	job.generator = generator;
	job.path = path;
	job.slot = slot;
	job.utc_offset = traffic_model_utc_offset(model, slot);
	job.volume = spoolgen_slot_volume(settings, model, slot);
	job.first_sequence = totals->next_sequence;
	job.sync_mode = settings->sync_mode;
	job.jobs = settings->jobs;
	job.stop = &spoolgen_stop_signal;
	if (!settings->quiet && isatty(STDERR_FILENO)) {
		progress.totals = totals;
		progress.slot = name;
		progress.volume = job.volume;
		job.progress = spoolgen_show_progress;
		job.progress_context = &progress;
	}
	status = slot_write(&job, error);
	if (status == 0 && spoolgen_stop_signal != 0) {
		buf_appendf(error, "stopped by SIG%s: slot %s has %lu of its %lu "
		    "messages", sigabbrev_np(spoolgen_stop_signal), name,
		    job.written, job.volume);
		status = EX_TEMPFAIL;
	}
	free(path);
	totals->next_sequence += job.volume;
	totals->messages += job.written;
	totals->bytes += job.bytes;
	totals->slots += status == 0;
	return status;
}

static void
spoolgen_print_summary(const struct spoolgen_totals *totals)
{
	double elapsed = spoolgen_seconds_since(&totals->started);

	if (totals->progress_shown)
		fprintf(stderr, "\r\033[K");
	printf("%s: %llu message%s, %.1f MB, %lu slot%s, %.2f s, "
	    "%.0f messages/s\n", msg_program(), totals->messages,
	    totals->messages == 1 ? "" : "s", (double) totals->bytes / 1e6,
	    totals->slots, totals->slots == 1 ? "" : "s", elapsed,
	    elapsed > 0 ? (double) totals->messages / elapsed : 0.0);
}

static int
spoolgen_run(struct spoolgen_settings *settings)
{
	struct generator_config *config = &settings->generator;
	struct spoolgen_totals totals = {.next_sequence = 1};
	struct traffic_model model;
	struct generator generator;
	struct buf error = BUF_INIT;
	time_t first;
	unsigned long i;
	int status;

	if (slot_parse(settings->slot_text, time(NULL), &first, &error) < 0)
		spoolgen_usage_error("--slot: %s", error.data);
	spoolgen_apply_until(settings, first);
	if (first < 0 || first + (time_t) settings->slot_count * 60
	    > SPOOLGEN_LAST_SLOT + 60)
		spoolgen_usage_error("%s", "the slots must lie between "
		    "1970-01-01T00:00Z and 9999-12-31T23:59Z, whose names fit "
		    "YYYYMMDDTHHMMZ");
	if (traffic_model_init(&model, settings->daily_volume > 0
		? (unsigned long) settings->daily_volume : 0, config->seeded
		? config->seed : SPOOLGEN_CURVE_SEED, config->zone, &error) < 0)
		spoolgen_usage_error("%s", error.data);
	spoolgen_load_profile(settings, &model);
	if (settings->plan) {
		status = spoolgen_print_plan(settings, &model, first);
		traffic_model_free(&model);
		return status;
	}

	message_library_init();
	if ((status = generator_load(&generator, config, &error)) != 0)
		msg_fatal(status, "%s", error.data);
	if (generator.skipped_rows)
		msg_warn("skipped %zu invalid rows", generator.skipped_rows);
	gettimeofday(&totals.started, NULL);
	spoolgen_catch_stop_signals();
	for (i = 0; i < settings->slot_count && status == 0; i++)
		status = spoolgen_write_slot(settings, &generator, &model,
		    first + (time_t) i * 60, &totals, &error);
	if (!settings->quiet)
		spoolgen_print_summary(&totals);
	if (status != 0)
		msg_fatal(status, "%s; the %llu message%s already written %s "
		    "complete", error.data, totals.messages,
		    totals.messages == 1 ? "" : "s",
		    totals.messages == 1 ? "is" : "are");
	generator_free(&generator);
	traffic_model_free(&model);
	buf_free(&error);
	return 0;
}

int
main(int argc, char **argv)
{
	struct spoolgen_settings settings = {0};
	int status;
	size_t i;

	msg_init(argv[0]);
	spoolgen_parse_arguments(&settings, argc, argv);
	status = spoolgen_run(&settings);
	for (i = 0; i < settings.header_count; i++) {
		free(settings.headers[i].name);
		free(settings.headers[i].value);
	}
	free(settings.headers);
	free(settings.attach_paths);
	for (i = 0; i < sizeof(settings.owned_paths)
	    / sizeof(settings.owned_paths[0]); i++)
		free(settings.owned_paths[i]);
	return status;
}
