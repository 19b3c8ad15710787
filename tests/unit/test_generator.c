/*
 * Unit tests for generator: provider group shares, bounce decisions and
 * their weights, recipient addresses, and template loading. Draws come
 * from generator_draft() with fixed seeds, on the repository's data/ or on
 * small files written to a temporary folder.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "generator.h"
#include "test_support.h"

#define DRAWS		100000
#define SLOT		1796403600	/* 2026-12-04T17:00Z */
#define NEW_YORK_OFFSET	(-5 * 3600)


static void
set_up(void)
{
	temp_folder_create();
}

static void
tear_down(void)
{
	temp_folder_remove();
}

TestSuite(generator, .init = set_up, .fini = tear_down);

/* A generator configuration with every path owned by the test. */
struct test_config {
	struct generator_config config;
	char   *paths[7];
};

/* Sets up config on the repository's data, with the seed given. */
static void
config_defaults(struct test_config *test, uint64_t seed)
{
	struct generator_config *config = &test->config;

	memset(test, 0, sizeof(*test));
	test->paths[0] = repository_file("data/bounces.csv");
	test->paths[1] = repository_file("data/senders.csv");
	test->paths[2] = repository_file("templates/email.html");
	test->paths[3] = repository_file("templates/email.txt");
	test->paths[4] = repository_file("data/first_names.txt");
	test->paths[5] = repository_file("data/last_names.txt");
	test->paths[6] = repository_file("data/domain_groups.csv");
	config->bounces_path = test->paths[0];
	config->senders_path = test->paths[1];
	config->html_path = test->paths[2];
	config->text_path = test->paths[3];
	config->first_names_path = test->paths[4];
	config->last_names_path = test->paths[5];
	config->domain_groups_path = test->paths[6];
	config->yahoo_backoff = -1;
	config->seed = seed;
	config->seeded = 1;
	config->zone = "America/New_York";
}

/* Replaces path number index (0 bounces, 1 senders, 6 groups) with a
 * temporary file holding text. */
static void
config_use_file(struct test_config *test, int index, const char *name,
    const char *text)
{
	const char **slots[] = {
		&test->config.bounces_path, &test->config.senders_path,
		&test->config.html_path, &test->config.text_path,
		&test->config.first_names_path, &test->config.last_names_path,
		&test->config.domain_groups_path,
	};

	free(test->paths[index]);
	test->paths[index] = write_temp_file(name, text);
	*slots[index] = test->paths[index];
}

static void
config_free(struct test_config *test)
{
	size_t i;

	for (i = 0; i < 7; i++)
		free(test->paths[i]);
}

static void
load(struct generator *generator, const struct test_config *test)
{
	struct buf error = BUF_INIT;
	int status = generator_load(generator, &test->config, &error);

	cr_assert_eq(status, 0, "generator_load: status %d, expected 0 (%s)",
	    status, error.data ? error.data : "");
	buf_free(&error);
}

static size_t
group_index(const struct generator *generator, const char *name)
{
	size_t index = domain_groups_find(&generator->groups, name);

	cr_assert_neq(index, (size_t) -1, "no group named %s", name);
	return index;
}

Test(generator, group_shares)
{
	static const struct {
		const char *name;
		double	share;
	} expected[] = {
		{"google", 0.40}, {"microsoft", 0.30}, {"yahoo", 0.20},
		{"other", 0.10},
	};
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	size_t counts[4] = {0}, i, g;

	config_defaults(&test, 1);
	load(&generator, &test);
	for (i = 0; i < DRAWS; i++) {
		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		for (g = 0; g < 4; g++)
			if (draft.domain->group == group_index(&generator,
				expected[g].name))
				counts[g]++;
	}
	for (g = 0; g < 4; g++) {
		double share = (double) counts[g] / DRAWS;

		cr_assert(fabs(share - expected[g].share) <= 0.01, "group %s: "
		    "share %.4f of %d draws, expected %.2f +-0.01",
		    expected[g].name, share, DRAWS, expected[g].share);
	}
	generator_free(&generator);
	config_free(&test);
}

Test(generator, group_weights)
{
	static const char groups[] = "group,weight,domains\n"
	    "first,3,gmail.com\n"
	    "empty,50,no-such-domain.example\n"
	    "second,1,yahoo.* outlook.com\n";
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	size_t first = 0, second = 0, i;

	config_defaults(&test, 2);
	config_use_file(&test, 6, "groups.csv", groups);
	load(&generator, &test);
	for (i = 0; i < DRAWS; i++) {
		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		if (draft.domain->group == group_index(&generator, "first"))
			first++;
		else if (draft.domain->group == group_index(&generator,
			"second"))
			second++;
	}
	cr_assert_eq(first + second, DRAWS, "%zu of %d draws in the groups "
	    "with domains, expected all", first + second, DRAWS);
	cr_assert(fabs((double) first / DRAWS - 0.75) <= 0.01, "group first "
	    "(weight 3 of 4): share %.4f, expected 0.75 +-0.01",
	    (double) first / DRAWS);
	generator_free(&generator);
	config_free(&test);
}

/* Draws DRAWS messages and returns the share that bounce; also the mean
 * of the senders' bounce_rate over the draws. */
static double
bounce_share(struct generator *generator, size_t group, double *mean_rate)
{
	struct generator_draft draft;
	size_t bounces = 0, drawn = 0, i;
	double rate_sum = 0;

	for (i = 0; i < DRAWS; i++) {
		generator_draft(generator, SLOT, NEW_YORK_OFFSET, &draft);
		if (group != (size_t) -1 && draft.domain->group != group)
			continue;
		drawn++;
		rate_sum += draft.sender->bounce_rate;
		bounces += draft.bounce_me != NULL;
	}
	cr_assert_gt(drawn, 0, "no draws in group %zu", group);
	if (mean_rate)
		*mean_rate = rate_sum / drawn;
	return (double) bounces / drawn;
}

Test(generator, bounce_share_data)
{
	struct test_config test;
	struct generator generator;
	double share, rate;

	config_defaults(&test, 3);
	load(&generator, &test);
	share = bounce_share(&generator, (size_t) -1, &rate);
	cr_assert(fabs(share - rate) <= 0.003, "bounce share %.4f over %d "
	    "draws, expected the senders' mean rate %.4f +-0.003", share,
	    DRAWS, rate);
	generator_free(&generator);
	config_free(&test);
}

Test(generator, bounce_share_per_sender)
{
	static const char senders[] = "x_job,from_name,from_addr,bounce_rate,"
	    "retry_percent,subject\n"
	    "Low,Low,low@example.com,0.1,40,Low\n"
	    "High,High,high@example.com,0.3,40,High\n"
	    "Never,Never,never@example.com,0,40,Never\n";
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	size_t drawn[3] = {0}, bounced[3] = {0}, i;
	static const double rates[3] = {0.1, 0.3, 0};

	config_defaults(&test, 4);
	config_use_file(&test, 1, "senders.csv", senders);
	load(&generator, &test);
	for (i = 0; i < DRAWS; i++) {
		size_t s;

		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		s = (size_t) (draft.sender - generator.senders.senders);
		drawn[s]++;
		bounced[s] += draft.bounce_me != NULL;
	}
	for (i = 0; i < 3; i++) {
		double share = (double) bounced[i] / drawn[i];

		cr_assert(fabs(share - rates[i]) <= 0.01, "sender %zu: bounce "
		    "share %.4f of %zu draws, expected %.2f +-0.01", i, share,
		    drawn[i], rates[i]);
	}
	cr_assert_eq(bounced[2], 0, "sender with rate 0 bounced %zu times, "
	    "expected never", bounced[2]);
	generator_free(&generator);
	config_free(&test);
}

Test(generator, yahoo_backoff)
{
	struct test_config test;
	struct generator generator;
	size_t yahoo, google;
	double share, rate;

	config_defaults(&test, 5);
	test.config.yahoo_backoff = 0.8;
	load(&generator, &test);
	yahoo = group_index(&generator, "yahoo");
	google = group_index(&generator, "google");
	share = bounce_share(&generator, yahoo, NULL);
	cr_assert(fabs(share - 0.8) <= 0.01, "yahoo-group bounce share %.4f "
	    "with --yahoo-backoff 0.8, expected 0.80 +-0.01", share);
	share = bounce_share(&generator, google, &rate);
	cr_assert(fabs(share - rate) <= 0.005, "google-group bounce share "
	    "%.4f with --yahoo-backoff 0.8, expected the senders' rate %.4f "
	    "+-0.005", share, rate);
	generator_free(&generator);
	config_free(&test);
}

static const char weighted_bounces[] = "domain,code,enhanced,text,count\n"
    "example.com,550,5.1.1,<{{to}}> no such user,3\n"
    "example.com,554,,refused from {{ip4addr}},1\n"
    "example.com,421,4.7.0,never picked,0\n"
    "zero.example,550,5.1.1,weight zero,0\n";
static const char always_bounce[] = "x_job,from_name,from_addr,bounce_rate,"
    "retry_percent,subject\n"
    "All,All,all@example.org,1,40,All\n";

Test(generator, bounce_weights_uniform)
{
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	size_t picked[3] = {0}, on_example = 0, on_zero = 0, i;

	config_defaults(&test, 6);
	config_use_file(&test, 0, "bounces.csv", weighted_bounces);
	config_use_file(&test, 1, "senders.csv", always_bounce);
	config_use_file(&test, 6, "groups.csv",
	    "group,weight,domains\nexample,1,example.com\nzero,1,zero.*\n");
	load(&generator, &test);
	for (i = 0; i < DRAWS; i++) {
		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		cr_assert_not_null(draft.bounce, "rate 1 gave no bounce");
		if (strcmp(draft.domain->name, "zero.example") == 0) {
			on_zero++;
			continue;
		}
		on_example++;
		picked[draft.bounce->line - 2]++;
	}
	cr_assert_gt(on_zero, 0, "no draw went to zero.example");
	for (i = 0; i < 3; i++)
		cr_assert(fabs((double) picked[i] / on_example - 1.0 / 3)
		    <= 0.01, "row %zu: share %.4f, expected 0.333 +-0.01 "
		    "whatever its count", i + 2,
		    (double) picked[i] / on_example);
	generator_free(&generator);
	config_free(&test);
}

Test(generator, bounce_weights_count)
{
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	size_t picked[3] = {0}, on_example = 0, on_zero = 0, i;
	regex_t pattern;

	config_defaults(&test, 6);
	config_use_file(&test, 0, "bounces.csv", weighted_bounces);
	config_use_file(&test, 1, "senders.csv", always_bounce);
	config_use_file(&test, 6, "groups.csv",
	    "group,weight,domains\nexample,1,example.com\nzero,1,zero.*\n");
	test.config.bounce_weights_by_count = 1;
	load(&generator, &test);
	cr_assert_eq(regcomp(&pattern, "^554 refused from "
	    "(192\\.0\\.2|198\\.51\\.100|203\\.0\\.113)\\.[0-9]{1,3}$",
	    REG_EXTENDED | REG_NOSUB), 0, "regcomp failed");
	for (i = 0; i < DRAWS; i++) {
		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		if (strcmp(draft.domain->name, "zero.example") == 0) {
			on_zero++;
			cr_assert_null(draft.bounce_me, "domain whose counts "
			    "are all 0 got X-Bounce-Me \"%s\", expected none",
			    draft.bounce_me);
			continue;
		}
		on_example++;
		cr_assert_not_null(draft.bounce, "rate 1 gave no bounce");
		picked[draft.bounce->line - 2]++;
		if (draft.bounce->line == 2) {
			char expected[400];

			snprintf(expected, sizeof(expected), "550 5.1.1 <%s> "
			    "no such user", draft.to_addr);
			cr_assert_str_eq(draft.bounce_me, expected, "X-Bounce-Me "
			    "\"%s\", expected \"%s\"", draft.bounce_me,
			    expected);
		} else if (draft.bounce->line == 3) {
			cr_assert_eq(regexec(&pattern, draft.bounce_me, 0,
			    NULL, 0), 0, "X-Bounce-Me \"%s\" is not \"554 "
			    "refused from\" and a documentation address",
			    draft.bounce_me);
		}
	}
	cr_assert_gt(on_zero, 0, "no draw went to zero.example");
	cr_assert(fabs((double) picked[0] / on_example - 0.75) <= 0.01, "row "
	    "with count 3 of 4: share %.4f, expected 0.75 +-0.01",
	    (double) picked[0] / on_example);
	cr_assert(fabs((double) picked[1] / on_example - 0.25) <= 0.01, "row "
	    "with count 1 of 4: share %.4f, expected 0.25 +-0.01",
	    (double) picked[1] / on_example);
	cr_assert_eq(picked[2], 0, "row with count 0 picked %zu times, "
	    "expected never", picked[2]);
	regfree(&pattern);
	generator_free(&generator);
	config_free(&test);
}

Test(generator, bounce_values)
{
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	regex_t pattern;
	size_t bounces = 0, i;

	config_defaults(&test, 7);
	config_use_file(&test, 1, "senders.csv", always_bounce);
	load(&generator, &test);
	cr_assert_eq(regcomp(&pattern, "^[45][0-9][0-9]( [45]\\.[0-9]{1,3}"
	    "\\.[0-9]{1,3})? [^ ]", REG_EXTENDED | REG_NOSUB), 0,
	    "regcomp failed");
	for (i = 0; i < DRAWS / 10; i++) {
		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		if (draft.bounce_me == NULL)
			continue;
		bounces++;
		cr_assert_eq(regexec(&pattern, draft.bounce_me, 0, NULL, 0), 0,
		    "X-Bounce-Me \"%s\" does not start with a code, an "
		    "optional enhanced code and text", draft.bounce_me);
		cr_assert_null(strstr(draft.bounce_me, "{{"), "X-Bounce-Me "
		    "\"%s\" contains \"{{\"", draft.bounce_me);
		cr_assert_null(strpbrk(draft.bounce_me, "\r\n"), "X-Bounce-Me "
		    "\"%s\" contains a line break", draft.bounce_me);
	}
	cr_assert_eq(bounces, DRAWS / 10, "%zu of %d draws bounced at rate 1",
	    bounces, DRAWS / 10);
	regfree(&pattern);
	generator_free(&generator);
	config_free(&test);
}

Test(generator, recipients)
{
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	regmatch_t match[5];
	regex_t pattern;
	size_t with_number = 0, i;

	config_defaults(&test, 8);
	load(&generator, &test);
	cr_assert_eq(regcomp(&pattern, "^([a-z][a-z'-]*)\\.([a-z][a-z'-]*)"
	    "([1-9][0-9]{0,2})?@([a-z0-9.-]+)$", REG_EXTENDED), 0,
	    "regcomp failed");
	for (i = 0; i < DRAWS; i++) {
		char expected_name[256];
		const char *at;

		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		cr_assert_eq(regexec(&pattern, draft.to_addr, 5, match, 0), 0,
		    "recipient \"%s\" is not first.last[NNN]@domain",
		    draft.to_addr);
		at = strchr(draft.to_addr, '@');
		cr_assert_str_eq(at + 1, draft.domain->name, "recipient "
		    "\"%s\": domain is not the drawn %s", draft.to_addr,
		    draft.domain->name);
		cr_assert_eq(strncmp(draft.to_addr,
		    generator.first_names.address[draft.first],
		    (size_t) match[1].rm_eo), 0, "recipient \"%s\" does not "
		    "start with the drawn first name %s", draft.to_addr,
		    generator.first_names.address[draft.first]);
		snprintf(expected_name, sizeof(expected_name), "%s %s",
		    generator.first_names.display[draft.first],
		    generator.last_names.display[draft.last]);
		cr_assert_str_eq(draft.to_name, expected_name, "to_name \"%s\", "
		    "expected \"%s\"", draft.to_name, expected_name);
		if (match[3].rm_so >= 0) {
			long number = strtol(draft.to_addr + match[3].rm_so,
			    NULL, 10);

			cr_assert(number >= 1 && number <= 999, "recipient "
			    "\"%s\": number %ld, expected 1..999",
			    draft.to_addr, number);
			with_number++;
		}
	}
	cr_assert(fabs((double) with_number / DRAWS - 0.8) <= 0.01, "%.4f of "
	    "recipients carry a number, expected 0.80 +-0.01",
	    (double) with_number / DRAWS);
	regfree(&pattern);
	generator_free(&generator);
	config_free(&test);
}

Test(generator, time_and_ids)
{
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	regex_t pattern;
	size_t i;

	config_defaults(&test, 9);
	load(&generator, &test);
	cr_assert_eq(regcomp(&pattern, "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), "
	    "04 Dec 2026 12:00:[0-5][0-9] -0500$", REG_EXTENDED | REG_NOSUB),
	    0, "regcomp failed");
	for (i = 0; i < 1000; i++) {
		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		cr_assert(draft.time >= SLOT && draft.time < SLOT + 60, "time "
		    "%lld is outside the slot %d..%d", (long long) draft.time,
		    SLOT, SLOT + 59);
		cr_assert_eq(regexec(&pattern, draft.date, 0, NULL, 0), 0,
		    "Date \"%s\" is not inside 12:00 -0500 on 4 Dec 2026",
		    draft.date);
		cr_assert(strncmp(draft.message_id, "20261204170", 11) == 0,
		    "Message-ID \"%s\" does not start with the UTC time",
		    draft.message_id);
		cr_assert(strchr(draft.message_id, '@') != NULL, "Message-ID "
		    "\"%s\" has no '@'", draft.message_id);
	}
	regfree(&pattern);
	generator_free(&generator);
	config_free(&test);
}

/* Draws count recipients with seed into addresses. */
static void
draw_recipients(uint64_t seed, size_t count, char addresses[][320])
{
	struct test_config test;
	struct generator generator;
	struct generator_draft draft;
	size_t i;

	config_defaults(&test, seed);
	load(&generator, &test);
	for (i = 0; i < count; i++) {
		generator_draft(&generator, SLOT, NEW_YORK_OFFSET, &draft);
		memcpy(addresses[i], draft.to_addr, sizeof(draft.to_addr));
	}
	generator_free(&generator);
	config_free(&test);
}

Test(generator, seeds)
{
	static char first[200][320], same[200][320], other[200][320];
	size_t differences = 0, i;

	draw_recipients(10, 200, first);
	draw_recipients(10, 200, same);
	draw_recipients(11, 200, other);
	for (i = 0; i < 200; i++) {
		cr_assert_str_eq(same[i], first[i], "seed 10, draw %zu: \"%s\", "
		    "then \"%s\"", i, first[i], same[i]);
		differences += strcmp(other[i], first[i]) != 0;
	}
	cr_assert_gt(differences, 150, "seeds 10 and 11 differ in %zu of 200 "
	    "draws, expected most", differences);
}

/* Composes count messages with seed and a fixed Message-ID host. */
static void
compose_messages(uint64_t seed, size_t count, struct buf *output)
{
	struct test_config test;
	struct generator generator;
	size_t i;

	config_defaults(&test, seed);
	load(&generator, &test);
	free(generator.message_id_host);
	generator.message_id_host = strdup("r00000000.test");
	for (i = 0; i < count; i++)
		generator_compose(&generator, SLOT + 60 * (time_t) i,
		    NEW_YORK_OFFSET, output);
	generator_free(&generator);
	config_free(&test);
}

Test(generator, compose_repeats)
{
	struct buf first = BUF_INIT, second = BUF_INIT, other = BUF_INIT;

	message_library_init();
	compose_messages(12, 50, &first);
	compose_messages(12, 50, &second);
	compose_messages(13, 50, &other);
	cr_assert_eq(second.length, first.length, "seed 12: %zu bytes, then "
	    "%zu", first.length, second.length);
	cr_assert_eq(memcmp(first.data, second.data, first.length), 0,
	    "seed 12: the two runs differ");
	cr_assert(other.length != first.length || memcmp(first.data,
	    other.data, first.length) != 0, "seeds 12 and 13 composed the "
	    "same messages");
	buf_free(&first);
	buf_free(&second);
	buf_free(&other);
}

struct template_case {
	const char *label;
	const char *content;
	size_t	length;
	int	status;
	const char *message;		/* in the error, after the path */
	const char *rendered;		/* with every value "V" */
};

Test(generator, load_template)
{
	static const struct template_case cases[] = {
		{"LF", "a {{name}}\nb\n", 13, 0, NULL, "a V\nb\n"},
		{"CRLF", "a\r\n{{ top }}\r\n\r\n", 15, 0, NULL, "a\nV\n\n"},
		{"lone CR", "a\rb\r\r\nc", 7, 0, NULL, "a\nb\n\nc"},
		{"no final newline", "x\n{{to_addr}}", 13, 0, NULL, "x\nV"},
		{"unknown placeholder", "a\r\nb\r\n{{nope}}\r\n", 15,
		    EX_DATAERR, ":3:", NULL},
		{"invalid UTF-8", "ok\nok\nbad \xe9\n", 11, EX_DATAERR, ":3:",
		    NULL},
		{"NUL byte", "a\0b\n", 4, EX_DATAERR, ": contains a NUL", NULL},
	};
	const char *values[BODY_PLACEHOLDER_COUNT];
	size_t i;

	for (i = 0; i < BODY_PLACEHOLDER_COUNT; i++)
		values[i] = "V";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf error = BUF_INIT, output = BUF_INIT;
		struct template *template;
		char *path, location[PATH_MAX + 16];
		FILE *file;
		int status = -1;

		cr_assert_neq(asprintf(&path, "%s/t%zu.txt", temp_folder, i),
		    -1, "asprintf failed");
		file = fopen(path, "wb");
		cr_assert_not_null(file, "cannot create %s", path);
		fwrite(cases[i].content, 1, cases[i].length, file);
		fclose(file);
		template = generator_load_template(path, &error, &status);
		cr_assert_eq(status, cases[i].status, "%s: status %d, "
		    "expected %d (%s)", cases[i].label, status,
		    cases[i].status, error.data ? error.data : "");
		if (cases[i].status == 0) {
			template_render(template, values, TEMPLATE_ESCAPE_NONE,
			    &output);
			cr_assert_str_eq(output.data ? output.data : "",
			    cases[i].rendered, "%s: rendered \"%s\", expected "
			    "\"%s\"", cases[i].label,
			    output.data ? output.data : "", cases[i].rendered);
		} else {
			snprintf(location, sizeof(location), "%s%s", path,
			    cases[i].message);
			cr_assert_null(template, "%s: a template came back",
			    cases[i].label);
			cr_assert(error.data && strstr(error.data, location),
			    "%s: message \"%s\" does not contain \"%s\"",
			    cases[i].label, error.data ? error.data : "",
			    location);
		}
		template_free(template);
		buf_free(&output);
		buf_free(&error);
		free(path);
	}
}

Test(generator, missing_input)
{
	struct test_config test;
	struct generator generator;
	struct buf error = BUF_INIT;
	int status;

	config_defaults(&test, 1);
	test.config.text_path = "/nonexistent/email.txt";
	status = generator_load(&generator, &test.config, &error);
	cr_assert_eq(status, EX_NOINPUT, "status %d, expected %d "
	    "(EX_NOINPUT)", status, EX_NOINPUT);
	cr_assert(error.data && strstr(error.data, "/nonexistent/email.txt"),
	    "message \"%s\" does not name the file",
	    error.data ? error.data : "");
	generator_free(&generator);
	buf_free(&error);
	config_free(&test);
}
