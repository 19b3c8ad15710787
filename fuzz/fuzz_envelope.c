/*
 * libFuzzer target: the message scanner spoolinject runs on each Maildir
 * file. The input is parsed into an envelope and SMTP DATA bytes, once as
 * it is and once with a header prefix, as --add-header gives one.
 */
#include <gmime/gmime.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	g_mime_init();
	return 0;
}

static void
check_data(const struct envelope *envelope)
{
	const struct buf *data = &envelope->data;

	/* DATA must end in the terminator and never carry a bare LF. */
	if (data->length < 3 || memcmp(data->data + data->length - 3, ".\r\n",
	    3) != 0)
		abort();
	for (size_t i = 0; i < data->length; i++)
		if (data->data[i] == '\n' && (i == 0 || data->data[i - 1]
		    != '\r'))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = {
		NULL, "X-Injected: yes\r\n",
	};
	struct envelope envelope;
	char *error = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		/* An invalid envelope still owns its Message-ID, which the
		 * injector logs, so it is freed on both paths. */
		if (envelope_parse(&envelope, (const char *) data, size,
		    prefixes[i], &error) == ENVELOPE_OK)
			check_data(&envelope);
		envelope_free(&envelope);
		free(error);
		error = NULL;
	}
	return 0;
}
