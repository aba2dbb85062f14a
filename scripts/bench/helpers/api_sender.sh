#!/bin/sh
# The API → wire scenario's helper: waits (at most 10 minutes) for the bench to create TRIGGER once the
# session is up, writes the wall time of its first command line (epoch ns) to STARTED, copies the
# pre-generated command file to stdout (the speaker's API), then stays alive without writing, so that the
# speaker neither sees end-of-file nor respawns it. Its PID goes to PIDFILE: the bench stops it by PID.
#   api_sender.sh TRIGGER STARTED COMMANDS PIDFILE
echo $$ > "$4"
i=0
while [ ! -e "$1" ]; do
  i=$((i + 1))
  [ "$i" -gt 60000 ] && exit 1
  sleep 0.01
done
date +%s%N > "$2.tmp" && mv "$2.tmp" "$2"
cat "$3"
exec sleep 3600
