#!/bin/sh
# A tsbgp (ExaBGP) API helper: commands go to stdout, one per line; acks (done/error) and events
# arrive on stdin. Arguments: prefixes to announce (none: only report what arrives).
for prefix in "$@"; do
	echo "announce route $prefix next-hop self community [ 65001:100 ]"
done
# Everything the speaker writes to stdin, copied to stderr, which the speaker logs.
# The loop ends when the speaker closes stdin (it is stopping).
while read -r line; do
	echo "$line" >&2
done
