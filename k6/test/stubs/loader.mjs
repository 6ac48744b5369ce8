// Module hooks that let Node run the k6 scripts: `k6`, `k6/http` and `k6/metrics` resolve to the
// stand-ins beside this file, and the scripts' .js files load as ES modules.
const STUBS = {
  k6: './k6.mjs',
  'k6/http': './http.mjs',
  'k6/metrics': './metrics.mjs',
};
const SCRIPTS_DIR = new URL('../../', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier in STUBS) {
    return { url: new URL(STUBS[specifier], import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith(SCRIPTS_DIR) && url.endsWith('.js')) {
    return nextLoad(url, { ...context, format: 'module' });
  }
  return nextLoad(url, context);
}
