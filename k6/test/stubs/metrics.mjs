// Stand-in for `k6/metrics`: every metric keeps the values added to it in the recorder.
import { recorder } from './recorder.mjs';

class Metric {
  constructor(name) {
    this.name = name;
  }

  add(value) {
    if (!recorder.metrics.has(this.name)) {
      recorder.metrics.set(this.name, []);
    }
    recorder.metrics.get(this.name).push(Number(value));
  }
}

export class Counter extends Metric {}
export class Gauge extends Metric {}
export class Rate extends Metric {}
export class Trend extends Metric {}

export default { Counter, Gauge, Rate, Trend };
