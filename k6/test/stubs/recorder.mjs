// What the k6 stand-in modules saw while a script ran: every request, every check and every JSON
// field the script read that the response did not contain.

export const recorder = {
  requests: [],
  checks: [],
  missingFields: [],
  metrics: new Map(),
};

/** Clears everything recorded, before the next script runs. */
export function resetRecorder() {
  recorder.requests.length = 0;
  recorder.checks.length = 0;
  recorder.missingFields.length = 0;
  recorder.metrics.clear();
}
