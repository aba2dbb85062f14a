/**
 * The healthcheck state machine (lib/healthcheck/state.ts), table-driven: sequences of check outcomes
 * and the states they lead to under ExaBGP's rules (rise/fall counting, the ≤ 1 shortcuts, the disable
 * file, debounce), the pause chosen after each state, and the hooks run on entering one.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  hooksFor,
  INITIAL,
  type Machine,
  type Observation,
  pauseAfter,
  shouldAnnounce,
  type State,
  step,
} from "../../lib/healthcheck/state.ts";

/** "+" a successful check, "-" a failed one, "D" the disable file present (no check). */
type Event = "+" | "-" | "D";

const OBSERVATION: Record<Event, Observation> = {
  "+": { disabled: false, successful: true },
  "-": { disabled: false, successful: false },
  D: { disabled: true, successful: true },
};

interface Trace {
  states: State[];
  checks: number[];
  /** The state entered at each step, "" when none. */
  entered: string[];
}

function run(events: string, rise: number, fall: number, from: Machine = INITIAL): Trace {
  const t: Trace = { states: [], checks: [], entered: [] };
  let m = from;
  for (const e of events.split(" ") as Event[]) {
    const s = step(m, OBSERVATION[e], { rise, fall });
    m = s.machine;
    t.states.push(m.state);
    t.checks.push(m.checks);
    t.entered.push(s.entered ?? "");
  }
  return t;
}

describe("healthcheck state machine: rise and fall counting", () => {
  const table: {
    name: string;
    events: string;
    rise: number;
    fall: number;
    states: string;
    entered?: string;
  }[] = [
    {
      name: "three successes make it UP with rise 3",
      events: "+ + +",
      rise: 3,
      fall: 3,
      states: "RISING RISING UP",
      entered: "RISING - UP",
    },
    {
      name: "rise 1 goes from INIT to UP at once",
      events: "+",
      rise: 1,
      fall: 3,
      states: "UP",
      entered: "UP",
    },
    { name: "rise 0 behaves as rise 1", events: "+ +", rise: 0, fall: 3, states: "UP UP", entered: "UP -" },
    {
      name: "a failure first is FALLING, then DOWN after fall checks",
      events: "- - -",
      rise: 3,
      fall: 3,
      states: "FALLING FALLING DOWN",
      entered: "FALLING - DOWN",
    },
    {
      name: "fall 1 goes from INIT to DOWN at once",
      events: "-",
      rise: 3,
      fall: 1,
      states: "DOWN",
      entered: "DOWN",
    },
    {
      name: "UP needs fall failures in a row to go DOWN",
      events: "+ + - - + - - -",
      rise: 2,
      fall: 3,
      states: "RISING UP FALLING FALLING RISING FALLING FALLING DOWN",
    },
    {
      name: "a failure while RISING restarts the count as FALLING",
      events: "+ + - + + +",
      rise: 3,
      fall: 3,
      states: "RISING RISING FALLING RISING RISING UP",
    },
    {
      name: "DOWN needs rise successes in a row to come back UP",
      events: "- + - + +",
      rise: 2,
      fall: 1,
      states: "DOWN RISING DOWN RISING UP",
    },
    {
      name: "with rise 1, a success while FALLING is UP again",
      events: "+ - +",
      rise: 1,
      fall: 2,
      states: "UP FALLING UP",
      entered: "UP FALLING UP",
    },
    {
      name: "a stable UP enters nothing",
      events: "+ + + + +",
      rise: 2,
      fall: 2,
      states: "RISING UP UP UP UP",
      entered: "RISING UP - - -",
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      const t = run(c.events, c.rise, c.fall);
      assert.deepEqual(t.states.join(" "), c.states);
      if (c.entered) assert.deepEqual(t.entered.map((e) => e || "-").join(" "), c.entered);
    });
  }

  it("counts consecutive agreeing checks", () => {
    assert.deepEqual(run("+ + - - -", 5, 5).checks, [1, 2, 1, 2, 3]);
  });
});

describe("healthcheck state machine: the disable file", () => {
  const table: { name: string; events: string; states: string; entered: string }[] = [
    { name: "disabled from the start", events: "D D", states: "DISABLED DISABLED", entered: "DISABLED -" },
    {
      name: "UP, disabled, enabled again: back through INIT",
      events: "+ + D D + + +",
      states: "RISING UP DISABLED DISABLED INIT RISING UP",
      entered: "RISING UP DISABLED - INIT RISING UP",
    },
    {
      name: "disabling wins over a pending fall",
      events: "+ + - D -",
      states: "RISING UP FALLING DISABLED INIT",
      entered: "RISING UP FALLING DISABLED INIT",
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      const t = run(c.events, 2, 2);
      assert.equal(t.states.join(" "), c.states);
      assert.equal(t.entered.map((e) => e || "-").join(" "), c.entered);
    });
  }
});

describe("healthcheck state machine: what each step writes and waits", () => {
  it("announces UP, DOWN and DISABLED on every step, nothing for INIT, RISING or FALLING", () => {
    const rows: [Machine, Observation, string | undefined][] = [
      [INITIAL, OBSERVATION["+"], undefined], // → RISING
      [{ state: "RISING", checks: 1 }, OBSERVATION["+"], "UP"],
      [{ state: "UP", checks: 2 }, OBSERVATION["+"], "UP"],
      [{ state: "UP", checks: 2 }, OBSERVATION["-"], undefined], // → FALLING
      [{ state: "DOWN", checks: 2 }, OBSERVATION["-"], "DOWN"],
      [{ state: "UP", checks: 2 }, OBSERVATION.D, "DISABLED"],
      [{ state: "DISABLED", checks: 2 }, OBSERVATION["+"], undefined], // → INIT
    ];
    for (const [m, o, expected] of rows) {
      assert.equal(
        shouldAnnounce(step(m, o, { rise: 2, fall: 2 }), false),
        expected,
        `${m.state} ${JSON.stringify(o)}`,
      );
    }
  });

  it("with --debounce announces only when the state changed", () => {
    const t = { rise: 2, fall: 2 };
    assert.equal(shouldAnnounce(step({ state: "RISING", checks: 1 }, OBSERVATION["+"], t), true), "UP");
    assert.equal(shouldAnnounce(step({ state: "UP", checks: 2 }, OBSERVATION["+"], t), true), undefined);
    assert.equal(shouldAnnounce(step({ state: "FALLING", checks: 1 }, OBSERVATION["-"], t), true), "DOWN");
    assert.equal(shouldAnnounce(step({ state: "DOWN", checks: 2 }, OBSERVATION["-"], t), true), undefined);
    assert.equal(shouldAnnounce(step({ state: "DISABLED", checks: 0 }, OBSERVATION.D, t), true), undefined);
  });

  it("waits --fast-interval while RISING or FALLING, --interval otherwise, and ends on interval 0", () => {
    const o = { interval: 5, fast: 0.5 };
    assert.deepEqual(pauseAfter("RISING", o), { kind: "sleep", seconds: 0.5 });
    assert.deepEqual(pauseAfter("FALLING", o), { kind: "sleep", seconds: 0.5 });
    assert.deepEqual(pauseAfter("UP", o), { kind: "sleep", seconds: 5 });
    assert.deepEqual(pauseAfter("DISABLED", o), { kind: "sleep", seconds: 5 });
    assert.deepEqual(pauseAfter("UP", { interval: 0, fast: 1 }), { kind: "end" });
    assert.deepEqual(pauseAfter("RISING", { interval: 0, fast: 1 }), { kind: "sleep", seconds: 1 });
  });

  it("runs the state's own hooks, then the --execute ones", () => {
    const o = {
      execute: ["all"],
      upExecute: ["up1", "up2"],
      downExecute: ["down"],
      disabledExecute: ["off"],
    };
    assert.deepEqual(hooksFor("UP", o), ["up1", "up2", "all"]);
    assert.deepEqual(hooksFor("DOWN", o), ["down", "all"]);
    assert.deepEqual(hooksFor("DISABLED", o), ["off", "all"]);
    assert.deepEqual(hooksFor("RISING", o), ["all"]);
    assert.deepEqual(hooksFor("INIT", o), ["all"]);
  });

  it("refuses to step from EXIT or END", () => {
    assert.throws(() => step({ state: "EXIT", checks: 0 }, OBSERVATION["+"], { rise: 1, fall: 1 }), /EXIT/);
    assert.throws(() => step({ state: "END", checks: 0 }, OBSERVATION["+"], { rise: 1, fall: 1 }), /END/);
  });
});
