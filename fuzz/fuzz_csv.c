/*
 * libFuzzer target: the CSV readers. Each input is parsed as a raw table,
 * as a bounce catalogue and as a sender list, the way spoolgen reads its
 * files, so that any byte sequence a user's file may hold is covered.
 */
#include <stddef.h>
#include <stdint.h>

#include "bounces.h"
#include "csv_table.h"
#include "senders.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	struct buf error = BUF_INIT;
	struct csv_row_policy policy = {0, 0, &error};
	struct bounce_catalogue catalogue;
	struct sender_list senders;
	struct csv_table table;
	size_t i;

	if (csv_table_parse(&table, "fuzz.csv", text, size, &error) == 0) {
		(void) csv_table_column(&table, "domain");
		for (i = 0; i < table.count; i++)
			if (table.records[i].field_count > 0)
				(void) csv_field_problem(
				    table.records[i].fields[0],
				    table.records[i].field_lengths[0]);
	}
	csv_table_free(&table);
	buf_reset(&error);
	bounce_catalogue_parse(&catalogue, "bounces.csv", text, size, &policy);
	bounce_catalogue_free(&catalogue);
	buf_reset(&error);
	sender_list_parse(&senders, "senders.csv", text, size, &policy);
	sender_list_free(&senders);
	buf_free(&error);
	return 0;
}
