/**
 * The healthcheck's state machine, as ExaBGP 5.0's helper runs it: one step per check, pure. A state is
 * left for RISING/FALLING on the first success/failure and for UP/DOWN once `rise`/`fall` consecutive
 * checks agree (a threshold ≤ 1 skips the transient state); an existing `--disable` file overrides
 * everything (DISABLED), and its removal starts again from INIT.
 */
import type { HealthcheckOptions } from "./options.ts";

export type State = "INIT" | "DISABLED" | "RISING" | "FALLING" | "UP" | "DOWN" | "EXIT" | "END";

/** The states that make the helper write announce/withdraw lines. */
export type AnnouncedState = "UP" | "DOWN" | "DISABLED" | "EXIT";

export interface Machine {
  readonly state: State;
  /** Consecutive checks agreeing with RISING/FALLING. */
  readonly checks: number;
}

export const INITIAL: Machine = { state: "INIT", checks: 0 };

export interface Observation {
  /** The `--disable` file exists (the check is then not run). */
  readonly disabled: boolean;
  /** The check succeeded (true when disabled, as ExaBGP counts it). */
  readonly successful: boolean;
}

export interface Thresholds {
  readonly rise: number;
  readonly fall: number;
}

export interface Step {
  readonly machine: Machine;
  /** The state a transition entered this step (its `--execute` hooks run), if one happened. */
  readonly entered?: State;
  /** The state differs from the one before the step (`--debounce` announces only then). */
  readonly changed: boolean;
}

/** What a state does with one check's outcome: the state to enter (if any) and the new counter. */
type Rule = (
  checks: number,
  o: Observation,
  t: Thresholds,
) => { readonly to?: State; readonly checks: number };

const RULES: Readonly<Record<State, Rule>> = {
  INIT: (checks, o, t) => {
    if (o.successful && t.rise <= 1) return { to: "UP", checks };
    return { to: o.successful ? "RISING" : "FALLING", checks: 1 };
  },
  DISABLED: (checks, o) => (o.disabled ? { checks } : { to: "INIT", checks }),
  RISING: (checks, o, t) => {
    if (!o.successful) return { to: "FALLING", checks: 1 };
    return checks + 1 >= t.rise ? { to: "UP", checks: checks + 1 } : { checks: checks + 1 };
  },
  FALLING: (checks, o, t) => {
    if (o.successful) return { to: "RISING", checks: 1 };
    return checks + 1 >= t.fall ? { to: "DOWN", checks: checks + 1 } : { checks: checks + 1 };
  },
  UP: (checks, o) => (o.successful ? { checks } : { to: "FALLING", checks: 1 }),
  DOWN: (checks, o) => (o.successful ? { to: "RISING", checks: 1 } : { checks }),
  EXIT: () => {
    throw new Error("healthcheck: no check runs in state EXIT");
  },
  END: () => {
    throw new Error("healthcheck: no check runs in state END");
  },
};

/** ExaBGP's trigger(): a rise (fall) threshold ≤ 1 goes straight to UP (DOWN). */
function settle(target: State, t: Thresholds): State {
  if (target === "RISING" && t.rise <= 1) return "UP";
  if (target === "FALLING" && t.fall <= 1) return "DOWN";
  return target;
}

export function step(m: Machine, o: Observation, t: Thresholds): Step {
  const rule = m.state !== "DISABLED" && o.disabled
    ? { to: "DISABLED" as const, checks: m.checks }
    : RULES[m.state](m.checks, o, t);
  if (rule.to === undefined) return { machine: { state: m.state, checks: rule.checks }, changed: false };
  const entered = settle(rule.to, t);
  return { machine: { state: entered, checks: rule.checks }, entered, changed: entered !== m.state };
}

/** The lines a state writes, if any (INIT, RISING and FALLING keep what was announced before). */
export function announcedState(s: State): AnnouncedState | undefined {
  return s === "UP" || s === "DOWN" || s === "DISABLED" || s === "EXIT" ? s : undefined;
}

/** Whether this step writes its state's lines: every step, or only on a change with `--debounce`. */
export function shouldAnnounce(s: Step, debounce: boolean): AnnouncedState | undefined {
  if (debounce && !s.changed) return undefined;
  return announcedState(s.machine.state);
}

export type Pause = { readonly kind: "sleep"; readonly seconds: number } | { readonly kind: "end" };

/** The wait before the next check: `--fast-interval` while a change is pending; interval 0 ends. */
export function pauseAfter(s: State, o: Pick<HealthcheckOptions, "interval" | "fast">): Pause {
  if (s === "RISING" || s === "FALLING") return { kind: "sleep", seconds: o.fast };
  if (o.interval === 0) return { kind: "end" };
  return { kind: "sleep", seconds: o.interval };
}

type Hooks = Pick<HealthcheckOptions, "execute" | "upExecute" | "downExecute" | "disabledExecute">;

const STATE_HOOKS: Partial<Record<State, (o: Hooks) => readonly string[]>> = {
  UP: (o) => o.upExecute,
  DOWN: (o) => o.downExecute,
  DISABLED: (o) => o.disabledExecute,
};

/** The commands run on entering `s`: its own hooks, then the `--execute` ones (with STATE=s). */
export function hooksFor(s: State, o: Hooks): readonly string[] {
  return [...(STATE_HOOKS[s]?.(o) ?? []), ...o.execute];
}
