// Stand-in for the `k6` module: check, group and sleep, run synchronously as k6 runs them.
import { recorder } from './recorder.mjs';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Evaluates every named condition on `value`, records the outcomes and returns true when all hold. */
export function check(value, conditions) {
  let allPassed = true;
  for (const [name, condition] of Object.entries(conditions)) {
    let passed;
    try {
      passed = Boolean(condition(value));
    } catch (error) {
      passed = false;
      recorder.missingFields.push(`check '${name}' threw ${error}`);
    }
    recorder.checks.push({ name, passed });
    allPassed &&= passed;
  }
  return allPassed;
}

/** Runs `body` at once and returns its result. The group name is not recorded. */
export function group(name, body) {
  return body();
}

/** Blocks the thread for `seconds`, as k6's sleep blocks a virtual user. */
export function sleep(seconds) {
  Atomics.wait(sleepCell, 0, 0, Math.max(0, seconds * 1000));
}

export default { check, group, sleep };
