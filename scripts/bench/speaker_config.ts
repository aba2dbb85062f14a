/**
 * The speaker configurations of the bench, in ExaBGP syntax: tsbgp reads it as ExaBGP 5.0 does and ExaBGP
 * 4.2 reads the same text, so both run the identical set-up. The speaker is 127.0.0.1, AS 65001; it
 * connects to each peer (`connect PORT`) and never listens (exabgp_tcp_bind is empty, targets.ts).
 */

export const SPEAKER_ADDRESS = "127.0.0.1";
export const SPEAKER_AS = 65001;

export interface ProcessSpec {
  readonly name: string;
  /** The command line, split on spaces by both parsers (no quoting: paths without spaces). */
  readonly run: string;
}

export interface NeighborSpec {
  readonly address: string;
  readonly port: number;
  readonly peerAs: number;
  readonly holdTime: number;
  /** The API process bound to this neighbor. */
  readonly process?: string;
  /** Send the helper received UPDATEs (parsed, JSON) and session state changes. */
  readonly receive?: boolean;
}

function processBlock(p: ProcessSpec): string {
  return `process ${p.name} {\n  run ${p.run};\n  encoder json;\n}\n`;
}

function neighborBlock(n: NeighborSpec): string {
  const subscriptions = n.receive ? " receive { parsed; update; } neighbor-changes;" : "";
  const api = n.process ? `  api { processes [ ${n.process} ];${subscriptions} }\n` : "";
  return `neighbor ${n.address} {
  router-id 192.0.2.1;
  local-address ${SPEAKER_ADDRESS};
  local-as ${SPEAKER_AS};
  peer-as ${n.peerAs};
  hold-time ${n.holdTime};
  connect ${n.port};
  group-updates true;
  family { ipv4 unicast; }
${api}}
`;
}

export function speakerConfig(processes: readonly ProcessSpec[], neighbors: readonly NeighborSpec[]): string {
  return processes.map(processBlock).join("") + neighbors.map(neighborBlock).join("");
}
