/**
 * How a NOTIFICATION the peer sent is told in the "down:" log line and the down event's reason:
 * `peer sent NOTIFICATION 6/2 (Cease / Administrative Shutdown) "maintenance, back at 10"`. The RFC 9003
 * Shutdown Communication is the peer's own text: it is escaped (quotes, backslashes, line breaks and other
 * controls as backslash escapes) so that it can neither end the log line nor forge another one.
 */
import { describeNotification, isShutdown, shutdownCommunication } from "../bgp/message/notification.ts";
import type { NotificationMessage } from "../bgp/types.ts";
import { textQuoted } from "../api/escape.ts";

export function receivedNotificationText(n: NotificationMessage): string {
  const base = `peer sent NOTIFICATION ${n.code}/${n.subcode} (${describeNotification(n)})`;
  if (!isShutdown(n) || n.data.length === 0) return base;
  const text = shutdownCommunication(n);
  // RFC 9003 §4: a communication whose length overruns the data or that is not UTF-8 is not displayed.
  return text === undefined ? `${base} (malformed shutdown communication)` : `${base} ${textQuoted(text)}`;
}
