/**
 * ROUTE-REFRESH message body (RFC 2918 §3): AFI (2), reserved (1), SAFI (1). RFC 7313 §3.2 turns the
 * reserved octet into a subtype: 0 normal request, 1 Beginning of Route Refresh, 2 End of Route Refresh.
 */
import { BgpError, ErrorCode } from "../error.ts";
import type { RouteRefreshMessage } from "../types.ts";

export const RefreshSubtype = { REQUEST: 0, BORR: 1, EORR: 2 } as const;

export const ROUTE_REFRESH_BODY_SIZE = 4;

/**
 * Throws BgpError 7/1 (RFC 7313 §5: Invalid Message Length, data = the body) when the body is not 4 bytes;
 * checkHeader already rejects such a length as 1/2 when the message comes from a socket.
 */
export function decodeRouteRefresh(body: Uint8Array): RouteRefreshMessage {
  if (body.length !== ROUTE_REFRESH_BODY_SIZE) {
    throw new BgpError(
      ErrorCode.ROUTE_REFRESH,
      1,
      body.slice(),
      `ROUTE-REFRESH body of ${body.length} bytes`,
    );
  }
  return { type: "route-refresh", afi: (body[0] << 8) | body[1], subtype: body[2], safi: body[3] };
}

export function encodeRouteRefresh(msg: RouteRefreshMessage): Uint8Array {
  return new Uint8Array([msg.afi >> 8, msg.afi & 0xff, msg.subtype, msg.safi]);
}

export function routeRefresh(
  afi: number,
  safi: number,
  subtype: number = RefreshSubtype.REQUEST,
): RouteRefreshMessage {
  return { type: "route-refresh", afi, safi, subtype };
}
