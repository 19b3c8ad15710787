#!/bin/bash
# make install honours PREFIX and DESTDIR, and the installed spoolgen finds
# its default data and templates without any option.
. "$(dirname "$0")/lib.sh"

# PREFIX changes the compiler flags, so make builds and installs from a
# copy of the sources. In the tree, it would rebuild the programs that the
# other tests run.
tree=$WORK/tree
mkdir -p "$tree/src"
cp -r "$TOP/Makefile" "$TOP/data" "$TOP/templates" "$TOP/man" "$tree"
cp "$TOP"/src/*.[ch] "$tree/src"
root=$WORK/root
status=0
make -s -C "$tree" install DESTDIR="$root" PREFIX=/usr >"$WORK/install.log" \
	2>&1 || status=$?
check_eq "make install into DESTDIR" "$status" 0
for path in usr/bin/spoolgen usr/bin/spoolinject \
	usr/share/spoolgen/data/bounces.csv \
	usr/share/spoolgen/data/senders.csv \
	usr/share/spoolgen/templates/email.html \
	usr/share/spoolgen/templates/email.txt \
	usr/share/man/man1/spoolgen.1; do
	check "installed $path" test -f "$root/$path"
done

# Run from an unrelated folder, so that nothing in the source tree helps.
mkdir "$WORK/elsewhere"
status=0
(cd "$WORK/elsewhere" && env -u SPOOLGEN_DATADIR "$root/usr/bin/spoolgen" \
	--spool "$WORK/spool" --slot 2026-12-04T15:21Z --volume 3 --seed 1 \
	--quiet) >"$WORK/run.log" 2>&1 || status=$?
check_eq "installed spoolgen exit status" "$status" 0
count=$(find "$WORK/spool/20261204T1521Z/new" -type f | wc -l)
check_eq "installed spoolgen wrote the slot" "$count" 3

done_testing
